"""Figures for cards/classical/general-statistics-1.md.

Writes into media/ at the repository root:
  gs-bias-variance.svg      expected test error = bias^2 + variance + noise vs model complexity
  gs-stationary-points.svg  minimum / maximum / saddle point and the signs of the Hessian's eigenvalues

Run from anywhere: python figures/general_statistics_1.py
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup

setup({"axes.titlesize": 13, "axes.labelsize": 13, "legend.fontsize": 12, **WHITE})

BLUE = "#1f4e9c"
ORANGE = "#d95f02"
GREY = "#555555"
BLACK = "#000000"
GREEN = "#1b7f3b"


def _save(fig: plt.Figure, name: str) -> Path:
    return save(fig, name)


def bias_variance() -> Path:
    """Stylised bias-variance trade-off (ESL Fig. 7.1 / Goodfellow et al. Fig. 5.6 style)."""
    c = np.linspace(0.0, 10.0, 400)
    bias2 = 2.2 * np.exp(-0.5 * c)
    variance = 0.05 * np.exp(0.33 * c)
    noise = np.full_like(c, 0.35)
    total = bias2 + variance + noise
    i_opt = int(np.argmin(total))
    c_opt, t_opt = c[i_opt], total[i_opt]

    fig, ax = plt.subplots(figsize=(6.2, 4.2))
    ax.plot(c, total, color=BLACK, lw=3.2, label="expected test error")
    ax.plot(c, bias2, color=BLUE, lw=2.4, label=r"bias$^2$")
    ax.plot(c, variance, color=ORANGE, lw=2.4, label="variance")
    ax.plot(c, noise, color=GREY, lw=2.2, ls="--", label=r"irreducible noise $\sigma^2$")

    ax.axvline(c_opt, color=GREEN, lw=1.8, ls=":")
    ax.plot([c_opt], [t_opt], "o", color=GREEN, ms=9, zorder=5)
    ax.annotate(
        "optimum",
        xy=(c_opt, t_opt),
        xytext=(c_opt + 0.35, t_opt + 0.55),
        color=GREEN,
        fontsize=13,
        arrowprops={"arrowstyle": "->", "color": GREEN, "lw": 1.8},
    )
    ax.text(0.25, 2.62, "underfitting\n(high bias)", fontsize=12, va="top", color=BLUE)
    ax.text(9.75, 2.62, "overfitting\n(high variance)", fontsize=12, va="top", ha="right", color=ORANGE)

    ax.set_xlim(0, 10)
    ax.set_ylim(0, 2.7)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("model complexity (capacity) →")
    ax.set_ylabel("error")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(1.8)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    return _save(fig, "gs-bias-variance.svg")


def stationary_points() -> Path:
    """Surfaces z = f(x, y) whose Hessian at the origin is diag(2, 2), diag(-2, -2), diag(2, -2)."""
    g = np.linspace(-1.0, 1.0, 21)
    x, y = np.meshgrid(g, g)
    cases = [
        ("minimum", r"$x^2+y^2$", r"$\lambda_1,\lambda_2>0$", x**2 + y**2, "Blues_r"),
        ("maximum", r"$-x^2-y^2$", r"$\lambda_1,\lambda_2<0$", -(x**2) - y**2, "Oranges"),
        ("saddle point", r"$x^2-y^2$", r"$\lambda_1>0>\lambda_2$", x**2 - y**2, "PuOr"),
    ]
    fig = plt.figure(figsize=(4.9, 2.9))
    for k, (name, formula, eig, z, cmap) in enumerate(cases):
        ax = fig.add_subplot(1, 3, k + 1, projection="3d", computed_zorder=False)
        ax.plot_surface(x, y, z, cmap=cmap, edgecolor="#333333", linewidth=0.25, alpha=0.9)
        ax.scatter([0], [0], [0], color="#c00000", s=45, depthshade=False, zorder=10)
        ax.set_title(f"{name}\n{formula}\n{eig}", fontsize=11.5, pad=0)
        ax.set_zlim(-2, 2)
        ax.view_init(elev=24, azim=-60)
        ax.set_box_aspect((1, 1, 1.1), zoom=1.25)
        ax.set_axis_off()
    fig.text(
        0.5,
        0.02,
        "signs of the Hessian's eigenvalues\n" r"at the stationary point $\nabla f=0$ (red)",
        ha="center",
        fontsize=11.5,
    )
    fig.subplots_adjust(left=0.0, right=1.0, wspace=0.0)
    return _save(fig, "gs-stationary-points.svg")


if __name__ == "__main__":
    bias_variance()
    stationary_points()
