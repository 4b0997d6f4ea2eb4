"""Identity pinned by config and lock (E215, E216, W210), one-off builds that leave the lock alone, and note
times that only ever grow, even when git rewinds the lock."""

from __future__ import annotations

import shutil
from pathlib import Path

from ankigen.config import load_config
from ankigen.lock import parse_lock
from ankigen.parse import auto_id
from ankigen.pipeline import BuildResult, Options, build
from conftest import write_tree

CARDS = {
    "cards/a/one.md": "## What is one?\n<!-- id: one -->\nOne.\n\n## What is two?\n<!-- id: two -->\nTwo.\n",
}


def _build(root: Path, now: int, overrides: dict[str, str] | None = None, **kw: object) -> BuildResult:
    config, problems = load_config(root, overrides or {})
    assert problems == ()
    return build(config, now, **kw)  # type: ignore[arg-type]


def _lock(root: Path) -> str:
    return (root / "ankigen.lock").read_text("utf-8")


def _guids(result: BuildResult) -> dict[str, str]:
    return {n.fields[-1]: n.guid for n in result.notes}


def test_first_build_without_config_warns_w210_and_records_identity(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "my-deck", CARDS)
    result = _build(root, 1_700_000_000)
    assert result.written
    assert [d.code for d in result.diagnostics] == ["W210"]
    lock, _ = parse_lock(_lock(root))
    assert (lock.namespace, lock.deck) == ("my-deck", "my-deck")
    assert _build(root, 1_700_000_100).diagnostics == ()  # recorded now: no second warning


def test_clone_under_another_folder_name_keeps_guids_and_decks(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "deck", CARDS)
    first = _build(root, 1_700_000_000)
    clone = tmp_path / "my-deck"
    shutil.copytree(root, clone, ignore=shutil.ignore_patterns("dist"))
    again = _build(clone, 1_700_000_500)
    assert _guids(again) == _guids(first)
    assert {n.deck for n in again.notes} == {"deck::a::one"}
    assert again.diagnostics == ()
    assert again.plan is not None and len(again.plan.unchanged) == 2


def test_config_namespace_against_the_lock_is_e215_and_writes_nothing(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {**CARDS, "ankigen.toml": 'deck_name = "Test"\n'})
    _build(root, 1_700_000_000)
    lock = _lock(root)
    (root / "ankigen.toml").write_text('deck_name = "Test"\nid_namespace = "Other"\n', encoding="utf-8")
    result = _build(root, 1_700_000_100)
    assert not result.written
    assert [d.concise() for d in result.diagnostics] == [
        "ankigen.toml:2:1: E215 id_namespace 'Other' differs from 'Test' recorded in ankigen.lock: every GUID would "
        "change, so importing this build would duplicate all 2 notes"
    ]
    assert _lock(root) == lock


def test_renamed_deck_in_config_is_e216_unless_rerecorded(tmp_path: Path, run_cli) -> None:
    root = write_tree(tmp_path / "p", {**CARDS, "ankigen.toml": 'deck_name = "Test"\n'})
    first = _build(root, 1_700_000_000)
    (root / "ankigen.toml").write_text('deck_name = "Renamed"\n', encoding="utf-8")
    result = _build(root, 1_700_000_100)
    assert [d.code for d in result.diagnostics] == ["E216"]
    run_cli(["lock", "--rebuild", "--root", str(root)])
    after = _build(root, 1_700_000_200)
    assert after.written and after.diagnostics == ()
    assert _guids(after) == _guids(first), "the namespace stays the recorded one: same notes, new deck name"
    assert {n.deck for n in after.notes} == {"Renamed::a::one"}


def test_deck_name_flag_builds_a_separate_deck_and_leaves_the_lock(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {**CARDS, "ankigen.toml": 'deck_name = "Test"\n'})
    first = _build(root, 1_700_000_000)
    lock = _lock(root)
    other = _build(root, 1_700_000_100, {"deck_name": "Other", "output": str(tmp_path / "other.apkg")})
    assert other.written
    assert set(_guids(other).values()).isdisjoint(_guids(first).values())
    assert any("separate deck 'Other'" in line for line in other.report)
    assert _lock(root) == lock
    again = _build(root, 1_700_000_200)
    assert again.plan is not None and (len(again.plan.changed), len(again.plan.unchanged)) == (0, 2)


