"""Check formulas with the real MathJax that Anki typesets with.

Anki (desktop 26.x, and AnkiDroid with the same files) renders ``\\(…\\)`` and ``\\[…\\]`` with
MathJax 3.2.2's ``tex-chtml-full`` component, ``mathtools`` added and ``textmacros`` removed. A
formula that MathJax cannot parse shows on the card as a red error box. :func:`validate` runs every
formula through that same MathJax (the npm package ``mathjax-full@3.2.2``, set up like Anki by
``mathjax_check.mjs`` beside this module) under Node (one process per core for large batches), and
returns MathJax's own message for each broken formula.

Node and the npm package are optional at run time: when either is missing, :func:`validate`
returns :class:`MathJaxUnavailable` saying why, and never raises.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ENV_DIR", "PARALLEL_MIN_FORMULAS", "TIMEOUT_SECONDS", "MathJaxUnavailable", "find_node_modules", "validate"]

#: Environment variable naming a folder that contains ``node_modules/mathjax-full``.
ENV_DIR = "ANKIGEN_MATHJAX_DIR"
#: How long one Node process may take for its share of the batch.
TIMEOUT_SECONDS = 120.0
#: Formulas per Node process below which one more process does not pay off.
PARALLEL_MIN_FORMULAS = 4000

_SCRIPT = Path(__file__).with_name("mathjax_check.mjs")
_MARKER = Path("node_modules", "mathjax-full", "package.json")


@dataclass(frozen=True, slots=True)
class MathJaxUnavailable:
    """The check could not run; ``reason`` says why (for a warning, not an error)."""

    reason: str


def _has_mathjax(folder: Path) -> bool:
    return (folder / _MARKER).is_file()


def find_node_modules(start: Path) -> Path | None:
    """The folder whose ``node_modules`` holds ``mathjax-full``, or None.

    ``$ANKIGEN_MATHJAX_DIR`` (a folder containing ``node_modules``), when set and non-empty, is
    the only place looked at. Otherwise the nearest folder at or above ``start`` whose
    ``node_modules/mathjax-full/package.json`` exists.
    """
    configured = os.environ.get(ENV_DIR, "")
    if configured:
        folder = Path(configured).expanduser().resolve()
        return folder if _has_mathjax(folder) else None
    start = start.resolve()
    for folder in (start, *start.parents):
        if _has_mathjax(folder):
            return folder
    return None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _parse_results(stdout: str, expected: int) -> list[str | None] | MathJaxUnavailable:
    try:
        payload: object = json.loads(stdout)
    except json.JSONDecodeError as err:
        return MathJaxUnavailable(f"mathjax_check.mjs gave no JSON: {err}")
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list) or len(results) != expected:
        return MathJaxUnavailable(f"mathjax_check.mjs gave no list of {expected} results")
    checked: list[str | None] = []
    for item in results:
        if item is not None and not isinstance(item, str):
            return MathJaxUnavailable(f"mathjax_check.mjs gave a result that is not text: {item!r}")
        checked.append(item)
    return checked


def validate(formulas: Sequence[tuple[str, bool]], project_root: Path) -> list[str | None] | MathJaxUnavailable:
    """MathJax's error message for each ``(tex, display)`` formula, None where it typesets.

    The TeX must be exactly what MathJax sees in Anki: the text between the delimiters, with HTML
    entities already unescaped (``&lt;`` as ``<``, ``&amp;`` as ``&``). Each formula is checked
    on its own (no ``\\newcommand`` carries over). ``mathjax-full`` is looked for with
    :func:`find_node_modules` from ``project_root``. Never raises: a missing ``node``, a missing
    package or a failing Node process gives :class:`MathJaxUnavailable`.
    """
    folder = find_node_modules(project_root)
    if folder is None:
        configured = os.environ.get(ENV_DIR, "")
        where = f"${ENV_DIR}={configured}" if configured else f"{project_root} or its parents"
        return MathJaxUnavailable(f"mathjax-full not installed in {where} (run `npm ci`)")
    node = shutil.which("node")
    if node is None:
        return MathJaxUnavailable("node not found")
    if not _SCRIPT.is_file():
        return MathJaxUnavailable(f"{_SCRIPT.name} is missing from the ankigen package")
    if not formulas:
        return []
    chunks = _chunks(list(formulas), os.cpu_count() or 1)
    # threads only wait on the Node processes, which run side by side
    with ThreadPoolExecutor(len(chunks)) as pool:
        parts = list(pool.map(lambda chunk: _check(node, folder, chunk), chunks))
    out: list[str | None] = []
    for part in parts:
        if isinstance(part, MathJaxUnavailable):
            return part
        out += part
    return out


def _chunks(formulas: list[tuple[str, bool]], cores: int) -> list[list[tuple[str, bool]]]:
    """``formulas`` in consecutive chunks, one per Node process: one process unless the batch is large.

    MathJax warms up over its first thousand or so formulas, and one Node process already keeps more
    than one core partly busy, so a second process pays off only on large batches (measured: 1,500
    formulas take as long in two processes as in one; 34,000 take nearly 40% less).
    """
    count = max(1, min(cores, len(formulas) // PARALLEL_MIN_FORMULAS))
    size = -(-len(formulas) // count)
    return [formulas[i : i + size] for i in range(0, len(formulas), size)]


def _check(node: str, folder: Path, formulas: Sequence[tuple[str, bool]]) -> list[str | None] | MathJaxUnavailable:
    """One Node process checking ``formulas``."""
    request = json.dumps({"formulas": [{"tex": tex, "display": bool(display)} for tex, display in formulas]})
    try:
        proc = subprocess.run(
            [node, str(_SCRIPT), str(folder)],
            input=request,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return MathJaxUnavailable(f"node mathjax_check.mjs took longer than {TIMEOUT_SECONDS:g} s")
    except OSError as err:
        return MathJaxUnavailable(f"node could not be run: {err}")
    if proc.returncode != 0:
        detail = _last_line(proc.stderr) or "no message"
        return MathJaxUnavailable(f"node mathjax_check.mjs failed (exit {proc.returncode}): {detail}")
    return _parse_results(proc.stdout, len(formulas))


def checker_stamp(project_root: Path) -> str:
    """Identifies the checker (script and mathjax-full package) for caching verdicts; empty when unavailable."""
    folder = find_node_modules(project_root)
    if folder is None or not _SCRIPT.is_file():
        return ""
    import hashlib

    h = hashlib.sha256(_SCRIPT.read_bytes())
    h.update((folder / _MARKER).read_bytes())
    return h.hexdigest()[:16]
