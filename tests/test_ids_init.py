"""``ankigen init`` and ``ankigen ids --write``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ankigen.config import load_config
from ankigen.parse import legacy_auto_id
from ankigen.pipeline import build
from conftest import write_tree


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _commit(root: Path) -> None:
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")


def test_init_creates_a_pinned_project_that_builds(tmp_path: Path, run_cli) -> None:
    run_cli(["init", str(tmp_path / "proj"), "--deck-name", "Spanish"])
    root = tmp_path / "proj"
    config, problems = load_config(root, {})
    assert problems == ()
    assert config.deck_name == "Spanish"
    assert config.id_namespace.startswith("Spanish ") and len(config.id_namespace) == len("Spanish ") + 8
    assert (config.deck_source, config.namespace_source) == ("config", "config")
    assert "/.ankigen-cache/" in (root / ".gitignore").read_text("utf-8")
    assert (root / "media").is_dir()
    result = build(config, 1_700_000_000)
    assert result.written and result.diagnostics == ()
    assert [n.deck for n in result.notes] == ["Spanish::Example"]
    again = run_cli(["init", str(root)], exit_code=1)
    assert "already exists" in again.stderr


def test_ids_write_stamps_markdown_and_yaml_changing_nothing_else(tmp_path: Path, run_cli) -> None:
    md = "## What is a?\r\nA.\r\n\r\n## What is b?\r\n<!-- tags: [x] -->\r\nB.\r\n\r\n"
    md += "## Has one\r\n<!-- id: c -->\r\nC.\r\n"
    yml = "cards:\n  - question: What is d\n    answer: D.  # note\n  - {question: e, answer: E.}\n"
    root = write_tree(tmp_path / "p", {"ankigen.toml": 'deck_name = "T"\n'})
    (root / "cards").mkdir()
    (root / "cards" / "a.md").write_bytes(md.encode())
    (root / "cards" / "b.yaml").write_bytes(yml.encode())
    _git(root, "init", "-q")
    _commit(root)
    listed = run_cli(["ids", "--root", str(root)])
    assert (root / "cards" / "a.md").read_bytes() == md.encode()
    assert "cards/a.md:1: id: what-is-a" in listed.stdout
    run_cli(["ids", "--write", "--root", str(root)])
    assert (root / "cards" / "a.md").read_bytes().decode() == md.replace(
        "## What is a?\r\n", "## What is a?\r\n<!-- id: what-is-a -->\r\n"
    ).replace("<!-- tags: [x] -->", "<!-- id: what-is-b, tags: [x] -->")
    assert (root / "cards" / "b.yaml").read_text("utf-8") == (
        "cards:\n  - id: what-is-d\n    question: What is d\n    answer: D.  # note\n"
        "  - {id: e, question: e, answer: E.}\n"
    )
    config, _ = load_config(root, {})
    result = build(config, 1_700_000_000)
    assert result.written and not [d for d in result.diagnostics if d.code == "W201"]


def test_ids_write_keeps_the_id_a_built_note_has_and_refuses_uncommitted_files(tmp_path: Path, run_cli) -> None:
    root = write_tree(
        tmp_path / "p",
        {"ankigen.toml": 'deck_name = "T"\n', "cards/s/a.md": "## What is a?\nA.\n", "cards/b.md": "## Bee?\nB.\n"},
    )
    config, _ = load_config(root, {})
    first = build(config, 1_700_000_000)
    derived = {n.fields[-1] for n in first.notes}
    # a lock from release 0.1 knew card b by its old derived id (deck included)
    lock = root / "ankigen.lock"
    old = legacy_auto_id(("b",), "Bee?")
    lock.write_text(
        "\n".join(line for line in lock.read_text("utf-8").splitlines() if "T::b" not in line)
        + f"\n{old} 0123456789abcdef 1690000000 T::b\n",
        encoding="utf-8",
    )
    _git(root, "init", "-q")
    _commit(root)
    (root / "cards" / "b.md").write_text("## Bee?\nBee.\n", encoding="utf-8")  # uncommitted
    out = run_cli(["ids", "--write", "--root", str(root)], exit_code=1)
    assert "cards/b.md: not changed: has uncommitted changes" in out.stderr
    stamped = (root / "cards" / "s" / "a.md").read_text("utf-8")
    (a_id,) = derived - {old} - {n.fields[-1] for n in first.notes if n.deck == "T::b"}
    assert stamped == f"## What is a?\n<!-- id: {a_id} -->\nA.\n"
    run_cli(["ids", "--write", "--force", "--root", str(root)])
    assert (root / "cards" / "b.md").read_text("utf-8") == f"## Bee?\n<!-- id: {old} -->\nBee.\n"
