"""Parsing card files (Markdown and YAML) into cards, with the 1-based location of every field.

Pure: a ``SourceFile`` in, cards and diagnostics out. Nothing here renders HTML or touches the disk.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import yaml

from ankigen.diagnostics import Diagnostic, diag, did_you_mean
from ankigen.model import Card, NoteKind, SourceFile, Span, Text, TextOrigin
from ankigen.textcheck import (
    ESCAPE_HELP,
    control_chars,
    control_chars_in,
    eaten_escapes,
    markdown_hazard,
    quoted_controls,
)

FILE_KEYS = ("deck", "tags", "type")
YAML_FILE_KEYS = (*FILE_KEYS, "cards")
MD_CARD_KEYS = ("id", "tags", "context", "type", "ref")
YAML_CARD_KEYS = ("id", "question", "answer", "text", "extra", "context", "tags", "type", "ref")
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
CLOZE_RE = re.compile(r"\{\{c(\d+)::")
#: deeper nesting than any note needs; deeper still would make the brace-matching of clozes (recursive, like
#: the nesting itself) run out of stack or time
MAX_CLOZE_DEPTH = 10
_CLOZE_TOKEN_RE = re.compile(r"\{\{c\d+(?:,\d+)*::|\}\}")


def too_deep_cloze(text: str) -> int | None:
    """The offset of the first deletion opened deeper than ``MAX_CLOZE_DEPTH``, or None (one linear pass)."""
    if "{{c" not in text:
        return None
    depth = 0
    for m in _CLOZE_TOKEN_RE.finditer(text):
        if m.group() == "}}":
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > MAX_CLOZE_DEPTH:
            return m.start()
    return None


_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING_RE = re.compile(r"^(#{1,2})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_META_START_RE = re.compile(r"^\s*<!--")
_META_LOOKS_RE = re.compile(r"^\s*\{?\s*[A-Za-z_][A-Za-z0-9_-]*\s*:")
_MARKER_RE = re.compile(r"^\s*<!--\s*(extra|answer)\s*-->\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------------------------------- helpers
def slug_level(level: str) -> str:
    """One tag level from a deck level: runs of anything but letters and digits become ``-``."""
    return re.sub(r"[^0-9A-Za-z]+", "-", level).strip("-")


def section_tag(section: tuple[str, ...]) -> str:
    return "::".join(slug for slug in map(slug_level, section) if slug)


def suggested_id(question: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", re.sub(r"[$\\`*_{}]", "", question.lower())).strip("-")
    return words[:40].rstrip("-") or "card"


def auto_id(question: str) -> str:
    """The id of a card without one: from its question only, so moving or renaming its folder keeps it."""
    digest = hashlib.sha1(question.strip().encode("utf-8")).hexdigest()
    return f"auto-{digest[:12]}"


def legacy_auto_id(section: tuple[str, ...], question: str) -> str:
    """The derived id of releases before 0.2, which hashed the deck too (``ankigen ids --write`` keeps it)."""
    digest = hashlib.sha1(("::".join(section) + "\x1f" + question.strip()).encode("utf-8")).hexdigest()
    return f"auto-{digest[:12]}"


@dataclass(slots=True)
class _Ctx:
    """Per-file accumulator (local to one ``parse_file`` call)."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    misspelt_id: bool = False  # the card being read has a key meant as 'id' (E201 says so; no W201 besides)

    def add(self, code: str, span: Span, message: str, help: str = "") -> None:
        self.diagnostics.append(diag(code, span, message, help))


def _mark_span(path: str, mark: yaml.Mark | None, line0: int = 0, col0: int = 0) -> Span:
    """A PyYAML mark (0-based) as a 1-based span; ``line0``/``col0`` offset YAML embedded in another file."""
    if mark is None:
        return Span(path, line0 + 1, col0 + 1)
    return Span(path, line0 + mark.line + 1, (col0 if mark.line == 0 else 0) + mark.column + 1)


def _yaml_error(ctx: _Ctx, code: str, exc: yaml.YAMLError, line0: int = 0, col0: int = 0) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if ("end of stream" in problem or "<stream end>" in problem) and getattr(exc, "context_mark", None) is not None:
        mark = exc.context_mark  # type: ignore[attr-defined]  # the quote or bracket never closed, not the file's end
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    help_text = ESCAPE_HELP if "escape character" in message else ""
    ctx.add(code, _mark_span(ctx.path, mark, line0, col0), message, help_text)


_YAML_ONLY_BREAKS = {0x85: " ", 0x2028: " ", 0x2029: " "}  # NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR


