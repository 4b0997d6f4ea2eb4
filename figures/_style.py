"""What every figure script shares: reproducible SVG output on an opaque white background, drawn for a phone.

Cards invert SVG figures in night mode, so figures are drawn dark on white. ``svg.hashsalt``, text drawn as
paths and no date in the metadata make the same script give the same bytes on any machine with the same
matplotlib (``pip install -e ".[figures]"``); ``tests/test_figures.py`` checks that.

Phone first: a figure fills a card column about 352 px wide, so a label of ``s`` points in an SVG ``w`` points
wide shows at ``s * 352 / w`` px. ``phone_problems`` measures every label as matplotlib writes it, and ``save``
refuses a figure whose labels would show below 11 px or that is taller than 1.3 times its width.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MEDIA = Path(__file__).resolve().parents[1] / "media"

PHONE_PX = 352  # AnkiDroid's card column
MIN_LABEL_PX = 11.0
MAX_ASPECT = 1.3  # height / width

BASE: dict[str, Any] = {
    "svg.hashsalt": "ankigen",
    "svg.fonttype": "path",
    "font.size": 12,
}
WHITE: dict[str, Any] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
}


def setup(extra: dict[str, Any] | None = None) -> None:
    """Apply the shared settings, then the script's own."""
    plt.rcParams.update(BASE)
    plt.rcParams.update(extra or {})


PHONE_WIDTH_IN = 4.9  # a figure this wide (tight box) shows a 12 pt label at about 11.5 px


def fit_width(fig: Any, width: float = PHONE_WIDTH_IN) -> None:
    """Shrink a drawing in inch coordinates (not its text) until its tight box is ``width`` inches wide.

    Font sizes are points, so shrinking the figure makes every label larger relative to the column; text
    keeps its size while the geometry scales, so the tight box converges in a few steps."""
    for _ in range(8):
        tight = fig.get_tightbbox(fig.canvas.get_renderer()).width
        if tight <= width + 1e-3:
            return
        w, h = fig.get_size_inches()
        overhang = tight - w  # text sticking out of the canvas does not shrink
        k = (width - overhang) / w if overhang < width / 2 else width / tight
        fig.set_size_inches(w * k, h * k)


def save(fig: Any, name: str, **kwargs: Any) -> Path:
    """Write ``media/<name>`` as reproducible SVG and close the figure."""
    MEDIA.mkdir(parents=True, exist_ok=True)
    path = MEDIA / name
    fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight", **kwargs)
    plt.close(fig)
    problems = phone_problems(path.read_text("utf-8"))
    if problems:
        raise SystemExit(f"media/{name} is not phone-ready:\n  " + "\n  ".join(problems))
    return path


_VIEWBOX = re.compile(r'<svg\b[^>]*\bviewBox="\s*([-\d.e]+)[\s,]+([-\d.e]+)[\s,]+([-\d.e]+)[\s,]+([-\d.e]+)\s*"')
# with svg.fonttype "path", a label is <!-- its text --> then <g ... transform="... scale(s -s)"> of glyph uses,
# s = font size in points / 100 (matplotlib's text-to-path unit); with "none" it is a <text> with font-size
_LABEL = re.compile(r'<!-- (.*?) -->\s*<g\b[^>]*?transform="[^"]*?scale\(([\d.e-]+) -[\d.e-]+\)"', re.S)
_FONT_SIZE = re.compile(r"<text\b[^>]*?font(?:-size)?:\s*(?:[a-z]+\s+)*([\d.]+)px[^>]*>([^<]*)", re.S)


def svg_labels(svg: str) -> tuple[float, float, list[tuple[str, float]]]:
    """The viewBox width and height and each text label with its font size in SVG user units."""
    m = _VIEWBOX.search(svg)
    if m is None:
        raise ValueError("no viewBox")
    width, height = float(m.group(3)), float(m.group(4))
    labels = [(_unescape(text), float(scale) * 100) for text, scale in _LABEL.findall(svg)]
    labels += [(_unescape(text), float(size)) for size, text in _FONT_SIZE.findall(svg)]
    return width, height, labels


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def phone_problems(svg: str) -> list[str]:
    """Why this SVG would not read well in a 352 px phone column (empty when it does)."""
    width, height, labels = svg_labels(svg)
    problems = []
    comments = svg.count("<!-- ")
    if comments != len(labels) and "<text" not in svg:
        problems.append(f"{comments} text comments but {len(labels)} labels with a readable size")
    if height / width > MAX_ASPECT + 1e-9:
        problems.append(f"height/width {height / width:.2f} > {MAX_ASPECT} (split the diagram)")
    for text, size in labels:
        if not text.strip():
            continue  # the blank line of a multi-line label
        px = size * PHONE_PX / width
        if px < MIN_LABEL_PX - 1e-6:
            problems.append(f"label {text!r} shows at {px:.1f} px < {MIN_LABEL_PX:g} px at {PHONE_PX} px wide")
    return problems


def min_fontsize(width_in: float) -> float:
    """The smallest font size (points) that shows at 11 px in a figure ``width_in`` inches wide."""
    return MIN_LABEL_PX * width_in * 72 / PHONE_PX
