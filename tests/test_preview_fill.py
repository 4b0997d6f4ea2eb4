"""The preview's template filler against the real Anki backend: for every card of the flagship deck and of a
corpus of cloze notes (hints, several numbers, nesting, deletions in formulas and code, characters Anki encodes
in the hidden text), the question and answer the preview shows are byte for byte what Anki renders after import."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from ankigen.config import load_config
from ankigen.model import NoteKind
from ankigen.notetypes import BASIC, CLOZE, css
from ankigen.package import card_ordinals
from ankigen.pipeline import Options, build, preview
from ankigen.preview.fill import fill, reveal_cloze

REPO = Path(__file__).resolve().parents[1]


def _anki_cards(project: Path, tmp_path: Path) -> tuple[dict[tuple[str, int], tuple[str, str]], list[object]]:
    from anki_helpers import import_package, new_collection

    config, problems = load_config(project, {})
    assert not [p for p in problems if p.is_error]
    config = dataclasses.replace(config, output=tmp_path / "deck.apkg")
    built = build(config, 1_700_000_000, Options(mathjax=False, use_cache=False), use_lock=False)
    assert built.written, [d.concise() for d in built.diagnostics]
    col = new_collection(tmp_path)
    try:
        import_package(col, tmp_path / "deck.apkg")
        anki = {}
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            anki[(card.note()["Id"], card.ord + 1)] = (card.question(), card.answer())
    finally:
        col.close()
    shown = preview(config, Options(mathjax=False, use_cache=False))
    return anki, list(zip(shown.cards, shown.notes, strict=True))


def _compare(project: Path, tmp_path: Path) -> int:
    anki, notes = _anki_cards(project, tmp_path)
    style = f"<style>{css()}</style>"
    ours = {}
    for card, spec in notes:
        for n in card_ordinals(card.kind, spec.fields):
            sides = fill(spec.notetype, spec.fields, n)
            ours[(card.id, n)] = (style + sides.question, style + sides.answer)
    assert sorted(ours) == sorted(anki), "the preview lists other cards than Anki has"
    wrong = [key for key in anki if ours[key] != anki[key]]
    if wrong:
        theirs, mine = (tuple(side.removeprefix(style) for side in pair) for pair in (anki[wrong[0]], ours[wrong[0]]))
        pytest.fail(f"{len(wrong)} cards differ, first {wrong[0]}:\nanki {theirs}\nours {mine}")
    return len(anki)


@pytest.mark.e2e
def test_fill_every_flagship_card_is_what_anki_renders(tmp_path: Path) -> None:
    project = tmp_path / "flagship"
    for name in ("cards", "media"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    assert _compare(project, tmp_path) >= 290


@pytest.mark.e2e
def test_fill_cloze_corpus_is_what_anki_renders(tmp_path: Path) -> None:
    project = tmp_path / "clozes"
    shutil.copytree(REPO / "tests" / "projects" / "clozes", project, ignore=shutil.ignore_patterns(".ankigen-cache"))
    # nested deletions give cards 1-3, {{c1,2::}} cards 1-2, and a gap (c1, c3) no card 2
    assert _compare(project, tmp_path) == 16


def test_fill_cloze_question_hides_only_its_own_number() -> None:
    text = "{{c1::a {{c2::b}} a}} and {{c2::d::hint}}"
    assert reveal_cloze(text, 2, question=True) == (
        '<span class="cloze-inactive" data-ordinal="1">a '
        '<span class="cloze" data-cloze="b" data-ordinal="2">[...]</span> a</span> and '
        '<span class="cloze" data-cloze="d" data-ordinal="2">[hint]</span>'
    )
    assert reveal_cloze(text, 3, question=True) == ""


def test_fill_section_follows_anki_emptiness_rule() -> None:
    fields = ["Q", "A", " <br> <div></div>", "", "Deck", "a.md", "id-1"]
    sides = fill(BASIC, fields, 1)
    assert "ag-extra" not in sides.answer  # whitespace and empty <br>/<div> count as empty
    assert sides.answer.startswith(sides.question)
    sides = fill(BASIC, [*fields[:2], "<p>x</p>", *fields[3:]], 1)
    assert '<div class="ag-extra"><p>x</p></div>' in sides.answer


def test_fill_rejects_wrong_field_count() -> None:
    with pytest.raises(ValueError, match="fields"):
        fill(CLOZE, ["only one"], 1)
    assert card_ordinals(NoteKind.BASIC, ["q"]) == [1]