def _compose(
    ctx: _Ctx, text: str, code: str, line0: int = 0, col0: int = 0, *, controls_reported: bool = False
) -> yaml.Node | None:
    """The YAML node tree of ``text``, or None after reporting why it has none. ``controls_reported``: the caller
    reports control characters itself (``E106`` in Markdown files), so YAML's refusal of one is not said twice."""
    if any(chr(ch) in text for ch in _YAML_ONLY_BREAKS):
        # YAML counts these as line breaks, so its marks would disagree with every editor's line numbers (and
        # ours): each is reported, then read as the space it should have been (offsets stay the same)
        if not controls_reported:
            origin = TextOrigin.verbatim(ctx.path, line0 + 1, col0 + 1, text)
            for offset, message in control_chars(text, allow_tab=True):
                if ord(text[offset]) in _YAML_ONLY_BREAKS:
                    ctx.add("E106", origin.span(text, offset), message)
        text = text.translate(_YAML_ONLY_BREAKS)
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as exc:  # characters YAML does not allow; its message has no mark and 2 lines
        bad = list(yaml.reader.Reader.NON_PRINTABLE.finditer(text))
        if not bad:
            ctx.add(code, Span(ctx.path, line0 + 1, col0 + 1), f"invalid YAML: {exc.reason}")
        origin = TextOrigin.verbatim(ctx.path, line0 + 1, col0 + 1, text)
        for m in bad:  # all of them, not only the first
            if not (controls_reported and control_chars_in(m.group(0))):
                message = f"invalid YAML: U+{ord(m.group(0)):04X} is not allowed"
                ctx.add(code, origin.span(text, m.start()), message)
        return None
    except yaml.YAMLError as exc:
        _yaml_error(ctx, code, exc, line0, col0)
        return None
    except RecursionError:  # PyYAML composes nested collections recursively
        ctx.add(code, Span(ctx.path, line0 + 1, col0 + 1), "invalid YAML: lists or mappings nested too deeply")
        return None


# --------------------------------------------------------------------------------------------- YAML values
@dataclass(frozen=True, slots=True)
class _Value:
    """A YAML value reduced to what cards need: a string or a list of strings, with its place."""

    node: yaml.Node
    span: Span


