from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from apkg_dump import dump_apkg


def test_cli_build_sample_writes_package_and_prints_path(run_cli, sample_copy: Path) -> None:
    result = run_cli(["build"], cwd=sample_copy)
    assert result.stdout.strip() == "dist/sample.apkg"
    assert (sample_copy / "dist" / "sample.apkg").is_file()
    assert "Built 4 notes from 2 files" in result.stderr
    assert "2  Sample::Classical" in result.stderr
    assert "2  Sample::DL" in result.stderr


def test_cli_build_output_and_deck_name_flags_override_config(run_cli, sample_copy: Path) -> None:
    run_cli(["build", "-o", "out/x.apkg", "--deck-name", "Other"], cwd=sample_copy)
    dump = dump_apkg(sample_copy / "out" / "x.apkg")
    assert "Other::DL::Activations" in dump["decks"]


def test_cli_build_subset_of_paths_builds_only_those(run_cli, sample_copy: Path) -> None:
    run_cli(["build", "cards/dl"], cwd=sample_copy)
    dump = dump_apkg(sample_copy / "dist" / "sample.apkg")
    assert {n["fields"]["Id"] for n in dump["notes"]} == {"sample-relu", "sample-sigmoid-cloze"}


def test_cli_build_errors_exit_1_and_leave_existing_output_untouched(run_cli, sample_copy: Path) -> None:
    run_cli(["build"], cwd=sample_copy)
    out = sample_copy / "dist" / "sample.apkg"
    before = out.read_bytes()
    bad = sample_copy / "cards" / "dl" / "broken.md"
    bad.write_text("## Q one\n<!-- id: sample-relu -->\n\n\\(x\n\n## \n\nanswer\n", encoding="utf-8")
    result = run_cli(["build"], exit_code=1, cwd=sample_copy)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert "cards/dl/broken.md:4:1: E301 unclosed inline math '\\(' (no '\\)' before end of answer)" in lines
    assert any(line.startswith("cards/dl/broken.md:6:") and " E202 " in line for line in lines)
    assert any(" E204 duplicate card id 'sample-relu'" in line for line in lines)
    assert "Found 3 errors, 1 warning in 3 files. Nothing written." in lines
    assert out.read_bytes() == before
    assert not [p for p in out.parent.iterdir() if p.name != "sample.apkg"], "no temporary files left behind"


def test_cli_check_prints_diagnostics_on_stdout_with_summary(run_cli, project) -> None:
    root = project({"cards/a.md": "## Q\n\nanswer\n"})
    result = run_cli(["check"], exit_code=0, cwd=root)
    assert result.stdout.splitlines() == [
        "cards/a.md:1:1: W201 card has no id; its identity is derived from the question, "
        "so editing the question makes a new note"
    ]
    assert result.stderr.strip() == "Found 0 errors, 1 warning in 1 file."
    run_cli(["check", "--strict"], exit_code=1, cwd=root)


def test_cli_check_json_format_is_machine_readable(run_cli, project) -> None:
    import json

    root = project({"cards/a.md": "## Q\n<!-- id: a -->\n\n$x\\)\n"})
    result = run_cli(["check", "--format", "json"], exit_code=0, cwd=root)
    [record] = json.loads(result.stdout)
    assert record["path"] == "cards/a.md"
    assert (record["line"], record["col"], record["code"], record["severity"]) == (4, 1, "W301", "warning")
    assert record["title"] == "dollar sign that is not math"


def test_cli_full_format_shows_source_line_and_caret(run_cli, project) -> None:
    root = project({"cards/a.md": "## Q\n<!-- id: a -->\n\nsee \\(x\n"})
    result = run_cli(["check", "--format", "full"], exit_code=1, cwd=root)
    assert "4 | see \\(x\n        ^" in result.stdout


def test_cli_bad_config_is_a_diagnostic(run_cli, project) -> None:
    root = project({"ankigen.toml": 'deck_name = "T"\ndeck_nme = "x"\n', "cards/a.md": "## Q\n<!-- id: a -->\nA\n"})
    result = run_cli(["build"], exit_code=1, cwd=root)
    assert result.stderr.strip() == "ankigen.toml:2:1: E108 unknown setting 'deck_nme'; did you mean 'deck_name'?"


