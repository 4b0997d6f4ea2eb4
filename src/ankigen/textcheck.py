"""Text hazards shared by the parser and the renderer: control characters left by eaten escapes.

A double-quoted YAML string turns ``"\\theta"`` into a TAB followed by ``heta``, ``"\\frac"`` into a form feed
and ``rac``, ``"\\beta"`` into a backspace and ``eta``. The formula then fails silently in Anki. These helpers
find such characters and name the macro the author probably meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ankigen.scan import scan

# control character -> the escape letter that produces it in a double-quoted YAML string
_ESCAPES = {
    "\x00": "0",
    "\x07": "a",
    "\x08": "b",
    "\t": "t",
    "\x0b": "v",
    "\x0c": "f",
    "\r": "r",
    "\x1b": "e",
    "\x85": "N",
    "\u2028": "L",
    "\u2029": "P",
}
_NAMES = {
    "\x00": "NUL",
    "\x07": "BEL",
    "\x08": "BACKSPACE",
    "\t": "TAB",
    "\x0b": "VERTICAL TAB",
    "\x0c": "FORM FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x85": "NEXT LINE",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
}
#: LaTeX macros whose first letter is a YAML escape letter (a, b, e, f, r, t, v, L, N, P, 0)
KNOWN_MACROS = frozenset(
    [
        "alpha",
        "approx",
        "arccos",
        "arcsin",
        "arctan",
        "arg",
        "ast",
        "asymp",
        "aleph",
        "amalg",
        "angle",
        "beta",
        "bar",
        "bf",
        "big",
        "Big",
        "bigg",
        "Bigg",
        "bigl",
        "bigr",
        "bigcup",
        "bigcap",
        "bigoplus",
        "bigotimes",
        "binom",
        "bm",
        "boldsymbol",
        "bot",
        "bullet",
        "bmod",
        "bigl",
        "bigr",
        "backslash",
        "begin",
        "bmatrix",
        "epsilon",
        "eta",
        "exp",
        "end",
        "emptyset",
        "equiv",
        "ell",
        "ensuremath",
        "frac",
        "forall",
        "flat",
        "frown",
        "frak",
        "rho",
        "right",
        "rightarrow",
        "Rightarrow",
        "rangle",
        "rceil",
        "rfloor",
        "rm",
        "rVert",
        "rvert",
        "theta",
        "tau",
        "times",
        "text",
        "textbf",
        "textit",
        "textrm",
        "tilde",
        "to",
        "top",
        "tfrac",
        "tanh",
        "tan",
        "triangle",
        "triangleq",
        "textstyle",
        "tbinom",
        "vec",
        "varepsilon",
        "varphi",
        "vartheta",
        "varrho",
        "varsigma",
        "vee",
        "vert",
        "Vert",
        "vdots",
        "vdash",
        "varnothing",
        "Lambda",
        "Leftarrow",
        "Leftrightarrow",
        "Longrightarrow",
        "Longleftarrow",
        "Lsh",
        "lVert",
        "lvert",
        "Nu",
        "Phi",
        "Pi",
        "Psi",
        "Pr",
        "partial",
    ]
)


def _suggest(ch: str, after: str) -> str | None:
    letter = _ESCAPES.get(ch)
    if letter is None:
        return None
    word = re.match(r"[A-Za-z]*", after)
    tail = word.group(0) if word else ""
    for end in range(len(tail), -1, -1):
        candidate = letter + tail[:end]
        if candidate in KNOWN_MACROS:
            return "\\" + candidate
    return None


def control_chars(text: str, *, allow_tab: bool) -> Iterator[tuple[int, str]]:
    """``(offset, message)`` for each control character in ``text`` (newlines always allowed).

    With ``allow_tab``, a TAB is reported only where it completes a known macro (``TAB`` + ``heta``).
    """
    for m in re.finditer(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\t]", text):
        ch = m.group(0)
        guess = _suggest(ch, text[m.end() : m.end() + 20])
        if ch == "\t" and allow_tab and guess is None:
            continue
        name = _NAMES.get(ch, f"U+{ord(ch):04X}")
        message = f"control character {name} (U+{ord(ch):04X}) in text"
        if guess:
            message += f"; '{guess}' probably lost its backslash escape '\\{_ESCAPES[ch]}'"
        yield m.start(), message


_QUOTED_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|[\x00-\x08\x0b-\x1f\x7f]", re.S)
#: escape letter (or a TAB after the backslash) -> the control character it stands for in double quotes
_UNESCAPE = {letter: ch for ch, letter in _ESCAPES.items()} | {"\t": "\t"}


def quoted_controls(raw: str) -> list[int]:
    """Offsets into a double-quoted YAML scalar's source (quotes included) of what yields each control character
    of its value, in order: an escape such as ``\\b`` or ``\\x07``, or the character itself."""
    places = []
    for m in _QUOTED_ESCAPE.finditer(raw):
        esc = m.group(1)
        if esc is None:
            ch = m.group(0)
        elif len(esc) > 1:
            ch = chr(int(esc[1:], 16))
        else:
            ch = _UNESCAPE.get(esc, "")
        if ch and control_chars_in(ch):
            places.append(m.start())
    return places


ESCAPE_HELP = (
    "LaTeX in a double-quoted YAML string loses its backslashes ('\\t' becomes a TAB); "
    "write it in single quotes or a block scalar ('|')"
)


def control_chars_in(text: str) -> bool:
    """Whether ``text`` holds a control character other than a newline (TABs included)."""
    return any(True for _ in control_chars(text, allow_tab=False))


def _load_mathjax_macros() -> frozenset[str]:
    from importlib.resources import files

    text = files("ankigen").joinpath("tex_macros.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


#: every letter-named macro MathJax 3.2.2 knows (generated by tools/tex_macros.cjs)
MATHJAX_MACROS = _load_mathjax_macros()

# escape letters a double-quoted YAML string consumes (\x, \u and \U need hex digits: a macro such as \xi
# there is a YAML syntax error, which E102 reports)
_YAML_ESCAPE_LETTERS = "abtnvfreNLP"
_BACKSLASH_RUN_RE = re.compile(r"\\(\\|[A-Za-z]+)")


def eaten_escapes(raw: str) -> Iterator[tuple[int, str]]:
    """``(offset, macro)`` for each LaTeX macro whose backslash a double-quoted YAML string ``raw`` (its source,
    quotes included) eats: ``"\\nabla"`` is a newline then ``abla``."""
    for m in _BACKSLASH_RUN_RE.finditer(raw):
        word = m.group(1)
        if word == "\\" or word[0] not in _YAML_ESCAPE_LETTERS or len(word) < 2:
            continue
        for end in range(len(word), 1, -1):
            if word[:end] in MATHJAX_MACROS or word[:end] in KNOWN_MACROS:
                yield m.start(), "\\" + word[:end]
                break


# ---------------------------------------------------------------------------------------------- complexity
#: Python-Markdown matches each '[' (a link?) and each '*' or '_' (emphasis?) by searching the rest of its
#: paragraph, so its time grows with markers times paragraph length; and deep nesting of lists or quotes costs
#: more than linear time and memory. Beyond these bounds (far past anything written by hand: a paragraph of
#: 2,000 characters with 1,000 '[' is 2e6) a field would take seconds to minutes: it is refused instead.
MAX_BRACKET_WORK = 10_000_000
MAX_EMPHASIS_WORK = 400_000_000
MAX_NESTING = 32
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_NESTED_LINE = re.compile(r"(?m)^((?:[ \t]*>)*)([ \t]*)([-*+]|\d{1,9}[.)])?(?=[ \t]|$)")


def markdown_hazard(text: str) -> tuple[int, str] | None:
    """The offset and description of what in ``text`` would make Markdown slow out of all proportion (see the
    bounds above), or None; code blocks, code spans and formulas do not count (Markdown does not look inside
    them)."""
    if len(text) < 1000:  # nothing this short can reach the bounds (1000 * 1000 < MAX_BRACKET_WORK)
        return None
    scanned = scan(text)
    pieces, at = [], 0
    for span in scanned.math:  # formulas are protected before Markdown runs: their '_' and '*' cost nothing
        pieces += [scanned.masked[at : span.start], " " * (span.end - span.start)]
        at = span.end
    masked = "".join([*pieces, scanned.masked[at:]])
    at = 0
    for part in _PARAGRAPH_BREAK.split(masked):
        brackets = part.count("[")
        if brackets * len(part) > MAX_BRACKET_WORK:
            return at + part.index("["), f"{brackets} '[' in a paragraph of {len(part)} characters"
        emphasis = part.count("*") + part.count("_")
        if emphasis * len(part) > MAX_EMPHASIS_WORK:
            first = min(i for i in (part.find("*"), part.find("_")) if i >= 0)
            return at + first, f"{emphasis} '*' and '_' in a paragraph of {len(part)} characters"
        at += len(part)
        m = _PARAGRAPH_BREAK.match(masked, at)
        at = m.end() if m else at
    for m in _NESTED_LINE.finditer(masked):
        if not m.group(3):  # only a list item's indentation nests (blanked code is spaces too)
            if m.group(1).count(">") > MAX_NESTING:
                return m.start(), f"lists or block quotes nested more than {MAX_NESTING} levels deep"
            continue
        depth = m.group(1).count(">") + len(m.group(2).expandtabs(4)) // 2
        if depth > MAX_NESTING:
            return m.start(), f"lists or block quotes nested more than {MAX_NESTING} levels deep"
    return None
