#!/usr/bin/env python3
"""Time against input size: one card whose answer is 1, 2 and 5 MB, built cold, in each shape below.

Time must grow linearly with the size of a field, not with its square: a pasted log, a generated table or a
long derivation must not stall a build. Each shape is built from the same unit of text repeated to the size:

- paragraphs: prose with inline math ($x_i$), a display formula and a list, blank lines between paragraphs;
- one line: the same prose and inline math with no line break at all (every offset is on line 1);
- code: a fenced code block of that size (highlighted by Pygments).

Each build runs ``ankigen build`` (MathJax off: it depends on node, and formulas are cached per formula, not per
field) in a fresh process, with no cache and no lock; the median of ``--repeat`` runs is reported with the
ratio to the smallest size's time. Linear means a 5 MB answer takes about 5x the time of a 1 MB one; the claim
in the README is "within 6x".

Usage: python benchmarks/linear.py [--sizes-mb 1 2 5] [--repeat 3] [--shapes paragraphs one-line code]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import private_data_dir

CHILD = textwrap.dedent(
    r"""
    import json, resource, sys, time
    from pathlib import Path
    from ankigen.config import load_config
    from ankigen import pipeline
    config, _ = load_config(Path(sys.argv[1]), {})
    start = time.perf_counter()
    result = pipeline.build(config, int(time.time()), pipeline.Options(mathjax=False, use_cache=False))
    elapsed = time.perf_counter() - start
    assert result.written, [d.concise() for d in result.diagnostics][:5]
    print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)

UNITS = {
    "paragraphs": (
        "The loss $L(\\theta) = \\sum_i \\ell(f_\\theta(x_i), y_i)$ falls when $\\eta$ is small, "
        "and **its gradient** is `grad`.\n\n"
        "$$\n\\nabla_\\theta L = \\sum_i \\nabla_\\theta \\ell_i\n$$\n\n"
        "- one item with $a_1$\n- another item\n\n"
    ),
    "one-line": "The loss $L(\\theta) = \\sum_i \\ell_i$ falls when $\\eta$ is small, and so on. ",
    "code": "for i in range(10):\n    total += weights[i] * x[i]  # $not math$\n",
}


def make(root: Path, shape: str, size: int) -> None:
    unit = UNITS[shape]
    body = unit * max(1, size // len(unit))
    if shape == "code":
        body = "```python\n" + body + "```"
    (root / "cards").mkdir(parents=True)
    (root / "ankigen.toml").write_text('deck_name = "Linear"\n', encoding="utf-8")
    (root / "cards" / "big.md").write_text(f"## A long answer\n<!-- id: big -->\n\n{body}\n", encoding="utf-8")


def run(root: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(root)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[1, 2, 5])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", choices=sorted(UNITS), default=list(UNITS))
    args = parser.parse_args()
    private_data_dir()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}; medians of {args.repeat} cold builds, each in a fresh process\n"
    )
    print("| shape | answer MB | seconds | × smallest | seconds per MB | peak MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for shape in args.shapes:
        first = 0.0
        for mb in args.sizes_mb:
            times, peak = [], 0.0
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    root = Path(tmp) / "p"
                    make(root, shape, int(mb * 1024 * 1024))
                    got = run(root)
                    shutil.rmtree(root)
                times.append(got["seconds"])
                peak = max(peak, got["peak_mb"])
            median = statistics.median(times)
            first = first or median
            print(f"| {shape} | {mb:g} | {median:.2f} | {median / first:.2f} | {median / mb:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
