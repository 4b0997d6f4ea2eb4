"""Drawing helpers shared by the batch-B4 block diagrams (boxes, arrows, text) in inch coordinates.

Imported by the ``b4_*.py`` figure scripts; running it draws nothing.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

INK = "#111111"
LW = 1.6
FS = 11.5  # label size in pt: >= 11 px when the figure is shown 4.9 in wide in a 352 px column

# light fills with black text: readable in day mode and after night-mode inversion
GREY = "#e9ecef"
BLUE = "#a5d8ff"
GREEN = "#b2f2bb"
ORANGE = "#ffd8a8"
PURPLE = "#d0bfff"
YELLOW = "#fff3bf"
RED = "#ffc9c9"


def canvas(width: float, height: float) -> tuple[Any, Any]:
    """A figure whose data coordinates are inches, with an opaque white background."""
    fig = plt.figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def box(
    ax: Any,
    xc: float,
    yc: float,
    w: float,
    h: float,
    text: str = "",
    fc: str = GREY,
    *,
    fs: float = FS,
    lw: float = LW,
    ls: str = "-",
    ec: str = INK,
    round_: float = 0.06,
    z: int = 3,
) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (xc - w / 2, yc - h / 2),
            w,
            h,
            boxstyle=f"round,pad=0,rounding_size={round_}",
            fc=fc,
            ec=ec,
            lw=lw,
            ls=ls,
            zorder=z,
        )
    )
    if text:
        ax.text(xc, yc, text, ha="center", va="center", fontsize=fs, color=INK, zorder=z + 1, linespacing=1.15)


def label(
    ax: Any,
    x: float,
    y: float,
    text: str,
    *,
    fs: float = FS,
    ha: str = "center",
    va: str = "center",
    color: str = INK,
    **kw: Any,
) -> None:
    ax.text(x, y, text, ha=ha, va=va, fontsize=fs, color=color, zorder=5, linespacing=1.15, **kw)


def arrow(
    ax: Any,
    p0: tuple[float, float],
    p1: tuple[float, float],
    *,
    color: str = INK,
    lw: float = LW,
    ls: str = "-",
    style: str = "-|>",
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
            capstyle="butt",
            joinstyle="miter",
        )
    )


def path(
    ax: Any, pts: list[tuple[float, float]], *, color: str = INK, lw: float = LW, ls: str = "-", head: bool = True
) -> None:
    """Straight segments through ``pts``, with an arrow head on the last one."""
    xs, ys = zip(*pts, strict=True)
    if head:
        ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, ls=ls, solid_capstyle="butt", zorder=2)
        arrow(ax, pts[-2], pts[-1], color=color, lw=lw, ls=ls)
    else:
        ax.plot(xs, ys, color=color, lw=lw, ls=ls, solid_capstyle="butt", zorder=2)
