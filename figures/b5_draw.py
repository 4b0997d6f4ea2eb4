"""Drawing helpers shared by the batch-B5 figure scripts (``b5_dl.py``, ``b5_sd.py``).

Phone first: figures are drawn 4.9 in wide with text of at least 11.5 pt, so that labels are at least 11 px
when a phone shows the figure 352 px wide; dark ink and light fills on opaque white, so that the night-mode
inversion of the note type keeps them readable. Coordinates are inches. Running this module draws nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from _style import save as _save_svg
from _style import setup
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

setup({"mathtext.fontset": "dejavusans"})

WIDTH = 4.9  # inches: the phone column
FS = 12.0  # body text (pt)
FS_SMALL = 11.5  # smallest text (pt)
LW = 1.6
INK = "#111111"
GREY = "#555555"

# light fills, high contrast with black text; they invert cleanly at night
BLUE = "#a5d8ff"
GREEN = "#b2f2bb"
ORANGE = "#ffd8a8"
RED = "#ffc9c9"
VIOLET = "#d0bfff"
YELLOW = "#fff3bf"
GREY_FILL = "#e9ecef"
TEAL = "#96f2d7"


def new_axes(width: float, height: float) -> tuple[Any, Any]:
    """A figure whose data coordinates are inches, with an opaque white background."""
    fig = plt.figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def save(fig: Any, name: str) -> Path:
    return _save_svg(fig, name, facecolor="white")


def box(
    ax: Any,
    xc: float,
    yc: float,
    w: float,
    h: float,
    text: str = "",
    fc: str = GREY_FILL,
    fontsize: float = FS,
    weight: str = "normal",
    ec: str = INK,
    ls: Any = "-",
    lw: float = LW,
    rounding: float = 0.07,
) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (xc - w / 2, yc - h / 2),
            w,
            h,
            boxstyle=f"round,pad=0,rounding_size={rounding}",
            fc=fc,
            ec=ec,
            lw=lw,
            ls=ls,
            zorder=3,
        )
    )
    if text:
        ax.text(
            xc,
            yc,
            text,
            ha="center",
            va="center",
            fontsize=fontsize,
            color=INK,
            weight=weight,
            zorder=4,
            linespacing=1.15,
        )


def arrow(
    ax: Any,
    p0: tuple[float, float],
    p1: tuple[float, float],
    color: str = INK,
    lw: float = LW,
    style: str = "-|>",
    ls: Any = "-",
    rad: float = 0.0,
) -> None:
    ax.add_patch(
        FancyArrowPatch(
            p0,
            p1,
            arrowstyle=style,
            mutation_scale=13,
            color=color,
            lw=lw,
            ls=ls,
            shrinkA=0,
            shrinkB=0,
            zorder=2,
            connectionstyle=f"arc3,rad={rad}",
        )
    )


def polyline(ax: Any, pts: list[tuple[float, float]], color: str = INK, lw: float = LW, head: bool = True) -> None:
    """Straight segments through ``pts``, with an arrow head on the last one."""
    xs, ys = zip(*pts, strict=True)
    if head:
        ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, solid_capstyle="butt", zorder=2)
        arrow(ax, pts[-2], pts[-1], color=color, lw=lw)
    else:
        ax.plot(xs, ys, color=color, lw=lw, solid_capstyle="butt", zorder=2)


def label(ax: Any, x: float, y: float, text: str, fontsize: float = FS, **kw: Any) -> None:
    kw.setdefault("ha", "center")
    kw.setdefault("va", "center")
    kw.setdefault("color", INK)
    ax.text(x, y, text, fontsize=fontsize, zorder=5, linespacing=1.15, **kw)


if __name__ == "__main__":
    pass
