"""Rendering Markdown and LaTeX to the HTML that Anki shows.

Math is protected before Markdown runs: ``scan.scan`` (the one scanner that decides what is math) finds every
formula, ``protect`` swaps each for a placeholder Markdown cannot touch, and ``restore`` puts it back as
``\\(…\\)`` or ``\\[…\\]``, the only delimiters Anki's MathJax typesets. So ``_``, ``*`` and ``\\(`` inside formulas
survive wherever the formula stands. Code is highlighted with Pygments classes (the note type's CSS colours
them, day and night).
Pure: text in, HTML and diagnostics out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache

import markdown

from ankigen import fastmd
from ankigen.diagnostics import Diagnostic, diag
from ankigen.macros import NO_MACROS, Macros
from ankigen.model import Card, MediaRef, RenderedCard, Text
from ankigen.protect import cloze_end, protect, restore
from ankigen.scan import MathSpan, Unclosed, scan
from ankigen.textcheck import MATHJAX_MACROS

#: Bump when the HTML produced for the same source changes (it keys the render cache and marks notes changed).
RENDERER_VERSION = "2"

EXTENSIONS = [
    "tables",
    "sane_lists",
    "pymdownx.superfences",
    "pymdownx.highlight",
]
EXTENSION_CONFIGS: dict[str, dict[str, object]] = {
    "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight", "guess_lang": False},
}


def new_converter(*, fast: bool = True) -> markdown.Markdown:
    """A Markdown converter set up for cards; ``fast`` adds speed-ups that leave the output unchanged."""
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    return fastmd.install(md) if fast else md


# ----------------------------------------------------------------------------------------- source scanning
def scan_math(text: str) -> tuple[tuple[MathSpan, ...], tuple[Unclosed, ...]]:
    """Formulas in Markdown source and openers never closed: ``scan.scan``'s verdict (one scanner for all)."""
    found = scan(text)
    return found.math, found.unclosed


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


@lru_cache(maxsize=4096)  # the source check and the formula list of a field ask about the same bodies
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
    """``(start, end)`` of each ``{{cN::…}}`` deletion, nested ones included, closed at its matching braces
    (``end`` None if never)."""
    for m in _CLOZE_OPEN_RE.finditer(text):
        end = cloze_end(text, m.end())
        yield m.start(), None if end is None else end + 2


# a real tag (its name ends at a space, '/' or '>'): '<u,Lu>' is an inner product, typeset as written
_HTML_IN_MATH_RE = re.compile(r"</?(?:br|b|i|em|strong|span|div|sub|sup|p|a|u|font)(?=[\s/>])[^>]*>", re.IGNORECASE)


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


_CONTROL_RE = re.compile("[\x00\x07\x08\t\x0b\x0c\r\x1b]")


def _eaten_newline(text: str, offset: int) -> bool:
    """A ``$`` followed by a newline that was ``\\n`` of a macro (E106 from the parser says so already)."""
    word = re.match(r"\n([A-Za-z]+)", text[offset + 1 : offset + 30])
    return word is not None and any(("n" + word.group(1))[:end] in MATHJAX_MACROS for end in range(2, 30))


