"""Project macros: a TeX preamble of ``\\newcommand``s that every card and the MathJax check share.

Notes written for LaTeX lean on a preamble (``\\RR``, ``\\abs``, ``\\norm``). The config key ``preamble`` names a
file of definitions; each formula that uses one of them carries the definitions it needs (transitively), prepended
inside its own delimiters. So the formula the MathJax check typesets is exactly the one Anki typesets, on every
device, with no note-type change and nothing shared between cards or decks.

Accepted lines: ``\\newcommand``, ``\\renewcommand``, ``\\providecommand`` (with an optional argument count),
``\\DeclareMathOperator`` (and its starred form), ``\\def\\name{…}``, ``\\let\\name\\other``, blank lines and
``%`` comments. Anything else is an error (E307) at its line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ankigen.diagnostics import Diagnostic, diag
from ankigen.files import read_file
from ankigen.model import Span

_NAME = r"\\[A-Za-z]+"
_DEF_RE = re.compile(
    rf"\\(?:re|provide)?newcommand\*?\s*\{{?\s*({_NAME})\s*\}}?\s*(?:\[\d\])?\s*(?:\[[^\]]*\])?\s*\{{"
    rf"|\\DeclareMathOperator\*?\s*\{{\s*({_NAME})\s*\}}\s*\{{"
    rf"|\\def\s*({_NAME})[^{{]*\{{"
)
_LET_RE = re.compile(rf"\\let\s*({_NAME})\s*=?\s*({_NAME})\s*$")
_USE_RE = re.compile(_NAME)


@dataclass(frozen=True)
class Macros:
    """Definitions by macro name (each the TeX text that defines it), in preamble order."""

    definitions: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        text = "\n".join(self.definitions.values())
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] if text else ""

    def needed(self, tex: str) -> list[str]:
        """Names of the definitions ``tex`` needs, with those they use in turn, in preamble order."""
        if not self.definitions or "\\" not in tex:
            return []
        want: set[str] = set()
        todo = [m for m in _USE_RE.findall(tex) if m in self.definitions]
        while todo:
            name = todo.pop()
            if name in want:
                continue
            want.add(name)
            todo.extend(m for m in _USE_RE.findall(self.definitions[name]) if m in self.definitions)
        return [name for name in self.definitions if name in want]

    def prepend(self, tex: str) -> str:
        """``tex`` with the definitions it needs in front (unchanged when it uses none)."""
        names = self.needed(tex)
        if not names:
            return tex
        return "".join(self.definitions[n] for n in names) + tex


NO_MACROS = Macros()


def _group_end(text: str, start: int) -> int:
    """Offset just after the ``}`` closing the group whose ``{`` is at ``start - 1``; -1 if never closed."""
    depth = 1
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _strip_comment(line: str) -> str:
    m = re.search(r"(?<!\\)%", line)
    return line if m is None else line[: m.start()]


def parse_preamble(text: str, path: str) -> tuple[Macros, tuple[Diagnostic, ...]]:
    """The definitions of a preamble file, and an E307 for each line that is not one."""
    lines = [_strip_comment(line) for line in text.split("\n")]
    body = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def span(offset: int) -> Span:
        line = max(i for i, s in enumerate(starts) if s <= offset)
        return Span(path, line + 1, offset - starts[line] + 1)

    definitions: dict[str, str] = {}
    problems: list[Diagnostic] = []
    pos = 0
    while pos < len(body):
        while pos < len(body) and body[pos].isspace():
            pos += 1
        if pos >= len(body):
            break
        m = _DEF_RE.match(body, pos)
        if m:
            end = _group_end(body, m.end())
            if end == -1:
                problems.append(diag("E307", span(pos), "definition is never closed: a '{' has no matching '}'"))
                break
            name = m.group(1) or m.group(2) or m.group(3)
            definitions[name] = " ".join(body[pos:end].split())
            pos = end
            continue
        line_end = body.find("\n", pos)
        line_end = len(body) if line_end == -1 else line_end
        let = _LET_RE.match(body[pos:line_end].strip())
        if let:
            definitions[let.group(1)] = body[pos:line_end].strip()
            pos = line_end
            continue
        snippet = body[pos:line_end].strip()[:40]
        problems.append(
            diag(
                "E307",
                span(pos),
                f"not a macro definition: {snippet!r}",
                help="the preamble holds only \\newcommand, \\renewcommand, \\providecommand, "
                "\\DeclareMathOperator, \\def and \\let lines (and % comments)",
            )
        )
        pos = line_end
    return Macros(definitions), tuple(problems)


def load_preamble(config_root: Path, preamble: Path | None) -> tuple[Macros, tuple[Diagnostic, ...]]:
    """The project's macros (none without a ``preamble`` key); E307 when the file cannot be read."""
    if preamble is None:
        return NO_MACROS, ()
    rel = preamble.relative_to(config_root).as_posix() if preamble.is_relative_to(config_root) else str(preamble)
    try:
        text = read_file(preamble).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or str(exc))
        reason = reason[:1].lower() + reason[1:]  # 'No such file' -> 'no such file'; 'a FIFO' stays
        return NO_MACROS, (diag("E307", Span(rel, 1, 1), f"preamble could not be read: {reason}"),)
    return parse_preamble(text, rel)