def test_partial_builds_never_touch_the_lock(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "p",
        {**CARDS, "ankigen.toml": 'deck_name = "Test"\n', "notes.md": "## Stray?\n<!-- id: stray -->\nYes.\n"},
    )
    _build(root, 1_700_000_000)
    lock = _lock(root)
    one = root / "cards" / "a" / "one.md"
    one.write_text(one.read_text("utf-8").replace("One.", "Uno."), encoding="utf-8")
    for options in (Options(paths=(root / "notes.md",)), Options(paths=(one,)), Options(tags=("a",))):
        result = _build(root, 1_700_000_100, options=options)
        assert result.written, result.diagnostics
        assert _lock(root) == lock
    full = _build(root, 1_700_000_200)
    assert full.plan is not None and full.plan.changed == ("one",) and full.plan.orphans == ()


def test_a_change_back_to_an_earlier_version_gets_a_newer_time(tmp_path: Path) -> None:
    """git revert rewinds the lock; the record of issued times does not, so the old text still reaches Anki."""
    root = write_tree(tmp_path / "p", {**CARDS, "ankigen.toml": 'deck_name = "Test"\n'})
    _build(root, 1_700_000_000)
    old_lock, one = _lock(root), root / "cards" / "a" / "one.md"
    original = one.read_text("utf-8")
    one.write_text(original.replace("One.", "Uno."), encoding="utf-8")
    edited = _build(root, 1_700_000_100)
    assert edited.plan is not None and edited.plan.mods["one"] == 1_700_000_100
    one.write_text(original, encoding="utf-8")  # git revert: sources and lock as they were
    (root / "ankigen.lock").write_text(old_lock, encoding="utf-8")
    reverted = _build(root, 1_700_000_050)  # even with a clock behind the last build
    assert reverted.plan is not None
    assert reverted.plan.mods["one"] == 1_700_000_101
    assert reverted.plan.changed == ("one",)
    assert reverted.plan.mods["two"] == 1_700_000_000 and "two" in reverted.plan.unchanged


def test_lost_lock_on_the_same_machine_rewrites_nothing(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "p", {**CARDS, "ankigen.toml": 'deck_name = "Test"\n'})
    first = _build(root, 1_700_000_000)
    (root / "ankigen.lock").unlink()
    again = _build(root, 1_700_000_900)
    assert again.plan is not None and (len(again.plan.changed), len(again.plan.unchanged)) == (0, 2)
    assert [n.mod for n in again.notes] == [n.mod for n in first.notes]


def test_first_release_lock_is_upgraded_with_the_same_guids(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "clone-name", CARDS)
    (root / "ankigen.lock").write_text(
        "# ankigen.lock\none 0123456789abcdef 1690000000 deck::a::one\ntwo 0123456789abcdef 1690000000 deck::a::one\n",
        encoding="utf-8",
    )
    result = _build(root, 1_700_000_000)
    assert result.diagnostics == ()
    assert {n.deck for n in result.notes} == {"deck::a::one"}
    lock, _ = parse_lock(_lock(root))
    assert (lock.namespace, lock.deck) == ("deck", "deck")
    assert result.plan is not None and result.plan.basis == "lock"


def test_derived_ids_depend_on_the_question_only(tmp_path: Path) -> None:
    assert auto_id("What is x?") == auto_id("  What is x?\n")
    root = write_tree(tmp_path / "p", {"ankigen.toml": 'deck_name = "T"\n', "cards/a/x.md": "## What is x?\nX.\n"})
    first = _build(root, 1_700_000_000)
    (root / "cards" / "a").rename(root / "cards" / "b")
    moved = _build(root, 1_700_000_100)
    assert _guids(moved) == _guids(first)
