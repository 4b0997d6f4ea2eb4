"""The machine-local record of issued note times (see ``lock.Issued``): one JSON file per id namespace.

It lives outside the project, in the user's data folder, because its job is to remember what git forgets: a
``git revert``, branch switch or reset rewinds ``ankigen.lock``, but Anki still holds the newer time, so the next
build must know every time it ever issued. Folder: ``$ANKIGEN_DATA_DIR``, else ``$XDG_DATA_HOME/ankigen`` (Linux),
``~/Library/Application Support/ankigen`` (macOS) or ``%LOCALAPPDATA%\\ankigen`` (Windows). Deleting it is safe:
the next changed notes then get the clock time (and a reverted note may not reach Anki; see the README).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from ankigen.lock import Entry, Issued
from ankigen.write import write_atomic

FORMAT = 2


def data_dir() -> Path:
    env = os.environ.get("ANKIGEN_DATA_DIR", "").strip()
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "ankigen"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "ankigen"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "ankigen"


def record_path(namespace: str) -> Path:
    digest = hashlib.sha256(namespace.encode("utf-8")).hexdigest()[:16]
    return data_dir() / "issued" / f"{digest}.json"


def _entries(raw: Any) -> dict[str, Entry]:
    out = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(value, list) and len(value) == 3 and isinstance(value[1], int):
                out[str(key)] = Entry(str(value[0]), value[1], str(value[2]))
    return out


def load(namespace: str) -> Issued:
    """The record for ``namespace``; an empty one when there is none or it cannot be read."""
    try:
        data = json.loads(record_path(namespace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Issued()
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("namespace") != namespace:
        return Issued()
    return Issued(
        _times(data.get("max")),
        _entries(data.get("last")),
        int(data.get("last_time") or 0),
        _times(data.get("prior_max")),
        int(data.get("prior_time") or 0),
    )


def _times(raw: Any) -> dict[str, int]:
    return {str(k): v for k, v in raw.items() if isinstance(v, int)} if isinstance(raw, dict) else {}


def save(namespace: str, issued: Issued) -> str:
    """Write the record; returns why it could not be written ("" on success)."""

    def dump(entries: Any) -> dict[str, list[Any]]:
        return {k: [e.hash, e.mod, e.deck] for k, e in sorted(entries.items())}

    data = {
        "format": FORMAT,
        "namespace": namespace,
        "max": dict(sorted(issued.max_mod.items())),
        "last_time": issued.last_time,
        "last": dump(issued.last),
        "prior_time": issued.prior_time,
        "prior_max": dict(sorted(issued.prior_max.items())),
    }
    path = record_path(namespace)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror or exc}"
    return ""
