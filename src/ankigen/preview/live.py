"""A preview session: build, keep the last good cards of every file, and hand out the page's document.

Each rebuild goes through the pipeline with its cache, so only edited files are compiled again. A file whose
latest version has errors keeps showing its last good cards (marked stale) beside the new diagnostics; a file
that never built cleanly shows what it has. Thread-safe: the watcher rebuilds while the server reads.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from ankigen import pipeline
from ankigen.config import Config
from ankigen.model import MediaFile
from ankigen.preview.page import Entry, document, entries


class Session:
    def __init__(self, config: Config, options: pipeline.Options, *, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.options = options
        self._clock = clock
        self._lock = threading.Condition()
        self._good: dict[str, list[Entry]] = {}
        self._media: dict[str, bytes] = {}
        self.generation = 0
        self.doc: dict[str, Any] = {}
        self.doc_json = b"{}"
        self.result: pipeline.BuildResult | None = None

    def rebuild(self, reason: str = "start") -> dict[str, Any]:
        """Build again and publish the new document; returns it."""
        compiled = [0]

        def progress(done: int, total: int) -> None:
            compiled[0] += 1

        start = self._clock()
        result = pipeline.preview(self.config, dataclasses.replace(self.options, progress=progress))
        elapsed = self._clock() - start
        shown = self._merge(result)
        with self._lock:
            for m in result.media:
                self._media[m.name] = m.data
            self.generation += 1
            self.result = result
            status = {
                "reason": reason,
                "elapsed": round(elapsed, 3),
                "compiled": compiled[0],
                "stale": sorted({e.path for e in shown if e.stale}),
            }
            self.doc = document(self.config.deck_name, shown, result, generation=self.generation, status=status)
            self.doc_json = json.dumps(self.doc, ensure_ascii=False).encode("utf-8")
            self._lock.notify_all()
            return self.doc

    def _merge(self, result: pipeline.BuildResult) -> list[Entry]:
        fresh: dict[str, list[Entry]] = {}
        for e in entries(result.cards, result.notes):
            fresh.setdefault(e.path, []).append(e)
        broken = {d.span.path for d in result.diagnostics if d.is_error}
        shown: list[Entry] = []
        for path in sorted(set(fresh) | (set(self._good) & broken)):
            if path in broken and path in self._good:
                shown.extend(dataclasses.replace(e, stale=True) for e in self._good[path])
                continue
            if path not in broken:
                self._good[path] = fresh[path]
            shown.extend(fresh.get(path, ()))
        for path in set(self._good) - set(fresh) - broken:  # a deleted or deselected file
            del self._good[path]
        shown.sort(key=lambda e: (e.deck.split("::"), e.path, e.line, e.ordinal))  # the build's order
        return shown

    def media(self, name: str) -> MediaFile | None:
        with self._lock:
            data = self._media.get(name)
        return MediaFile(name, data) if data is not None else None

    def media_files(self) -> list[MediaFile]:
        """Every medium the shown cards may use (those of stale cards included)."""
        with self._lock:
            return [MediaFile(n, d) for n, d in sorted(self._media.items())]

    def wait(self, generation: int, timeout: float) -> int:
        """Block until a generation after ``generation`` is published (or ``timeout``); the current one."""
        with self._lock:
            self._lock.wait_for(lambda: self.generation != generation, timeout=timeout)
            return self.generation

    def wake(self) -> None:
        with self._lock:
            self._lock.notify_all()

    def snapshot(self) -> tuple[int, dict[str, Any]]:
        with self._lock:
            return self.generation, self.doc

    def snapshot_json(self) -> bytes:
        with self._lock:
            return self.doc_json
