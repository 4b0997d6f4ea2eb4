"""--split packages in a real Anki collection: each holds exactly its section, with the same GUIDs."""

from __future__ import annotations

from pathlib import Path

import pytest

from anki_helpers import import_package, new_collection
from ankigen.config import load_config
from ankigen.pipeline import Options, build, split_output

pytestmark = pytest.mark.e2e


def test_e2e_split_packages_hold_their_section_with_equal_guids(sample_copy: Path, tmp_path: Path) -> None:
    config, _ = load_config(sample_copy, {})
    result = build(config, 1_700_000_000, Options(mathjax=False), split=True)
    assert result.written
    guids: dict[str, dict[str, str]] = {}
    for name in ("full", "Classical", "DL"):
        apkg = config.output if name == "full" else split_output(config, name)
        col = new_collection(tmp_path / name)
        try:
            import_package(col, apkg)
            notes = [col.get_note(nid) for nid in col.find_notes("")]
            guids[name] = {n["Id"]: n.guid for n in notes}
            decks = {col.decks.name(n.cards()[0].did) for n in notes}
            if name != "full":
                assert all(d.startswith(f"Sample::{name}::") for d in decks), decks
            media = sorted(p.name for p in Path(col.media.dir()).iterdir())
            assert len(media) == 1  # both sections use the curve figure
        finally:
            col.close()
    assert set(guids["Classical"]) == {"sample-unbiased-variance", "sample-table"}
    assert set(guids["DL"]) == {"sample-relu", "sample-sigmoid-cloze"}
    assert guids["full"] == {**guids["Classical"], **guids["DL"]}
