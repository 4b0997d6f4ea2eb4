"""Compiling one card file on its own: parse, render, and every check that needs only that file.

A ``FileUnit`` is the unit of caching and of parallel work. It holds what the project-wide stages need of a
file (per card: identity, tags, rendered HTML, images, formulas and diagnostics) and nothing they do not (no
Markdown sources), so a rebuild takes every unchanged file from the cache without parsing it again or
re-creating its cards. Pure: a source file in, a unit out; (de)serialising it to JSON lives here too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ankigen import check as rules
from ankigen.diagnostics import Diagnostic
from ankigen.layout import TableShape, card_tables, code_problems
from ankigen.macros import NO_MACROS, Macros
from ankigen.model import Card, MediaRef, NoteKind, SourceFile, Span, Text
from ankigen.parse import parse_file
from ankigen.protect import cloze_in_math, clozes_answered
from ankigen.render import FieldRenderer, brace_problem, converter_renderer, render_card, scan_math
from ankigen.textcheck import control_chars_in

#: a formula as MathJax will see it, display or inline, the line and column where it starts (in the card's
#: file) and the field it is in (an index into ``CardInfo.html``: front, back, extra, context); plain tuples,
#: as a warm build loads tens of thousands of them
Formula = tuple[str, bool, int, int, int]


@dataclass(frozen=True, slots=True)
class CardInfo:
    """A compiled card: what every stage after the file needs, without the Markdown it came from.

    ``html`` holds the rendered front, back, extra and context (``""`` where absent; the back is always empty
    for a cloze note); ``sources`` lets the next compile of an edited file reuse the fields that did not
    change. ``diagnostics`` are this card's rendering problems: reported only when it is built.
    """

    id: str
    kind: NoteKind
    section: tuple[str, ...]
    tags: tuple[str, ...]
    span: Span
    id_span: Span
    explicit_id: bool
    question: str  # normalised context and question, for W204 (same question twice in a deck)
    html: tuple[str, str, str, str]
    sources: tuple[str, str, str, str]  # ``field_key`` of the Markdown each ``html`` entry came from
    media: tuple[MediaRef, ...]
    formulas: tuple[Formula, ...] | None  # None: not loaded from the cache (the build skips MathJax)
    diagnostics: tuple[Diagnostic, ...]
    tables: tuple[TableShape, ...] = ()  # the shapes of its tables, for the width lint (W313)


@dataclass(frozen=True, slots=True)
class FileUnit:
    """Everything one card file contributes. ``diagnostics`` are the file's own (parsing and per-card rules
    that do not depend on rendering), reported whichever of its cards are built."""

    path: str
    cards: tuple[CardInfo, ...]
    diagnostics: tuple[Diagnostic, ...]


def formulas_of(text: Text, macros: Macros = NO_MACROS, field: int = 0) -> list[Formula]:
    """The formulas of a field, as Anki hands them to MathJax; those already reported as broken are left out."""
    out = []
    spans, _unclosed = scan_math(text.value)
    controls = bool(spans) and control_chars_in(text.value)  # once per field: most have none
    for m in spans:
        tex = text.value[m.body_start : m.body_end]
        # a cloze inside a formula: written for MathJax (``cloze_in_math``), and Anki swaps each deletion for its
        # content (or its hint) before MathJax sees it
        if "{{c" in tex:
            tex = clozes_answered(cloze_in_math(tex))
        if (controls and control_chars_in(tex)) or brace_problem(tex) is not None:
            continue  # E106 or E302 already explains this formula
        tex = macros.prepend(tex)  # as the card carries it
        at = text.origin.span(text.value, m.start)
        out.append((tex, m.display, at.line, at.col, field))
    return out


def field_key(text: str, inline: bool) -> str:
    """A short hash of a field's Markdown and how it is rendered (inline or as blocks)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=10, person=b"i" if inline else b"b").hexdigest()


