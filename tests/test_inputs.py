"""Bad input from the file system: -o never replaces an input, unreadable files are diagnostics, JSON output
is one document on stdout."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

GOOD = "## What is $x$?\n<!-- id: a -->\n\nIt is $x$.\n"
NO_MATHJAX = {"ANKIGEN_MATHJAX_DIR": "/nonexistent"}


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` (but the cache) with a hash of its bytes, links as their targets."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".ankigen-cache"):
            continue
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


@pytest.fixture
def proj(project) -> Path:
    return project({"cards/good.md": GOOD, "media/pic.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n'})


@pytest.mark.parametrize(
    "target",
    [
        "cards/good.md",
        "cards/new.md",
        "cards/x.apkg",
        "ankigen.toml",
        "pyproject.toml",
        "ankigen.lock",
        "media/pic.svg",
        "media/x.apkg",
        "README",
        ".ankigen-cache/x.apkg",
        "cards",
        "media/",
        "link.apkg",
    ],
)
def test_output_never_replaces_an_input_and_is_a_usage_error(run_cli, proj: Path, target: str) -> None:
    (proj / "README").write_text("read me\n", encoding="utf-8")
    (proj / "link.apkg").symlink_to(proj / "cards" / "good.md")
    run_cli(["build"], cwd=proj, env=NO_MATHJAX)  # a lock and a package exist
    before = _snapshot(proj)
    result = run_cli(["build", "-o", target], exit_code=2, cwd=proj, env=NO_MATHJAX)
    assert "Error:" in result.stderr and "Traceback" not in result.stderr
    assert _snapshot(proj) == before


def test_output_may_replace_an_earlier_package(run_cli, proj: Path) -> None:
    run_cli(["build", "-o", "out/deck.apkg"], cwd=proj, env=NO_MATHJAX)
    first = (proj / "out" / "deck.apkg").read_bytes()
    assert first.startswith(b"PK")
    (proj / "cards" / "good.md").write_text(GOOD.replace("It is", "It is, indeed,"), encoding="utf-8")
    run_cli(["build", "-o", "out/deck.apkg"], cwd=proj, env=NO_MATHJAX)
    assert (proj / "out" / "deck.apkg").read_bytes() != first


def test_split_packages_are_checked_too(run_cli, project) -> None:
    root = project({"cards/media.md": GOOD})
    (root / "dist").mkdir()
    (root / "dist" / "test-media.apkg").write_text("not a package\n", encoding="utf-8")
    result = run_cli(["build", "--split"], exit_code=2, cwd=root, env=NO_MATHJAX)
    assert "cannot write the package: 'dist/test-media.apkg' exists and is not an Anki package" in result.stderr
    assert (root / "dist" / "test-media.apkg").read_text("utf-8") == "not a package\n"
    assert not (root / "dist" / "test.apkg").exists()


def test_output_under_a_file_is_e109(run_cli, proj: Path) -> None:
    (proj / "notes.txt").write_text("x\n", encoding="utf-8")
    result = run_cli(["build", "-o", "notes.txt.d/../notes.txt/x.apkg"], exit_code=1, cwd=proj, env=NO_MATHJAX)
    assert "E109 cannot write" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'deck_name = "Caf\xe9"\n', "ankigen.toml:1:17: E115 cannot read 'ankigen.toml': it is not valid UTF-8"),
        (None, "ankigen.toml:1:1: E115 cannot read 'ankigen.toml': it is a folder"),
        ("link", "ankigen.toml:1:1: E115 cannot read 'ankigen.toml': it is a symbolic link to a missing file"),
    ],
)
@pytest.mark.parametrize("command", ["build", "check", "stats"])
def test_unreadable_config_is_e115_never_the_defaults(
    run_cli, proj: Path, content: bytes | str | None, expected: str, command: str
) -> None:
    config = proj / "ankigen.toml"
    config.unlink()
    if content is None:
        config.mkdir()
    elif content == "link":
        config.symlink_to(proj / "missing.toml")
    else:
        assert isinstance(content, bytes)
        config.write_bytes(content)
    result = run_cli([command], exit_code=1, cwd=proj, env=NO_MATHJAX)
    assert expected in result.stdout + result.stderr
    assert not (proj / "dist").exists()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.write_bytes(b"\x00\x01\xff\xfe binary"), "ankigen.lock:1:3: E501 lock file is not valid UTF-8"),
        (lambda p: p.mkdir(), "ankigen.lock:1:1: E116 cannot read the lock file 'ankigen.lock': it is a folder"),
    ],
)
def test_unreadable_lock_is_a_diagnostic_and_nothing_is_written(run_cli, proj: Path, make, expected: str) -> None:
    make(proj / "ankigen.lock")
    before = _snapshot(proj)
    result = run_cli(["build"], exit_code=1, cwd=proj, env=NO_MATHJAX)
    assert expected in result.stderr
    assert _snapshot(proj) == before


def test_card_file_name_that_is_not_utf8_is_e117(run_cli, proj: Path) -> None:
    name = os.fsdecode(b"caf\xe9.md")
    (proj / "cards" / name).write_text(GOOD.replace("id: a", "id: b"), encoding="utf-8")
    for command in ("check", "build"):
        result = run_cli([command], exit_code=1, cwd=proj, env=NO_MATHJAX)
        out = result.stdout + result.stderr
        assert "cards/caf\ufffd.md:1:1: E117 file name 'cards/caf\ufffd.md' is not valid UTF-8" in out


def test_card_file_that_links_to_itself_is_e107(run_cli, proj: Path) -> None:
    (proj / "cards" / "self.md").symlink_to("self.md")
    result = run_cli(["check"], exit_code=1, cwd=proj, env=NO_MATHJAX)
    assert result.stdout.startswith("cards/self.md:1:1: E107 cannot read file: Too many levels of symbolic links")


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda m: (m / "pic.png").mkdir(), "E406 cannot read image 'media/pic.png': it is a folder"),
        (lambda m: (m / "pic.png").symlink_to("pic.png"), "E406 cannot read image 'media/pic.png'"),
        (lambda m: (m / "pic.png").symlink_to("/etc/hostname"), "E402 image 'pic.png' is outside the project root"),
        (lambda m: (m / "pic.png").write_text("hello\n"), "E405 image 'media/pic.png' is not what its name says"),
        (lambda m: (m / "pic.png").write_bytes(b""), "E405 image 'media/pic.png' is not what its name says"),
    ],
)
def test_bad_media_files_are_located_diagnostics(run_cli, project, make, code: str) -> None:
    root = project({"cards/a.md": "## Q\n<!-- id: a -->\n\n![plot](pic.png)\n"})
    (root / "media").mkdir()
    make(root / "media")
    result = run_cli(["check"], exit_code=1, cwd=root, env=NO_MATHJAX)
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cards/a.md:4:9: {code}"), lines


def test_e401_names_both_places_it_looked(run_cli, project) -> None:
    root = project({"cards/a.md": "## Q\n<!-- id: a -->\n\n![plot](gone.png)\n"})
    result = run_cli(["check"], exit_code=1, cwd=root, env=NO_MATHJAX)
    assert "E401 image 'gone.png' not found (looked for 'cards/gone.png' or 'media/gone.png')" in result.stdout


def test_build_json_is_one_document_on_stdout(run_cli, proj: Path) -> None:
    (proj / "cards" / "pic.md").write_text("## P\n<!-- id: p -->\n\n![a pic](pic.svg)\n", encoding="utf-8")
    ok = run_cli(["build", "--format", "json"], cwd=proj, env=NO_MATHJAX)
    doc = json.loads(ok.stdout)
    assert doc["written"] is True and doc["notes"] == 2 and doc["outputs"][0]["path"] == "dist/test.apkg"
    assert "Built 2 notes from 2 files:" in ok.stderr
    (proj / "cards" / "bad.yaml").write_text("cards:\n  - id: [x\n", encoding="utf-8")
    bad = run_cli(["build", "--format", "json"], exit_code=1, cwd=proj, env=NO_MATHJAX)
    doc = json.loads(bad.stdout)
    assert doc["written"] is False
    assert [(d["path"], d["line"], d["col"], d["code"]) for d in doc["diagnostics"]] == [
        ("cards/bad.yaml", 2, 9, "E102")
    ]
    assert "Nothing written." in bad.stderr and "E102" not in bad.stderr


def test_stats_reports_parse_errors_and_exits_1(run_cli, proj: Path) -> None:
    (proj / "cards" / "bad.yaml").write_text("cards:\n  - id: [x\n", encoding="utf-8")
    table = run_cli(["stats"], exit_code=1, cwd=proj, env=NO_MATHJAX)
    assert "cards/bad.yaml:2:9: E102" in table.stderr
    assert "1 card (1 basic, 0 cloze) in 2 files" in table.stdout
    doc = json.loads(run_cli(["stats", "--format", "json"], exit_code=1, cwd=proj, env=NO_MATHJAX).stdout)
    assert [d["code"] for d in doc["diagnostics"]] == ["E102"] and doc["totals"]["cards"] == 1
    (proj / "ankigen.toml").write_text("deck_name = 3\n", encoding="utf-8")
    result = run_cli(["stats", "--format", "json"], exit_code=1, cwd=proj, env=NO_MATHJAX)
    assert [d["code"] for d in json.loads(result.stdout)["diagnostics"]] == ["E108"]
