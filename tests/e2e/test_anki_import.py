"""Build the sample project, import it into a real Anki collection, study, edit, rebuild, re-import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from anki_helpers import history, import_package, new_collection, notes_by_id, study

from ankigen.config import load_config
from ankigen.pipeline import build

pytestmark = pytest.mark.e2e


def _build(root: Path, now: int) -> Path:
    config, problems = load_config(root, {})
    assert problems == ()
    result = build(config, now)
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
        assert {"Sample", "Sample::Classical", "Sample::Classical::Statistics", "Sample::DL",
                "Sample::DL::Activations"} <= names
        notes = notes_by_id(col)
        assert set(notes) == {"sample-unbiased-variance", "sample-table", "sample-relu", "sample-sigmoid-cloze"}
        assert sorted(notes["sample-table"].tags) == ["Classical::Estimation", "Classical::Statistics", "Math"]
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
            "deck: DL::Activations\ntags: [DL/Basics]\ncards:\n" + relu
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


def test_e2e_same_timestamp_rebuild_does_not_apply_edits_so_build_time_must_advance(
    sample_copy: Path, tmp_path: Path
) -> None:
    """The fact the lock/mod design rests on: Anki applies a note only when its mod is newer."""
    col = new_collection(tmp_path)
    try:
        import_package(col, _build(sample_copy, 1_700_000_000))
        stats = sample_copy / "cards" / "stats" / "estimators.md"
        stats.write_text(stats.read_text("utf-8").replace("Bessel's correction", "Bessel"), encoding="utf-8")
        import_package(col, _build(sample_copy, 1_700_000_000))
        assert "Bessel's correction" in notes_by_id(col)["sample-unbiased-variance"]["Back"]
    finally:
        col.close()