def card_info(card: Card, render: FieldRenderer | None = None, macros: Macros = NO_MACROS) -> CardInfo:
    """Render one card and run the rules that look at it alone; ``render`` None: identity only (no HTML)."""
    texts = (card.front, card.back, card.extra, card.context)
    inline = ("\n" not in card.front.value, False, False, True)  # as ``render_card`` renders them
    sources = tuple(field_key(t.value, i) if t is not None else "" for t, i in zip(texts, inline, strict=True))
    if render is None:
        html: tuple[str, str, str, str] = ("", "", "", "")
        media: tuple[MediaRef, ...] = ()
        formulas: tuple[Formula, ...] | None = ()
        problems: tuple[Diagnostic, ...] = ()
        tables: tuple[TableShape, ...] = ()
    else:
        rc, found = render_card(card, render)
        html = (rc.front_html, rc.back_html, rc.extra_html, rc.context_html)
        media = rc.media
        formulas = tuple(f for n, t in enumerate(texts) if t is not None for f in formulas_of(t, macros, n))
        problems = (*found, *rules.run_rendered_rules([rc]), *code_problems(card))
        tables = card_tables(card)
    return CardInfo(
        id=card.id,
        kind=card.kind,
        section=card.section,
        tags=card.tags,
        span=card.span,
        id_span=card.id_span,
        explicit_id=card.explicit_id,
        question=rules.question_key(card),
        html=html,
        sources=(sources[0], sources[1], sources[2], sources[3]),
        media=media,
        formulas=formulas,
        diagnostics=problems,
        tables=tables,
    )


def compile_unit(
    src: SourceFile,
    section: tuple[str, ...],
    render: FieldRenderer | None = None,
    previous: Mapping[str, str] | None = None,
    macros: Macros = NO_MACROS,
) -> FileUnit:
    """Parse and render one file. Identical fields inside the file are rendered once, and fields found in
    ``previous`` (``field_key`` -> HTML, from the file's last compile) are not rendered again."""
    cards, problems = parse_file(src, section)
    base = render or _process_renderer(macros)
    memo: dict[tuple[str, bool], str] = {}

    def cached(text: str, inline: bool) -> str:
        key = (text, inline)
        hit = memo.get(key)
        if hit is None:
            hit = previous.get(field_key(text, inline)) if previous else None
            if hit is None:
                hit = base(text, inline)
            memo[key] = hit
        return hit

    infos = tuple(card_info(card, cached, macros) for card in cards)
    return FileUnit(src.path, infos, (*problems, *rules.run_file_rules(cards)))


_RENDERERS: dict[str, FieldRenderer] = {}


def _process_renderer(macros: Macros = NO_MACROS) -> FieldRenderer:
    """One Markdown converter per process and preamble (building one costs more than rendering a field)."""
    renderer = _RENDERERS.get(macros.digest)
    if renderer is None:
        renderer = _RENDERERS[macros.digest] = converter_renderer(macros=macros)
    return renderer


def rendered_fields(unit: FileUnit) -> dict[str, str]:
    """``field_key`` -> HTML of every field in ``unit`` (what an edit of its file can reuse)."""
    return {k: h for c in unit.cards for k, h in zip(c.sources, c.html, strict=True) if k}


#: a file to compile: source, default section, last compile's HTML by field key, project macros
Job = tuple[SourceFile, tuple[str, ...], Mapping[str, str] | None, Macros]


def compile_many(items: Sequence[Job]) -> list[tuple[FileUnit, str]]:
    """A batch of files, each with its cache text (the unit of work of a parallel build)."""
    units = (compile_unit(src, section, previous=previous, macros=m) for src, section, previous, m in items)
    return [(unit, dump_unit(unit)) for unit in units]


# ------------------------------------------------------------------------------------------ (de)serialising
# Plain JSON, never pickle: a cache file must not be able to run code. Spans inside a unit share its path.
def _diag_json(d: Diagnostic, path: str) -> list[Any]:
    out: list[Any] = [d.code, d.span.line, d.span.col, d.message, d.help]
    if d.span.path != path:
        out.append(d.span.path)
    return out


def _diag(v: list[Any], path: str) -> Diagnostic:
    return Diagnostic(v[0], Span(v[5] if len(v) > 5 else path, v[1], v[2]), v[3], v[4])


