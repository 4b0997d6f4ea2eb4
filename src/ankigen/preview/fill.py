"""Fill ankigen's own note type templates the way Anki does, so the preview shows each card's front and back as
the reviewer will. Pure: a note type, its fields and a card ordinal in, the question and answer HTML out.

This is not a general Anki template engine. It knows what our frozen templates (``notetypes.py``) use: field
replacements, ``{{#Field}}``/``{{^Field}}`` sections, ``{{FrontSide}}`` and the ``cloze:`` filter, with Anki's
rules for each (an empty field is whitespace and ``<br>``/``<div>`` only; a cloze card reveals its own ordinal,
shows the others, and nested deletions keep their own ordinals; the HTML Anki strips inside ``\\(…\\)`` after a
cloze is revealed). Anything else in a template is a bug, raised as ``ValueError``.
``tests/test_preview_fill.py`` holds it to the real ``anki`` backend on every flagship card and on a corpus of
cloze notes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ankigen.model import NoteKind
from ankigen.notetypes import NoteType

__all__ = ["Sides", "card_sides", "fill"]


@dataclass(frozen=True, slots=True)
class Sides:
    ordinal: int  # 1-based: the cloze number, 1 for a basic note's only card
    question: str
    answer: str


# ------------------------------------------------------------------------------------------- templates
_TAG_RE = re.compile(r"\{\{(.*?)\}\}", re.S)
#: Anki's test for an empty field: nothing but ASCII whitespace and empty <br>/<div> tags
_EMPTY_RE = re.compile(r"(?:[ \t\n\x0b\f\r]|</?(?:br|div) ?/?>)*", re.I)


def _is_empty(text: str) -> bool:
    return _EMPTY_RE.fullmatch(text) is not None


Node = tuple[str, str, object]  # (kind, key, payload): text/field/section/inverted


def _parse(template: str) -> list[Node]:
    """Template text into nodes; sections nest. Raises ValueError for a section that is not closed."""
    root: list[Node] = []
    stack: list[tuple[str, list[Node]]] = [("", root)]
    pos = 0
    for m in _TAG_RE.finditer(template):
        if m.start() > pos:
            stack[-1][1].append(("text", "", template[pos : m.start()]))
        pos = m.end()
        inner = m.group(1).strip()
        if inner[:1] in "#^":
            children: list[Node] = []
            key = inner[1:].strip()
            stack[-1][1].append(("section" if inner[0] == "#" else "inverted", key, children))
            stack.append((key, children))
        elif inner[:1] == "/":
            if len(stack) == 1 or stack[-1][0] != inner[1:].strip():
                raise ValueError(f"template closes {inner[1:]!r}, which is not open")
            stack.pop()
        else:
            stack[-1][1].append(("field", inner, None))
    if len(stack) != 1:
        raise ValueError(f"template leaves {stack[-1][0]!r} open")
    if pos < len(template):
        root.append(("text", "", template[pos:]))
    return root


def _render(nodes: Sequence[Node], fields: Mapping[str, str], ordinal: int, front: str | None) -> str:
    out: list[str] = []
    for kind, key, payload in nodes:
        if kind == "text":
            out.append(str(payload))
        elif kind in ("section", "inverted"):
            if key not in fields:
                raise ValueError(f"template tests {key!r}, which is not a field")
            shown = not _is_empty(fields[key])
            if shown == (kind == "section"):
                assert isinstance(payload, list)
                out.append(_render(payload, fields, ordinal, front))
        elif key == "FrontSide":
            out.append(front or "")
        else:
            *filters, name = key.split(":")
            if name not in fields:
                raise ValueError(f"template uses {name!r}, which is not a field")
            text = fields[name]
            for filt in reversed(filters):
                if filt != "cloze":
                    raise ValueError(f"template filter {filt!r} is not one ankigen's note types use")
                text = _strip_html_in_math(reveal_cloze(text, ordinal, question=front is None))
            out.append(text)
    return "".join(out)


# ----------------------------------------------------------------------------------------------- clozes
_OPEN_RE = re.compile(r"\{\{c([\d,]*)::")
_MAX_DEPTH = 10  # Anki ignores deletions opened deeper than this


@dataclass(slots=True)
class _Cloze:
    ordinals: tuple[int, ...]
    nodes: list[str | _Cloze]
    hint: str | None = None

    def plain(self) -> str:
        return "".join(n if isinstance(n, str) else n.plain() for n in self.nodes)


def _opener(text: str, pos: int) -> tuple[tuple[int, ...], int] | None:
    """The ordinals of a ``{{cN::`` (or ``{{c1,2::``) at ``pos`` and where its text starts."""
    m = _OPEN_RE.match(text, pos)
    if m is None:
        return None
    ordinals = tuple(sorted({int(n) for n in m.group(1).split(",") if n}))
    return (ordinals, m.end()) if ordinals else None


def _parse_clozes(text: str) -> list[str | _Cloze]:
    """Text and (nested) deletions. A ``}}`` outside any deletion is text; a deletion never closed is dropped."""
    out: list[str | _Cloze] = []
    open_: list[_Cloze] = []
    pos = 0
    start = 0

    def flush(end: int) -> None:
        chunk = text[start:end]
        if not chunk:
            return
        if open_:
            cloze = open_[-1]
            if not chunk.startswith("image-occlusion:") and "::" in chunk:
                chunk, cloze.hint = chunk.split("::", 1)
            cloze.nodes.append(chunk)
        else:
            out.append(chunk)

    while pos < len(text):
        opened = _opener(text, pos) if text.startswith("{{c", pos) else None
        if opened is not None:
            flush(pos)
            if len(open_) < _MAX_DEPTH:
                open_.append(_Cloze(opened[0], []))
            pos = start = opened[1]
        elif text.startswith("}}", pos):
            flush(pos)
            if open_:
                done = open_.pop()
                (open_[-1].nodes if open_ else out).append(done)
            else:
                out.append("}}")
            pos = start = pos + 2
        else:
            pos += 1
    flush(pos)
    return out


_ATTR_SAFE = re.compile(r"[A-Za-z0-9]")
_MINIMAL = {'"': "&quot;", "&": "&amp;", "'": "&#x27;", "<": "&lt;", ">": "&gt;"}


def _attribute(text: str) -> str:
    """Anki's attribute encoding of a deletion's hidden text: below U+0100, all but ASCII letters and digits become
    entities (``ü`` too); characters above pass as they are."""
    out = []
    for ch in text:
        if ch in _MINIMAL:
            out.append(_MINIMAL[ch])
        elif ord(ch) < 256 and not _ATTR_SAFE.match(ch):
            out.append(f"&#x{ord(ch):02X};")
        else:
            out.append(ch)
    return "".join(out)


def _reveal(cloze: _Cloze, ordinal: int, question: bool, found: list[bool]) -> str:
    active = ordinal in cloze.ordinals
    found[0] |= active
    ords = ",".join(map(str, cloze.ordinals))

    def inner() -> str:
        return "".join(n if isinstance(n, str) else _reveal(n, ordinal, question, found) for n in cloze.nodes)

    if active and question:
        hidden = inner()
        hint = cloze.hint if cloze.hint is not None else "..."
        return f'<span class="cloze" data-cloze="{_attribute(hidden)}" data-ordinal="{ords}">[{hint}]</span>'
    if active:
        return f'<span class="cloze" data-ordinal="{ords}">{inner()}</span>'
    return f'<span class="cloze-inactive" data-ordinal="{ords}">{inner()}</span>'


def reveal_cloze(text: str, ordinal: int, *, question: bool) -> str:
    """The ``cloze:`` filter: deletion ``ordinal`` hidden (question) or highlighted (answer), the others shown;
    empty when the text has no deletion with this ordinal (Anki then shows its "empty card" notice)."""
    found = [False]
    out = "".join(n if isinstance(n, str) else _reveal(n, ordinal, question, found) for n in _parse_clozes(text))
    return out if found[0] else ""


_MATH_RE = re.compile(r"(\\[(\[])(.*?)(\\[\])])", re.S | re.I)
_HTML_RE = re.compile(r"(<!--.*?-->)|(<style.*?>.*?</style>)|(<script.*?>.*?</script>)|(<.*?>)", re.S | re.I)


def _strip_html_in_math(text: str) -> str:
    """Anki drops tags (a revealed deletion's spans among them) between ``\\(``/``\\[`` and the next closer."""
    return _MATH_RE.sub(lambda m: m.group(1) + _HTML_RE.sub("", m.group(2)) + m.group(3), text)


# ------------------------------------------------------------------------------------------------ cards
def fill(notetype: NoteType, fields: Sequence[str], ordinal: int) -> Sides:
    """The question and answer of card ``ordinal`` (1-based) of a note, without the ``<style>`` Anki puts first."""
    if len(fields) != len(notetype.fields):
        raise ValueError(f"{notetype.name!r} has {len(notetype.fields)} fields, got {len(fields)}")
    values = dict(zip(notetype.fields, fields, strict=True))
    _name, qfmt, afmt = notetype.templates[0 if notetype.kind is NoteKind.CLOZE else ordinal - 1]
    question = _render(_parse(qfmt), values, ordinal, None)
    answer = _render(_parse(afmt), values, ordinal, question)
    return Sides(ordinal, question, answer)


def card_sides(notetype: NoteType, fields: Sequence[str], ordinals: Sequence[int]) -> list[Sides]:
    """Every card of a note: one per template of a basic note type, one per cloze ordinal of a cloze note."""
    return [fill(notetype, fields, n) for n in ordinals]


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment for search (tags dropped, entities decoded, whitespace folded)."""
    return " ".join(html.unescape(_HTML_RE.sub(" ", fragment)).split())
