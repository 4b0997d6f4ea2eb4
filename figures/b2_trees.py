"""Figures for cards/classical/decision-trees.md (batch B2).

Writes into media/ at the repository root:
  dt-impurity.svg  node impurity of a two-class node against the share p of class 1: Gini 2p(1-p),
                   entropy (in bits, and scaled by 1/2 to pass through (0.5, 0.5) as in ESL Fig. 9.3)
                   and the misclassification error 1 - max(p, 1-p)

Drawn for a phone: 4.9 in wide (352 px on the card), text of at least 11 pt, dark on white.
Run from anywhere: python figures/b2_trees.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup

setup({"axes.labelsize": 12, "xtick.labelsize": 11, "ytick.labelsize": 11, "legend.fontsize": 11, **WHITE})

BLUE = "#1f4e9c"
RED = "#b2182b"
GREEN = "#1b7f3b"
GREY = "#555555"


def impurity() -> Path:
    p = np.linspace(1e-6, 1 - 1e-6, 501)
    gini = 2 * p * (1 - p)
    entropy = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    error = 1 - np.maximum(p, 1 - p)

    fig, ax = plt.subplots(figsize=(4.9, 3.4))
    ax.plot(p, entropy, color=GREY, lw=1.6, ls=":", label="entropy (bits)")
    ax.plot(p, entropy / 2, color=GREEN, lw=2.4, label="entropy / 2")
    ax.plot(p, gini, color=BLUE, lw=2.4, label="Gini $2p(1-p)$")
    ax.plot(p, error, color=RED, lw=2.4, ls="--", label="misclassification")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("share of class 1 in the node, $p$")
    ax.set_ylabel("impurity")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    return save(fig, "dt-impurity.svg")


if __name__ == "__main__":
    impurity()