def dump_unit(unit: FileUnit) -> str:
    """A unit as text: a line of JSON with everything but formulas and HTML, a line of JSON with the
    formulas (read only when MathJax runs), then the HTML of every field run together (the first line gives
    each one's length). Raw HTML parses many times faster than HTML inside JSON strings, and a warm build
    reads all of it."""
    p = unit.path
    html = [h for c in unit.cards for h in c.html]
    meta = {
        "path": p,
        "diagnostics": [_diag_json(d, p) for d in unit.diagnostics],
        "lengths": [len(h) for h in html],
        "cards": [
            [
                c.id,
                c.kind.value,
                list(c.section),
                list(c.tags),
                [c.span.line, c.span.col, c.id_span.line, c.id_span.col],
                c.explicit_id,
                c.question,
                list(c.sources),
                [[m.target, m.span.line, m.span.col] for m in c.media],
                [_diag_json(d, p) for d in c.diagnostics],
                [
                    [line, col, field, [[w, [list(f) for f in fs]] for w, fs in columns]]
                    for line, col, field, columns in c.tables
                ],
            ]
            for c in unit.cards
        ],
    }
    if any(c.formulas is None for c in unit.cards):
        raise ValueError("a unit loaded without its formulas cannot be cached again")
    formulas = [c.formulas for c in unit.cards]
    return "\n".join((_dumps(meta), _dumps(formulas), "".join(html)))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


_KINDS = {k.value: k for k in NoteKind}


def _formulas(raw: list[Any]) -> tuple[Formula, ...]:
    out = tuple(map(tuple, raw))
    if not all(len(f) == 5 and isinstance(f[0], str) for f in out):
        raise ValueError("formula")
    return out


def _tables(raw: list[Any]) -> tuple[TableShape, ...]:
    out = []
    for line, col, field, columns in raw:
        shape = tuple((float(w), tuple((int(a), int(b), float(e), float(g)) for a, b, e, g in fs)) for w, fs in columns)
        out.append((int(line), int(col), int(field), shape))
    return tuple(out)


def load_unit(text: str, *, formulas: bool = True) -> FileUnit:
    """The inverse of ``dump_unit`` (without ``formulas``, every card's are None); raises
    ``KeyError``/``TypeError``/``ValueError``/``IndexError`` on anything malformed (the cache then drops the
    entry)."""
    meta_text, _, rest = text.partition("\n")
    formulas_text, _, html_text = rest.partition("\n")
    v = json.loads(meta_text)
    p = v["path"]
    if not isinstance(p, str):
        raise TypeError("path")
    lengths = v["lengths"]
    if sum(lengths) != len(html_text) or len(lengths) != 4 * len(v["cards"]):
        raise ValueError("lengths")
    html: list[str] = []
    at = 0
    for n in lengths:
        html.append(html_text[at : at + n])
        at += n
    per_card: list[Any] = json.loads(formulas_text) if formulas else [None] * len(v["cards"])
    if len(per_card) != len(v["cards"]):
        raise ValueError("formulas")
    cards = []
    for i, c in enumerate(v["cards"]):
        ident, kind, section, tags, where, explicit, question, sources, media, diags, tables = c
        if not isinstance(ident, str) or not isinstance(question, str) or len(sources) != 4:
            raise ValueError("card")
        cards.append(
            CardInfo(
                ident,
                _KINDS[kind],
                tuple(section),
                tuple(tags),
                Span(p, where[0], where[1]),
                Span(p, where[2], where[3]),
                bool(explicit),
                question,
                (html[4 * i], html[4 * i + 1], html[4 * i + 2], html[4 * i + 3]),
                (sources[0], sources[1], sources[2], sources[3]),
                tuple(MediaRef(t, Span(p, line, col)) for t, line, col in media),
                None if per_card[i] is None else _formulas(per_card[i]),
                tuple(_diag(d, p) for d in diags),
                _tables(tables),
            )
        )
    return FileUnit(p, tuple(cards), tuple(_diag(d, p) for d in v["diagnostics"]))
