"""Turning results into text and exit codes (like black's Report). No printing here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ankigen.diagnostics import Diagnostic, summary_line

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def exit_code(diagnostics: Sequence[Diagnostic], *, strict: bool = False) -> int:
    if any(d.is_error for d in diagnostics) or (strict and diagnostics):
        return EXIT_PROBLEMS
    return EXIT_OK


def format_diagnostics(diagnostics: Sequence[Diagnostic], fmt: str, root: Path) -> str:
    if fmt == "json":
        return json.dumps([d.to_dict() for d in diagnostics], indent=2, ensure_ascii=False)
    if fmt == "full":
        cache: dict[str, list[str]] = {}
        blocks = []
        for d in diagnostics:
            if d.span.path not in cache:
                try:
                    cache[d.span.path] = (root / d.span.path).read_text(encoding="utf-8", errors="replace").split("\n")
                except OSError:
                    cache[d.span.path] = []
            lines = cache[d.span.path]
            source = lines[d.span.line - 1] if 0 < d.span.line <= len(lines) else None
            blocks.append(d.full(source))
        return "\n\n".join(blocks)
    return "\n".join(d.concise() for d in diagnostics)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def closing_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    return summary_line(diagnostics, files)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_stats(summary: dict[str, Any]) -> str:
    """The ``stats`` tables as text."""

    def table(title: str, rows: list[tuple[str, int]]) -> list[str]:
        width = max([len(title), *(len(name) for name, _ in rows)])
        out = [f"{title:<{width}}  cards", f"{'-' * width}  -----"]
        out += [f"{name:<{width}}  {count:5d}" for name, count in rows]
        return out

    lines = table("deck", [(d["deck"], d["cards"]) for d in summary["decks"]])
    lines.append("")
    lines += table("tag", [(t["tag"], t["cards"]) for t in summary["tags"]])
    totals = summary["totals"]
    lines.append("")
    lines.append(
        f"{_n(totals['cards'], 'card')} ({totals['basic']} basic, {totals['cloze']} cloze) in "
        f"{_n(totals['files'], 'file')}, {_n(totals['decks'], 'deck')}, {_n(totals['tags'], 'tag')}, "
        f"{_n(totals['media'], 'media file')}"
    )
    if summary["without_id"]:
        n = len(summary["without_id"])
        lines.append(f"{n} card{'' if n == 1 else 's'} without an id:")
        lines += [f"  {where}" for where in summary["without_id"]]
    return "\n".join(lines)
