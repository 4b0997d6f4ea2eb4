"""What is math in a field's Markdown source: the one scanner the renderer and every check use.

A formula is written in one of four delimiters, wherever it stands (its own paragraph or glued to text,
mid-sentence, in a list, a table, a quote):

- ``$…$`` inline, by pandoc's rule: the opening ``$`` has a non-space on its right, the closing one a non-space on
  its left and no digit on its right, and no other ``$`` in between; both lie in one paragraph. So ``$5 and $10``
  and ``$5-$10`` are money, not math. A ``$`` right before a digit opens a formula only when what follows reads as
  math, not words (``$2\\times$`` and ``$2x + 1$`` are math; in ``$10 and {{c1::$x$}}`` only ``$x$`` is);
- ``$$…$$`` and ``\\[…\\]`` display, ``\\(…\\)`` inline, each within one paragraph;
- ``\\begin{env}…\\end{env}`` (``align``, ``gather``, ``equation``…), display, nested environments included; it
  may cross blank lines.

Nothing is math inside code (fenced, indented, inline), HTML comments, HTML tags and their attributes, autolinks,
bare URLs, link destinations, image alt text and link reference definitions. ``\\$`` is a literal dollar and
``\\\\`` a literal backslash (so ``\\\\(`` is not an opener). Offsets are into the text as given.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class MathSpan:
    """A formula: offsets of the whole span and of its body (between delimiters); ``delim`` is its opener
    (``$``, ``$$``, ``\\(``, ``\\[``, or ``\\begin`` for an environment, whose body is the whole span)."""

    start: int
    end: int
    body_start: int
    body_end: int
    display: bool
    delim: str = "$"


@dataclass(frozen=True, slots=True)
class Unclosed:
    offset: int
    opener: str
    closer: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Scan:
    math: tuple[MathSpan, ...]
    unclosed: tuple[Unclosed, ...]
    #: offsets of ``$`` signs that are neither math, nor escaped, nor money (a digit follows)
    stray_dollars: tuple[int, ...]
    #: offsets of ``\\$`` (a literal dollar the renderer writes as ``$``)
    escaped_dollars: tuple[int, ...]
    #: the text with everything that cannot hold math blanked out (same length, newlines kept)
    masked: str


# ------------------------------------------------------------------------------------------------ masking
_FENCE_OPEN = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_ATTR = r"""(?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)"""
_TAG = re.compile(rf"</?[A-Za-z][A-Za-z0-9-]*{_ATTR}*\s*/?>")
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>")
_BARE_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>()\[\]]+(?:\([^\s<>()]*\)[^\s<>()\[\]]*)*")
_LINK_DEST = re.compile(
    r"\]\((<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\)"
)
_IMAGE_ALT = re.compile(r"!\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]")
_REFDEF = re.compile(r"(?m)^ {0,3}\[[^\]\n]+\]:[ \t]*\S.*$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def _code_blocks(text: str) -> list[tuple[int, int]]:
    """Offsets of fenced code blocks and indented code blocks (not inside a list item)."""
    ranges: list[tuple[int, int]] = []
    fence = ""
    fence_start = 0
    pos = 0
    prev_blank = True
    in_list = False
    indented_start = -1
    for line in text.split("\n"):
        end = pos + len(line)
        stripped = line.strip()
        if fence:
            m = _FENCE_OPEN.match(line)
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence) and not m.group(3).strip():
                ranges.append((fence_start, end))
                fence = ""
            pos = end + 1
            prev_blank = False
            continue
        m = _FENCE_OPEN.match(line)
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            if indented_start >= 0:
                ranges.append((indented_start, pos - 1))
                indented_start = -1
            fence, fence_start = m.group(2), pos
            pos = end + 1
            prev_blank = False
            continue
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" ")) if stripped else 0
        if indented_start >= 0 and stripped and indent < 4:
            ranges.append((indented_start, pos - 1))
            indented_start = -1
        if stripped:
            if _LIST_ITEM.match(line):
                in_list = True
            elif indent == 0:
                in_list = False
            if indent >= 4 and prev_blank and not in_list and indented_start < 0:
                indented_start = pos
        prev_blank = not stripped
        pos = end + 1
    if fence:
        ranges.append((fence_start, len(text)))
    if indented_start >= 0:
        ranges.append((indented_start, len(text)))
    return ranges


def code_blocks(text: str) -> list[tuple[int, int]]:
    """Offsets ``(start, end)`` of the fenced and indented code blocks of a field's source (fences included)."""
    return _code_blocks(text)


def mask(text: str) -> str:
    """``text`` with code, comments, tags, URLs and image alt text blanked out (offsets kept)."""
    if not any(c in text for c in "`<~ \t]h["):
        return text
    chars = text
    blocks = _code_blocks(text) if ("```" in text or "~~~" in text or "    " in text or "\t" in text) else []
    if blocks:
        parts = []
        at = 0
        for start, end in blocks:
            parts.append(chars[at:start])
            parts.append(_blank(chars[start:end]))
            at = end
        parts.append(chars[at:])
        chars = "".join(parts)

    def blank(m: re.Match[str]) -> str:
        return _blank(m.group(0))

    if "`" in chars:
        chars = _CODE_SPAN.sub(lambda m: blank(m) if not _BLANK_LINE.search(m.group(0)) else m.group(0), chars)
    if "<" in chars:
        chars = _COMMENT.sub(blank, chars)
        chars = _AUTOLINK.sub(blank, chars)
        chars = _TAG.sub(blank, chars)
    if "://" in chars:
        chars = _BARE_URL.sub(blank, chars)
    if "](" in chars:
        chars = _LINK_DEST.sub(lambda m: "](" + _blank(m.group(0)[2:-1]) + ")", chars)
    if "![" in chars:
        chars = _IMAGE_ALT.sub(lambda m: "![" + _blank(m.group(1)) + "]", chars)
    if "]:" in chars:
        chars = _REFDEF.sub(blank, chars)
    return chars


# ------------------------------------------------------------------------------------------------ scanning
_TOKEN = re.compile(r"\\\\|\\\$|\$\$|\$|\\\(|\\\[|\\begin\{([A-Za-z]+\*?)\}")
_CLOSERS = {"$$": "$$", "\\(": "\\)", "\\[": "\\]"}


class _Paragraphs:
    """End of the paragraph holding an offset, by bisection over the blank lines (linear time overall)."""

    def __init__(self, masked: str) -> None:
        self.ends = [m.start() for m in _BLANK_LINE.finditer(masked)]
        self.size = len(masked)

    def end(self, pos: int) -> int:
        i = bisect.bisect_left(self.ends, pos)
        return self.ends[i] if i < len(self.ends) else self.size


def _dollar_closer(masked: str, start: int, limit: int, digit_opener: bool) -> int:
    """Offset of the ``$`` closing an inline formula opened just before ``start``, or -1."""
    i = start
    while True:
        j = masked.find("$", i, limit)
        if j == -1:
            return -1
        if masked[j - 1] == "\\" and not _escaped_backslash(masked, j - 1):
            i = j + 1  # \$ inside a formula is a literal dollar
            continue
        after = masked[j + 1 : j + 2]
        if masked[j - 1].isspace() or after.isdigit() or after == "$":
            return -1  # the first other '$' must close it (no '$' inside a formula)
        if digit_opener and _looks_like_money(masked[start:j]):
            return -1  # '$10 and {{c1::$x$}}': money, then a formula
        return j


_CLOZE_MARK = re.compile(r"\{\{c\d+(?:,\d+)*::|\}\}|::")
_WORD = re.compile(r"[A-Za-z]{2,}")
_MATH_CHAR = re.compile(r"[\\^_{}=+\-*/<>()|]")


def _looks_like_money(body: str) -> bool:
    """A would-be formula that starts with a digit and reads as words: '10 and ' (cloze markers aside)."""
    body = _CLOZE_MARK.sub("", body)
    return " " in body and _WORD.search(body) is not None and _MATH_CHAR.search(body) is None


def _escaped_backslash(text: str, at: int) -> bool:
    """Whether the backslash at ``at`` is itself escaped (an odd run of backslashes before it)."""
    n = 0
    while at - 1 - n >= 0 and text[at - 1 - n] == "\\":
        n += 1
    return n % 2 == 1


@lru_cache(maxsize=256)
def scan(text: str) -> Scan:
    """The formulas of one field's Markdown source, its unclosed openers and its stray dollar signs."""
    if "$" not in text and "\\" not in text:
        return Scan((), (), (), (), text)
    masked = mask(text)
    spans: list[MathSpan] = []
    unclosed: list[Unclosed] = []
    stray: list[int] = []
    escaped: list[int] = []
    paragraphs = _Paragraphs(masked)
    no_closer_after: dict[str, int] = {}  # closer -> an offset after which it never occurs
    pos = 0
    while True:
        m = _TOKEN.search(masked, pos)
        if m is None:
            break
        token = m.group(0)
        start = m.start()
        if token == "\\\\":
            pos = m.end()
            continue
        if token == "\\$":
            escaped.append(start)
            pos = m.end()
            continue
        limit = paragraphs.end(m.end())
        if token == "$":
            nxt = masked[m.end() : m.end() + 1]
            close = -1
            if nxt and not nxt.isspace():
                close = _dollar_closer(masked, m.end() + 1, limit, nxt.isdigit())
            if close == -1:
                if not nxt.isdigit():
                    stray.append(start)
                pos = m.end()
                continue
            spans.append(MathSpan(start, close + 1, m.end(), close, display=False, delim="$"))
            pos = close + 1
            continue
        if token.startswith("\\begin"):
            env = m.group(1)
            end = _environment_end(masked, m.end(), env)
            if end == -1:
                unclosed.append(Unclosed(start, token, f"\\end{{{env}}}"))
                pos = m.end()
                continue
            spans.append(MathSpan(start, end, start, end, display=True, delim="\\begin"))
            pos = end
            continue
        closer = _CLOSERS[token]
        at = _find_closer(masked, closer, m.end(), limit)
        if at == -1:
            later = -1
            if no_closer_after.get(closer, len(masked) + 1) > m.end():
                later = _find_closer(masked, closer, m.end(), len(masked))
                if later == -1:
                    no_closer_after[closer] = m.end()
            reason = "a blank line ends it" if later != -1 else ""
            unclosed.append(Unclosed(start, token, closer, reason))
            pos = m.end()
            continue
        spans.append(MathSpan(start, at + len(closer), m.end(), at, display=token != "\\(", delim=token))
        pos = at + len(closer)
    return Scan(tuple(spans), tuple(unclosed), tuple(stray), tuple(escaped), masked)


def _find_closer(masked: str, closer: str, start: int, limit: int) -> int:
    i = start
    while True:
        at = masked.find(closer, i, limit)
        if at == -1 or closer == "$$" or not _escaped_backslash(masked, at):
            return at
        i = at + 1


def _environment_end(masked: str, start: int, env: str) -> int:
    """End offset of the ``\\end{env}`` matching a ``\\begin{env}`` that ends at ``start`` (nesting counted)."""
    begin, end = f"\\begin{{{env}}}", f"\\end{{{env}}}"
    depth = 1
    i = start
    while True:
        b = masked.find(begin, i)
        e = masked.find(end, i)
        if e == -1:
            return -1
        if b != -1 and b < e:
            depth += 1
            i = b + len(begin)
            continue
        depth -= 1
        i = e + len(end)
        if depth == 0:
            return i
