"""The benchmark script stays runnable: a tiny tree, one repetition, every step reported."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_benchmark(script: str, *args: str) -> str:
    """A benchmark script's stdout, after it exited 0."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_bench_reports_every_step_with_ratios_to_the_floor() -> None:
    out = run_benchmark("bench.py", "--sizes", "40", "--repeat", "1", "--no-flagship")
    # its builds (one edits a card) record their note times in a folder of their own, not the caller's
    assert list(Path(os.environ["ANKIGEN_DATA_DIR"]).iterdir()) == []
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| 40 |")]
    steps = {cells[1].strip(): cells for cells in rows}
    assert list(steps)[:6] == ["floor", "cold", "no-op", "one edit", "mathjax", "cold + mathjax"]
    assert float(steps["floor"][3]) == 1.0 and steps["floor"][4].strip() == "1.00–1.00"
    for step in ("cold", "no-op", "one edit"):
        seconds, ratio = float(steps[step][2]), float(steps[step][3])
        assert seconds >= 0 and ratio >= 0  # printed to 0.01 s: a no-op on 40 cards may show 0.00
    # MathJax is measured whenever node can run (it comes with the package); otherwise the row says why it is missing
    for step in ("mathjax", "cold + mathjax"):
        assert re.fullmatch(r" (\d+\.\d\d|skipped \(no node\)) ", steps[step][2])


def test_linear_benchmark_reports_every_shape_and_size() -> None:
    """benchmarks/linear.py stays runnable (tiny sizes; the README's numbers come from a full run)."""
    out = run_benchmark("linear.py", "--sizes-mb", "0.02", "0.05", "--repeat", "1")
    rows = [line.split("|")[1:-1] for line in out.splitlines() if re.match(r"\| [a-z-]+ \| [\d.]+ \|", line)]
    assert [(r[0].strip(), r[1].strip()) for r in rows] == [
        (shape, size) for shape in ("paragraphs", "one-line", "code") for size in ("0.02", "0.05")
    ]
    for cells in rows:
        assert float(cells[2]) > 0 and float(cells[5]) > 0
    assert all(float(r[3]) == 1.0 for r in rows[::2])  # each shape's first size is its own reference


def test_race_reports_both_builds_and_their_ratios() -> None:
    """benchmarks/race.py stays runnable without ankcompiler (its rows are then left out)."""
    out = run_benchmark("race.py", "--sizes", "30", "--repeat", "2", "--no-flagship", "--ankc", "")
    assert list(Path(os.environ["ANKIGEN_DATA_DIR"]).iterdir()) == []
    rows = {
        cells[1].strip(): cells
        for line in out.splitlines()
        if line.startswith("| 30 |")
        for cells in [line.split("|")[1:-1]]
    }
    assert set(rows) == {
        "ankigen (MathJax check)",
        "ankigen --mathjax=off",
        "ankigen with the check ÷ without",
        "MathJax's share of the checked build",
    }
    assert float(rows["ankigen --mathjax=off"][2]) > 0 and float(rows["ankigen (MathJax check)"][3]) > 0
    assert re.fullmatch(r" \d+\.\d\d \(\d+\.\d\d–\d+\.\d\d\) ", rows["ankigen with the check ÷ without"][2])
    assert re.fullmatch(r" -?\d+% \(-?\d+–-?\d+%\) ", rows["MathJax's share of the checked build"][2])


def test_race_writes_the_same_cards_for_ankcompiler() -> None:
    """The peer's tree holds every card once, with the question and answer of ankigen's."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench
        import race
    finally:
        sys.path.pop(0)
    import random
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        race.make_ankc_tree(Path(tmp) / "a", 120)
        text = "".join(p.read_text("utf-8") for p in sorted((Path(tmp) / "a" / "cards").glob("*.md")))
    blocks = re.findall(r"---\n\n([^\n]+) :::\n\n(.+?)\n\n---\n\[\^uid\]: (u\d{9})\n", text, re.S)
    assert len(blocks) == 120 and len({uid for *_, uid in blocks}) == 120
    rng = random.Random(120)
    for i, (question, answer, _uid) in enumerate(blocks):
        lines = bench.card(i, rng).split("\n")
        assert question == lines[0].removeprefix("## ")
        assert answer == "\n".join(lines[2:]).strip()
