"""Figures for batch B7's classical cards (cards/classical/gaussian-process.md, causal-inference.md).

Writes into media/ at the repository root:
  gp-posterior.svg    GP regression posterior (mean and 95% band) computed from eight noisy points
  ci-causal-dags.svg  causal DAGs: confounding (adjust for X) and an instrument Z (unobserved confounder U)

Run from anywhere: python figures/b7_classical.py
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup
from matplotlib.patches import Circle, FancyArrowPatch

setup({"axes.labelsize": 12, "legend.fontsize": 11, "xtick.labelsize": 11, "ytick.labelsize": 11, **WHITE})

INK = "#111111"
BLUE = "#1f4e9c"
ORANGE = "#d95f02"
GREY = "#666666"
BAND = "#a9c4eb"


def rbf(a: np.ndarray, b: np.ndarray, ell: float = 1.0, s: float = 1.0) -> np.ndarray:
    return s**2 * np.exp(-((a[:, None] - b[None, :]) ** 2) / (2 * ell**2))


def gp_posterior() -> Path:
    """The posterior predictive of the card, mu_* = K_*^T (K + s^2 I)^-1 y, computed with a Cholesky solve."""
    rng = np.random.default_rng(7)
    x = np.array([-4.2, -3.1, -2.4, -0.9, 0.3, 1.1, 3.4, 4.1])
    noise = 0.15
    y = np.sin(x) + noise * rng.normal(size=x.size)
    xs = np.linspace(-5.5, 5.5, 300)
    k = rbf(x, x) + noise**2 * np.eye(x.size)
    k_s = rbf(x, xs)
    chol = np.linalg.cholesky(k)
    alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, y))
    mu = k_s.T @ alpha
    v = np.linalg.solve(chol, k_s)
    var = np.clip(np.diag(rbf(xs, xs)) - np.sum(v**2, axis=0), 0.0, None)
    sd = np.sqrt(var)
    cov = rbf(xs, xs) - v.T @ v + 1e-9 * np.eye(xs.size)
    draws = rng.multivariate_normal(mu, cov, size=3, method="cholesky")

    fig, ax = plt.subplots(figsize=(4.9, 3.5))
    ax.fill_between(xs, mu - 1.96 * sd, mu + 1.96 * sd, color=BAND, lw=0, label=r"$\mu_*\pm1.96\,\sigma_*$")
    for d in draws:
        ax.plot(xs, d, color=BLUE, lw=0.9, alpha=0.55)
    ax.plot(xs, np.sin(xs), color=GREY, lw=1.6, ls="--", label=r"true $f=\sin x$")
    ax.plot(xs, mu, color=BLUE, lw=2.6, label=r"posterior mean $\mu_*$")
    ax.plot(x, y, "o", color=ORANGE, ms=7, mec=INK, mew=0.8, zorder=5, label="data $y_i$")
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(-2.8, 2.8)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.text(-5.3, 2.4, "RBF, $\\ell=1$, $\\sigma=0.15$", fontsize=11, color=INK)
    ax.text(5.3, -2.65, "band widens\naway from data", fontsize=11, color=INK, ha="right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False, handlelength=1.6)
    return save(fig, "gp-posterior.svg")


def _node(ax, xy, label, dashed=False):
    ax.add_patch(
        Circle(xy, 0.36, fc="#f1f3f5" if dashed else "#ffffff", ec=INK, lw=1.8, ls="--" if dashed else "-", zorder=3)
    )
    ax.text(*xy, label, ha="center", va="center", fontsize=15, color=INK, zorder=4)


def _arrow(ax, a, b, color=INK, dashed=False):
    ax.add_patch(
        FancyArrowPatch(
            a,
            b,
            arrowstyle="-|>",
            mutation_scale=16,
            lw=1.8,
            color=color,
            ls="--" if dashed else "-",
            shrinkA=15,
            shrinkB=15,
            zorder=2,
        )
    )


def causal_dags() -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(4.7, 2.5), gridspec_kw={"width_ratios": [3.2, 4.0]})
    for ax, width in ((left, 3.2), (right, 4.0)):
        ax.set_xlim(0, width)
        ax.set_ylim(-0.35, 2.45)
        ax.set_aspect("equal")
        ax.axis("off")
    # confounding: X causes both T and Y; adjusting for X blocks the back-door path T <- X -> Y
    tx, ty, xx = (0.45, 0.55), (2.75, 0.55), (1.6, 1.95)
    for xy, lab in ((tx, "$T$"), (ty, "$Y$"), (xx, "$X$")):
        _node(left, xy, lab)
    _arrow(left, tx, ty, BLUE)
    _arrow(left, xx, tx)
    _arrow(left, xx, ty)
    left.text(1.6, 0.72, r"$\tau$", ha="center", fontsize=13, color=BLUE)
    left.text(1.6, -0.2, "back door $T\\leftarrow X\\rightarrow Y$", ha="center", fontsize=11, color=INK)
    left.set_title("confounder $X$\n(observed: adjust)", fontsize=12)
    # instrument: Z -> T -> Y, with an unobserved U -> T and U -> Y; Z has no path to Y except through T
    zz, tt, yy, uu = (0.45, 0.55), (2.0, 0.55), (3.55, 0.55), (2.78, 1.95)
    for xy, lab in ((zz, "$Z$"), (tt, "$T$"), (yy, "$Y$")):
        _node(right, xy, lab)
    _node(right, uu, "$U$", dashed=True)
    _arrow(right, zz, tt)
    _arrow(right, tt, yy, BLUE)
    _arrow(right, uu, tt, dashed=True)
    _arrow(right, uu, yy, dashed=True)
    right.text(2.78, 0.72, r"$\tau$", ha="center", fontsize=13, color=BLUE)
    right.text(2.0, -0.2, "no $Z\\to Y$ edge; $Z\\perp U$", ha="center", fontsize=11, color=INK)
    right.set_title("instrument $Z$\n($U$ unobserved)", fontsize=12)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.0, top=0.8, wspace=0.08)
    return save(fig, "ci-causal-dags.svg")


if __name__ == "__main__":
    gp_posterior()
    causal_dags()