class _Reader:
    """Turns YAML nodes into checked values, reporting wrong types (``E206``) and eaten escapes (``E106``)."""

    def __init__(self, ctx: _Ctx, source: str, line0: int = 0, col0: int = 0) -> None:
        self.ctx, self.source, self.line0, self.col0 = ctx, source, line0, col0

    def span(self, node: yaml.Node) -> Span:
        return _mark_span(self.ctx.path, node.start_mark, self.line0, self.col0)

    def mapping(self, node: yaml.Node, what: str, keys: tuple[str, ...]) -> dict[str, _Value]:
        if not isinstance(node, yaml.MappingNode):
            self.ctx.add("E206", self.span(node), f"{what} must be a mapping of keys to values")
            return {}
        out: dict[str, _Value] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
            span = self.span(key_node)
            if key not in keys:
                hint = did_you_mean(key, keys)
                self.ctx.misspelt_id = self.ctx.misspelt_id or hint.startswith("; did you mean 'id'?")
                self.ctx.add("E201", span, f"unknown {what} key {key!r}" + hint)
            elif key in out:
                self.ctx.add("E201", span, f"duplicate {what} key {key!r}")
            else:
                out[key] = _Value(value_node, self.span(value_node))
        return out

    def _check_escapes(self, node: yaml.ScalarNode, text: Text) -> None:
        allow_tab = node.style != '"'
        if node.style == '"':
            raw = self.source_slice(node)
            eaten = list(eaten_escapes(raw))
            for offset, macro in eaten:
                self.ctx.add(
                    "E106",
                    self._source_span(node, offset),
                    f"'{macro}' lost its backslash: double quotes in YAML read '{macro[:2]}' as an escape",
                    ESCAPE_HELP,
                )
            if eaten:
                return  # the control characters those escapes left are the same problems
        found = list(control_chars(node.value, allow_tab=allow_tab))
        # in double quotes each control character comes from an escape (or stands as itself): point at that
        raw_places = quoted_controls(self.source_slice(node)) if node.style == '"' and found else []
        exact = len(raw_places) == len(found)
        for n, (offset, message) in enumerate(found):
            where = self._source_span(node, raw_places[n]) if exact else text.origin.span(text.value, offset)
            self.ctx.add("E106", where, message, ESCAPE_HELP)

    def text(self, value: _Value, key: str) -> Text | None:
        node = value.node
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return Text("", TextOrigin.at(value.span))
        if not isinstance(node, yaml.ScalarNode):
            self.ctx.add("E206", value.span, f"{key!r} must be text, got a {_kind(node)}")
            return None
        result = Text(node.value, self._origin(node))
        self._check_escapes(node, result)
        return result

    def string(self, value: _Value, key: str) -> str | None:
        text = self.text(value, key)
        return None if text is None else text.value.strip()

    def strings(self, value: _Value, key: str) -> tuple[tuple[str, Span], ...] | None:
        node = value.node
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:null":
                return ()
            return ((str(node.value), value.span),)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for item in node.value:
                if not isinstance(item, yaml.ScalarNode):
                    self.ctx.add("E206", self.span(item), f"each item of {key!r} must be text, got a {_kind(item)}")
                    continue
                items.append((str(item.value), self.span(item)))
            return tuple(items)
        self.ctx.add("E206", value.span, f"{key!r} must be text or a list, got a {_kind(node)}")
        return None

    def _origin(self, node: yaml.ScalarNode) -> TextOrigin:
        start = self.span(node)
        if node.style in ("|", ">"):
            # block scalar: content starts on the next line, indented; literal blocks map line by line
            lines = self.source.split("\n")
            first = node.start_mark.line + 1
            indent = 0
            for raw in lines[first:]:
                if raw.strip():
                    indent = len(raw) - len(raw.lstrip(" "))
                    break
            if node.style == "|":
                return TextOrigin.verbatim(self.ctx.path, self.line0 + first + 1, indent + 1, node.value, indent)
            return TextOrigin.at(Span(self.ctx.path, self.line0 + first + 1, indent + 1))
        if node.start_mark.line == node.end_mark.line:
            if node.style in (None, ""):
                return TextOrigin.verbatim(self.ctx.path, start.line, start.col, node.value)
            if node.style == "'" and "''" not in self.source_slice(node):
                return TextOrigin.verbatim(self.ctx.path, start.line, start.col + 1, node.value)
            if node.style == '"' and "\\" not in self.source_slice(node):
                return TextOrigin.verbatim(self.ctx.path, start.line, start.col + 1, node.value)
        return TextOrigin.at(start)

    def _source_span(self, node: yaml.Node, offset: int) -> Span:
        """Where ``offset`` into ``source_slice(node)`` lies in the file."""
        raw = self.source_slice(node)[:offset]
        mark = node.start_mark
        if "\n" in raw:
            line = mark.line + raw.count("\n")
            col = offset - raw.rfind("\n") - 1
        else:
            line, col = mark.line, mark.column + offset
        return Span(self.ctx.path, self.line0 + line + 1, (self.col0 if line == mark.line == 0 else 0) + col + 1)

    def source_slice(self, node: yaml.Node) -> str:
        return self.source[node.start_mark.index : node.end_mark.index]


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "mapping"
    return "list" if isinstance(node, yaml.SequenceNode) else "scalar"


# ------------------------------------------------------------------------------------------ card building
@dataclass(slots=True)
class _FileDefaults:
    section: tuple[str, ...]
    tags: tuple[str, ...] = ()
    kind: NoteKind | None = None


def _parse_section(ctx: _Ctx, raw: str, span: Span) -> tuple[str, ...] | None:
    levels = tuple(level.strip() for level in raw.split("::"))
    if not raw.strip() or any(not level for level in levels):
        ctx.add("E404", span, f"invalid deck name {raw!r}: empty level", help="write levels as 'Parent::Child'")
        return None
    return levels


def _parse_kind(ctx: _Ctx, raw: str, span: Span) -> NoteKind | None:
    try:
        return NoteKind(raw.strip().lower())
    except ValueError:
        choices = [k.value for k in NoteKind]
        ctx.add("E207", span, f"unknown note type {raw!r}" + did_you_mean(raw, choices))
        return None


def normalize_tags(ctx: _Ctx, items: tuple[tuple[str, Span], ...]) -> tuple[str, ...]:
    """``DL/Diffusion`` → ``DL::Diffusion``; a space inside a level becomes ``-`` with a warning."""
    out: list[str] = []
    for raw, span in items:
        for word in [raw] if "," not in raw else [w for w in raw.split(",")]:
            word = word.strip()
            if not word:
                continue
            levels = [level.strip() for level in re.split(r"::|/", word)]
            if any(re.search(r"\s", level) for level in levels):
                fixed = "::".join(re.sub(r"\s+", "-", level) for level in levels if level)
                ctx.add(
                    "W202",
                    span,
                    f"space in tag {word!r}; using {fixed!r}",
                    help="Anki tags cannot hold spaces",
                )
                levels = fixed.split("::")
            tag = "::".join(level for level in levels if level)
            if tag and tag not in out:
                out.append(tag)
    return tuple(out)


