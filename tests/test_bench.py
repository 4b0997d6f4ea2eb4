"""The benchmark script stays runnable: a tiny tree, one repetition, every step reported."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_bench_reports_every_step_with_ratios_to_the_floor() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench.py"), "--sizes", "40", "--repeat", "1", "--no-flagship"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line.split("|")[1:-1] for line in proc.stdout.splitlines() if line.startswith("| 40 |")]
    steps = {cells[1].strip(): cells for cells in rows}
    assert list(steps)[:6] == ["floor", "cold", "no-op", "one edit", "mathjax", "cold + mathjax"]
    assert float(steps["floor"][3]) == 1.0 and steps["floor"][4].strip() == "1.00–1.00"
    for step in ("cold", "no-op", "one edit"):
        seconds, ratio = float(steps[step][2]), float(steps[step][3])
        assert seconds >= 0 and ratio >= 0  # printed to 0.01 s: a no-op on 40 cards may show 0.00
    # MathJax is measured whenever node can run (it comes with the package); otherwise the row says why it is missing
    for step in ("mathjax", "cold + mathjax"):
        assert re.fullmatch(r" (\d+\.\d\d|skipped \(no node\)) ", steps[step][2])
