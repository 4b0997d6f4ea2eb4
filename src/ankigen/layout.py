"""The width lint: what would not fit in a phone's card column (W310-W313).

Most reviewing happens on phones, where AnkiDroid's card column is about 352 px wide and scrollbars are hidden.
This stage works out, for each card, what would be wider than that column:

- a display formula (W310) or an inline formula (W311, it cannot wrap), from its width in em as MathJax itself
  lays it out (measured in the MathJax pass the build already runs, see ``mathjax.check_formulas``);
- a code block (W312), from its longest line and the monospace advance at the code font size;
- a table (W313), from its shape: its columns, the longest word that cannot wrap in each, and the cell padding.

Every number of the layout (font sizes, the card's padding, the code box's and table cells' padding) is read
from the note type's CSS, the one place that sets them (``notetype.css``), so that the lint follows the CSS.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ankigen.diagnostics import Diagnostic, diag
from ankigen.model import Card, Span, Text
from ankigen.scan import code_blocks, mask, scan

__all__ = [
    "COLUMN_PX",
    "FIELDS",
    "Column",
    "Layout",
    "TableShape",
    "card_tables",
    "code_problems",
    "formula_problems",
    "layout",
    "table_problems",
]

#: AnkiDroid's card column on a typical phone (a 360 px screen less the reviewer's 4 px margins)
COLUMN_PX = 352.0
#: the fields of a card, in the order ``unit.CardInfo.html`` holds them, with the CSS class each is shown in
FIELDS = ("front", "back", "extra", "context")
_FIELD_CLASS = {"front": ".ag-question", "back": ".ag-answer", "extra": ".ag-extra", "context": ".ag-context"}
_FIELD_NAMES = {"front": "question", "back": "answer", "extra": "extra", "context": "context"}
#: MathJax scales its output so that its x-height matches the surrounding text's (``matchFontHeight``): 1.195
#: for Roboto (Android's font), Arial/Helvetica and Liberation Sans alike (measured in Chromium; the calibration
#: test in tests/e2e/test_browser.py checks it)
MATHJAX_SCALE = 1.2
#: a monospace font's advance (Menlo, DejaVu/Liberation Mono, Roboto Mono: 0.60 em; Consolas 0.55 em)
MONO_ADVANCE_EM = 0.602
#: advance widths of the printable ASCII characters (space to ``~``) in thousandths of an em, regular and bold,
#: of Arial and its metric twins Liberation Sans and Helvetica (the card's font stack; Roboto is a little narrower)
_ARIAL = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 "
    "278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 "
    "667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 "
    "556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_ARIAL_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 333 "
    "333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 611 722 "
    "667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 "
    "611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_ADVANCE = (
    {chr(32 + i): int(w) / 1000 for i, w in enumerate(_ARIAL.split())},
    {chr(32 + i): int(w) / 1000 for i, w in enumerate(_ARIAL_BOLD.split())},
)
#: any other character: a wide East Asian one 1 em, else an average letter
SANS_ADVANCE_EM = 0.56
#: code may scroll sideways inside its box (the box shows an edge shadow); a line longer than this many
#: columns makes the reader swipe back and forth on every line, and is reported
CODE_COLUMNS = 2.0
#: the media query of the note type's CSS that applies on phones
_PHONE_MEDIA = "(max-width: 480px)"


@dataclass(frozen=True, slots=True)
class Layout:
    """The numbers of the note type's CSS that decide what fits, in px."""

    font_px: float  # the card's font size
    column_px: float  # room for content in the phone column: COLUMN_PX less the card's left and right padding
    field_scale: Mapping[str, float]  # font size of each field relative to the card's
    code_scale: float  # code box font size relative to its field's
    code_scale_extra: float
    code_pad_em: float  # the code box's left + right padding, in its own em
    table_scale: float  # table font size relative to its field's (on a phone)
    cell_pad_em: float  # a cell's left + right padding, in the table's em
    cell_min_em: float  # a cell's min-width (content box), in the table's em
    list_indent_em: float  # a list's left padding, in its field's em

    def field_px(self, field: str) -> float:
        return self.font_px * self.field_scale.get(field, 1.0)

    def code_px(self, field: str) -> float:
        return self.field_px(field) * (self.code_scale_extra if field == "extra" else self.code_scale)


