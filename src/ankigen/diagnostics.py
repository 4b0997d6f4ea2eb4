"""Diagnostics: user errors as values, and their three printed forms (concise, full, JSON).

Codes are ``E``/``W`` plus three digits by stage: 1xx files and syntax, 2xx card fields and keys, 3xx math and
Markdown, 4xx media and decks, 5xx the lock file. A code is never reused or renamed; each is documented in
``docs/diagnostics.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ankigen.model import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


#: code -> short title (the heading of its entry in docs/diagnostics.md)
CODES: dict[str, str] = {
    "E101": "file is not valid UTF-8",
    "E102": "malformed YAML",
    "E103": "malformed front matter",
    "E104": "malformed card metadata comment",
    "E105": "no cards in file",
    "E106": "control character in text",
    "E107": "file could not be read",
    "E108": "malformed configuration",
    "E109": "output could not be written",
    "E110": "heading without a space",
    "E115": "configuration file could not be read",
    "E116": "lock file could not be read",
    "E117": "file name is not valid UTF-8",
    "E201": "unknown key",
    "E202": "empty question",
    "E203": "empty answer",
    "E204": "duplicate card id",
    "E205": "invalid card id",
    "E206": "wrong value type",
    "E207": "unknown note type",
    "E208": "cloze note without deletions",
    "E209": "answer given for a cloze note",
    "E210": "answer marker in a cloze card",
    "E211": "cloze deletions nested too deep",
    "E212": "Markdown too complex to render",
    "W101": "text before the first card",
    "W201": "card has no id",
    "W202": "space in tag",
    "W203": "tag differs from another only in case",
    "W204": "duplicate question in deck",
    "W205": "answer repeats the question",
    "W206": "long question",
    "W207": "cloze deletion outside the cloze text",
    "E301": "unclosed math",
    "E302": "unbalanced braces in math",
    "E303": "math rejected by MathJax",
    "E320": "MathJax check required but it could not run",
    "E304": "math can never be typeset",
    "W310": "display formula wider than a phone column",
    "W311": "inline formula wider than a phone column",
    "W312": "code line too long for a phone",
    "W313": "table wider than a phone column",
    "W301": "dollar sign that is not math",
    "E305": "broken raw HTML",
    "E306": "unclosed cloze deletion",
    "E307": "bad preamble",
    "E401": "image not found",
    "E402": "image outside the project",
    "E403": "remote image",
    "W401": "image without alt text",
    "W402": "unused media file",
    "E404": "invalid deck name",
    "E405": "image file is not the format its name says",
    "E406": "image file could not be read",
    "E501": "malformed lock file",
    "E215": "id namespace differs from the recorded one",
    "E216": "root deck differs from the recorded one",
    "W210": "identity derived from the folder name",
    "E600": "preview cannot serve on this address",
    "E601": "export folder refused",
    "E602": "export could not be written",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    span: Span
    message: str
    help: str = ""

    @property
    def severity(self) -> Severity:
        return Severity.ERROR if self.code.startswith("E") else Severity.WARNING

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def check_tuple(self) -> tuple[str, int, int]:
        return (self.code, self.span.line, self.span.col)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path, self.span.line, self.span.col, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.span.path,
            "line": self.span.line,
            "col": self.span.col,
            "code": self.code,
            "severity": self.severity.value,
            "title": CODES.get(self.code, ""),
            "message": self.message,
            "help": self.help,
        }

    def concise(self) -> str:
        return f"{self.span.path}:{self.span.line}:{self.span.col}: {self.code} {self.message}"

    def full(self, source_line: str | None) -> str:
        lines = [self.concise()]
        if source_line is not None:
            gutter = f"{self.span.line} | "
            lines.append(gutter + source_line.rstrip("\n"))
            lines.append(" " * (len(gutter) + self.span.col - 1) + "^")
        if self.help:
            lines.append(f"help: {self.help}")
        return "\n".join(lines)


def diag(code: str, span: Span, message: str, help: str = "") -> Diagnostic:
    if code not in CODES:
        raise ValueError(f"undocumented diagnostic code {code!r}")
    return Diagnostic(code, span, message, help)


def sort_unique(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """Sorted by location, exact duplicates removed."""
    return tuple(sorted(set(diagnostics), key=Diagnostic.sort_key))


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else the list of valid choices."""
    by_case = {c.lower(): c for c in choices}
    if word.lower() in by_case:  # `ID` for `id`: names are case-sensitive
        return f"; did you mean {by_case[word.lower()]!r}? (names are case-sensitive)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return "; expected one of: " + ", ".join(repr(c) for c in choices)


def summary_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    if not diagnostics:
        return f"All checks passed in {files} file{'s' if files != 1 else ''}."
    e = f"{errors} error{'s' if errors != 1 else ''}"
    w = f"{warnings} warning{'s' if warnings != 1 else ''}"
    return f"Found {e}, {w} in {files} file{'s' if files != 1 else ''}."
