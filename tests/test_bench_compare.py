"""benchmarks/compare.py stays runnable: two revisions, a tiny tree, one pair, and no worktree left behind."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _worktrees() -> str:
    return subprocess.run(["git", "-C", str(REPO), "worktree", "list"], capture_output=True, text=True).stdout


def test_compare_times_two_revisions_and_cleans_up() -> None:
    if subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout (an sdist): compare.py checks revisions out with git")
    before = _worktrees()
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "compare.py"), "HEAD", "--sizes", "30", "--repeat", "1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("A = HEAD, B = working tree;"), proc.stdout
    m = re.search(r"^ +30 cards: A (\d+\.\d\d) s, B (\d+\.\d\d) s; B/A median (\d+\.\d{3}) \(range", proc.stdout, re.M)
    assert m, proc.stdout
    assert float(m.group(1)) > 0 and float(m.group(2)) > 0 and float(m.group(3)) > 0
    assert _worktrees() == before
