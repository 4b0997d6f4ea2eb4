"""What every figure script shares: reproducible SVG output on an opaque white background.

Cards invert SVG figures in night mode, so figures are drawn dark on white. ``svg.hashsalt``, text drawn as
paths and no date in the metadata make the same script give the same bytes on any machine with the same
matplotlib (``pip install -e ".[figures]"``); ``tests/test_figures.py`` checks that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

MEDIA = Path(__file__).resolve().parents[1] / "media"

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


def save(fig: Any, name: str, **kwargs: Any) -> Path:
    """Write ``media/<name>`` as reproducible SVG and close the figure."""
    MEDIA.mkdir(parents=True, exist_ok=True)
    path = MEDIA / name
    fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight", **kwargs)
    plt.close(fig)
    return path
