"""Figures for cards/classical/linear-regression.md (batch B2).

Writes into media/ at the repository root:
  lr-residual-plots.svg  residuals against fitted values of three OLS fits (numpy lstsq): a well-specified
                         model, a missed non-linearity (curve) and heteroscedastic errors (funnel)

Drawn for a phone: 4.9 in wide (352 px on the card), text of at least 11 pt, dark on white.
Run from anywhere: python figures/b2_linear_regression.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup

setup({"axes.titlesize": 12, "axes.labelsize": 12, "xtick.labelsize": 11, "ytick.labelsize": 11, **WHITE})

BLUE = "#1f4e9c"
RED = "#b2182b"
GREY = "#666666"


def residual_plots() -> Path:
    rng = np.random.default_rng(7)
    n = 150
    x = rng.uniform(0.0, 4.0, size=n)
    noise = rng.normal(size=n)
    cases = [
        ("no pattern", 1.0 + 2.0 * x + 0.8 * noise),
        ("curve: add $x^2$", 1.0 + 0.2 * x + 0.9 * (x - 2.0) ** 2 + 0.5 * noise),
        ("funnel: WLS", 1.0 + 2.0 * x + 0.45 * (0.3 + x) * noise),
    ]
    X = np.column_stack([np.ones(n), x])  # every panel fits the straight line y = a + b x by OLS
    fig, axes = plt.subplots(1, 3, figsize=(4.9, 2.1), sharey=False)
    for ax, (title, y) in zip(axes, cases, strict=True):
        beta = np.linalg.lstsq(X, y)[0]
        fitted = X @ beta
        resid = y - fitted
        ax.axhline(0.0, color=GREY, lw=1.2, ls="--")
        ax.scatter(fitted, resid, s=7, color=BLUE, alpha=0.75, linewidths=0)
        lim = 1.15 * np.abs(resid).max()
        ax.set_ylim(-lim, lim)
        ax.set_title(title, fontsize=11, pad=4)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("fitted $\\hat y$")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].set_ylabel("residual")
    fig.subplots_adjust(wspace=0.12)
    return save(fig, "lr-residual-plots.svg")


if __name__ == "__main__":
    residual_plots()