def _joined(first: Text, second: Text) -> Text:
    """``first``, a blank line, then ``second``, keeping both origins line by line where they are exact."""
    value = first.value + "\n\n" + second.value
    if not (first.origin.exact and second.origin.exact):
        return Text(value, first.origin)
    last_line = first.origin.line_starts[-1][0]
    starts = (*first.origin.line_starts, (last_line + 1, 1), *second.origin.line_starts)
    return Text(value, TextOrigin(first.origin.path, starts))


def _make_card(
    ctx: _Ctx,
    *,
    defaults: _FileDefaults,
    card_id: tuple[str, Span] | None,
    kind: NoteKind | None,
    front: Text,
    back: Text | None,
    extra: Text | None,
    context: Text | None,
    tags: tuple[str, ...],
    refs: tuple[str, ...],
    span: Span,
    front_key: str,
    answer_marker: Span | None = None,
) -> Card | None:
    ok = True
    if kind is None:
        kind = defaults.kind
    if kind is None:
        has_cloze = CLOZE_RE.search(front.value) or (back is not None and CLOZE_RE.search(back.value))
        kind = NoteKind.CLOZE if has_cloze and front_key != "question" else NoteKind.BASIC
        if has_cloze and front_key == "question" and (back is None or not back.value.strip()):
            kind = NoteKind.CLOZE
    if kind is NoteKind.CLOZE and answer_marker is not None:
        ctx.add(
            "E210",
            answer_marker,
            "'<!-- answer -->' in a cloze card would put the answer text on the front",
            help="a cloze card has no answer side: remove the marker, or use '<!-- extra -->' for text shown after",
        )
        ok = False
    cloze = kind is NoteKind.CLOZE
    fields = (("cloze text" if cloze else "question", front), ("cloze text" if cloze else "answer", back))
    too_deep = False
    for name, part in (*fields, ("extra", extra), ("context", context)):
        deep = too_deep_cloze(part.value) if part is not None else None
        if part is not None and deep is not None:
            ctx.add(
                "E211",
                part.origin.span(part.value, deep),
                f"cloze deletions nested more than {MAX_CLOZE_DEPTH} deep in the {name}",
                help="Anki nests deletions, but no card needs this many levels: split the text into several",
            )
            too_deep = True
            continue
        hazard = markdown_hazard(part.value) if part is not None else None
        if part is not None and hazard is not None:
            ctx.add(
                "E212",
                part.origin.span(part.value, hazard[0]),
                f"the {name} is too complex to render in reasonable time: {hazard[1]}",
                help="split it into paragraphs or cards, or put literal text in a code block",
            )
            too_deep = True
    if too_deep:
        return None  # the other rules match cloze braces too
    for name, part in (("extra", extra), ("context", context)):
        if part is not None and CLOZE_RE.search(_CODE_MASK(part.value)):
            at = CLOZE_RE.search(_CODE_MASK(part.value))
            assert at is not None
            ctx.add(
                "W207",
                part.origin.span(part.value, at.start()),
                f"cloze deletion in the {name} is never hidden: Anki shows its braces as typed",
                help="move the deletion into the card's text (the heading and body before '<!-- extra -->')",
            )
    if kind is NoteKind.CLOZE and back is not None and back.value.strip():
        if front_key == "heading":
            front = _joined(front, back)
            back = None
        else:
            ctx.add("E209", back.origin.start, "a cloze note has no answer; put the deletions in 'text'")
            ok = False
    if not front.value.strip():
        what = "question" if kind is NoteKind.BASIC else "cloze text"
        ctx.add("E202", front.origin.start, f"empty {what}")
        ok = False
    if kind is NoteKind.BASIC and (back is None or not back.value.strip()):
        where = back.origin.start if back is not None else span
        ctx.add("E203", where, "empty answer")
        ok = False
    if kind is NoteKind.CLOZE and front.value.strip() and not CLOZE_RE.search(front.value):
        ctx.add(
            "E208",
            front.origin.start,
            "cloze note has no deletions",
            help="mark what to hide as {{c1::...}}, or make it a basic card",
        )
        ok = False
    explicit = card_id is not None
    if card_id is not None:
        value, id_span = card_id
        if not ID_RE.match(value):
            ctx.add(
                "E205",
                id_span,
                f"invalid card id {value!r}; expected letters, digits, '.', '_' and '-' (first a letter or digit)",
            )
            ok = False
    elif ctx.misspelt_id:
        value, id_span = auto_id(front.value), span
    else:
        value, id_span = auto_id(front.value), span
        ctx.add(
            "W201",
            span,
            "card has no id; its identity is derived from the question, so editing the question makes a new note",
            help="run `ankigen ids --write` (it keeps the note), or add one, for example "
            f"'id: {suggested_id(front.value)}'",
        )
    ctx.misspelt_id = False
    if not ok:
        return None
    all_tags = tuple(dict.fromkeys((*defaults.tags, *tags)))
    return Card(
        id=value,
        kind=kind,
        section=defaults.section,
        front=front,
        back=None if kind is NoteKind.CLOZE else back,
        extra=extra if extra is not None and extra.value.strip() else None,
        context=context if context is not None and context.value.strip() else None,
        tags=all_tags,
        span=span,
        id_span=id_span,
        explicit_id=explicit,
        refs=refs,
    )


