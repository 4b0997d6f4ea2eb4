"""`pip install` alone gives the full MathJax check, on a machine with no node and no npm on PATH.

A fresh venv, the package installed non-editable from a copy of this checkout, a PATH that holds only the
venv (and git): `ankigen check` must typeset every formula, and the documented pre-commit configuration must
fail on a card that Anki would show with a red error box. Slow (two pip installs): about a minute.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NODE_PROGRAMS = {"node", "nodejs", "npm", "npx", "corepack"}
BAD = "## Sets\n<!-- id: reals -->\nWhat is $\\R$?\n"
GOOD = "## Sums\n<!-- id: sums -->\n$a^2 + b^2$ and\n\n$$\n\\sum_{i=1}^n i = \\frac{n(n+1)}{2}\n$$\n\nand $\\alpha$.\n"


def _copy_checkout(dest: Path) -> Path:
    """The files git tracks (as they are on disk), like a fresh clone of this checkout."""
    names = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, names):
        rel = name.decode()
        if rel.startswith(("cards/", "media/", "figures/")):
            continue  # the flagship deck: not part of the package
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(the checkout copy, an environment whose PATH has the fresh venv and git, but no node or npm)."""
    base = tmp_path_factory.mktemp("install")
    source = _copy_checkout(base / "ankigen-src")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # every program of PATH (git needs sed, basename, ...) except Node's
    tools = base / "tools"
    tools.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder) or Path(folder).resolve() == Path(sys.prefix, "bin").resolve():
            continue
        for program in os.scandir(folder):
            target = tools / program.name
            if program.name in NODE_PROGRAMS or target.exists() or not os.access(program.path, os.X_OK):
                continue
            target.symlink_to(program.path)
    path = os.pathsep.join([str(venv / "bin"), str(tools)])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANKIGEN_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=path, PRE_COMMIT_HOME=str(base / "pre-commit-home"), NO_COLOR="1")
    assert shutil.which("node", path=path) is None and shutil.which("npm", path=path) is None
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "."], cwd=source, env=env, check=True)
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import ankigen; print(ankigen.__file__)"],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "site-packages" in where  # installed, not editable
    return source, env


def _project(root: Path, card: str) -> Path:
    (root / "cards").mkdir(parents=True)
    (root / "ankigen.toml").write_text('deck_name = "Mine"\n', encoding="utf-8")
    (root / "cards" / "a.md").write_text(card, encoding="utf-8")
    return root


def _ankigen(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ankigen", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_check_typesets_every_formula_without_node_on_path(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _source, env = installed
    bad = _project(tmp_path / "bad", BAD)
    proc = _ankigen(env, bad, "check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "cards/a.md:3:9: E303 MathJax cannot typeset this formula: Undefined control sequence \\R" in proc.stdout
    assert "Traceback" not in proc.stderr

    good = _project(tmp_path / "good", GOOD)
    proc = _ankigen(env, good, "check", "--mathjax=require")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not checked" not in proc.stderr
    # every formula has a MathJax verdict: its width in em (an error would be its message, a string)
    text = (good / ".ankigen-cache" / "math.json").read_text("utf-8")
    verdicts = json.loads(text.partition("\n")[2])["verdicts"]
    assert len(verdicts) == 3
    assert all(isinstance(v, int | float) and v > 0 for v in verdicts.values()), verdicts


def test_documented_pre_commit_config_fails_on_the_card(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    source, env = installed
    readme = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"```yaml\n(\s*repos:\n.*?)```", readme, re.DOTALL)
    assert block is not None, "README documents a .pre-commit-config.yaml"
    config = re.sub(r"^\s{2}", "", block.group(1), flags=re.MULTILINE)  # the block is indented in a list item
    rev = re.search(r"rev: (\S+)", config)
    assert rev is not None, "the documented config pins a rev"
    # the hook's repository: a local git clone of this checkout, tagged with the documented rev
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=source, env=env, check=True)
    subprocess.run([*git, "add", "-A"], cwd=source, env=env, check=True)
    subprocess.run([*git, "commit", "-qm", "release"], cwd=source, env=env, check=True)
    subprocess.run([*git, "tag", rev.group(1)], cwd=source, env=env, check=True)
    config = re.sub(r"repo: \S+", f"repo: {source.as_posix()}", config)

    project = _project(tmp_path / "user", BAD)
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    subprocess.run([*git, "init", "-q"], cwd=project, env=env, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, env=env, check=True)
    pip = [str(Path(env["PATH"].split(os.pathsep)[0]) / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--disable-pip-version-check", "pre-commit"], env=env, check=True)
    proc = subprocess.run(
        ["pre-commit", "run", "--all-files"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "ankigen check" in out and "Failed" in out
    assert "cards/a.md:3:9: E303" in out
