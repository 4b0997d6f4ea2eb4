"""Figures for cards/classical/general-statistics-2.md.

Writes, relative to the repository root:
  media/gs-l2-vs-l1.svg   L2 ball vs L1 diamond under a quadratic loss (cards gs-l2-quadratic, gs-l1-diagonal)
  media/gs-losses.svg     squared / absolute / Huber / pinball losses and 0-1 / hinge / logistic losses
Run: python figures/general_statistics_2.py
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup

setup({"axes.titlesize": 12.5, "legend.fontsize": 11.5, **WHITE})

BLUE = "#1f4e9c"
ORANGE = "#d35400"
GREEN = "#1b7f3b"
RED = "#b0171f"
GREY = "#555555"
PURPLE = "#6a1b9a"

# Quadratic loss J(w) = 1/2 (w - w*)^T H (w - w*) and constraint radius t.
H = np.array([[3.0, 0.6], [0.6, 1.0]])
W_STAR = np.array([1.7, 1.0])
T = 1.0


def loss(w):
    d = w - W_STAR
    return 0.5 * np.einsum("...i,ij,...j->...", d, H, d)


def l2_constrained_optimum():
    """argmin J(w) s.t. ||w||_2 <= T: w = (H + mu I)^{-1} H w*, with mu found by bisection."""
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mu = 0.5 * (lo + hi)
        w = np.linalg.solve(H + mu * np.eye(2), H @ W_STAR)
        if np.linalg.norm(w) > T:
            lo = mu
        else:
            hi = mu
    return w


def l1_constrained_optimum():
    """argmin J(w) s.t. ||w||_1 <= T, by a dense search of the diamond's boundary (w* lies outside)."""
    s = np.linspace(0.0, 1.0, 100001)[:, None]
    corners = T * np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 0]], dtype=float)
    pts = np.concatenate([a + s * (b - a) for a, b in itertools.pairwise(corners)])
    return pts[np.argmin(loss(pts))]


def l2_vs_l1():
    w2 = l2_constrained_optimum()
    w1 = l1_constrained_optimum()
    assert abs(w1[1]) < 1e-9, "L1 optimum should sit on the w1 axis (a corner of the diamond)"

    g = np.linspace(-2.3, 2.6, 500)
    X, Y = np.meshgrid(g, g)
    Z = loss(np.stack([X, Y], axis=-1))

    fig, axes = plt.subplots(1, 2, figsize=(4.9, 3.6), sharey=True)
    panels = [
        (axes[0], "L2: ball $\\Vert w\\Vert_2\\leq t$", w2, BLUE, "$\\tilde w$: both\n$w_i$ shrunk, $\\neq 0$"),
        (axes[1], "L1: diamond $\\Vert w\\Vert_1\\leq t$", w1, ORANGE, "$\\tilde w$ on a corner:\n$w_2=0$ (sparse)"),
    ]
    for ax, title, wopt, colour, label in panels:
        ax.axhline(0, color=GREY, lw=1.0, zorder=0)
        ax.axvline(0, color=GREY, lw=1.0, zorder=0)
        ax.contour(X, Y, Z, levels=[0.1, 0.4, 0.9], colors=GREY, linewidths=1.2)
        ax.contour(X, Y, Z, levels=[loss(wopt)], colors=RED, linewidths=2.0, linestyles="--")
        if colour == BLUE:
            th = np.linspace(0, 2 * np.pi, 400)
            ax.fill(T * np.cos(th), T * np.sin(th), color=BLUE, alpha=0.18, lw=0)
            ax.plot(T * np.cos(th), T * np.sin(th), color=BLUE, lw=2.2)
        else:
            d = T * np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 0]])
            ax.fill(d[:, 0], d[:, 1], color=ORANGE, alpha=0.18, lw=0)
            ax.plot(d[:, 0], d[:, 1], color=ORANGE, lw=2.2)
        ax.plot(*W_STAR, marker="*", ms=15, color="black", zorder=5)
        ax.annotate(
            "$w^*$",
            W_STAR,
            xytext=(0.1, 2.15),
            fontsize=13,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
            arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.2},
        )
        ax.plot(*wopt, marker="o", ms=9, color=colour, mec="black", zorder=6)
        ax.annotate(
            label,
            wopt,
            xytext=(-1.5, -2.2),
            fontsize=11.5,
            arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.4},
        )
        ax.set_title(title)
        ax.set_xlim(-1.6, 2.6)
        ax.set_ylim(-2.3, 2.6)
        ax.set_aspect("equal")
        ax.set_xlabel("$w_1$")
        ax.set_xticks([-1, 0, 1, 2])
        ax.set_yticks([-1, 0, 1, 2])
    axes[0].set_ylabel("$w_2$")
    fig.text(
        0.5,
        0.02,
        "grey: contours of the quadratic loss around $w^*$\nred dashed: lowest contour touching the set",
        ha="center",
        va="top",
        fontsize=11.5,
        color=GREY,
    )
    save(fig, "gs-l2-vs-l1.svg")


def losses():
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(4.9, 6.0))

    r = np.linspace(-3, 3, 601)
    delta, tau = 1.0, 0.9
    huber = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    pinball = np.maximum(tau * r, (tau - 1) * r)
    ax1.plot(r, 0.5 * r**2, color=BLUE, lw=2.2, label="squared $\\frac{1}{2}r^2$")
    ax1.plot(r, np.abs(r), color=GREEN, lw=2.2, label="absolute $\\vert r\\vert$")
    ax1.plot(r, huber, color=RED, lw=2.6, ls="--", label="Huber, $\\delta=1$")
    ax1.plot(r, pinball, color=PURPLE, lw=2.2, ls="-.", label="pinball (quantile), $\\tau=0.9$")
    ax1.set_ylim(0, 3.2)
    ax1.set_xlim(-3, 3)
    ax1.set_xlabel("residual $r = y-\\hat y$")
    ax1.set_ylabel("loss")
    ax1.set_title("Regression losses")
    ax1.legend(loc="upper center", frameon=True, framealpha=1.0)
    ax1.grid(True, color="#dddddd")

    m = np.linspace(-2.5, 3, 551)
    ax2.plot(m, (m <= 0).astype(float), color="black", lw=2.2, label="0–1 loss")
    ax2.plot(m, np.maximum(0, 1 - m), color=ORANGE, lw=2.4, label="hinge $\\max(0,1-m)$")
    ax2.plot(m, np.log2(1 + np.exp(-m)), color=BLUE, lw=2.2, ls="--", label="logistic (CE) $\\log_2(1+e^{-m})$")
    ax2.set_xlim(-2.5, 3)
    ax2.set_ylim(0, 3.6)
    ax2.set_xlabel("margin $m = y\\,f(x)$, $y\\in\\{-1,+1\\}$")
    ax2.set_ylabel("loss")
    ax2.set_title("Classification losses")
    ax2.legend(loc="upper right", frameon=True, framealpha=1.0)
    ax2.grid(True, color="#dddddd")

    fig.tight_layout(h_pad=1.5)
    save(fig, "gs-losses.svg")


if __name__ == "__main__":
    l2_vs_l1()
    losses()
