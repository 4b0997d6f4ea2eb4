"""The build cache: one compiled unit per card file, and one MathJax verdict per formula.

Layout under ``.ankigen-cache/``: ``units/<key>.json`` holds a file's ``FileUnit`` (see ``unit``), keyed by a
hash of the file's path, default section and text *and* of everything that shapes the output (ankigen's
parser and renderer versions, the versions of Markdown, pymdown-extensions and Pygments), so an edit or a
version change can never serve stale HTML. ``math.json`` holds the verdicts, keyed by formula and stamped with
the MathJax checker. Every file starts with a header line carrying the checksum of the rest: a damaged or
hand-edited entry is detected and recompiled, never trusted.

Sharding by file is what makes a rebuild cheap: an edit rewrites one small entry, and an unchanged file is
read back without being parsed or rendered again. The cache is a speed-up only: any failure to read or write
it costs time, never correctness.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ankigen.render import EXTENSION_CONFIGS, EXTENSIONS, RENDERER_VERSION
from ankigen.unit import FileUnit, load_unit

#: Bump when the parser's or the unit's output for the same file changes (it keys every unit).
PARSER_VERSION = "2"

CACHE_FORMAT = 3
CACHE_DIR = ".ankigen-cache"
UNITS_DIR = "units"
MATH_FILE = "math.json"
PACKAGES_FILE = "packages.json"
#: marks the folder as a cache for backup and archiving tools (https://bford.info/cachedir/), as pytest and ruff do
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by ankigen.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
#: keeps the folder out of git without an entry in the project's own .gitignore
CACHE_GITIGNORE = "# Created by ankigen: the whole folder is a cache.\n*\n"
LEGACY_FILES = ("cache.json",)  # single-file caches of earlier versions, removed on a full build


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover - an editable checkout without metadata
        return "unknown"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of ankigen's own source: a changed parser or renderer never reads entries its predecessor
    wrote, even when nobody remembered to bump a version (an editable checkout, a patched install)."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted([*here.glob("*.py"), *here.glob("*.css")]):  # the CSS sets the width lint's numbers
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def renderer_stamp(macros_digest: str = "") -> str:
    """Everything that changes the HTML produced for the same Markdown (the project's macros included)."""
    parts = [
        RENDERER_VERSION,
        macros_digest,
        code_digest(),
        _version("markdown"),
        _version("pymdown-extensions"),
        _version("pygments"),
        repr(EXTENSIONS),
        repr(sorted((k, sorted(v.items())) for k, v in EXTENSION_CONFIGS.items())),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _checksum(body_text: str) -> str:
    return hashlib.sha256(body_text.encode("utf-8")).hexdigest()


def wrap(body_text: str) -> str:
    """A cache file's text: the header line (format, checksum of the body), then the body."""
    return json.dumps({"format": CACHE_FORMAT, "checksum": _checksum(body_text)}) + "\n" + body_text


def unwrap(text: str) -> str:
    """The body of a cache file; ``ValueError`` when the format or the checksum does not match."""
    header_text, _, body_text = text.partition("\n")
    header = json.loads(header_text)
    if not isinstance(header, dict) or header.get("format") != CACHE_FORMAT:
        raise ValueError("unknown cache format")
    if header.get("checksum") != _checksum(body_text):
        raise ValueError("checksum mismatch")
    return body_text


def _write(path: Path, text: str) -> None:
    """Atomic (a reader never sees half a file) but not fsynced: a lost entry only costs a recompile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(slots=True)
class Cache:
    """The cache of one project. ``root`` None: an in-memory cache that never touches the disk."""

    root: Path | None
    render_stamp: str
    math_stamp: str = ""
    math: dict[str, str | float | None] = field(default_factory=dict)  # error, or width in em (None: not measured)
    math_dirty: bool = False
    problems: list[str] = field(default_factory=list)  # entries found damaged (and recompiled)
    _math_loaded: bool = False
    _packages: dict[str, list[object]] | None = None
    _names: list[str] | None = None
    _marked: bool = False

    @property
    def folder(self) -> Path | None:
        return None if self.root is None else self.root / CACHE_DIR

    # -- compiled units
    def unit_key(self, path: str, section: tuple[str, ...], text: str) -> str:
        """``<file>-<text>``: the first half names the file (path, section, versions), the second its text."""
        head = _key(PARSER_VERSION, self.render_stamp, path, "::".join(section))[:16]
        return f"{head}-{_key(text)[:16]}"

    def _listing(self) -> list[str]:
        if self._names is None and self.folder is not None:
            try:
                self._names = sorted(n[:-5] for n in os.listdir(self.folder / UNITS_DIR) if n.endswith(".json"))
            except OSError:
                self._names = []
        return self._names or []

    def previous_unit(self, key: str) -> FileUnit | None:
        """An earlier compile of the same file (same path, section and versions, other text), if cached."""
        if self.folder is None:
            return None
        head = key.partition("-")[0] + "-"
        for name in self._listing():
            if name.startswith(head) and name != key:
                return self.get_unit(name)
        return None

    def _unit_path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / UNITS_DIR / f"{key}.json"

    def get_unit(self, key: str, *, formulas: bool = True) -> FileUnit | None:
        if self.folder is None:
            return None
        try:
            with open(self._unit_path(key), encoding="utf-8", newline="") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            return None
        try:
            return load_unit(unwrap(text), formulas=formulas)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            self.problems.append(f"{key}: {exc.__class__.__name__}")
            return None

    def _mark(self, folder: Path) -> None:
        """Write ``CACHEDIR.TAG`` and ``.gitignore`` into the folder once, before its first entry."""
        if not self._marked:
            self._marked = True
            for name, text in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", CACHE_GITIGNORE)):
                if not (folder / name).is_file():
                    _write(folder / name, text)

    def put_unit(self, key: str, body_text: str) -> None:
        if self.folder is not None:
            with contextlib.suppress(OSError):
                self._mark(self.folder)
                _write(self._unit_path(key), wrap(body_text))

    def prune_units(self, used: set[str]) -> None:
        """Delete entries this (full) build did not use, and caches of earlier versions."""
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folder / UNITS_DIR):
                if entry.name.endswith(".json") and entry.name[:-5] not in used:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
        for name in LEGACY_FILES:
            with contextlib.suppress(OSError):
                (self.folder / name).unlink()

    # -- MathJax verdicts
    def math_key(self, tex: str, display: bool) -> str:
        return _key(self.math_stamp, "d" if display else "i", tex)

    def load_math(self) -> None:
        if self._math_loaded or self.folder is None or not self.math_stamp:
            return
        self._math_loaded = True
        try:
            body = json.loads(unwrap((self.folder / MATH_FILE).read_text("utf-8")))
            if body.get("math_stamp") == self.math_stamp:
                verdicts = body["verdicts"]
                if not all(isinstance(v, str | int | float | None) for v in verdicts.values()):
                    raise TypeError("verdict")
                self.math = dict(verdicts)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            self.problems.append(f"{MATH_FILE}: {exc.__class__.__name__}")
            self.math_dirty = True

    def prune_math(self, used: set[str]) -> None:
        if set(self.math) - used:
            self.math = {k: v for k, v in self.math.items() if k in used}
            self.math_dirty = True

    def _package_records(self) -> dict[str, list[object]]:
        if self._packages is None:
            self._packages = {}
            if self.folder is not None:
                with contextlib.suppress(OSError, ValueError):
                    body = json.loads(unwrap((self.folder / PACKAGES_FILE).read_text("utf-8")))
                    if isinstance(body, dict):
                        self._packages = {str(k): v for k, v in body.items() if isinstance(v, list) and len(v) == 3}
        return self._packages

    def fresh_package(self, path: Path, key: str) -> bytes | None:
        """The bytes of the package at ``path`` when they are those this cache recorded for ``key`` (the same
        notes, media and code: a no-op build need not build or write it again); None otherwise."""
        record = self._package_records().get(str(path))
        if record is None or record[0] != key:
            return None
        try:
            st = path.lstat()
            if not stat.S_ISREG(st.st_mode) or st.st_size != record[2]:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == record[1] else None

    def record_package(self, path: Path, key: str, data: bytes) -> None:
        """Remember that ``path`` now holds ``data``, the package for ``key`` (saved at once)."""
        records = self._package_records()
        records[str(path)] = [key, hashlib.sha256(data).hexdigest(), len(data)]
        if self.folder is not None:
            with contextlib.suppress(OSError):
                self._mark(self.folder)
                _write(self.folder / PACKAGES_FILE, wrap(json.dumps(records, ensure_ascii=False, sort_keys=True)))

    def save_math(self) -> None:
        if self.folder is not None and self.math_dirty and self.math_stamp:
            body = json.dumps({"math_stamp": self.math_stamp, "verdicts": self.math}, ensure_ascii=False)
            with contextlib.suppress(OSError):
                self._mark(self.folder)
                _write(self.folder / MATH_FILE, wrap(body))
            self.math_dirty = False
