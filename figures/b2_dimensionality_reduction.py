"""Figures for cards/classical/dimensionality-reduction.md (batch B2), computed with scikit-learn on a fixed seed.

Writes into media/ at the repository root:
  dr-pca-vs-lda.svg  two elongated classes: the first PCA direction (largest total variance) and the LDA direction
                     (largest between/within ratio), and the 1-D projections of the data onto each

Drawn for a phone: 4.9 in wide (352 px on the card), text of at least 11 pt, dark on white.
Run from anywhere: python figures/b2_dimensionality_reduction.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

setup({"axes.titlesize": 12, "axes.labelsize": 12, "xtick.labelsize": 11, "ytick.labelsize": 11, **WHITE})

BLUE = "#1f4e9c"
RED = "#b2182b"
GREEN = "#1b7f3b"
ORANGE = "#b35806"
BLACK = "#111111"


def _unit(v: np.ndarray) -> np.ndarray:
    v = v / np.linalg.norm(v)
    return v if v[0] >= 0 else -v


def pca_vs_lda() -> Path:
    rng = np.random.default_rng(0)
    angle = np.deg2rad(30.0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    cov = rot @ np.diag([2.2**2, 0.35**2]) @ rot.T
    normal = rot @ np.array([0.0, 1.0])
    n = 150
    X = np.vstack([rng.multivariate_normal(-0.6 * normal, cov, n), rng.multivariate_normal(0.6 * normal, cov, n)])
    y = np.repeat([0, 1], n)
    X -= X.mean(0)
    w_pca = _unit(PCA(n_components=1).fit(X).components_[0])
    lda = LinearDiscriminantAnalysis(solver="eigen").fit(X, y)
    w_lda = _unit(lda.scalings_[:, 0])

    fig = plt.figure(figsize=(4.9, 6.0))
    grid = fig.add_gridspec(3, 1, height_ratios=[3.0, 1.0, 1.0], hspace=0.55)
    ax = fig.add_subplot(grid[0])
    for label, colour, marker in ((0, BLUE, "o"), (1, RED, "s")):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=14, color=colour, marker=marker, linewidths=0, alpha=0.75, zorder=2)
    reach = 5.0
    for w, style, name in ((w_pca, "--", "PCA"), (w_lda, "-", "LDA")):
        ax.plot([-reach * w[0], reach * w[0]], [-reach * w[1], reach * w[1]], color=BLACK, ls=style, lw=2.2)
        t = 0.8 * min(5.2 / abs(w[0]), 3.6 / abs(w[1]))
        ax.text(
            t * w[0] + 0.45,
            t * w[1],
            name,
            fontsize=12,
            color=BLACK,
            ha="left",
            va="center",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
        )
    ax.set_xlim(-5.2, 5.2)
    ax.set_ylim(-3.6, 3.6)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("two classes: first PCA and LDA directions", fontsize=12)

    bins = np.linspace(-5.5, 5.5, 45)
    for row, (w, name) in enumerate(((w_pca, "PCA"), (w_lda, "LDA"))):
        hax = fig.add_subplot(grid[row + 1])
        z = X @ w
        for label, colour in ((0, BLUE), (1, RED)):
            hax.hist(z[y == label], bins=bins, color=colour, alpha=0.6)
        zb, zr = z[y == 0], z[y == 1]
        fisher = (zb.mean() - zr.mean()) ** 2 / (zb.var() + zr.var())
        hax.set_title(f"projection on {name}: Fisher ratio {fisher:.2f}", fontsize=12)
        hax.set_yticks([])
        hax.set_xticks([])
        for side in ("top", "right", "left"):
            hax.spines[side].set_visible(False)
    return save(fig, "dr-pca-vs-lda.svg")


if __name__ == "__main__":
    pca_vs_lda()
