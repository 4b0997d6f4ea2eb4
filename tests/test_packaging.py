"""Packaging: the sdist and wheel build without deprecation warnings, pass ``twine check``, and the sdist holds
everything the test suite needs (so that its tests run from it).

The build runs without isolation (``--no-isolation``), against the setuptools and ``build`` of the test extra,
so it needs no network; it takes a few seconds.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import ankigen

REPO = Path(__file__).resolve().parents[1]
#: what the sdist adds to the source tree on its own
SDIST_GENERATED = {"PKG-INFO", "setup.cfg"}


def _source_files() -> set[str]:
    """The project's files: ``git ls-files`` in a checkout; in an unpacked sdist, what it holds."""
    if (REPO / ".git").exists():
        out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
        return set(out.splitlines()) - {".gitignore"}
    skip = ("__pycache__", ".ankigen-cache", ".pytest_cache", ".egg-info", "node_modules", ".venv", "dist/")
    return {
        p.relative_to(REPO).as_posix()
        for p in REPO.rglob("*")
        if p.is_file() and not any(s in p.relative_to(REPO).as_posix() for s in skip)
    } - SDIST_GENERATED


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    out = tmp_path_factory.mktemp("dist")
    # the default of `python -m build`: the sdist first, then the wheel built from the unpacked sdist
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    [sdist] = out.glob("*.tar.gz")
    [wheel] = out.glob("*.whl")
    return sdist, wheel, log


def test_build_prints_no_deprecation_warning(dists: tuple[Path, Path, str]) -> None:
    *_, log = dists
    assert not re.search(r"(?i)deprecat", log), log
    assert "SetuptoolsWarning" not in log and "no previously-included files" not in log, log


def test_twine_check_passes(dists: tuple[Path, Path, str]) -> None:
    sdist, wheel, _ = dists
    proc = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_wheel_metadata_is_complete(dists: tuple[Path, Path, str]) -> None:
    _, wheel, _ = dists
    with zipfile.ZipFile(wheel) as zf:
        [meta_name] = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        meta = zf.read(meta_name).decode("utf-8")
        names = zf.namelist()
    headers = meta.split("\n\n", 1)[0]
    assert f"Version: {ankigen.__version__}" in headers  # one source of the version
    assert "License-Expression: MIT AND Apache-2.0" in headers
    assert "License-File: LICENSE" in headers
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "Requires-Python: >=3.11" in headers
    assert "Description-Content-Type: text/markdown" in headers
    assert "Classifier: Programming Language :: Python :: 3.11" in headers
    assert re.search(r"(?m)^Keywords: .*anki", headers)
    assert "ankigen/notetype.css" in names and "ankigen/py.typed" in names
    requires = re.findall(r"(?m)^Requires-Dist: ([^;\n]+)$", headers)  # runtime only (extras carry a marker)
    assert requires, headers
    for req in requires:
        assert "==" not in req, f"runtime dependency pinned exactly: {req}"
        assert "<" in req, f"runtime dependency without an upper bound: {req}"


def test_sdist_holds_every_project_file(dists: tuple[Path, Path, str]) -> None:
    sdist, _, _ = dists
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    missing = sorted(_source_files() - names)
    assert not missing, f"not in the sdist (MANIFEST.in): {missing}"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "LICENSE" in names


def test_pyproject_conventions() -> None:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    assert project["license"] == "MIT AND Apache-2.0"  # ours, and the vendored MathJax bundle
    assert project["license-files"][0] == "LICENSE"
    assert "version" not in project and project["dynamic"] == ["version"]
    [backend] = data["build-system"]["requires"]
    assert re.fullmatch(r"setuptools>=\d+,<\d+", backend), backend
    # the claimed minimum is the tested one: CI runs Python 3.11 and the test extra needs it
    assert project["requires-python"] == ">=3.11"
    assert data["tool"]["ruff"]["target-version"] == "py311"


def test_readme_links_are_absolute() -> None:
    """The README is the PyPI description, where a relative link or image points nowhere."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    prose = re.sub(r"(?ms)^(```+|~~~+).*?^\1", "", text)  # fenced examples are shown, not linked
    prose = re.sub(r"`[^`\n]*`", "", prose)
    targets = re.findall(r"\]\(([^)\s]+)", prose) + re.findall(r'(?i)(?:src|href)="([^"]+)"', prose)
    relative = [t for t in targets if not re.match(r"(https?:|mailto:|#)", t)]
    # the one exception: the preview's screenshot, an image committed in docs/ (there is no public home to link
    # to absolutely; GitHub shows it, PyPI shows its alt text)
    pictures = re.findall(r"!\[[^\]]+\]\((docs/[\w.-]+\.png)\)", prose)
    relative = [t for t in relative if not (t in pictures and (REPO / t).is_file())]
    assert targets and not relative, relative
