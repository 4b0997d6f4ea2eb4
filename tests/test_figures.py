"""Every figure in media/ is what its script in figures/ draws today, byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((REPO / "figures").glob("*.py"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("matplotlib")
    root = tmp_path_factory.mktemp("figures-tree")
    shutil.copytree(REPO / "figures", root / "figures")
    (root / "media").mkdir()
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0"}
    for script in SCRIPTS:
        proc = subprocess.run(
            [sys.executable, str(root / "figures" / script.name)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, f"{script.name}:\n{proc.stderr[-2000:]}"
    return root / "media"


def test_figures_every_svg_in_media_comes_from_a_script(regenerated: Path) -> None:
    assert sorted(p.name for p in regenerated.iterdir()) == sorted(p.name for p in (REPO / "media").glob("*.svg"))


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "media").glob("*.svg")))
def test_figures_svg_is_byte_identical_to_a_fresh_run(regenerated: Path, name: str) -> None:
    assert (regenerated / name).read_bytes() == (REPO / "media" / name).read_bytes(), (
        f"media/{name} differs from what its script draws: run `python figures/<script>.py` and commit"
    )


def test_figures_have_opaque_white_background_for_night_mode_inversion() -> None:
    for svg in (REPO / "media").glob("*.svg"):
        head = svg.read_text("utf-8")[:4000]
        assert "fill: #ffffff" in head or 'fill="#ffffff"' in head or "fill:#ffffff" in head, svg.name