# ------------------------------------------------------------------------------------------ the CSS numbers
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_MEDIA = re.compile(r"@media\s*([^{]+?)\s*\{((?:[^{}]*\{[^{}]*\})*)\s*\}")


def _rules(css: str) -> dict[tuple[str, str], dict[str, str]]:
    """(media, selector) -> declarations, for the plain rules of ``css`` and of its ``@media`` blocks."""
    css = _COMMENT.sub("", css)
    out: dict[tuple[str, str], dict[str, str]] = {}

    def add(media: str, block: str) -> None:
        for m in _RULE.finditer(block):
            decls = {}
            for decl in m.group(2).split(";"):
                name, _, value = decl.partition(":")
                if value.strip():
                    decls[name.strip().lower()] = value.strip()
            for selector in m.group(1).split(","):
                key = (media, " ".join(selector.split()))
                out.setdefault(key, {}).update(decls)

    for m in _MEDIA.finditer(css):
        add(" ".join(m.group(1).split()), m.group(2))
    add("", _MEDIA.sub("", css))
    return out


def _length(value: str, unit: str) -> float:
    m = re.fullmatch(rf"(-?\d*\.?\d+){unit}", value.strip())
    if m is None:
        raise ValueError(f"expected a length in {unit}, got {value!r}")
    return float(m.group(1))


def _horizontal(padding: str) -> float:
    """Left + right of a ``padding`` shorthand, in em."""
    parts = padding.split()
    right = parts[1] if len(parts) > 1 else parts[0]
    left = parts[3] if len(parts) > 3 else right
    return _length(right, "em") + _length(left, "em")


def _get(rules: Mapping[tuple[str, str], Mapping[str, str]], selector: str, prop: str, media: str = "") -> str:
    for key in ((media, selector), ("", selector)):
        value = rules.get(key, {}).get(prop)
        if value is not None:
            return value
    raise ValueError(f"the note type's CSS sets no {prop} for {selector!r}")


def layout_from_css(css: str) -> Layout:
    """The layout numbers of a note type CSS (raises ValueError when one is missing)."""
    r = _rules(css)
    font_px = _length(_get(r, ".card", "font-size"), "px")
    card_pad = _horizontal(_get(r, ".card", "padding"))
    scales = {}
    for field, selector in _FIELD_CLASS.items():
        try:
            scales[field] = _length(_get(r, selector, "font-size"), "em")
        except ValueError:
            scales[field] = 1.0
    return Layout(
        font_px=font_px,
        column_px=COLUMN_PX - card_pad * font_px,
        field_scale=scales,
        code_scale=_length(_get(r, ".highlight pre", "font-size"), "em"),
        code_scale_extra=_length(_get(r, ".ag-extra .highlight pre", "font-size"), "em"),
        code_pad_em=_horizontal(_get(r, ".highlight pre", "padding")),
        table_scale=_length(_get(r, "table", "font-size", _PHONE_MEDIA), "em"),
        cell_pad_em=_horizontal(_get(r, "td", "padding", _PHONE_MEDIA)),
        cell_min_em=_length(_get(r, "td", "min-width"), "em"),
        list_indent_em=_length(_get(r, "ul", "padding-left"), "em"),
    )


@cache
def layout() -> Layout:
    """The layout of the note types ankigen writes."""
    from ankigen.notetypes import css

    return layout_from_css(css())