def source_diagnostics(text: Text, field: str) -> list[Diagnostic]:
    """Problems in one field's source that rendering would hide: unclosed math, braces, eaten escapes."""
    out: list[Diagnostic] = []
    found = scan(text.value)
    spans, unclosed = found.math, found.unclosed
    for u in unclosed:
        kind = "display" if u.opener in ("$$", "\\[") or u.opener.startswith("\\begin") else "inline"
        where = (
            f"a blank line ends it before its '{u.closer}'" if u.reason else f"no '{u.closer}' before end of {field}"
        )
        message = f"unclosed {kind} math '{u.opener}' ({where})"
        out.append(diag("E301", text.origin.span(text.value, u.offset), message))
    stray = found.stray_dollars
    if any(_eaten_newline(text.value, o) for o in stray):
        stray = ()  # the parser's E106 names the macro that lost its backslash
    if stray and not unclosed and not _CONTROL_RE.search(text.value):
        offset = stray[0]
        snippet = " ".join(text.value[max(0, offset - 15) : offset + 15].split())
        out.append(
            diag(
                "W301",
                text.origin.span(text.value, offset),
                f"'$' near {snippet!r} in the {field} is not math; Anki will show it as a raw dollar",
                help="close the formula ('$x$': no space inside the dollars), or write '\\$' for a literal dollar",
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
    """Keep a ``}}`` inside a deletion from ending it early (Anki ends a deletion at the first ``}}`` after its
    innermost opener): the author's closer is found brace-aware, nested deletions kept, and every other ``}}``
    inside is split (``} }`` in a formula, an empty comment elsewhere)."""
    if "{{c" not in fragment:
        return fragment
    out: list[str] = []
    pos = 0
    for m in _CLOZE_OPEN_RE.finditer(fragment):
        if m.start() < pos:
            continue
        end = cloze_end(fragment, m.end())
        if end is None:
            continue
        out.append(fragment[pos : m.end()] + _split_closers(fragment[m.end() : end]) + "}}")
        pos = end + 2
    out.append(fragment[pos:])
    return "".join(out)


_CLOZE_OPEN_RE = re.compile(r"\{\{c\d+(?:,\d+)*::")
_MATH_IN_HTML_RE = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)


def _split_closers(content: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _CLOZE_OPEN_RE.finditer(content):
        if m.start() < pos:
            continue
        end = cloze_end(content, m.end())
        if end is None:
            continue
        out.append(_split_plain(content[pos : m.end()]) + _split_closers(content[m.end() : end]) + "}}")
        pos = end + 2
    out.append(_split_plain(content[pos:]))
    joined = "".join(out)
    return joined + " " if joined.endswith("}") else joined


def _split_plain(text: str) -> str:
    if "}}" not in text:
        return text
    math = [(m.start(), m.end()) for m in _MATH_IN_HTML_RE.finditer(text)]
    out: list[str] = []
    i = 0
    while True:
        j = text.find("}}", i)
        if j == -1:
            out.append(text[i:])
            return "".join(out)
        in_math = any(a <= j < b for a, b in math)
        out.append(text[i : j + 1] + (" " if in_math else "<!-- -->"))
        i = j + 1


def _strip_paragraph(fragment: str) -> str:
    """A one-paragraph result without its ``<p>`` wrapper (for questions written on the heading line)."""
    m = re.fullmatch(r"<p>(.*)</p>", fragment.strip(), re.DOTALL)
    if m and "<p>" not in m.group(1):
        return m.group(1)
    return fragment


_LITERAL_OPENER_RE = re.compile(r"\\(?=[(\[])")
_CODE_OR_TAG_RE = re.compile(r"<(pre|code)\b.*?</\1>|<[^>]*>", re.DOTALL)


def _break_literal_openers(fragment: str) -> str:
    """A ``\\(`` or ``\\[`` left in the text after Markdown is one the author escaped (``\\\\(``, or a
    code span's neighbour): every formula is a placeholder by now. Anki's MathJax would typeset it all the same,
    so an empty element goes between the backslash and the bracket: MathJax looks for delimiters within one run
    of text, and an element ends the run. Code and tags are left alone (MathJax skips code)."""
    out, at = [], 0
    for m in _CODE_OR_TAG_RE.finditer(fragment):
        out += [_LITERAL_OPENER_RE.sub(r"\\<span></span>", fragment[at : m.start()]), m.group(0)]
        at = m.end()
    out.append(_LITERAL_OPENER_RE.sub(r"\\<span></span>", fragment[at:]))
    return "".join(out)


def render_markdown(
    converter: markdown.Markdown, source: str, *, inline: bool = False, macros: Macros = NO_MACROS
) -> str:
    protected = protect(source)
    converted = fastmd.convert(converter, protected.source)
    if "\\(" in converted or "\\[" in converted:
        converted = _break_literal_openers(converted)
    result = restore(converted, protected, macros)
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


def converter_renderer(converter: markdown.Markdown | None = None, macros: Macros = NO_MACROS) -> FieldRenderer:
    conv = converter or new_converter()
    return lambda text, inline: render_markdown(conv, text, inline=inline, macros=macros)


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
