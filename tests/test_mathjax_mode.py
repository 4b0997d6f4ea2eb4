"""--mathjax=auto|require|off and the `mathjax` setting: a skipped check is always said, and can be an error."""

from __future__ import annotations

from pathlib import Path

import pytest

CARD = "## Q\n<!-- id: a -->\nSee $\\R$ here.\n"
NO_NODE = "ANKIGEN_NODE"


@pytest.fixture
def root(project) -> Path:
    return project({"cards/a.md": CARD})


def test_auto_checks_and_reports_e303(root: Path, run_cli) -> None:
    result = run_cli(["check"], exit_code=1, cwd=root)
    assert "cards/a.md:3:5: E303" in result.stdout
    assert "not checked" not in result.stderr


def test_auto_without_node_says_so_on_stderr_and_passes(root: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli(["check"], exit_code=0, cwd=root, env={NO_NODE: str(tmp_path / "none")})
    assert "note: formulas were not checked with MathJax" in result.stderr
    assert NO_NODE in result.stderr


@pytest.mark.parametrize("command", ["check", "build"])
def test_require_without_node_is_an_error_and_writes_nothing(root: Path, run_cli, tmp_path: Path, command: str) -> None:
    result = run_cli([command, "--mathjax=require"], exit_code=1, cwd=root, env={NO_NODE: str(tmp_path / "none")})
    out = result.stdout + result.stderr
    assert "E320" in out and "required" in out
    assert not (root / "dist").exists()


def test_require_with_node_checks(root: Path, run_cli) -> None:
    result = run_cli(["check", "--mathjax=require"], exit_code=1, cwd=root)
    assert "cards/a.md:3:5: E303" in result.stdout and "E320" not in result.stdout


def test_off_skips_and_says_so(root: Path, run_cli) -> None:
    result = run_cli(["check", "--mathjax=off"], exit_code=0, cwd=root)
    assert "E303" not in result.stdout
    assert "note: formulas were not checked with MathJax (--mathjax=off)" in result.stderr
    run_cli(["build", "--mathjax=off"], exit_code=0, cwd=root)
    assert (root / "dist").is_dir()


def test_setting_sets_the_mode_and_the_flag_wins(project, run_cli) -> None:
    root = project({"ankigen.toml": 'deck_name = "Test"\nmathjax = "off"\n', "cards/a.md": CARD})
    result = run_cli(["check"], exit_code=0, cwd=root)
    assert "not checked with MathJax (mathjax = off)" in result.stderr
    result = run_cli(["check", "--mathjax=auto"], exit_code=1, cwd=root)
    assert "E303" in result.stdout


def test_bad_setting_is_e108(project, run_cli) -> None:
    root = project(
        {"ankigen.toml": 'deck_name = "Test"\nmathjax = "always"\n', "cards/a.md": "## Q\n<!-- id: a -->\nx\n"}
    )
    result = run_cli(["check"], exit_code=1, cwd=root)
    assert "ankigen.toml:2:1: E108 setting 'mathjax' must be one of auto, require, off, got 'always'" in result.stdout


def test_bad_flag_is_a_usage_error(root: Path, run_cli) -> None:
    run_cli(["check", "--mathjax=always"], exit_code=2, cwd=root)
