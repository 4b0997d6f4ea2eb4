from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ankigen.config import load_config
from ankigen.lock import Entry, Lock, anki_search, format_lock, parse_lock, plan
from ankigen.pipeline import build


def _build(root: Path, now: int, **kw):
    config, problems = load_config(root, {})
    assert problems == ()
    result = build(config, now, **kw)
    assert result.written, [d.concise() for d in result.diagnostics]
    return result


def test_lock_plan_keeps_unchanged_times_and_stamps_changed_and_new() -> None:
    old = Lock({"a": Entry("0" * 16, 100, "D"), "b": Entry("1" * 16, 100, "D"), "gone": Entry("2" * 16, 50, "D")})
    p = plan(old, [("a", "0" * 16, "D"), ("b", "f" * 16, "E"), ("c", "3" * 16, "D")], "4" * 16, now=90)
    assert p.mods == {"a": 100, "b": 101, "c": 90}  # a changed note is always newer than its old time
    assert (p.new, p.changed, p.unchanged, p.orphans) == (("c",), ("b",), ("a",), ("gone",))
    assert p.moved == (("b", "D", "E"),)
    assert "gone" not in p.lock.notes


def test_lock_plan_partial_build_keeps_other_entries_and_reports_no_orphans() -> None:
    old = Lock({"a": Entry("0" * 16, 100, "D"), "b": Entry("1" * 16, 100, "D")})
    p = plan(old, [("a", "0" * 16, "D")], "4" * 16, now=200, partial=True)
    assert p.orphans == ()
    assert set(p.lock.notes) == {"a", "b"}


def test_lock_format_round_trips_sorted() -> None:
    lock = Lock({"z": Entry("0" * 16, 1, "A::B C"), "a": Entry("1" * 16, 2, "A")}, Entry("2" * 16, 3, ""))
    text = format_lock(lock)
    assert text.splitlines()[2:] == [
        f"@notetypes {'2' * 16} 3",
        f"a {'1' * 16} 2 A",
        f"z {'0' * 16} 1 A::B C",
    ]
    assert parse_lock(text) == (lock, ())


def test_lock_conflict_markers_are_errors_with_location() -> None:
    text = "<<<<<<< HEAD\na " + "0" * 16 + " 1 D\n=======\na " + "1" * 16 + " 2 D\n>>>>>>> other\n"
    _lock, problems = parse_lock(text)
    assert [d.check_tuple() for d in problems] == [
        ("E501", 1, 1),
        ("E501", 3, 1),
        ("E501", 4, 1),
        ("E501", 5, 1),
    ]
    lenient, none = parse_lock(text, lenient=True)
    assert none == () and lenient.notes["a"].mod == 2


def test_lock_malformed_line_is_an_error() -> None:
    _lock, problems = parse_lock("garbage here\n")
    assert [d.concise() for d in problems] == [
        "ankigen.lock:1:1: E501 malformed lock file line 'garbage here'; expected '<id> <16 hex digits> <time> <deck>'"
    ]


def test_anki_search_escapes_wildcards() -> None:
    assert anki_search(["a_b", "c*d"]) == '"Id:a\\_b" or "Id:c\\*d"'


def test_lock_noop_build_leaves_lock_and_package_byte_identical(sample_copy: Path) -> None:
    _build(sample_copy, 1_700_000_000)
    lock1 = (sample_copy / "ankigen.lock").read_bytes()
    apkg1 = (sample_copy / "dist" / "sample.apkg").read_bytes()
    result = _build(sample_copy, 1_800_000_000)  # later clock, same sources
    assert (sample_copy / "ankigen.lock").read_bytes() == lock1
    assert (sample_copy / "dist" / "sample.apkg").read_bytes() == apkg1
    assert result.report[0].startswith("Re-import: 0 new, 0 changed, 4 unchanged, into a collection ")


def test_lock_copy_of_tree_elsewhere_builds_identical_bytes(sample_copy: Path, tmp_path: Path) -> None:
    _build(sample_copy, 1_700_000_000)
    other = tmp_path / "elsewhere" / "deep" / "copy"
    shutil.copytree(sample_copy, other)
    (other / "dist" / "sample.apkg").unlink()
    _build(other, 1_900_000_000)
    assert (other / "dist" / "sample.apkg").read_bytes() == (sample_copy / "dist" / "sample.apkg").read_bytes()


def test_lock_report_names_orphans_with_search_and_deck_moves(sample_copy: Path) -> None:
    _build(sample_copy, 1_700_000_000)
    acts = sample_copy / "cards" / "dl" / "activations.yaml"
    text = acts.read_text("utf-8")
    start, end = text.index("  - id: sample-sigmoid-cloze"), len(text)
    acts.write_text(text[:start], encoding="utf-8")
    est = sample_copy / "cards" / "stats" / "estimators.md"
    est.write_text(
        est.read_text("utf-8").replace("deck: Classical::Statistics", "deck: Classical::Estimation"),
        encoding="utf-8",
    )
    result = _build(sample_copy, 1_700_000_100)
    report = result.report
    assert report[0].startswith("Re-import: 0 new, 2 changed, 1 unchanged, ")
    assert (
        "1 note(s) removed from the sources stay in Anki (an import never deletes): sample-sigmoid-cloze" in report[3]
    )
    assert report[4] == '  find them in the Anki browser with: "Id:sample-sigmoid-cloze"'
    assert "    sample-table: Sample::Classical::Statistics -> Sample::Classical::Estimation" in report
    assert end > start


def test_lock_no_lock_neither_reads_nor_writes(sample_copy: Path) -> None:
    _build(sample_copy, 1_700_000_000, use_lock=False)
    assert not (sample_copy / "ankigen.lock").exists()


def test_lock_conflicted_lock_blocks_build_until_rebuilt(sample_copy: Path, run_cli) -> None:
    _build(sample_copy, 1_700_000_000)
    lock = sample_copy / "ankigen.lock"
    lines = lock.read_text("utf-8").splitlines()
    lock.write_text("\n".join([*lines[:3], "<<<<<<< ours", *lines[3:], ">>>>>>> theirs"]) + "\n", encoding="utf-8")
    out = sample_copy / "dist" / "sample.apkg"
    before = out.read_bytes()
    result = run_cli(["build"], exit_code=1, cwd=sample_copy)
    assert "ankigen.lock:4:1: E501 merge conflict marker in lock file" in result.stderr
    assert out.read_bytes() == before
    run_cli(["lock", "--rebuild"], cwd=sample_copy)
    assert "<<<<<<<" not in lock.read_text("utf-8")
    run_cli(["build"], cwd=sample_copy)


@pytest.mark.parametrize("bad", ["a 123 4 D", "a " + "0" * 16 + " x D"])
def test_lock_bad_fields_are_rejected(bad: str) -> None:
    assert parse_lock(bad + "\n")[1][0].code == "E501"
