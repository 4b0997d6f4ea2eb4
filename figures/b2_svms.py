"""Figures for cards/classical/svms.md (batch B2), computed with scikit-learn.

Writes into media/ at the repository root:
  svm-margin-c.svg  a linear soft-margin SVC on the same overlapping blobs with a small and a large C: the
                    hyperplane w.x + b = 0, the margins w.x + b = +-1 and the support vectors (circled)
  svm-svr-tube.svg  an RBF support vector regression: the fit, its epsilon-tube and the support vectors,
                    which are exactly the points on or outside the tube

Drawn for a phone: 4.9 in wide (352 px on the card), text of at least 11 pt, dark on white.
Run from anywhere: python figures/b2_svms.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup
from sklearn.datasets import make_blobs
from sklearn.svm import SVC, SVR

setup({"axes.titlesize": 12, "axes.labelsize": 12, "legend.fontsize": 11, **WHITE})

BLUE = "#1f4e9c"
RED = "#b2182b"
BLACK = "#111111"
GREY = "#555555"


def margin_and_c() -> Path:
    X, y = make_blobs(n_samples=60, centers=[(-1.5, 0.0), (1.5, 0.0)], cluster_std=[0.9, 0.9], random_state=4)
    X[:, 1] *= 0.8
    x0, x1 = X[:, 0].min() - 0.6, X[:, 0].max() + 0.6
    y0, y1 = X[:, 1].min() - 0.6, X[:, 1].max() + 0.6
    gx, gy = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    grid = np.column_stack([gx.ravel(), gy.ravel()])

    fig, axes = plt.subplots(2, 1, figsize=(4.9, 5.6))
    for ax, C in zip(axes, (0.02, 100.0), strict=True):
        m = SVC(kernel="linear", C=C).fit(X, y)
        f = m.decision_function(grid).reshape(gx.shape)
        width = 2.0 / np.linalg.norm(m.coef_)
        ax.contourf(gx, gy, f, levels=[-1e9, 0.0, 1e9], colors=["#dce6f5", "#f6dedd"], alpha=0.8)
        ax.contour(
            gx,
            gy,
            f,
            levels=[-1.0, 0.0, 1.0],
            colors=[GREY, BLACK, GREY],
            linestyles=["--", "-", "--"],
            linewidths=[1.6, 2.4, 1.6],
        )
        for label, colour, marker in ((0, BLUE, "o"), (1, RED, "s")):
            pts = X[y == label]
            ax.scatter(pts[:, 0], pts[:, 1], s=26, color=colour, marker=marker, zorder=3, linewidths=0)
        sv = m.support_vectors_
        ax.scatter(sv[:, 0], sv[:, 1], s=120, facecolors="none", edgecolors=BLACK, linewidths=1.3, zorder=4)
        ax.set_title(f"C = {C:g}: margin {width:.1f}, {len(sv)} support vectors", fontsize=12)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal")
    axes[1].text(
        0.02,
        0.03,
        "solid: $w^\\top x+b=0$   dashed: $\\pm1$",
        transform=axes[1].transAxes,
        fontsize=11,
        color=BLACK,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2},
    )
    fig.tight_layout(h_pad=1.2)
    return save(fig, "svm-margin-c.svg")


def svr_tube() -> Path:
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(0.0, 6.0, 45))
    y = np.sin(x) + 0.25 * rng.normal(size=x.size)
    eps = 0.3
    m = SVR(kernel="rbf", gamma=0.5, C=10.0, epsilon=eps).fit(x[:, None], y)
    xs = np.linspace(0.0, 6.0, 400)
    fs = m.predict(xs[:, None])
    sv = np.zeros(x.size, dtype=bool)
    sv[m.support_] = True

    fig, ax = plt.subplots(figsize=(4.9, 3.1))
    ax.fill_between(xs, fs - eps, fs + eps, color="#dce6f5", label=f"tube $\\pm\\varepsilon$ ($\\varepsilon={eps}$)")
    ax.plot(xs, fs, color=BLUE, lw=2.4, label="SVR fit $f(x)$")
    ax.plot(xs, fs - eps, color=BLUE, lw=1.0, ls="--")
    ax.plot(xs, fs + eps, color=BLUE, lw=1.0, ls="--")
    ax.scatter(x[~sv], y[~sv], s=22, color=GREY, zorder=3, linewidths=0, label="inside: no loss")
    ax.scatter(x[sv], y[sv], s=40, color=RED, marker="D", zorder=4, linewidths=0, label="support vectors")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False, fontsize=11)
    return save(fig, "svm-svr-tube.svg")


if __name__ == "__main__":
    margin_and_c()
    svr_tube()
