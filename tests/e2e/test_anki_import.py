"""Build the sample project, import it into a real Anki collection, study, edit, rebuild, re-import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anki_helpers import history, import_package, new_collection, notes_by_id, study
from ankigen.config import load_config
from ankigen.pipeline import build

pytestmark = pytest.mark.e2e


def _build(root: Path, now: int, *, use_lock: bool = True) -> Path:
    config, problems = load_config(root, {})
    assert problems == ()
    result = build(config, now, use_lock=use_lock)
    assert result.written, [d.concise() for d in result.diagnostics]
    assert result.output is not None
    return result.output


def test_e2e_sample_imports_with_decks_tags_math_breadcrumb_and_media(sample_copy: Path, tmp_path: Path) -> None:
    apkg = _build(sample_copy, 1_700_000_000)
    col = new_collection(tmp_path)
    try:
        import_package(col, apkg)
        assert col.note_count() == 4
        assert col.card_count() == 5  # the cloze note has two deletions
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert {
            "Sample",
            "Sample::Classical",
            "Sample::Classical::Statistics",
            "Sample::DL",
            "Sample::DL::Activations",
        } <= names
        notes = notes_by_id(col)
        assert set(notes) == {
            "sample-unbiased-variance",
            "sample-table",
            "sample-relu",
            "sample-sigmoid-cloze",
        }
        assert sorted(notes["sample-table"].tags) == [
            "Classical::Estimation",
            "Classical::Statistics",
            "Math",
        ]
        assert notes["sample-relu"].note_type()["name"] == "ankigen Basic"
        assert notes["sample-sigmoid-cloze"].note_type()["name"] == "ankigen Cloze"
        for note in notes.values():
            for card in note.cards():
                q, a = card.question(), card.answer()
                assert "ag-breadcrumb" in q
                assert re.sub(r"<[^>]+>", "", q).strip() != ""
                text = re.sub(r"<style>.*?</style>|\\\(.*?\\\)|\\\[.*?\\\]|<code.*?</code>", "", a, flags=re.S)
                assert not re.search(r"\$(?=[^\s\d])", text), a
        variance = notes["sample-unbiased-variance"].cards()[0]
        assert "Classical › Statistics" in variance.question()
        assert r"\(\sigma^2\)" in variance.question()
        assert r"\[S^2 = \frac{1}{n-1}" in variance.answer()
        assert "Suppose" in variance.question()  # the context shows on the front
        media = sorted(p.name for p in Path(col.media.dir()).iterdir())
        assert len(media) == 1 and media[0].startswith("curve-") and media[0].endswith(".svg")
        assert f'src="{media[0]}"' in notes["sample-relu"]["Back"]
    finally:
        col.close()


def test_e2e_rebuild_updates_in_place_adds_new_and_keeps_history(sample_copy: Path, tmp_path: Path) -> None:
    col = new_collection(tmp_path)
    try:
        import_package(col, _build(sample_copy, 1_700_000_000))
        studied = study(col, "Sample", 3)
        before = history(col, studied)
        assert all(len(h[-1]) == 1 for h in before.values())  # one review each

        stats = sample_copy / "cards" / "stats" / "estimators.md"
        text = stats.read_text(encoding="utf-8")
        # edit one answer and one question, keeping the ids
        text = text.replace("The sample variance with Bessel's correction:", "Bessel-corrected sample variance:")
        text = text.replace("## Which is which: bias, variance, and", "## Bias, variance, and")
        stats.write_text(text, encoding="utf-8")
        # move a card to another file and add a new card
        acts = sample_copy / "cards" / "dl" / "activations.yaml"
        yaml_text = acts.read_text(encoding="utf-8")
        relu_start = yaml_text.index("  - id: sample-relu")
        relu_end = yaml_text.index("  - id: sample-sigmoid-cloze")
        relu = yaml_text[relu_start:relu_end]
        acts.write_text(yaml_text[:relu_start] + yaml_text[relu_end:], encoding="utf-8")
        (sample_copy / "cards" / "dl" / "more.yaml").write_text(
            "deck: DL::Activations\ntags: [DL/Basics]\ncards:\n"
            + relu
            + "  - id: sample-tanh\n    question: What is tanh?\n    answer: '$\\tanh x = 2\\sigma(2x) - 1$'\n",
            encoding="utf-8",
        )

        import_package(col, _build(sample_copy, 1_700_000_100))
        notes = notes_by_id(col)
        assert col.note_count() == 5, "one note added, none duplicated"
        guids = [col.get_note(nid).guid for nid in col.find_notes("")]
        assert len(guids) == len(set(guids))
        assert "Bessel-corrected sample variance" in notes["sample-unbiased-variance"]["Back"]
        assert notes["sample-table"]["Front"].startswith("Bias, variance, and")
        assert notes["sample-relu"]["Source"] == "cards/dl/more.yaml"
        assert r"\(\tanh x" in notes["sample-tanh"]["Back"]
        assert history(col, studied) == before, "scheduling and review log survive the re-import"
    finally:
        col.close()


@pytest.mark.parametrize("use_lock", [False, True])
def test_e2e_rebuild_with_the_same_clock_applies_edits_only_with_the_lock(
    sample_copy: Path, tmp_path: Path, use_lock: bool
) -> None:
    """The fact the lock rests on: Anki applies a note only when its mod is newer. With a frozen clock
    (SOURCE_DATE_EPOCH) a plain build loses the edit; the lock moves a changed note's time past its old one."""
    col = new_collection(tmp_path)
    try:
        import_package(col, _build(sample_copy, 1_700_000_000, use_lock=use_lock))
        stats = sample_copy / "cards" / "stats" / "estimators.md"
        stats.write_text(stats.read_text("utf-8").replace("Bessel's correction", "Bessel"), encoding="utf-8")
        import_package(col, _build(sample_copy, 1_700_000_000, use_lock=use_lock))
        back = notes_by_id(col)["sample-unbiased-variance"]["Back"]
        assert ("Bessel's correction" not in back) is use_lock
    finally:
        col.close()


def test_e2e_lock_rebuild_updates_exactly_the_changed_note_and_keeps_user_edits(
    sample_copy: Path, tmp_path: Path
) -> None:
    col = new_collection(tmp_path)
    try:
        import_package(col, _build(sample_copy, 1_700_000_000))
        studied = study(col, "Sample", 2)
        before = history(col, studied)
        notes = notes_by_id(col)
        # the user tags one unchanged note and fixes a field of another, inside Anki
        tagged = notes["sample-relu"]
        tagged.add_tag("my-own-tag")
        col.update_note(tagged)
        edited = notes["sample-table"]
        edited["Extra"] = "my own note"
        col.update_note(edited)
        mods_before = {k: n.mod for k, n in notes_by_id(col).items()}

        stats = sample_copy / "cards" / "stats" / "estimators.md"
        stats.write_text(stats.read_text("utf-8").replace("Bessel's correction", "Bessel"), encoding="utf-8")
        import_package(col, _build(sample_copy, 1_700_000_500))

        after = notes_by_id(col)
        assert col.note_count() == 4
        assert "Bessel:" in after["sample-unbiased-variance"]["Back"]
        assert after["sample-unbiased-variance"].mod > mods_before["sample-unbiased-variance"]
        assert "my-own-tag" in after["sample-relu"].tags
        assert after["sample-table"]["Extra"] == "my own note"
        unchanged = {k: n.mod for k, n in after.items() if k != "sample-unbiased-variance"}
        assert unchanged == {k: v for k, v in mods_before.items() if k != "sample-unbiased-variance"}
        assert history(col, studied) == before
    finally:
        col.close()