# ----------------------------------------------------------------------------------------------- formulas
def formula_problems(
    places: Iterable[tuple[str, bool, str, Span, bool]], widths: Mapping[tuple[str, bool], float | None]
) -> list[Diagnostic]:
    """W310/W311 for each formula ``(tex, display, field, where, in_table)`` whose MathJax width (em) overflows
    (a formula in a table cell is at the table's smaller font)."""
    lay = layout()
    out = []
    for tex, display, field, where, in_table in places:
        em = widths.get((tex, display))
        if em is None:
            continue
        px = em * MATHJAX_SCALE * lay.field_px(field) * (lay.table_scale if in_table else 1.0)
        room = lay.column_px
        if px <= room:
            continue
        what = _FIELD_NAMES.get(field, field)
        if display:
            out.append(
                diag(
                    "W310",
                    where,
                    f"display formula in the {what} is wider than a phone column: measured {px:.0f} px, "
                    f"column {room:.0f} px",
                    help="fix: break it into lines with aligned/gathered (\\\\ between lines), split it into two "
                    "formulas, or move the long form to the extra",
                )
            )
        else:
            out.append(
                diag(
                    "W311",
                    where,
                    f"inline formula in the {what} is wider than a phone column and cannot wrap: measured "
                    f"{px:.0f} px, column {room:.0f} px",
                    help="fix: make it a display formula broken with aligned/gathered, or split it into shorter "
                    "inline formulas joined by words",
                )
            )
    return out


# ------------------------------------------------------------------------------------------- code, tables
def _cells(text: str) -> int:
    """Character cells of a line of code (tabs to 8, wide East Asian characters count twice)."""
    text = text.expandtabs(8)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")


def _code_problems(text: Text, field: str, lay: Layout) -> Iterator[Diagnostic]:
    value = text.value
    code_px = lay.code_px(field)
    room = lay.column_px - lay.code_pad_em * code_px
    limit = CODE_COLUMNS * room
    for start, end in code_blocks(value):
        lines = value[start:end].split("\n")
        offsets = []
        at = start
        for line in lines:
            offsets.append(at)
            at += len(line) + 1
        fenced = bool(_FENCE.match(lines[0]))
        indent = 0
        if fenced:
            indent = len(lines[0]) - len(lines[0].lstrip())
            body = list(zip(lines[1:], offsets[1:], strict=True))
            if body and _FENCE.fullmatch(body[-1][0].rstrip()):
                body = body[:-1]
        else:
            indent = 4
            body = list(zip(lines, offsets, strict=True))
        best = None
        for line, offset in body:
            width = _cells(line[min(indent, len(line) - len(line.lstrip())) :].rstrip()) * MONO_ADVANCE_EM * code_px
            if best is None or width > best[0]:
                best = (width, offset, line)
        if best is None or best[0] <= limit:
            continue
        width, offset, line = best
        chars = int(limit / (MONO_ADVANCE_EM * code_px))
        yield diag(
            "W312",
            text.origin.span(value, offset),
            f"code line in the {_FIELD_NAMES.get(field, field)} is too long for a phone: measured {width:.0f} px, "
            f"column {room:.0f} px (code scrolls sideways, but not past {CODE_COLUMNS:g} columns, "
            f"about {chars} characters)",
            help="fix: break the line (wrap arguments, name an intermediate value), or move the code to the extra",
        )


_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_WORD = re.compile(r"\S+")
_MARKUP = re.compile(r"(\*\*|__|[*_`])")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?|\\.")
_TEX_WIDE = re.compile(r"\\(?:[dt]?frac|binom)\s*")

#: a column of a table: the widest word in it (em of the table's font, headers counted bold), and its formulas
#: as (line, col, estimated em, em of the text glued to it on either side): the line and column are the
#: formula's (as ``unit.Formula`` has them), so that MathJax's width can replace the estimate when MathJax runs
Column = tuple[float, tuple[tuple[int, int, float, float], ...]]
#: a table: the line and column of its header row, the field it is in (index into ``FIELDS``), its columns
TableShape = tuple[int, int, int, tuple[Column, ...]]


