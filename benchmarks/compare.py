#!/usr/bin/env python3
"""Is a change slower? Cold builds of two git revisions on the same synthetic cards, interleaved.

Each revision is checked out into a temporary worktree and run from its own ``src/`` with this environment's
packages; the two alternate run by run (A B, B A, A B, …), so load on the machine falls on both alike. Reported:
the median time of each and the median of the paired ratios B/A with their range.

Usage: python benchmarks/compare.py REV_A [REV_B] [--sizes 1000 10000] [--repeat 9] [--jobs 0]
(REV_B defaults to the working tree). MathJax is off in both, as in the benchmark's cold build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import make_tree, private_data_dir

REPO = Path(__file__).resolve().parents[1]


def _checkout(rev: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(into), rev], check=True)
    return into / "src"


def _mathjax_off(src: Path) -> list[str]:
    """The flag that turns the MathJax check off in that revision (older ones skip it without node_modules)."""
    return ["--mathjax=off"] if "--mathjax" in (src / "ankigen" / "cli.py").read_text("utf-8") else []


def _run(src: Path, root: Path, jobs: int) -> float:
    shutil.rmtree(root / "dist", ignore_errors=True)
    shutil.rmtree(root / ".ankigen-cache", ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(src), ANKIGEN_MATHJAX_DIR="")
    cmd = [sys.executable, "-m", "ankigen", "build", "--no-cache", "--no-lock", "-j", str(jobs), *_mathjax_off(src)]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build failed in {src.parent}:\n{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev_a")
    parser.add_argument("rev_b", nargs="?", help="default: the working tree")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--jobs", type=int, default=0, help="render processes (0: one per core)")
    args = parser.parse_args()
    private_data_dir()
    with tempfile.TemporaryDirectory(prefix="ankigen-compare-") as tmp:
        work = Path(tmp)
        trees: list[Path] = []
        try:
            src_a = _checkout(args.rev_a, work / "a")
            trees.append(work / "a")
            if args.rev_b:
                src_b = _checkout(args.rev_b, work / "b")
                trees.append(work / "b")
            else:
                src_b = REPO / "src"
            label_b = args.rev_b or "working tree"
            print(f"A = {args.rev_a}, B = {label_b}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
            for n in args.sizes:
                root = work / f"cards-{n}"
                make_tree(root, n)
                a: list[float] = []
                b: list[float] = []
                for r in range(args.repeat):
                    order = ((src_a, a), (src_b, b)) if r % 2 == 0 else ((src_b, b), (src_a, a))
                    for src, times in order:
                        times.append(_run(src, root, args.jobs))
                ratios = sorted(y / x for x, y in zip(a, b, strict=True))
                print(
                    f"{n:>6} cards: A {statistics.median(a):.2f} s, B {statistics.median(b):.2f} s; "
                    f"B/A median {statistics.median(ratios):.3f} (range {ratios[0]:.2f}–{ratios[-1]:.2f}, "
                    f"{args.repeat} pairs)"
                )
        finally:
            for tree in trees:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)


if __name__ == "__main__":
    main()