def _file_defaults(
    ctx: _Ctx, reader: _Reader, values: dict[str, _Value], default_section: tuple[str, ...]
) -> _FileDefaults:
    defaults = _FileDefaults(section=default_section)
    if "deck" in values:
        raw = reader.string(values["deck"], "deck")
        if raw is not None:
            defaults.section = _parse_section(ctx, raw, values["deck"].span) or default_section
    if "tags" in values:
        items = reader.strings(values["tags"], "tags")
        defaults.tags = normalize_tags(ctx, items or ())
    if "type" in values:
        raw = reader.string(values["type"], "type")
        if raw is not None:
            defaults.kind = _parse_kind(ctx, raw, values["type"].span)
    return defaults


# -------------------------------------------------------------------------------------------------- YAML
def _parse_yaml(ctx: _Ctx, src: SourceFile, default_section: tuple[str, ...]) -> list[Card]:
    before = len(ctx.diagnostics)
    root = _compose(ctx, src.text, "E102")
    if root is None:
        if len(ctx.diagnostics) == before:  # an empty file, or only comments
            ctx.add("E105", Span(src.path), "no cards in file; it holds no YAML document (empty or only comments)")
        return []
    reader = _Reader(ctx, src.text)
    values = reader.mapping(root, "file", YAML_FILE_KEYS)
    defaults = _file_defaults(ctx, reader, values, default_section)
    cards_value = values.get("cards")
    if cards_value is None or not isinstance(cards_value.node, yaml.SequenceNode) or not cards_value.node.value:
        where = cards_value.span if cards_value else Span(src.path)
        ctx.add("E105", where, "no cards in file; expected a list under 'cards'")
        return []
    cards: list[Card] = []
    for item in cards_value.node.value:
        item_span = reader.span(item)
        fields = reader.mapping(item, "card", YAML_CARD_KEYS)
        if not isinstance(item, yaml.MappingNode):
            continue

        def text(key: str, fields: dict[str, _Value] = fields) -> Text | None:
            return reader.text(fields[key], key) if key in fields else None

        kind = None
        if "type" in fields:
            raw = reader.string(fields["type"], "type")
            kind = _parse_kind(ctx, raw, fields["type"].span) if raw is not None else None
        if "text" in fields:
            front_key = "text"
            front = text("text")
            if "question" in fields:
                ctx.add(
                    "E201",
                    fields["question"].span,
                    "a card has either 'text' (cloze) or 'question', not both",
                )
            if kind is None:
                kind = NoteKind.CLOZE
        else:
            front_key = "question"
            front = text("question")
            if front is None and "question" not in fields:
                front = Text("", TextOrigin.at(item_span))
        back = text("answer")
        if front is None:
            continue
        if "answer" in fields and back is None:
            continue
        if back is None and kind is not NoteKind.CLOZE and front_key == "question" and not CLOZE_RE.search(front.value):
            back = Text("", TextOrigin.at(item_span))
        card_id = None
        if "id" in fields:
            raw = reader.string(fields["id"], "id")
            card_id = (raw, fields["id"].span) if raw is not None else None
        tags: tuple[str, ...] = ()
        if "tags" in fields:
            tags = normalize_tags(ctx, reader.strings(fields["tags"], "tags") or ())
        refs = tuple(r for r, _ in reader.strings(fields["ref"], "ref") or ()) if "ref" in fields else ()
        card = _make_card(
            ctx,
            defaults=defaults,
            card_id=card_id,
            kind=kind,
            front=front,
            back=back,
            extra=text("extra"),
            context=text("context"),
            tags=tags,
            refs=refs,
            span=item_span,
            front_key=front_key,
        )
        if card is not None:
            cards.append(card)
    return cards


