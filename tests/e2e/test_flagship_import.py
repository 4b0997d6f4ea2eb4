"""The flagship deck imported into a real Anki collection: every card, in its deck, with its figures."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from anki_helpers import import_package, new_collection
from ankigen.config import load_config
from ankigen.pipeline import Options, build, parse_all

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def test_e2e_flagship_imports_every_card_with_its_figures(tmp_path: Path) -> None:
    project = tmp_path / "flagship"
    for name in ("cards", "media"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    config, problems = load_config(project, {})
    assert problems == ()
    cards, _diagnostics, _files = parse_all(config)
    result = build(config, 1_700_000_000, Options(mathjax=False), use_lock=False)
    assert result.written, [d.concise() for d in result.diagnostics]
    assert result.output is not None

    col = new_collection(tmp_path)
    try:
        import_package(col, result.output)
        assert col.note_count() == len(cards)
        per_deck = Counter()
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            per_deck[col.decks.name(note.cards()[0].did)] += 1
        assert per_deck == Counter("::".join(("ML Interview", *c.section)) for c in cards)
        # every figure referenced from a card arrived in the media folder
        referenced = set()
        for nid in col.find_notes(""):
            for field in col.get_note(nid).fields:
                referenced.update(re.findall(r'<img[^>]*src="([^"]+)"', field))
        present = {p.name for p in Path(col.media.dir()).iterdir()}
        assert referenced, "the flagship deck has figures"
        assert referenced <= present
        assert {m.name for m in result.media} == referenced
    finally:
        col.close()
