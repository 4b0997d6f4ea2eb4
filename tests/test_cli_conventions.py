"""CLI conventions of ruff, mkdocs and pytest: version, -q/-v, colour, paths from the current folder, the
no-config note, usage errors for flags that cannot do what they say, the cache folder's markers, the
pre-commit hook's file pattern, the lock read by ``check``, and a README that documents every option."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

import ankigen
from ankigen.cli import cli, color_choice

REPO = Path(__file__).resolve().parents[1]
CARD = "## Q\n<!-- id: a -->\n\nanswer\n"
NO_ID = "## Q\n\nanswer\n"
ESC = "\x1b["


def _besides_mathjax(stderr: str) -> str:
    """stderr without the MathJax skip note, which is always shown (a test project has no MathJax)."""
    return "".join(line for line in stderr.splitlines(keepends=True) if "MathJax" not in line)


def test_version_long_and_short(run_cli) -> None:
    for flag in ("--version", "-V"):
        result = run_cli([flag])
        assert result.stdout == f"ankigen {ankigen.__version__}\n"


def test_quiet_prints_only_the_product(run_cli, sample_copy: Path) -> None:
    for args in (["build", "-q"], ["-q", "build"], ["build", "--quiet"]):
        result = run_cli(args, cwd=sample_copy)
        assert result.stdout == "dist/sample.apkg\n"
        assert _besides_mathjax(result.stderr) == ""


def test_quiet_check_keeps_the_problems_only(run_cli, project) -> None:
    root = project({"cards/a.md": NO_ID})
    result = run_cli(["check", "-q"], cwd=root)
    assert result.stdout.startswith("cards/a.md:1:1: W201 ")
    assert _besides_mathjax(result.stderr) == ""
    assert _besides_mathjax(run_cli(["check"], cwd=root).stderr).strip() == "Found 0 errors, 1 warning in 1 file."


def test_verbose_says_what_was_read_and_how_long(run_cli, sample_copy: Path) -> None:
    quiet_err = run_cli(["build"], cwd=sample_copy).stderr
    result = run_cli(["-v", "build"], cwd=sample_copy)
    assert "settings from ankigen.toml" in result.stderr
    assert re.search(r"(?m)^done in \d+\.\d\d s$", result.stderr)
    assert "settings from" not in quiet_err and "done in" not in quiet_err


def test_quiet_and_verbose_exclude_each_other(run_cli, sample_copy: Path) -> None:
    result = run_cli(["-q", "build", "-v"], exit_code=2, cwd=sample_copy)
    assert "-q/--quiet and -v/--verbose exclude each other" in result.stderr
    assert not (sample_copy / "dist").exists()


def test_color_flag_forces_or_removes_colour(run_cli, project) -> None:
    root = project({"cards/a.md": NO_ID})
    always = run_cli(["check", "--color", "always"], cwd=root)
    assert ESC in always.stdout and ESC in always.stderr
    assert "\x1b[33m\x1b[1mW201" in always.stdout  # warnings in yellow
    assert ESC in run_cli(["--color=always", "check"], cwd=root).stdout
    never = run_cli(["check", "--color", "never"], cwd=root, env={"FORCE_COLOR": "1"})
    assert ESC not in never.stdout + never.stderr
    # NO_COLOR wins over auto, an explicit --color over NO_COLOR
    assert ESC not in run_cli(["check"], cwd=root, env={"NO_COLOR": "1"}).stdout
    assert ESC in run_cli(["check", "--color=always"], cwd=root, env={"NO_COLOR": "1"}).stdout
    run_cli(["check", "--color", "sometimes"], exit_code=2, cwd=root)


def test_color_choice_follows_no_color_and_force_color() -> None:
    assert color_choice(None, {}) is None  # on a terminal: click decides
    assert color_choice("auto", {"NO_COLOR": "1"}) is False
    assert color_choice("auto", {"NO_COLOR": ""}) is None  # only a non-empty NO_COLOR counts (no-color.org)
    assert color_choice(None, {"FORCE_COLOR": "1"}) is True
    assert color_choice("never", {"FORCE_COLOR": "1"}) is False
    assert color_choice("always", {"NO_COLOR": "1"}) is True


def _on_terminal(args: list[str], cwd: Path, **env: str) -> str:
    """Run ``python -m ankigen`` with stdout and stderr on a pseudo-terminal; return what it printed."""
    master, slave = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ankigen", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env={**environ, "TERM": "xterm", **env},
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=60)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_unless_no_color(project) -> None:
    root = project({"cards/a.md": NO_ID})
    assert "\x1b[33m\x1b[1mW201" in _on_terminal(["check"], root)
    plain = _on_terminal(["check"], root, NO_COLOR="1")
    assert "W201" in plain and ESC not in plain
    assert ESC not in _on_terminal(["check", "--color", "never"], root)


def test_printed_paths_are_relative_to_the_current_folder(run_cli, sample_copy: Path) -> None:
    sub = sample_copy / "cards" / "dl"
    result = run_cli(["build"], cwd=sub)
    assert result.stdout == "../../dist/sample.apkg\n"
    assert (sub / result.stdout.strip()).is_file()
    assert "  ../../dist/sample.apkg (" in result.stderr
    (sub / "nid.md").write_text(NO_ID, encoding="utf-8")
    check = run_cli(["check"], cwd=sub)
    assert check.stdout.startswith("nid.md:1:1: W201 ")  # openable from here, like ruff's paths
    full = run_cli(["check", "--format", "full"], cwd=sub)
    assert "1 | ## Q" in full.stdout  # the source line is found from the current folder too
    assert '"path": "cards/dl/nid.md"' in run_cli(["check", "--format", "json"], cwd=sub).stdout  # data: project


def test_ls_of_the_built_path_works_from_a_subfolder(sample_copy: Path) -> None:
    """The issue's own example, in a real shell: ``ls "$(ankigen build)"`` from ``cards/sub``."""
    proc = subprocess.run(
        f'ls "$("{sys.executable}" -m ankigen build -q)"',
        shell=True,
        cwd=sample_copy / "cards" / "dl",
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "../../dist/sample.apkg"


def test_no_config_is_said_on_stderr(run_cli, tmp_path: Path) -> None:
    root = tmp_path / "bare"
    (root / "cards").mkdir(parents=True)
    (root / "cards" / "a.md").write_text(CARD, encoding="utf-8")
    result = run_cli(["build"], cwd=root)
    assert "note: no ankigen.toml or pyproject.toml with [tool.ankigen] found here or in a parent folder" in (
        result.stderr
    )
    assert f"using the current folder ({root.resolve()}) as the project" in result.stderr
    assert result.stdout == "dist/bare.apkg\n"
    assert "note: no ankigen.toml" not in run_cli(["build", "-q"], cwd=root).stderr
    assert "note: no ankigen.toml or [tool.ankigen]" in run_cli(["check", "--root", str(root)]).stderr
    (root / "ankigen.toml").write_text('deck_name = "bare"\n', encoding="utf-8")
    assert "note:" not in run_cli(["check"], cwd=root).stderr


@pytest.mark.parametrize("out", ["deck.zip", "out/deck.apkg.zip", "deck.anki"])
def test_output_without_apkg_suffix_is_a_usage_error(run_cli, sample_copy: Path, out: str) -> None:
    result = run_cli(["build", "-o", out], exit_code=2, cwd=sample_copy)
    assert "Invalid value for '-o' / '--output'" in result.stderr
    assert ".apkg" in result.stderr
    assert not list(sample_copy.rglob("*.zip")) and not (sample_copy / "deck").exists()


def test_output_with_apkg_suffix_in_any_case_is_accepted(run_cli, sample_copy: Path) -> None:
    assert run_cli(["build", "-o", "Deck.APKG"], cwd=sample_copy).stdout == "Deck.APKG\n"


def test_no_full_without_split_is_a_usage_error(run_cli, sample_copy: Path) -> None:
    result = run_cli(["build", "--no-full"], exit_code=2, cwd=sample_copy)
    assert "--no-full only makes sense with --split" in result.stderr
    assert not (sample_copy / "dist").exists()
    run_cli(["build", "--split", "--no-full"], cwd=sample_copy)


def test_repeated_tags_count_once(run_cli, sample_copy: Path) -> None:
    once = run_cli(["build", "--tag", "DL"], cwd=sample_copy).stdout
    assert once == "dist/sample--dl.apkg\n"
    assert run_cli(["build", "--tag", "DL", "--tag", "DL"], cwd=sample_copy).stdout == once
    assert run_cli(["build", "--tag", "DL", "--tag", "dl", "--tag", "DL::"], cwd=sample_copy).stdout == once
    excl = run_cli(["build", "--exclude-tag", "DL", "--exclude-tag", "dl"], cwd=sample_copy).stdout
    assert excl == "dist/sample--not-dl.apkg\n"


def test_check_no_cache_neither_reads_nor_writes_the_cache(run_cli, project) -> None:
    root = project({"cards/a.md": CARD})
    run_cli(["check", "--no-cache"], cwd=root)
    assert not (root / ".ankigen-cache").exists()
    run_cli(["check"], cwd=root)
    assert (root / ".ankigen-cache").is_dir()


def test_cache_folder_is_tagged_and_ignores_itself(run_cli, project) -> None:
    root = project({"cards/a.md": CARD})
    run_cli(["build"], cwd=root)
    tag = (root / ".ankigen-cache" / "CACHEDIR.TAG").read_text(encoding="utf-8")
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")  # https://bford.info/cachedir/
    assert (root / ".ankigen-cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    if shutil.which("git") is None:
        pytest.fail("git is needed to check that the cache is ignored")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    status = subprocess.run(["git", "status", "--porcelain", "-uall"], cwd=root, capture_output=True, text=True)
    assert status.returncode == 0
    assert ".ankigen-cache" not in status.stdout
    assert "cards/a.md" in status.stdout


def test_pre_commit_hook_runs_on_cards_media_config_and_lock() -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    pattern = re.compile(hook["files"])  # pre-commit matches with re.search on the repo-relative path
    for path in (
        "cards/a.md",
        "cards/dl/b.yaml",
        "cards/c.yml",
        "media/fig.svg",
        "media/sub/photo.png",
        "deck/media/x.png",
        "ankigen.toml",
        "ankigen.lock",
        "decks/ankigen.lock",
        "pyproject.toml",
    ):
        assert pattern.search(path), path
    for path in ("src/ankigen/cli.py", "notes.txt", "mediafile.py", "myankigen.lock"):
        assert not pattern.search(path), path


def test_check_reports_a_merge_conflicted_lock(run_cli, project) -> None:
    root = project({"cards/a.md": CARD})
    run_cli(["build"], cwd=root)
    lock = root / "ankigen.lock"
    lines = lock.read_text(encoding="utf-8").splitlines()
    [i] = [n for n, line in enumerate(lines) if line.startswith("a ")]
    conflicted = [*lines[:i], "<<<<<<< HEAD", lines[i], "=======", lines[i], ">>>>>>> other", *lines[i + 1 :]]
    lock.write_text("\n".join(conflicted) + "\n", encoding="utf-8")
    result = run_cli(["check"], exit_code=1, cwd=root)
    assert re.search(rf"(?m)^ankigen\.lock:{i + 1}:1: E501 ", result.stdout), result.stdout
    run_cli(["lock", "--rebuild"], cwd=root)
    run_cli(["check"], cwd=root)


def _options(command: click.Command) -> set[str]:
    names = set()
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            names.update(o for o in (*param.opts, *param.secondary_opts) if o not in ("-h", "--help"))
    return names


def test_readme_documents_every_option_of_help() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = {"": cli, **{name: cmd for name, cmd in cli.commands.items()}}  # type: ignore[attr-defined]
    missing = []
    for name, command in commands.items():
        if name and f"ankigen {name}" not in readme:
            missing.append(f"command {name}")
        help_text = command.get_help(click.Context(command, info_name=f"ankigen {name}".strip()))
        for option in _options(command):
            assert option in help_text  # what --help shows is what we compare
            if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", readme):
                missing.append(f"{name or 'ankigen'} {option}")
    assert not missing, f"not in the README: {missing}"


def test_readme_points_at_nothing_outside_the_repository() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "STYLE.md" not in readme and "shared/" not in readme
