"""Reading the project: card files, and the media files that cards reference.

With ``write.py`` this is the only module that touches the file system.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen.config import Config
from ankigen.diagnostics import Diagnostic, diag
from ankigen.model import SourceFile, Span

CARD_SUFFIXES = (".md", ".yaml", ".yml")


def _walk(folder: Path, seen: frozenset[Path] = frozenset()) -> Iterable[Path]:
    """Files below ``folder`` in sorted order, skipping hidden files and folders (and link loops)."""
    real = folder.resolve()
    if real in seen:
        return
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(entry, seen | {real})
        elif entry.is_file() or entry.is_symlink():
            yield entry  # a dangling link is reported when read (E107), not skipped


def card_paths(config: Config, paths: Sequence[Path] = ()) -> list[Path]:
    """The card files to build: all of ``cards/``, or only those under the given paths."""
    roots = [p if p.is_absolute() else Path.cwd() / p for p in paths] or [config.cards_dir]
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
        else:
            found.extend(p for p in _walk(root) if p.suffix in CARD_SUFFIXES)
    return sorted(set(found), key=lambda p: config.rel(p))


def read_sources(config: Config, paths: Sequence[Path]) -> tuple[tuple[SourceFile, ...], tuple[Diagnostic, ...]]:
    """Read each file as UTF-8 (a leading BOM is dropped). Undecodable files become ``E101``."""
    files: list[SourceFile] = []
    diagnostics: list[Diagnostic] = []
    for path in paths:
        rel = config.rel(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            diagnostics.append(diag("E107", Span(rel), f"cannot read file: {exc.strerror or exc}"))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            good = data[: exc.start]
            line = good.count(b"\n") + 1
            col = len(good[good.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
            diagnostics.append(
                diag(
                    "E101",
                    Span(rel, line, col),
                    f"file is not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start})",
                    help="save the file as UTF-8",
                )
            )
            continue
        files.append(SourceFile(rel, text.removeprefix("\ufeff").replace("\r\n", "\n")))
    return tuple(files), tuple(diagnostics)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A media reference resolved to a file: its project-relative path and bytes, or why it failed."""

    rel: str
    data: bytes | None
    problem: str = ""  # "missing", "outside" or "unreadable"


def resolve_media(config: Config, card_path: str, target: str) -> Resolved:
    """Find ``target`` relative to the card file, else in the project's media folder."""
    root = config.root.resolve()
    base = (root / card_path).parent
    candidates = [base / target]
    if not Path(target).is_absolute():
        candidates.append(config.media_dir / target)
    decoded = urllib.parse.unquote(target)
    if decoded != target:  # 'my%20figure.svg', as GitHub, VS Code and Obsidian write a space
        candidates += [base / decoded] + ([config.media_dir / decoded] if not Path(decoded).is_absolute() else [])
    first_rel = ""
    for candidate in candidates:
        path = candidate.resolve()
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            if candidate is candidates[0]:
                return Resolved(path.as_posix(), None, "outside")
            continue
        first_rel = first_rel or rel
        if path.is_file():
            try:
                return Resolved(rel, path.read_bytes())
            except OSError:
                return Resolved(rel, None, "unreadable")
    return Resolved(first_rel or target, None, "missing")


def media_files(config: Config) -> tuple[str, ...]:
    """Every file in the media folder, project-relative (for the unused-media rule)."""
    return tuple(config.rel(p) for p in _walk(config.media_dir))


def read_text_if_exists(path: Path) -> str | None:
    """A small text file (the lock), or None when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