# ---------------------------------------------------------------------------------------------- Markdown
@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # 1-based
    text: str
    in_fence: bool


def _lines(text: str, first: int) -> Iterator[_Line]:
    """Lines from line number ``first`` on, each marked with whether it sits inside fenced code."""
    fence = ""
    for i, raw in enumerate(text.split("\n")[first - 1 :], start=first):
        m = _FENCE_RE.match(raw)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not raw.strip()[len(m.group(1)) :]:
                yield _Line(i, raw, True)
                fence = ""
                continue
            yield _Line(i, raw, True)
        else:
            if m:
                fence = m.group(1)
                yield _Line(i, raw, True)
                continue
            yield _Line(i, raw, False)


_TYPO_HEADING_RE = re.compile(r"^(##)([^#\s].*)$")  # '#tag' alone is an Obsidian tag, not a typo


def _headings(ctx: _Ctx, path: str, lines: list[_Line]) -> tuple[list[tuple[_Line, str, int]], set[int]]:
    """The lines that start a card (``## ``) or end one (a ``# `` title), outside code and HTML comments, and
    the numbers of the lines a comment hides.

    A ``# `` line is a title where no card has begun yet or where a card heading follows it; anywhere else it
    is a heading inside the answer. Text before the first card belongs to no card (W101); a ``##`` glued to
    its title is E110. A heading inside ``<!-- … -->`` is hidden with the rest of the comment; comments nest
    here (a commented-out card keeps its own ``<!-- id: … -->``), and a comment that holds a heading or
    another comment is dropped from the card, so no browser ends it early at the inner ``-->``.
    """
    found: list[tuple[int, _Line, str, int]] = []
    hidden: set[int] = set()
    depth = 0
    region_start = -1
    region_flagged = False
    content: list[int] = []  # indices of lines with text outside comments and fences (for W101)
    for index, line in enumerate(lines):
        if line.in_fence and depth == 0:
            content.append(index)
            continue
        text = line.text
        if depth == 0:
            m = _HEADING_RE.match(text)
            if m and len(m.group(1)) in (1, 2):
                found.append((index, line, m.group(2) or "", len(m.group(1))))
            else:
                typo = _TYPO_HEADING_RE.match(text)
                if typo:
                    ctx.add(
                        "E110",
                        Span(path, line.number, 1),
                        f"'{typo.group(1)}{typo.group(2)[:20]}' is not a heading: "
                        f"'{typo.group(1)}' needs a space after it",
                        help=f"write '{typo.group(1)} {typo.group(2)[:20]}'",
                    )
                if _without_comments(text).strip():
                    content.append(index)
        elif _HEADING_RE.match(text):
            region_flagged = True
        for token in _COMMENT_TOKEN_RE.finditer(text):
            if token.group(0) == "<!--":
                if depth == 0:
                    region_start = index if not text[: token.start()].strip() else -1
                    region_flagged = False
                else:
                    region_flagged = True
                depth += 1
            elif depth > 0:
                depth -= 1
                if depth == 0 and region_start >= 0 and region_flagged and not text[token.end() :].strip():
                    hidden.update(lines[i].number for i in range(region_start, index + 1))
    card_lines = [i for i, _l, _t, level in found if level == 2]
    first_card = card_lines[0] if card_lines else len(lines)
    kept: list[tuple[_Line, str, int]] = []
    for i, line, title, level in found:
        if level == 1 and i > first_card:
            nxt = next((j for j in sorted({*content, *(k for k, *_ in found)}) if j > i), None)
            if nxt is None or nxt not in card_lines:
                continue  # a heading inside the answer
        kept.append((line, title, level))
    titles = {i for i, _l, _t, level in found if level == 1 and i < first_card}
    stray = [j for j in content if j < first_card and j not in titles]
    if stray and card_lines:
        line = lines[stray[0]]
        ctx.add(
            "W101",
            Span(path, line.number, 1),
            "text before the first card belongs to no card and is not in the deck",
            help="start a card with '## ' above it, or wrap a note for readers in '<!-- … -->'",
        )
    return kept, hidden


_COMMENT_TOKEN_RE = re.compile(r"<!--|-->")
_COMMENT_RE = re.compile(r"<!--.*?-->")


def _without_comments(text: str) -> str:
    text = _COMMENT_RE.sub("", text)
    opened = text.find("<!--")
    return text if opened == -1 else text[:opened]


def _CODE_MASK(text: str) -> str:
    from ankigen.scan import mask

    return mask(text)


