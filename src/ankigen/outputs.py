"""Where a package may be written: never over a source, a setting, the lock, a media file or any file that is
not an Anki package.

``-o`` is checked before anything is compiled, and every package path (``--split`` too) again before it is
written; a refusal is a usage error (exit 2), so the file in the way is never touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ankigen.config import CONFIG_FILE, Config
from ankigen.files import read_head

#: files in the project folder that ankigen reads, by name
PROJECT_FILES = (CONFIG_FILE, "pyproject.toml", "ankigen.lock")
#: folders in the project folder that are never written into by ``-o``
PROTECTED_DIRS = (".ankigen-cache", ".git")
#: suffixes of files ankigen reads: a package under such a name would replace a source
SOURCE_SUFFIXES = (".md", ".yaml", ".yml", ".toml", ".lock")
#: a .apkg is a zip archive
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def into_folder(output: str, path: Path) -> bool:
    """``-o`` names a folder (it ends with a slash, or is an existing folder): the package goes into it."""
    return output.endswith(("/", os.sep)) or path.is_dir()


def output_problem(config: Config, path: Path, sources: Iterable[Path] = ()) -> str:
    """Why ``path`` must not be written with a package (empty when it may be)."""
    shown = config.rel(path)
    real = _real(path)
    root = _real(config.root)
    if path.is_dir():
        return f"{shown!r} is a folder; give a file name ending in .apkg, or end the path with '/'"
    if path.suffix.lower() in SOURCE_SUFFIXES:
        return f"{shown!r} would replace a card or settings file; give a file name ending in .apkg"
    for name in PROJECT_FILES:
        if real == _real(root / name):
            return f"{shown!r} is the project's {name}; give a file name ending in .apkg"
    for folder, what in (
        (config.cards_dir, "the cards folder"),
        (config.media_dir, "the media folder"),
        *((root / d, d) for d in PROTECTED_DIRS),
    ):
        if real == _real(folder) or real.is_relative_to(_real(folder)):
            return f"{shown!r} is inside {what}; write the package elsewhere (default: dist/)"
    for source in sources:
        if real == _real(source):
            return f"{shown!r} is one of the card files being built"
    if path.is_symlink() and not path.exists():
        return f"{shown!r} is a link to {os.readlink(path)!r}, which does not exist; give another file name"
    if os.path.lexists(path):
        try:
            head = read_head(path, 4)  # a FIFO or device in the way is refused, never opened for reading
        except OSError as exc:
            return f"{shown!r} exists and cannot be read ({exc.strerror or exc}), so it is not replaced"
        if head and not head.startswith(ZIP_MAGIC):
            return f"{shown!r} exists and is not an Anki package; refusing to overwrite it"
    return ""
