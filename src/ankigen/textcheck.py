"""Text hazards shared by the parser and the renderer: control characters left by eaten escapes.

A double-quoted YAML string turns ``"\\theta"`` into a TAB followed by ``heta``, ``"\\frac"`` into a form feed
and ``rac``, ``"\\beta"`` into a backspace and ``eta``. The formula then fails silently in Anki. These helpers
find such characters and name the macro the author probably meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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


ESCAPE_HELP = (
    "LaTeX in a double-quoted YAML string loses its backslashes ('\\t' becomes a TAB); "
    "write it in single quotes or a block scalar ('|')"
)


def control_chars_in(text: str) -> bool:
    """Whether ``text`` holds a control character other than a newline (TABs included)."""
    return any(True for _ in control_chars(text, allow_tab=False))