def _block(path: str, lines: list[_Line]) -> Text | None:
    """The text of consecutive lines with surrounding blank lines trimmed, or None when empty."""
    while lines and not lines[0].text.strip():
        lines = lines[1:]
    while lines and not lines[-1].text.strip():
        lines = lines[:-1]
    if not lines:
        return None
    value = "\n".join(line.text for line in lines)
    starts = tuple((line.number, 1) for line in lines)
    return Text(value, TextOrigin(path, starts))


def _front_matter(ctx: _Ctx, src: SourceFile) -> tuple[yaml.Node | None, int]:
    """The front matter node (if any) and the line number where the body starts."""
    lines = src.text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            text = "\n".join(lines[1:i])
            if not text.strip():
                return None, i + 2
            node = _compose(ctx, text, "E103", line0=1, controls_reported=True)
            return node, i + 2
    ctx.add("E103", Span(src.path, 1, 1), "front matter is not closed; expected a line '---'")
    return None, len(lines) + 1


def _metadata(ctx: _Ctx, src: SourceFile, body: list[_Line]) -> tuple[dict[str, _Value], _Reader | None, list[_Line]]:
    """The metadata comment at the top of a card body, and the body without it."""
    i = 0
    while i < len(body) and not body[i].text.strip():
        i += 1
    if i == len(body) or body[i].in_fence or not _META_START_RE.match(body[i].text):
        return {}, None, body
    first = body[i]
    start_col = first.text.index("<!--") + 4
    chunks: list[str] = []
    end = None
    for j in range(i, len(body)):
        line_text = body[j].text[start_col:] if j == i else body[j].text
        if "-->" in line_text:
            chunks.append(line_text[: line_text.index("-->")])
            end = j
            break
        chunks.append(line_text)
    content = "\n".join(chunks)
    if _MARKER_RE.match(first.text) or not _META_LOOKS_RE.match(content):
        return {}, None, body
    if end is None:
        ctx.add(
            "E104",
            Span(src.path, first.number, start_col - 3),
            "card metadata comment is not closed with '-->'",
        )
        return {}, None, []
    single = end == i
    line0, col0 = first.number - 1, start_col
    if single:
        fast = _simple_metadata(ctx, content, first.number, start_col)
        if fast is not None:
            return fast, _Reader(ctx, content, line0=line0, col0=col0), body[end + 1 :]
    if single and not content.strip().startswith("{"):
        stripped = content.lstrip()
        col0 += len(content) - len(stripped) - 1
        content = "{" + stripped.rstrip() + "}"
    node = _compose(ctx, content, "E104", line0=line0, col0=col0, controls_reported=True)
    rest = body[end + 1 :]
    if node is None:
        return {}, None, rest
    reader = _Reader(ctx, content, line0=line0, col0=col0)
    return reader.mapping(node, "card", MD_CARD_KEYS), reader, rest


_SIMPLE_PAIR_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_-]*):[ \t]+([A-Za-z0-9][A-Za-z0-9._/-]*)\s*(?:,|$)")


def _simple_metadata(ctx: _Ctx, content: str, line: int, start_col: int) -> dict[str, _Value] | None:
    """``id: x, ref: y`` with plain values, read without YAML (most cards); None for anything else."""
    pos = 0
    pairs: list[tuple[str, str, int, int]] = []
    while pos < len(content.rstrip()):
        m = _SIMPLE_PAIR_RE.match(content, pos)
        if m is None:
            return None
        pairs.append((m.group(1), m.group(2), m.start(1), m.start(2)))
        pos = m.end()
    if not pairs or len({k for k, *_ in pairs}) != len(pairs) or any(k not in MD_CARD_KEYS for k, *_ in pairs):
        return None  # let YAML and the key checks report it
    out = {}
    for key, value, _kpos, vpos in pairs:
        node = yaml.ScalarNode("tag:yaml.org,2002:str", value, style=None)
        node.start_mark = yaml.Mark("", vpos, 0, vpos, None, None)  # type: ignore[arg-type]
        node.end_mark = node.start_mark
        out[key] = _Value(node, Span(ctx.path, line, start_col + vpos + 1))
    return out


def _split_markers(body: list[_Line]) -> tuple[list[_Line], list[_Line], list[_Line], _Line | None]:
    """(question part, answer part, extra part, the answer marker line) split at ``<!-- answer -->`` and
    ``<!-- extra -->`` lines."""
    marker: _Line | None = None
    question: list[_Line] = []
    answer: list[_Line] = []
    extra: list[_Line] = []
    current = answer
    for line in body:
        m = None if line.in_fence else _MARKER_RE.match(line.text)
        if m and m.group(1).lower() == "answer" and current is answer and not extra:
            marker = line
            question, answer = answer, []
            current = answer
            continue
        if m and m.group(1).lower() == "extra" and current is answer:
            current = extra
            continue
        current.append(line)
    return question, answer, extra, marker


