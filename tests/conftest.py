from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).parent))

from ankigen.cli import cli

REPO = Path(__file__).resolve().parents[1]
SAMPLE = Path(__file__).parent / "projects" / "sample"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from a fresh build")


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own record of issued note times (``ankigen.issued``), never the user's."""
    folder = tmp_path_factory.mktemp("ankigen-data")
    monkeypatch.setenv("ANKIGEN_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write a project from ``{relative path: text}``; text is dedented."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    """A card project in ``tmp_path`` with root deck "Test" (plus the given files)."""

    def make(files: Mapping[str, str | bytes]) -> Path:
        base = {"ankigen.toml": 'deck_name = "Test"\n'}
        return write_tree(tmp_path / "proj", {**base, **files})

    return make


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the CLI in-process: assert the exit code, keep stdout and stderr apart, re-raise real exceptions."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    def run(
        args: list[str], exit_code: int = 0, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Result:
        runner = CliRunner()
        old = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            result = runner.invoke(cli, args, env=dict(env or {}), catch_exceptions=True)
        finally:
            os.chdir(old)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    return run