def _split_row(line: str) -> list[tuple[str, int]]:
    r"""The cells of a table row, each with its offset in ``line`` (``\|`` does not split; ``|`` in math is
    already blanked out by the caller's masking)."""
    cells: list[tuple[str, int]] = []
    stripped = line.rstrip()
    i = len(line) - len(line.lstrip())
    if stripped[i : i + 1] == "|":
        i += 1
    stop = len(stripped)
    if stop > i and stripped.endswith("|") and not stripped.endswith("\\|"):
        stop -= 1
    begin = i
    while i < stop:
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == "|":
            cells.append((line[begin:i], begin))
            begin = i + 1
        i += 1
    cells.append((line[begin:stop], begin))
    return cells


def _math_em(tex: str) -> float:
    """A rough width in em of an inline formula in a cell, for when MathJax cannot measure it: its visible
    characters (a fraction shows only the wider of its parts, so what has one counts 0.6)."""
    tex = tex.replace("\\left", "").replace("\\right", "")
    frac = bool(_TEX_WIDE.search(tex))
    visible = _TEX_COMMAND.sub("x", _TEX_WIDE.sub("", tex))
    visible = re.sub(r"[{}^_\s&]", "", visible)
    n = len(visible)
    return 0.55 * MATHJAX_SCALE * (n * 0.6 if frac else n)


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
#: a line may break after a hyphen, a dash or a slash (Unicode line breaking, as browsers do)
_BREAKS_AFTER = "-\u2010\u2013\u2014/"
_BREAK_AFTER = re.compile(r"(?<=[-\u2010\u2013\u2014/])(?=\w)")
#: inline code in a cell: monospace at 0.88 of the text, with 0.3 em of padding each side
_CODE_EM, _CODE_PAD_EM = MONO_ADVANCE_EM * 0.88, 0.6


def _run_em(text: str, bold: bool) -> float:
    """The width in em of a run of text that cannot break, in the table's sans-serif font."""
    advance = _ADVANCE[bold]
    return sum(advance.get(c) or (1.0 if unicodedata.east_asian_width(c) in "WF" else SANS_ADVANCE_EM) for c in text)


def _glue_em(before: str, after: str, bold: bool) -> float:
    """The width of the text glued to a formula on either side (``($x$):`` cannot break between the parenthesis
    and the formula), up to the nearest space or place a line may break."""
    lead = _MARKUP.sub("", before).rsplit(None, 1)[-1] if before.strip() and not before[-1:].isspace() else ""
    trail = _MARKUP.sub("", after).split(None, 1)[0] if after.strip() and not after[:1].isspace() else ""
    if lead[-1:] in _BREAKS_AFTER:
        lead = ""  # a line may break after the hyphen, before the formula
    return _run_em(_BREAK_AFTER.split(lead)[-1], bold) + _run_em(_BREAK_AFTER.split(trail)[0], bold)


def _words_em(cell: str, bold: bool = False) -> float:
    """The widest word of a cell's text (formulas taken out) in em: text in a sans-serif font, code in monospace."""
    widest = 0.0
    for m in _CODE_SPAN.finditer(cell):
        for word in _WORD.findall(m.group(2)):
            widest = max(widest, len(word) * _CODE_EM + _CODE_PAD_EM)
    text = _MARKUP.sub("", _CODE_SPAN.sub(" ", cell))
    advance = _ADVANCE[bold]
    for word in _WORD.findall(text):
        for part in _BREAK_AFTER.split(word):
            em = sum(
                advance.get(c) or (1.0 if unicodedata.east_asian_width(c) in "WF" else SANS_ADVANCE_EM) for c in part
            )
            widest = max(widest, em)
    return round(widest, 3)


