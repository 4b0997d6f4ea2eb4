"""Types and lint are part of the suite: mypy --strict over src, ruff check and ruff format --check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "mypy", "src"],
        [sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "figures"],
        [sys.executable, "-m", "ruff", "format", "--check", "src", "tests", "benchmarks", "figures"],
    ],
    ids=["mypy", "ruff-check", "ruff-format"],
)
def test_lint_clean(command: list[str]) -> None:
    tool = command[2]
    if shutil.which(tool) is None and subprocess.run([*command[:3], "--version"], capture_output=True).returncode:
        pytest.skip(f"{tool} not installed (pip install -e '.[test]')")
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
