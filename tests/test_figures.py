"""Every figure in media/ is what its script in figures/ draws today.

Identical text, and numbers identical up to rounding (1e-4 of a point): a computed figure (a fitted model, a sampled
chain) goes through BLAS, whose last bit depends on the CPU, so two machines can print 144.075304 and 144.075305 for
the same point, and an embedded raster can differ by one level in a few pixels. Anything larger is a stale figure."""

from __future__ import annotations

import base64
import io
import os
import re
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


_NUMBER = re.compile(r"-?\d+\.?\d*(?:e-?\d+)?")
_IMAGE_ID = re.compile(r"image[0-9a-f]{10}")
_PNG = re.compile(r"data:image/png;base64,\s*([A-Za-z0-9+/=\s]+)")


def _pixels(b64: str) -> object:
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(base64.b64decode(re.sub(r"\s", "", b64))))


def svg_differences(fresh: str, committed: str) -> list[str]:
    """What differs beyond 1e-4 in a coordinate or one level in a few raster pixels."""
    import numpy as np

    problems: list[str] = []
    fresh_png, committed_png = _PNG.findall(fresh), _PNG.findall(committed)
    if len(fresh_png) != len(committed_png):
        return [f"{len(fresh_png)} embedded images against {len(committed_png)}"]
    for i, (a, b) in enumerate(zip(fresh_png, committed_png, strict=True)):
        if a != b:
            pa, pb = np.asarray(_pixels(a), float), np.asarray(_pixels(b), float)
            if pa.shape != pb.shape:
                problems.append(f"image {i}: shape {pa.shape} against {pb.shape}")
                continue
            diff = np.abs(pa - pb) * 255
            if diff.max() > 1.01 or (diff > 0).mean() > 0.005:
                problems.append(f"image {i}: {int((diff > 0).sum())} pixels differ, by up to {diff.max():.0f} levels")
    # matplotlib names an embedded image by a hash of its bytes
    fresh, committed = (_IMAGE_ID.sub("image", _PNG.sub("PNG", svg)) for svg in (fresh, committed))
    if _NUMBER.sub("0", fresh) != _NUMBER.sub("0", committed):
        return [*problems, "the text differs (not only numbers)"]
    for a, b in zip(_NUMBER.findall(fresh), _NUMBER.findall(committed), strict=True):
        if a != b and abs(float(a) - float(b)) > 1e-4:
            problems.append(f"number {a} against {b}")
    return problems


def test_svg_differences_ignores_only_rounding() -> None:
    svg = '<path d="M 144.075304 12.5 L 3 4"/>'
    assert svg_differences(svg, svg.replace("144.075304", "144.07531")) == []
    assert svg_differences(svg, svg.replace("144.075304", "144.075404")) == ["number 144.075304 against 144.075404"]
    assert svg_differences(svg, svg.replace("path", "rect")) == ["the text differs (not only numbers)"]


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "media").glob("*.svg")))
def test_figures_svg_is_what_its_script_draws(regenerated: Path, name: str) -> None:
    fresh, committed = (regenerated / name).read_text("utf-8"), (REPO / "media" / name).read_text("utf-8")
    assert fresh == committed or svg_differences(fresh, committed) == [], (
        f"media/{name} differs from what its script draws: run `python figures/<script>.py` and commit"
    )


def test_figures_have_opaque_white_background_for_night_mode_inversion() -> None:
    for svg in (REPO / "media").glob("*.svg"):
        head = svg.read_text("utf-8")[:4000]
        assert "fill: #ffffff" in head or 'fill="#ffffff"' in head or "fill:#ffffff" in head, svg.name


def _style_module() -> object:
    pytest.importorskip("matplotlib")
    sys.path.insert(0, str(REPO / "figures"))
    try:
        import _style
    finally:
        sys.path.remove(str(REPO / "figures"))
    return _style


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "media").glob("*.svg")))
def test_figures_read_on_a_phone(name: str) -> None:
    """Shown 352 px wide, every label is at least 11 px and the figure at most 1.3 times as tall as wide."""
    style = _style_module()
    problems = style.phone_problems((REPO / "media" / name).read_text("utf-8"))
    assert problems == [], f"media/{name}:\n" + "\n".join(problems)


def test_phone_lint_reads_what_matplotlib_writes(tmp_path: Path) -> None:
    style = _style_module()
    import matplotlib.pyplot as plt

    def draw(width: float, height: float, fontsize: float) -> str:
        plt.rcParams.update(style.BASE)
        fig = plt.figure(figsize=(width, height))
        fig.text(0.1, 0.5, "plain label", fontsize=fontsize)
        fig.text(0.1, 0.2, r"math $x_{t-1}$", fontsize=fontsize, rotation=90)
        path = tmp_path / "f.svg"
        fig.savefig(path, format="svg")  # the full canvas: viewBox = 72 * inches
        plt.close(fig)
        return path.read_text("utf-8")

    # 12 pt in a 4.9 in (352.8 pt) figure shows at 11.97 px; 9 pt in 6 in shows at 7.3 px
    assert style.phone_problems(draw(4.9, 3.0, 12)) == []
    small = style.phone_problems(draw(6.0, 3.0, 9))
    assert len(small) == 2 and all("7.3 px" in p for p in small), small
    tall = style.phone_problems(draw(4.9, 7.0, 12))
    assert tall == ["height/width 1.43 > 1.3 (split the diagram)"]
    width, height, labels = style.svg_labels(draw(4.9, 3.0, 12))
    assert (width, height) == (352.8, 216.0)
    assert sorted(labels) == [("math $x_{t-1}$", 12.0), ("plain label", 12.0)]