def table_shapes(text: Text, field: int) -> list[TableShape]:
    """The Markdown tables of a field's source, as shapes (see ``TableShape``)."""
    value = text.value
    found = scan(value)
    masked = mask(value)  # code, comments and tags hold no table
    # formulas blanked too, so that a ``|`` inside one does not split a cell
    chars = list(masked)
    for m in found.math:
        chars[m.start : m.end] = "$" * (m.end - m.start)
    flat = "".join(chars)
    math_at = {m.start: m for m in found.math}
    lines = flat.split("\n")
    offsets = []
    at = 0
    for line in lines:
        offsets.append(at)
        at += len(line) + 1
    out: list[TableShape] = []
    i = 1
    while i < len(lines):
        if not ("|" in lines[i - 1] and "-" in lines[i] and _TABLE_SEP.match(lines[i])):
            i += 1
            continue
        head = i - 1
        end = i + 1
        while end < len(lines) and "|" in lines[end] and lines[end].strip():
            end += 1
        rows = [head, *range(i + 1, end)]
        columns: dict[int, tuple[float, list[tuple[int, int, float, float]]]] = {}
        for n, row in enumerate(rows):
            for c, (cell, offset) in enumerate(_split_row(lines[row])):
                words, formulas = columns.get(c, (0.0, []))
                start = offsets[row] + offset
                plain: list[str] = []
                k = start
                while k < start + len(cell):
                    span = math_at.get(k)
                    if span is not None:
                        at_formula = text.origin.span(value, span.start)
                        tex = value[span.body_start : span.body_end]
                        tail = flat[span.end : start + len(cell)].replace("$", " ")  # up to the next formula
                        glue = _glue_em("".join(plain), tail, bold=n == 0)
                        formulas.append((at_formula.line, at_formula.col, round(_math_em(tex), 3), round(glue, 3)))
                        plain.append(" ")
                        k = span.end
                        continue
                    plain.append(value[k])
                    k += 1
                words = max(words, _words_em("".join(plain), bold=n == 0))  # header cells are bold
                columns[c] = (words, formulas)
        where = text.origin.span(value, offsets[head])
        shape = tuple((columns[c][0], tuple(columns[c][1])) for c in sorted(columns))
        out.append((where.line, where.col, field, shape))
        i = end + 1
    return out


def table_problems(
    path: str, tables: Iterable[TableShape], measured: Mapping[tuple[int, int], float | None] | None = None
) -> list[Diagnostic]:
    """W313 for each table whose narrowest layout is wider than the phone column; ``measured`` holds MathJax's
    width in em of the formulas it could measure, by (line, col); the others keep their estimate."""
    lay = layout()
    out = []
    for line, col, field_index, columns in tables:
        field = FIELDS[field_index]
        table_px = lay.field_px(field) * lay.table_scale
        total = 1.0  # the outer border
        for words, formulas in columns:
            widest = words
            for f_line, f_col, estimate, glue in formulas:
                em = measured.get((f_line, f_col)) if measured else None
                widest = max(widest, (estimate if em is None else em * MATHJAX_SCALE) + glue)
            total += (max(widest, lay.cell_min_em) + lay.cell_pad_em) * table_px + 1
        room = lay.column_px
        if total > room:
            out.append(
                diag(
                    "W313",
                    Span(path, line, col),
                    f"table in the {_FIELD_NAMES.get(field, field)} is wider than a phone column: "
                    f"{len(columns)} columns, measured {total:.0f} px, column {room:.0f} px",
                    help="fix: fewer columns (split the table, or turn it into a list), shorter words or formulas "
                    "in the widest column, or move the table to the extra",
                )
            )
    return out


def code_problems(card: Card) -> list[Diagnostic]:
    """W312 for one card, from its Markdown source."""
    lay = layout()
    out: list[Diagnostic] = []
    texts: Sequence[Text | None] = (card.front, card.back, card.extra, card.context)
    for field, text in zip(FIELDS, texts, strict=True):
        if text is None or not text.value:
            continue
        if "```" in text.value or "~~~" in text.value or "    " in text.value or "\t" in text.value:
            out.extend(_code_problems(text, field, lay))
    return out


def card_tables(card: Card) -> tuple[TableShape, ...]:
    """The shapes of every table of a card."""
    texts: Sequence[Text | None] = (card.front, card.back, card.extra, card.context)
    return tuple(
        shape
        for n, text in enumerate(texts)
        if text is not None and "|" in text.value and "-" in text.value
        for shape in table_shapes(text, n)
    )
