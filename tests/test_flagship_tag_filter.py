"""`ankigen build --tag DL/Diffusion` on the flagship deck gives exactly the Diffusion cards, in a real Anki."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from anki_helpers import import_package, new_collection
from ankigen.config import load_config
from ankigen.parse import section_tag
from ankigen.pipeline import parse_all
from apkg_dump import dump_apkg

REPO = Path(__file__).resolve().parents[1]
SEEDS = json.loads((Path(__file__).parent / "data" / "seed_questions.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def flagship(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the flagship project, so the build writes neither dist/ nor the lock of the repository."""
    root = tmp_path_factory.mktemp("flagship")
    for name in ("cards", "media"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def _build(root: Path, *args: str) -> Path:
    out = root / "dist" / "filtered.apkg"
    proc = subprocess.run(
        [sys.executable, "-m", "ankigen", "build", *args, "-o", str(out), "--no-lock"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("filtered.apkg")
    return out


def test_flagship_build_tag_dl_diffusion_gives_exactly_the_diffusion_cards(flagship: Path, tmp_path: Path) -> None:
    config, problems = load_config(flagship, {})
    assert problems == ()
    cards = parse_all(config)[0]
    diffusion = {c.id for c in cards if c.section == ("DL", "Diffusion")}
    # the Diffusion section holds one card per seed question of DL/Diffusion, and nothing else does
    wanted_refs = {q["uid"] for q in SEEDS if q["tag"] == "DL/Diffusion"}
    assert {r for c in cards if c.id in diffusion for r in c.refs} == wanted_refs
    assert len(diffusion) == len(wanted_refs) == 8

    col = new_collection(tmp_path)
    try:
        import_package(col, _build(flagship, "--tag", "DL/Diffusion"))
        notes = [col.get_note(nid) for nid in col.find_notes("")]
        assert {n["Id"] for n in notes} == diffusion
        assert len(notes) == len(diffusion)
        for note in notes:
            assert "DL::Diffusion" in note.tags
            assert {col.decks.name(card.did) for card in note.cards()} == {"ML Interview::DL::Diffusion"}
        # Anki's own search agrees: every imported note is found under the tag, and under no other section
        assert set(col.find_notes("tag:DL::Diffusion")) == set(col.find_notes(""))
        assert col.find_notes("tag:DL::Flows") == []
    finally:
        col.close()


def test_flagship_build_tag_spellings_and_exclusion_agree(flagship: Path) -> None:
    config, _ = load_config(flagship, {})
    cards = parse_all(config)[0]
    diffusion = sorted(c.id for c in cards if c.section == ("DL", "Diffusion"))

    def ids(*args: str) -> list[str]:
        return sorted(n["fields"]["Id"] for n in dump_apkg(_build(flagship, *args))["notes"])

    assert ids("--tag", "dl::diffusion") == diffusion
    # DL minus everything but Diffusion is Diffusion again
    others = sorted(
        {section_tag(c.section) for c in cards if c.section[0] == "DL" and c.section != ("DL", "Diffusion")}
    )
    excluded = [arg for tag in others for arg in ("--exclude-tag", tag)]
    assert ids("--tag", "DL", *excluded) == diffusion


def test_flagship_dated_answers_are_tagged_time_sensitive(flagship: Path, tmp_path: Path) -> None:
    """Audio and multimodal answers name models that date, and opinion cards ("What are you excited about?")
    date too: the content guide asks for a `time-sensitive` tag, so users can filter them out or review them."""
    config, _ = load_config(flagship, {})
    cards = parse_all(config)[0]
    dated = {
        c.id
        for c in cards
        if c.section in {("DL", "Audio"), ("DL", "Multimodal")} or "excited about" in c.front.value.lower()
    }
    assert len(dated) >= 6
    assert sorted(c.id for c in cards if c.id in dated and "time-sensitive" not in c.tags) == []
    ids = {n["fields"]["Id"] for n in dump_apkg(_build(flagship, "--tag", "time-sensitive"))["notes"]}
    assert dated <= ids
