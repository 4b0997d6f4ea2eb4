"""Rendering Markdown and LaTeX to the HTML that Anki shows.

Math is protected before Markdown runs (``pymdownx.arithmatex``) so ``_``, ``*`` and ``\\(`` inside formulas
survive, and every formula comes out as ``\\(…\\)`` or ``\\[…\\]``, the only delimiters Anki's MathJax
typesets. Code is highlighted with Pygments classes (the note type's CSS colours them, day and night).
Pure: text in, HTML and diagnostics out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import markdown

from ankigen import fastmd
from ankigen.diagnostics import Diagnostic, diag
from ankigen.model import Card, MediaRef, RenderedCard, Text
from ankigen.textcheck import control_chars

#: Bump when the HTML produced for the same source changes (it keys the render cache and marks notes changed).
RENDERER_VERSION = "1"

EXTENSIONS = [
    "tables",
    "sane_lists",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.arithmatex",
]
EXTENSION_CONFIGS: dict[str, dict[str, object]] = {
    "pymdownx.arithmatex": {"generic": True, "smart_dollar": True},
    "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight", "guess_lang": False},
}


def new_converter(*, fast: bool = True) -> markdown.Markdown:
    """A Markdown converter set up for cards; ``fast`` adds speed-ups that leave the output unchanged."""
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    return fastmd.install(md) if fast else md


# ----------------------------------------------------------------------------------------- source scanning
@dataclass(frozen=True, slots=True)
class MathSpan:
    """A formula found in source text: offsets of the whole span and of its body (between delimiters)."""

    start: int
    end: int
    body_start: int
    body_end: int
    display: bool


_CODE_SPAN_RE = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_FENCE_BLOCK_RE = re.compile(r"(?ms)^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)")
_OPENERS = re.compile(r"\\\$|\$\$|\$|\\\(|\\\[|\\begin\{([A-Za-z*]+)\}")
_CLOSERS = {"$$": "$$", "\\(": "\\)", "\\[": "\\]"}


def _masked(text: str) -> str:
    """``text`` with code (fences and inline code spans) blanked out, keeping offsets."""

    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    text = _FENCE_BLOCK_RE.sub(blank, text)
    return _CODE_SPAN_RE.sub(blank, text)


@dataclass(frozen=True, slots=True)
class Unclosed:
    offset: int
    opener: str
    closer: str


# smart dollar: a `$` closes when preceded by a non-space and not followed by a digit ($5 and $10 is not math)
_DOLLAR_CLOSE_RE = re.compile(r"(?<![\\\s])\$(?![\d$])")


@lru_cache(maxsize=64)  # a field is scanned by its checks and again for its formulas
def scan_math(text: str) -> tuple[tuple[MathSpan, ...], tuple[Unclosed, ...]]:
    """Formulas in Markdown source, and openers that are never closed (code is skipped)."""
    masked = _masked(text)
    spans: list[MathSpan] = []
    unclosed: list[Unclosed] = []
    pos = 0
    while True:
        m = _OPENERS.search(masked, pos)
        if m is None:
            break
        token = m.group(0)
        if token == "\\$":
            pos = m.end()
            continue
        if token == "$":
            # smart dollar: opens only when followed by a non-space; closes when preceded by a non-space and
            # not followed by a digit ($5 and $10 is not math)
            nxt = masked[m.end() : m.end() + 1]
            if not nxt or nxt.isspace():
                pos = m.end()
                continue
            c = _DOLLAR_CLOSE_RE.search(masked, m.end() + 1)
            para_end = masked.find("\n\n", m.end())
            if c is None or (para_end != -1 and c.start() > para_end):
                pos = m.end()
                continue
            spans.append(MathSpan(m.start(), c.end(), m.end(), c.start(), display=False))
            pos = c.end()
            continue
        if token.startswith("\\begin"):
            env = m.group(1)
            closer = f"\\end{{{env}}}"
            c_at = masked.find(closer, m.end())
            if c_at == -1:
                unclosed.append(Unclosed(m.start(), token, closer))
                pos = m.end()
                continue
            spans.append(MathSpan(m.start(), c_at + len(closer), m.start(), c_at + len(closer), display=True))
            pos = c_at + len(closer)
            continue
        closer = _CLOSERS[token]
        c_at = masked.find(closer, m.end())
        if c_at == -1:
            unclosed.append(Unclosed(m.start(), token, closer))
            pos = m.end()
            continue
        spans.append(MathSpan(m.start(), c_at + len(closer), m.end(), c_at, display=token != "\\("))
        pos = c_at + len(closer)
    return tuple(spans), tuple(unclosed)


_ESCAPE_RE = re.compile(r"\\.", re.DOTALL)
_INNER_GROUP_RE = re.compile(r"\{[^{}]*\}")


def _balanced(body: str) -> bool:
    """Fast check that braces pair up (escaped characters removed first)."""
    text = _ESCAPE_RE.sub("", body)
    if "{" not in text and "}" not in text:
        return True
    while True:
        text, n = _INNER_GROUP_RE.subn("", text)
        if n == 0:
            return "{" not in text and "}" not in text


def brace_problem(body: str) -> tuple[int, str] | None:
    """Offset and description of the first unbalanced brace in a formula body (``\\{`` ``\\}`` ignored)."""
    if _balanced(body):
        return None
    stack: list[int] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}":
            if not stack:
                return i, "extra '}' in math"
            stack.pop()
        i += 1
    if stack:
        return stack[-1], "missing '}' in math: '{' is never closed"
    return None


def find_clozes(text: str) -> Iterator[tuple[int, int | None]]:
    """``(start, end)`` of each ``{{cN::…}}`` deletion, closed at its matching braces (``end`` None if never)."""
    for m in re.finditer(r"\{\{c\d+::", text):
        depth = 0
        i = m.end()
        end = None
        while i < len(text):
            if text.startswith("\\{", i) or text.startswith("\\}", i):
                i += 2
                continue
            if text.startswith("}}", i) and depth == 0:
                end = i + 2
                break
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        yield m.start(), end


_HTML_IN_MATH_RE = re.compile(r"</?(?:br|b|i|em|strong|span|div|sub|sup|p|a|u|font)\b[^>]*>", re.IGNORECASE)


def _hidden_closer(source: str, span: MathSpan, problem: tuple[int, str] | None) -> str | None:
    """A formula cut short: its closing delimiter sits inside an open ``{`` and the author's real closer
    follows later in the paragraph, so MathJax would see only the front half."""
    if problem is None or not problem[1].startswith("missing '}'") or span.body_start == span.start:
        return None
    closer = source[span.body_end : span.end]
    rest = source[span.end : source.find("\n\n", span.end) % (len(source) + 1)]
    if "}" in rest and closer in rest:
        return (
            f"formula ends at the '{closer}' inside an open '{{'; the rest up to the next '{closer}' "
            "would never be typeset"
        )
    return None


def source_diagnostics(text: Text, field: str) -> list[Diagnostic]:
    """Problems in one field's source that rendering would hide: unclosed math, braces, eaten escapes."""
    out: list[Diagnostic] = []
    spans, unclosed = scan_math(text.value)
    for u in unclosed:
        kind = "display" if u.opener in ("$$", "\\[") or u.opener.startswith("\\begin") else "inline"
        out.append(
            diag(
                "E301",
                text.origin.span(text.value, u.offset),
                f"unclosed {kind} math '{u.opener}' (no '{u.closer}' before end of {field})",
            )
        )
    for span in spans:
        body = text.value[span.body_start : span.body_end]
        problem = brace_problem(body)
        hidden = _hidden_closer(text.value, span, problem)
        if hidden is not None:
            out.append(diag("E304", text.origin.span(text.value, span.body_end), hidden))
        elif problem is not None:
            offset, message = problem
            out.append(diag("E302", text.origin.span(text.value, span.body_start + offset), message))
        tag = _HTML_IN_MATH_RE.search(body)
        if tag is not None:
            out.append(
                diag(
                    "E304",
                    text.origin.span(text.value, span.body_start + tag.start()),
                    f"HTML tag {tag.group(0)!r} inside math; MathJax cannot typeset markup",
                    help="write the formula in LaTeX only (\\ for a line break, \\textbf for bold)",
                )
            )
        for offset, message in control_chars(body, allow_tab=True):
            out.append(diag("E106", text.origin.span(text.value, span.body_start + offset), message))
    for start, end in find_clozes(text.value):
        if end is None:
            out.append(
                diag(
                    "E306",
                    text.origin.span(text.value, start),
                    "cloze deletion '{{c…::' is never closed with '}}'",
                )
            )
    return out


# ------------------------------------------------------------------------------------------------ HTML
_IMG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC_RE = re.compile(r"""\ssrc=(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_ALT_RE = re.compile(r"""\salt=(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


def _fix_clozes(fragment: str) -> str:
    """Keep ``}}`` inside a deletion from ending it early: Anki ends a cloze at the first ``}}``."""
    out: list[str] = []
    pos = 0
    for start, end in find_clozes(fragment):
        if end is None or start < pos:
            continue
        head = fragment.index("::", start) + 2
        inner = fragment[head : end - 2]
        while "}}" in inner:
            inner = inner.replace("}}", "} }")
        if inner.endswith("}"):
            inner += " "
        out.append(fragment[pos:head] + inner + "}}")
        pos = end
    out.append(fragment[pos:])
    return "".join(out)


def _strip_paragraph(fragment: str) -> str:
    """A one-paragraph result without its ``<p>`` wrapper (for questions written on the heading line)."""
    m = re.fullmatch(r"<p>(.*)</p>", fragment.strip(), re.DOTALL)
    if m and "<p>" not in m.group(1):
        return m.group(1)
    return fragment


def render_markdown(converter: markdown.Markdown, source: str, *, inline: bool = False) -> str:
    result = fastmd.convert(converter, source)
    result = _fix_clozes(result)
    return _strip_paragraph(result) if inline else result


def image_targets(fragment: str) -> list[tuple[str, str | None]]:
    """``(src, alt)`` of every image in an HTML fragment (``alt`` None when the attribute is missing)."""
    out = []
    for tag in _IMG_RE.findall(fragment):
        src = _SRC_RE.search(tag)
        if src is None:
            continue
        alt = _ALT_RE.search(tag)
        out.append((html.unescape(src.group(2)), html.unescape(alt.group(2)) if alt else None))
    return out


def link_media(fragment: str, names: Mapping[str, str]) -> str:
    """Rewrite each image ``src`` to the packaged media name."""

    def fix(tag: re.Match[str]) -> str:
        def repl(m: re.Match[str]) -> str:
            target = html.unescape(m.group(2))
            name = names.get(target)
            return m.group(0) if name is None else f' src="{html.escape(name)}"'

        return _SRC_RE.sub(repl, tag.group(0), count=1)

    return _IMG_RE.sub(fix, fragment)


def _media_refs(text: Text, fragment: str) -> list[MediaRef]:
    refs = []
    for target, _alt in image_targets(fragment):
        offset = text.value.find(target)
        span = text.origin.span(text.value, offset) if offset >= 0 else text.origin.start
        refs.append(MediaRef(target, span))
    return refs


#: renders one field: (Markdown source, inline?) -> HTML
FieldRenderer = Callable[[str, bool], str]


def converter_renderer(converter: markdown.Markdown | None = None) -> FieldRenderer:
    conv = converter or new_converter()
    return lambda text, inline: render_markdown(conv, text, inline=inline)


def render_card(
    card: Card, render: FieldRenderer | None = None, *, check_source: bool = True
) -> tuple[RenderedCard, tuple[Diagnostic, ...]]:
    """Render every field of ``card``; diagnostics cover the math and cloze syntax of the sources
    (skipped with ``check_source=False``, for fields already known to be clean)."""
    render = render or converter_renderer()
    diagnostics: list[Diagnostic] = []
    media: list[MediaRef] = []
    fields: dict[str, str] = {}
    parts: list[tuple[str, Text | None, bool]] = [
        ("question" if card.back is not None else "cloze text", card.front, "\n" not in card.front.value),
        ("answer", card.back, False),
        ("extra", card.extra, False),
        ("context", card.context, True),
    ]
    for name, text, inline in parts:
        if text is None:
            fields[name] = ""
            continue
        if check_source:
            diagnostics.extend(source_diagnostics(text, name))
        rendered = render(text.value, inline)
        media.extend(_media_refs(text, rendered))
        fields[name] = rendered
    front = fields.get("question") or fields.get("cloze text", "")
    return (
        RenderedCard(
            card=card,
            front_html=front,
            back_html=fields["answer"],
            extra_html=fields["extra"],
            context_html=fields["context"],
            media=tuple(media),
        ),
        tuple(diagnostics),
    )
