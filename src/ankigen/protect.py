"""Keeping what Markdown must not touch out of its way: formulas, literal dollars, cloze markers in code.

``protect`` turns a field's source into the Markdown that Python-Markdown renders, with each formula (as
``scan.scan`` found it) swapped for a private-use placeholder; ``restore`` puts the formulas back into the HTML
as ``\\(…\\)`` or ``\\[…\\]``. Around the swap it does what a reader of GitHub or Obsidian expects:

- a display formula on lines of its own is a block of its own, even glued to the text around it, at the
  indentation of the list item it continues (a ``$$`` line at column 0 right under an item belongs to the item,
  as a lazy continuation line does on GitHub);
- a display formula inside a sentence stays in the sentence, typeset as display math;
- lists nest as on GitHub: each level's items are re-indented to the four spaces Python-Markdown needs, so two-
  space nesting (``- a`` / ``  - b``) works, and a list that starts right under a paragraph line starts a list;
- an inline formula keeps the punctuation glued to it (``$x$,``) in a ``<span class="ag-nobr">``, so a phone
  never starts a line with a lone comma;
- cloze markers inside code survive Pygments (which would split ``{{``, ``c1`` and ``::`` into separate tokens,
  leaving Anki a note with no deletion);
- ``\\$`` is a literal dollar.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass

from ankigen.macros import NO_MACROS, Macros
from ankigen.model import newline_offsets
from ankigen.scan import MathSpan, mask, scan

_OPEN, _CLOSE = "\ue000", "\ue001"  # a formula placeholder: _OPEN, its index in base-16 PUA digits, _CLOSE
_DIGIT0 = 0xE010
_DOLLAR = "\ue002"  # a literal dollar (from \$)
_CLOZE_CLOSE, _CLOZE_HINT = "\ue003", "\ue004"  # '}}' and '::' of a cloze inside code
_CLOZE_OPEN0 = 0xE100  # chr(_CLOZE_OPEN0 + i): the i-th distinct '{{cN::' opener inside code
_PLACEHOLDER_RE = re.compile(f"{_OPEN}([\ue010-\ue01f]+){_CLOSE}")
_BLOCK_RE = re.compile(f"<p>{_OPEN}([\ue010-\ue01f]+){_CLOSE}</p>")
_NOBR_RE = re.compile(f"""([(\\["'“‘]*)({_OPEN}[\ue010-\ue01f]+{_CLOSE})([.,;:!?)\\]"'”’…]+|(?=\\s|$|<))""")


def _encode(n: int) -> str:
    return _OPEN + "".join(chr(_DIGIT0 + int(d, 16)) for d in f"{n:x}") + _CLOSE


def _decode(digits: str) -> int:
    return int("".join(f"{ord(c) - _DIGIT0:x}" for c in digits), 16)


@dataclass(frozen=True, slots=True)
class Formula:
    tex: str  # what goes between the delimiters
    display: bool
    block: bool  # a paragraph of its own


@dataclass(frozen=True, slots=True)
class Protected:
    source: str  # the Markdown to render
    formulas: tuple[Formula, ...]
    code_clozes: tuple[str, ...]  # the '{{cN::' openers replaced inside code, by index


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The start of the line holding ``start`` and the end of the line holding ``end`` (O(log n) per formula:
    a field of one long line has thousands of them)."""
    newlines = newline_offsets(text)
    before = bisect.bisect_left(newlines, start)
    after = bisect.bisect_left(newlines, end)
    return (newlines[before - 1] + 1 if before else 0), (newlines[after] if after < len(newlines) else len(text))


_NON_BLANK_RE = re.compile(r"\S")
_ITEM_RE = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+|$)")
_HASH_TAG_RE = re.compile(r"(?m)^#(?=[^#\s])")  # '#tag' (Obsidian) is text; Python-Markdown would make it <h1>
_PAREN_MARKER_RE = re.compile(r"^(\d{1,9})\)")  # '1)' lists (GitHub) as '1.', the only kind Python-Markdown reads
_ANY_ITEM_RE = re.compile(r"(?m)^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def _continued_item_indent(text: str, line_start: int) -> int | None:
    """The content column of the list item whose paragraph the line at ``line_start`` continues, if any."""
    pos = line_start
    while pos > 0:
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start : pos - 1]
        if not line.strip():
            return None
        m = _ITEM_RE.match(line)
        if m:
            return len(m.group(0).expandtabs(4)) if m.group(3) else len(m.group(0)) + 1
        pos = prev_start
    return None


def _dedent(tex: str, indent: int) -> str:
    if indent == 0 or "\n" not in tex:
        return tex
    lines = tex.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        strip = min(indent, len(line) - len(line.lstrip(" ")))
        out.append(line[strip:])
    return "\n".join(out)


def protect(text: str) -> Protected:
    """The Markdown to render for one field, with its formulas kept aside."""
    found = scan(text)
    formulas: list[Formula] = []
    parts: list[str] = []
    at = 0
    for span in found.math:
        if span.start < at:
            continue
        tex = text[span.body_start : span.body_end]
        line_start, line_end = _line_bounds(text, span.start, span.end)
        # a display alone on its line(s); searched, not sliced: a field of one long line holds thousands of formulas
        alone = (
            span.display
            and _NON_BLANK_RE.search(text, line_start, span.start) is None
            and _NON_BLANK_RE.search(text, span.end, line_end) is None
        )
        if alone:
            before = text[line_start : span.start]
            indent = len(before.expandtabs(4))
            item = _continued_item_indent(text, line_start) if indent == 0 else None
            if item is not None:
                indent = item
            formulas.append(Formula(_dedent(tex, len(before.expandtabs(4))), True, True))
            head = text[at:line_start]
            parts.append(head)
            if head and not head.endswith("\n\n"):
                parts.append("\n")
            parts.append(" " * indent + _encode(len(formulas) - 1) + "\n")
            nxt = text[line_end + 1 : line_end + 2] if line_end < len(text) else ""
            if nxt and nxt != "\n":
                parts.append("\n")
            at = min(line_end + 1, len(text))
            continue
        formulas.append(Formula(tex, span.display, False))
        parts.append(text[at : span.start])
        parts.append(_encode(len(formulas) - 1))
        at = span.end
    parts.append(text[at:])
    source = "".join(parts)
    if found.escaped_dollars:
        source = source.replace("\\$", _DOLLAR)
    if "#" in source and _HASH_TAG_RE.search(source):
        masked = mask(source)  # not inside code
        source = _HASH_TAG_RE.sub(lambda m: "\\#" if masked[m.start()] == "#" else "#", source)
    clozes: list[str] = []
    if "{{c" in source and ("`" in source or "    " in source or "~~~" in source):
        source = _protect_code_clozes(source, clozes)
    if "\n" in source and _ANY_ITEM_RE.search(source):
        source = _nest_lists(source)
    return Protected(source, tuple(formulas), tuple(clozes))


# ------------------------------------------------------------------------------------------ clozes in code
_CODE_CLOZE_OPEN_RE = re.compile(r"\{\{c\d+(?:,\d+)*::")


def _protect_code_clozes(source: str, clozes: list[str]) -> str:
    masked = mask(source)
    out: list[str] = []
    at = 0
    for m in _CODE_CLOZE_OPEN_RE.finditer(source):
        if m.start() < at or masked[m.start()] != " ":
            continue  # outside code: Markdown leaves cloze markers alone
        end = cloze_end(source, m.end())
        if end is None:
            continue
        body = source[m.end() : end]
        clozes.append(m.group(0))
        body = body.replace("::", _CLOZE_HINT, 1) if "::" in body and "{{" not in body else body
        out.append(source[at : m.start()] + chr(_CLOZE_OPEN0 + len(clozes) - 1) + body + _CLOZE_CLOSE)
        at = end + 2
    out.append(source[at:])
    return "".join(out)


_MATH_CLOZE_RE = re.compile(r"\{\{c(\d+(?:,\d+)*)::")
_TEXT_SPECIAL_RE = re.compile(r"([#$%&_{}])")


def _split_hint(body: str) -> tuple[str, str | None]:
    """A deletion's content and hint: Anki takes the hint after the first ``::`` outside nested deletions."""
    i = 0
    while i < len(body):
        m = _MATH_CLOZE_RE.match(body, i)
        if m is not None:
            end = cloze_end(body, m.end())
            if end is None:
                break
            i = end + 2
            continue
        if body.startswith("::", i):
            return body[:i], body[i + 2 :]
        i += 1
    return body, None


def cloze_in_math(tex: str) -> str:
    """A formula's cloze deletions written so that Anki shows them inside MathJax, highlighted.

    Anki (26.9) turns a deletion into a ``<span class="cloze">`` and then strips every HTML tag inside math, so
    MathJax gets the bare ``[hint]`` (typeset as math italics, its spaces lost) or the bare answer, with nothing
    to tell them apart from the rest of the formula. Here each deletion ``{{cN::x::hint}}`` becomes
    ``\\class{ag-cN}{ {{cN::x::\text{hint} }} }``: what Anki leaves of it stays in an element of class
    ``ag-cN``, the hint is text, and the note type's CSS highlights ``ag-cN`` on card N only (Anki's reviewer
    gives the card the class ``cardN``), so the deletion of another card reads as plain formula."""
    if "{{c" not in tex:
        return tex
    out: list[str] = []
    pos = 0
    for m in _MATH_CLOZE_RE.finditer(tex):
        if m.start() < pos:
            continue
        end = cloze_end(tex, m.end())
        if end is None:
            continue
        content, hint = _split_hint(tex[m.end() : end])
        inner = "{{c" + m.group(1) + "::" + cloze_in_math(content)
        if hint is not None:
            inner += "::\\text{" + _TEXT_SPECIAL_RE.sub(r"\\\1", hint.strip()) + "} "
        inner += "}}"
        for n in reversed(m.group(1).split(",")):
            inner = "\\class{ag-c" + n + "}{ " + inner + " }"
        out.append(tex[pos : m.start()] + inner)
        pos = end + 2
    out.append(tex[pos:])
    return "".join(out)


def clozes_answered(tex: str) -> str:
    """What MathJax gets on the answer side: every deletion replaced by its content (hints dropped)."""
    if "{{c" not in tex:
        return tex
    out: list[str] = []
    pos = 0
    for m in _MATH_CLOZE_RE.finditer(tex):
        if m.start() < pos:
            continue
        end = cloze_end(tex, m.end())
        if end is None:
            continue
        content, _hint = _split_hint(tex[m.end() : end])
        out.append(tex[pos : m.start()] + clozes_answered(content))
        pos = end + 2
    out.append(tex[pos:])
    return "".join(out)


def cloze_end(text: str, start: int) -> int | None:
    """Offset of the ``}}`` closing a deletion whose content starts at ``start`` (inner braces and nested
    deletions counted), or None."""
    depth = 0
    i = start
    while i < len(text):
        if text.startswith("{{c", i) and _CODE_CLOZE_OPEN_RE.match(text, i):
            inner = cloze_end(text, _CODE_CLOZE_OPEN_RE.match(text, i).end())  # type: ignore[union-attr]
            if inner is None:
                return None
            i = inner + 2
            continue
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            i += 2
            continue
        if text.startswith("}}", i) and depth == 0:
            return i
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        i += 1
    return None


# ---------------------------------------------------------------------------------------------- lists
_FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


def _nest_lists(source: str) -> str:
    """Re-indent list items so each nesting level is four spaces deeper, as Python-Markdown needs; items
    nest by their own content column, as on GitHub. Lines inside fenced code keep their relative indent."""
    out: list[str] = []
    stack: list[int] = []  # content column of each open item, outermost first
    fence = ""
    fence_shift = 0
    prev_blank = True
    prev_paragraph = False  # the previous line is paragraph text outside any list
    later_block = False  # a blank line since the last item line: the item has a block after its first
    for line in source.split("\n"):
        if fence:
            out.append(_shift(line, fence_shift))
            m = _FENCE_RE.match(line)
            if (
                m
                and m.group(1)[0] == fence[0]
                and len(m.group(1)) >= len(fence)
                and not line.strip()[len(m.group(1)) :]
            ):
                fence = ""
            continue
        if not line.strip():
            out.append(line)
            prev_blank = True
            later_block = bool(stack)
            continue
        expanded = line.expandtabs(4)
        col = len(expanded) - len(expanded.lstrip(" "))
        m = _ITEM_RE.match(expanded)
        interrupts = prev_paragraph and not prev_blank
        if m and interrupts and m.group(2)[0].isdigit() and m.group(2)[:-1] != "1":
            m = None  # only a bullet or '1.' can interrupt a paragraph (CommonMark): '2022.' continues the line
        if m and not _is_rule(line) and (stack or col < 4 or not prev_blank):
            while stack and col < stack[-1]:
                stack.pop()
            depth = len(stack)
            content = len(m.group(0)) if m.group(3) and len(m.group(3)) <= 4 else col + len(m.group(2)) + 1
            stack.append(content)
            if not prev_blank and ((depth == 0 and prev_paragraph) or later_block):
                # GitHub starts a list (or the next item) right under a paragraph line; Python-Markdown needs a
                # blank line there, and inside an item only its first paragraph may be followed by an item
                out.append("")
            later_block = False
            new = "    " * depth + _PAREN_MARKER_RE.sub(r"\1.", expanded.lstrip(" "), count=1)
            shift = 4 * depth - col
        elif stack:
            if prev_blank:
                while stack and col < stack[-1]:
                    stack.pop()
            if stack:
                target = 4 * len(stack) + max(0, col - stack[-1])
                shift = target - col
                new = " " * target + expanded.lstrip(" ")
            else:
                shift, new = 0, line
        else:
            shift, new = 0, line
        fm = _FENCE_RE.match(line)
        if fm:
            fence, fence_shift = fm.group(1), shift
        out.append(new)
        prev_paragraph = not stack and col < 4 and not fm
        prev_blank = False
    return "\n".join(out)


def _is_rule(line: str) -> bool:
    return bool(re.fullmatch(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*", line))


def _shift(line: str, by: int) -> str:
    if by == 0 or not line.strip():
        return line
    expanded = line.expandtabs(4)
    col = len(expanded) - len(expanded.lstrip(" "))
    return " " * max(0, col + by) + expanded.lstrip(" ")


# ---------------------------------------------------------------------------------------------- restore
def _math_html(f: Formula) -> str:
    tex = html.escape(cloze_in_math(f.tex), quote=False)
    if f.display:
        return (
            f'<div class="arithmatex">\\[{tex}\\]</div>' if f.block else f'<span class="arithmatex">\\[{tex}\\]</span>'
        )
    return f'<span class="arithmatex">\\({tex}\\)</span>'


def restore(fragment: str, protected: Protected, macros: Macros = NO_MACROS) -> str:
    """The rendered HTML with every placeholder replaced by its formula (carrying the project macros it uses),
    dollar or cloze marker."""
    formulas = protected.formulas
    if macros.definitions:
        formulas = tuple(Formula(macros.prepend(f.tex), f.display, f.block) for f in formulas)
    if formulas:
        fragment = _BLOCK_RE.sub(lambda m: _math_html(formulas[_decode(m.group(1))]), fragment)

        def nobr(m: re.Match[str]) -> str:
            f = formulas[_decode(m.group(2)[1:-1])]
            inner = m.group(1) + m.group(2) + m.group(3)
            if f.display or not (m.group(1) or m.group(3)):
                return inner
            return f'<span class="ag-nobr">{inner}</span>'

        fragment = _NOBR_RE.sub(nobr, fragment)
        fragment = _PLACEHOLDER_RE.sub(lambda m: _math_html(formulas[_decode(m.group(1))]), fragment)
    if _DOLLAR in fragment:
        fragment = fragment.replace(_DOLLAR, "$")
    if protected.code_clozes:
        fragment = re.sub(r'<span class="err">([\ue003\ue004\ue100-\ue1ff]+)</span>', r"\1", fragment)
        fragment = fragment.replace(_CLOZE_CLOSE, "}}").replace(_CLOZE_HINT, "::")
        for i, opener in enumerate(protected.code_clozes):
            fragment = fragment.replace(chr(_CLOZE_OPEN0 + i), opener)
    return fragment


def placeholders_left(fragment: str) -> bool:
    return any("\ue000" <= c <= "\ue1ff" for c in fragment)


def formula_spans(text: str) -> tuple[MathSpan, ...]:
    return scan(text).math
