"""Reading the project: card files, and the media files that cards reference.

With ``write.py`` this is the only module that touches the file system.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen.config import Config
from ankigen.diagnostics import Diagnostic, diag
from ankigen.files import MAX_CARD_FILE_BYTES, read_file
from ankigen.model import SourceFile, Span

CARD_SUFFIXES = (".md", ".yaml", ".yml")


def _resolve(path: Path) -> Path:
    """``path.resolve()``, but a link loop or an unreadable link gives the path as written, not an exception."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _walk(folder: Path, seen: frozenset[Path] = frozenset()) -> Iterable[Path]:
    """Files below ``folder`` in sorted order, skipping hidden files and folders (and link loops)."""
    real = _resolve(folder)
    if real in seen:
        return
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:  # a link loop on some Pythons
            is_dir = False
        if is_dir:
            yield from _walk(entry, seen | {real})
        else:
            yield entry  # a dangling link, a FIFO, a device: reported when read (E107), never skipped


def card_paths(config: Config, paths: Sequence[Path] = ()) -> list[Path]:
    """The card files to build: all of ``cards/``, or only those under the given paths."""
    roots = [p if p.is_absolute() else Path.cwd() / p for p in paths] or [config.cards_dir]
    found: list[Path] = []
    for root in roots:
        if root.is_file() and paths:  # a file given on the command line; `cards` itself must be a folder
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
        if not is_utf8_name(rel):
            shown = printable_name(rel)
            diagnostics.append(
                diag(
                    "E117",
                    Span(shown),
                    f"file name {shown!r} is not valid UTF-8; its path cannot become a deck, tag or field",
                    help="rename the file (for example with `mv` and a UTF-8 name)",
                )
            )
            continue
        try:
            data = read_file(path, MAX_CARD_FILE_BYTES)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if path.is_symlink() and not path.exists():
                reason += " (a symbolic link whose target is missing, or that leads to itself)"
            diagnostics.append(diag("E107", Span(rel), f"cannot read file: {reason}"))
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


def is_utf8_name(name: str) -> bool:
    """False when a file name held bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_name(name: str) -> str:
    """A file name for messages: bytes that are not UTF-8 shown as U+FFFD."""
    return os.fsencode(name).decode("utf-8", "replace") if not is_utf8_name(name) else name


#: the first bytes of each image format Anki shows, by file suffix (an SVG is text: it must contain "<svg")
_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".bmp": (b"BM",),
    ".ico": (b"\x00\x00\x01\x00",),
    ".avif": (),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
}


def image_format_problem(name: str, data: bytes) -> str:
    """Why ``data`` is not the image its name says (empty when it is, or when the suffix is not checked)."""
    suffix = Path(name).suffix.lower()
    if not data:
        return "the file is empty"
    if suffix == ".svg":
        head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if b"<svg" in data[:65536].lower() and head.startswith(b"<"):
            return ""
        return "the file does not look like SVG (no '<svg' element near its start)"
    if suffix == ".webp" and not (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        return "the file does not start like a WebP image"
    if suffix == ".avif":
        return "" if data[4:12] in (b"ftypavif", b"ftypavis") else "the file does not start like an AVIF image"
    magic = _MAGIC.get(suffix)
    if magic and not data.startswith(magic):
        return f"the file does not start like a {suffix[1:].upper()} image"
    return ""


@dataclass(frozen=True, slots=True)
class Resolved:
    """A media reference resolved to a file: its project-relative path and bytes, or why it failed."""

    rel: str
    data: bytes | None
    problem: str = ""  # "missing", "outside", "unreadable", "folder" or "loop"
    tried: tuple[str, ...] = ()  # every place looked at, project-relative (for "not found" messages)
    reason: str = ""  # the system's reason, for "unreadable"


def resolve_media(config: Config, card_path: str, target: str) -> Resolved:
    """Find ``target`` relative to the card file, else in the project's media folder.

    A path that leads outside the project, or a link inside it that points outside, is ``outside``: its bytes
    are never read (a card must not package a system file)."""
    root = _resolve(config.root)
    base = (root / card_path).parent
    candidates = [base / target]
    if not Path(target).is_absolute():
        candidates.append(config.media_dir / target)
    decoded = urllib.parse.unquote(target)
    if decoded != target:  # 'my%20figure.svg', as GitHub, VS Code and Obsidian write a space
        candidates += [base / decoded] + ([config.media_dir / decoded] if not Path(decoded).is_absolute() else [])
    tried: list[str] = []
    for candidate in candidates:
        lexical = Path(os.path.normpath(candidate))
        try:
            path = candidate.resolve(strict=False)
        except (OSError, RuntimeError):
            return Resolved(config.rel(lexical), None, "loop", (config.rel(lexical),))
        if not path.is_relative_to(root):
            if candidate is candidates[0] and not lexical.is_relative_to(root):
                return Resolved(path.as_posix(), None, "outside")
            if os.path.lexists(lexical):  # a link in the project that leads out of it
                return Resolved(config.rel(lexical), None, "outside", reason=path.as_posix())
            continue
        rel = path.relative_to(root).as_posix()
        tried.append(rel)
        if path.is_dir():
            return Resolved(rel, None, "folder", tuple(tried))
        if path.is_file():
            try:
                return Resolved(rel, path.read_bytes())
            except OSError as exc:
                return Resolved(rel, None, "unreadable", tuple(tried), exc.strerror or str(exc))
    return Resolved(tried[0] if tried else target, None, "missing", tuple(dict.fromkeys(tried)))


def media_files(config: Config) -> tuple[str, ...]:
    """Every file in the media folder, project-relative (for the unused-media rule)."""
    return tuple(config.rel(p) for p in _walk(config.media_dir))


def read_text_if_exists(path: Path) -> str | None:
    """A small text file (the lock), or None when it does not exist (or cannot be read: see ``read_lock``)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def read_lock(config: Config, name: str) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """The lock file's text, None when there is none; a lock that cannot be read or decoded is a diagnostic
    (never "no lock": that would give every note the build time and rewrite them all on import)."""
    path = config.root / name
    try:
        data = read_file(path)
    except FileNotFoundError:
        return None, ()
    except OSError as exc:
        reason = "it is a folder" if path.is_dir() else exc.strerror or str(exc)
        return None, (
            diag(
                "E116",
                Span(name),
                f"cannot read the lock file {name!r}: {reason}",
                help="make it a readable file, or run `ankigen lock --rebuild` to regenerate it",
            ),
        )
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as exc:
        good = data[: exc.start]
        line = good.count(b"\n") + 1
        col = len(good[good.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return None, (
            diag(
                "E501",
                Span(name, line, col),
                f"lock file is not valid UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})",
                help="run `ankigen lock --rebuild` to regenerate it from the sources",
            ),
        )
