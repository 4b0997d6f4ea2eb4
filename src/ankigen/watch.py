"""Watching a project for saves, for ``ankigen build --watch`` and ``ankigen preview``.

The watching itself is watchfiles' (the OS's file events through Rust's ``notify``: inotify, FSEvents,
ReadDirectoryChangesW), which batches the events of one save and debounces editors that write a file in
several steps; we only say which files matter: card files, media, the config and the preamble, never the
outputs (``dist/``, the lock, the cache), so a build cannot trigger itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from ankigen.cache import CACHE_DIR
from ankigen.config import Config
from ankigen.discover import CARD_SUFFIXES

CONFIG_FILES = ("ankigen.toml", "pyproject.toml")
#: how long the files must be quiet before a batch of changes is handed on (ms); watchfiles' own default is 50
QUIET_MS = 50


def watched(config: Config) -> list[Path]:
    """The folders and files to watch (those that exist)."""
    roots = [config.cards_dir, config.media_dir]
    roots += [config.root / name for name in CONFIG_FILES]
    if config.preamble is not None:
        roots.append(config.preamble)
    out: list[Path] = []
    for path in roots:
        if path.exists() and not any(path.is_relative_to(p) for p in out if p.is_dir()):
            out.append(path)
    return out


def relevant(config: Config, path: Path) -> bool:
    """Whether a change to ``path`` can change the build."""
    if any(part == CACHE_DIR or part.startswith(".") for part in path.relative_to(config.root).parts[:-1]):
        return False
    name = path.name
    if name.startswith(".") or name.endswith("~") or name.startswith("#"):  # editors' swap and backup files
        return False
    if path.is_relative_to(config.cards_dir):
        return path.suffix.lower() in CARD_SUFFIXES
    if path.is_relative_to(config.media_dir):
        return True
    return name in CONFIG_FILES or (config.preamble is not None and path == config.preamble)


def changes(config: Config, stop: threading.Event) -> Iterator[set[Path]]:
    """Each batch of relevant changed paths, until ``stop`` is set."""
    import watchfiles

    root = config.root.resolve()

    def keep(_change: watchfiles.Change, path: str) -> bool:
        try:
            rel = Path(path).resolve().relative_to(root)
        except (ValueError, OSError):
            return False
        return relevant(config, config.root / rel)

    for batch in watchfiles.watch(
        *watched(config), watch_filter=keep, stop_event=stop, step=QUIET_MS, yield_on_timeout=False, debug=False
    ):
        yield {Path(path) for _change, path in batch}


def run(config: Config, stop: threading.Event, on_change: Callable[[set[Path]], None]) -> None:
    """Call ``on_change`` with each batch of changes until ``stop`` is set."""
    for batch in changes(config, stop):
        if stop.is_set():
            return
        on_change(batch)