def test_cli_source_date_epoch_must_be_a_number(run_cli, sample_copy: Path) -> None:
    result = run_cli(["build"], exit_code=2, cwd=sample_copy, env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert "SOURCE_DATE_EPOCH must be a whole number" in result.stderr


def test_build_deck_py_and_python_m_are_equivalent_to_ankigen_build(sample_copy: Path, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    env = {"SOURCE_DATE_EPOCH": "1700000000", "PATH": "/usr/bin:/bin"}
    a = subprocess.run(
        [sys.executable, str(repo / "build_deck.py"), "-o", str(tmp_path / "a.apkg")],
        cwd=sample_copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    b = subprocess.run(
        [sys.executable, "-m", "ankigen", "build", "-o", str(tmp_path / "b.apkg")],
        cwd=sample_copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Traceback" not in a.stderr + b.stderr
    assert (tmp_path / "a.apkg").read_bytes() == (tmp_path / "b.apkg").read_bytes()


def test_cli_unreadable_card_file_is_reported_not_skipped(run_cli, project) -> None:
    root = project({"cards/a.md": "## Q\n<!-- id: a -->\nA\n"})
    (root / "cards" / "gone.md").symlink_to(root / "cards" / "missing-target.md")
    result = run_cli(["check"], exit_code=1, cwd=root)
    assert result.stdout.startswith("cards/gone.md:1:1: E107 cannot read file: No such file or directory")


def test_cli_output_that_is_a_folder_receives_the_package_under_its_default_name(run_cli, sample_copy: Path) -> None:
    (sample_copy / "out").mkdir()
    result = run_cli(["build", "-o", "out"], cwd=sample_copy)
    assert result.stdout.splitlines() == ["out/sample.apkg"]
    assert [p.name for p in (sample_copy / "out").iterdir()] == ["sample.apkg"]
    result = run_cli(["build", "-o", "new/"], cwd=sample_copy)  # a trailing slash: a folder, made if need be
    assert result.stdout.splitlines() == ["new/sample.apkg"]


def test_cli_paths_outside_the_project_are_a_usage_error(run_cli, sample_copy: Path, tmp_path: Path) -> None:
    stray = tmp_path / "stray.md"
    stray.write_text("## Q\n<!-- id: q -->\nA\n", encoding="utf-8")
    result = run_cli(["build", str(stray)], exit_code=2, cwd=sample_copy)
    assert "is outside the project folder" in result.stderr


def test_cli_symlink_loop_in_cards_is_walked_once(run_cli, sample_copy: Path) -> None:
    (sample_copy / "cards" / "dl" / "loop").symlink_to(sample_copy / "cards")
    result = run_cli(["check"], cwd=sample_copy)
    assert result.stdout == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("tty", "ci", "total", "drawn"),
    [(True, "", 10**6, True), (True, "", 1000, False), (True, "true", 10**6, False), (False, "", 10**6, False)],
)
def test_cli_progress_bar_only_on_a_terminal_outside_ci_for_big_builds(monkeypatch, tty, ci, total, drawn) -> None:
    from ankigen import cli as cli_module

    stream = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setenv("CI", ci)
    update, close = cli_module._progress_bar()
    if update is not None:
        for done in range(0, total + 1, max(1, total // 4)):
            update(done, total)
    close()
    assert ("Compiling" in stream.getvalue()) is drawn


def test_cli_progress_bar_ends_its_line_when_compiling_is_done(monkeypatch) -> None:
    """Whatever is said next (the MathJax notice) starts on a line of its own, not after the bar."""
    from ankigen import cli as cli_module

    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setenv("CI", "")
    update, close = cli_module._progress_bar()
    assert update is not None
    total = cli_module.PROGRESS_MIN_CHARS
    update(total // 2, total)
    assert not stream.getvalue().endswith("\n")
    update(total, total)
    assert stream.getvalue().endswith("\n")
    drawn = stream.getvalue()
    close()
    assert stream.getvalue() == drawn  # closing again draws nothing more


@pytest.mark.parametrize(
    ("tty", "ci", "count", "said"),
    [(True, "", 5000, True), (True, "", 10, False), (True, "true", 5000, False), (False, "", 5000, False)],
)
def test_cli_mathjax_notice_only_on_a_terminal_outside_ci_for_long_checks(monkeypatch, tty, ci, count, said) -> None:
    from ankigen import cli as cli_module

    stream = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setenv("CI", ci)
    started = cli_module._mathjax_notice()
    if started is not None:
        started(count)
    assert (f"Checking {count:,} formulas with MathJax" in stream.getvalue()) is said