def _parse_markdown(ctx: _Ctx, src: SourceFile, default_section: tuple[str, ...]) -> list[Card]:
    node, body_start = _front_matter(ctx, src)
    defaults = _FileDefaults(section=default_section)
    if node is not None:
        reader = _Reader(ctx, src.text, line0=1)
        values = reader.mapping(node, "front matter", FILE_KEYS)
        defaults = _file_defaults(ctx, reader, values, default_section)

    all_lines = list(_lines(src.text, body_start))
    headings, hidden = _headings(ctx, src.path, all_lines)
    cards: list[Card] = []
    for index, (line, title, level) in enumerate(headings):
        if level != 2:
            continue
        end = (
            headings[index + 1][0].number if index + 1 < len(headings) else all_lines[-1].number + 1 if all_lines else 0
        )
        first = line.number - body_start + 1  # all_lines[i] is line number body_start + i
        body = all_lines[first : max(first, end - body_start)]
        col = line.text.index(title) + 1 if title else 3
        span = Span(src.path, line.number, 1)
        heading_text = Text(title.strip(), TextOrigin(src.path, ((line.number, col),)))
        before = len(ctx.diagnostics)
        if hidden:
            body = [line for line in body if line.number not in hidden]
        values, meta_reader, body = _metadata(ctx, src, body)
        if any(d.code == "E104" for d in ctx.diagnostics[before:]):
            continue  # the metadata comment is broken: report that alone, not the card's missing id
        question_lines, answer_lines, extra_lines, marker = _split_markers(body)
        front = heading_text
        extra_q = _block(src.path, question_lines)
        if extra_q is not None:
            front = _joined(heading_text, extra_q)
        back = _block(src.path, answer_lines) or Text("", TextOrigin.at(span))
        extra = _block(src.path, extra_lines)
        card_id = kind = context = None
        tags: tuple[str, ...] = ()
        refs: tuple[str, ...] = ()
        if meta_reader is not None:
            get: Callable[[str], _Value | None] = values.get
            if (v := get("id")) is not None and (raw := meta_reader.string(v, "id")) is not None:
                card_id = (raw, v.span)
            if (v := get("type")) is not None and (raw := meta_reader.string(v, "type")) is not None:
                kind = _parse_kind(ctx, raw, v.span)
            if (v := get("context")) is not None:
                context = meta_reader.text(v, "context")
            if (v := get("tags")) is not None:
                tags = normalize_tags(ctx, meta_reader.strings(v, "tags") or ())
            if (v := get("ref")) is not None:
                refs = tuple(r for r, _ in meta_reader.strings(v, "ref") or ())
        card = _make_card(
            ctx,
            defaults=defaults,
            card_id=card_id,
            kind=kind,
            front=front,
            back=back,
            extra=extra,
            context=context,
            tags=tags,
            refs=refs,
            span=span,
            front_key="heading",
            answer_marker=None if marker is None else Span(src.path, marker.number, marker.text.index("<!--") + 1),
        )
        if card is not None:
            cards.append(card)
    if not any(level == 2 for _, _, level in headings) and not ctx.diagnostics:
        ctx.add("E105", Span(src.path, 1, 1), "no cards in file; each card starts with a '## ' heading")
    return cards


def parse_file(src: SourceFile, default_section: tuple[str, ...]) -> tuple[tuple[Card, ...], tuple[Diagnostic, ...]]:
    """Parse one card file. ``default_section`` is used when the file does not name its deck."""
    ctx = _Ctx(src.path)
    if src.path.endswith((".yaml", ".yml")):
        cards = _parse_yaml(ctx, src, default_section)
    else:
        cards = _parse_markdown(ctx, src, default_section)
        _markdown_control_chars(ctx, src)
    return tuple(cards), tuple(ctx.diagnostics)


def _markdown_control_chars(ctx: _Ctx, src: SourceFile) -> None:
    """Control characters other than TAB anywhere in a Markdown file (TABs inside math: see render)."""
    origin = TextOrigin.verbatim(src.path, 1, 1, src.text)
    for offset, message in control_chars(src.text, allow_tab=True):
        line_start = src.text.rfind("\n", 0, offset) + 1
        if src.text[offset] == "\t" and not src.text[line_start:offset].strip():
            continue  # a TAB that indents a line is layout, not an eaten '\t'
        ctx.add("E106", origin.span(src.text, offset), message)
