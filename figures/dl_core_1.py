"""Figures for the DL core cards (Basics, Activations, Optimization).

Writes, relative to the repository root:

- media/dl-activations.svg      nine activation functions (solid) and their derivatives (dashed)
- media/dl-batchnorm-layernorm.svg  which entries BatchNorm and LayerNorm average over
- media/opt-paths-valley.svg    SGD vs momentum vs Adam on an ill-conditioned quadratic valley
- media/opt-paths-saddle.svg    the same three optimizers started next to a saddle point

The optimizer paths are computed by running the update rules written on the card
(cards/dl/optimization.md, card ``opt-optimizers``) on the exact gradients, with fixed
hyperparameters and step counts, so the output is deterministic.

Run: ``python figures/dl_core_1.py`` (from anywhere).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup
from matplotlib.patches import Rectangle

setup(
    {
        "axes.titlesize": 12.5,
        "axes.labelsize": 12,
        "legend.fontsize": 12,
        "xtick.labelsize": 11.5,
        "ytick.labelsize": 11.5,
        **WHITE,
    }
)

BLUE = "#1f4e9c"
RED = "#c0392b"
GREEN = "#1e7b34"
ORANGE = "#d35400"
BLACK = "#111111"
GREY = "#9a9a9a"


def _save(fig: plt.Figure, name: str) -> Path:
    return save(fig, name)


# ---------------------------------------------------------------------------
# 1. Activation functions and their derivatives
# ---------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _phi(x: np.ndarray) -> np.ndarray:
    """Standard normal pdf."""
    return np.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)


def _Phi(x: np.ndarray) -> np.ndarray:
    """Standard normal cdf."""
    erf = np.vectorize(math.erf)
    return 0.5 * (1.0 + erf(x / math.sqrt(2.0)))


LEAK = 0.1  # drawn with slope 0.1 so the negative side is visible (PyTorch default: 0.01)
ALPHA_ELU = 1.0


def activations() -> list[tuple[str, callable, callable, tuple[float, float]]]:
    """(title, f, f', y-limits) for the nine activations."""
    s = _sigmoid
    return [
        ("sigmoid", s, lambda x: s(x) * (1 - s(x)), (-0.25, 1.15)),
        ("tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2, (-1.25, 1.25)),
        ("arctan", np.arctan, lambda x: 1 / (1 + x**2), (-1.7, 1.7)),
        ("ReLU", lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float), (-0.6, 3.2)),
        (
            f"leaky, α={LEAK}",
            lambda x: np.where(x > 0, x, LEAK * x),
            lambda x: np.where(x > 0, 1.0, LEAK),
            (-0.6, 3.2),
        ),
        ("softplus", lambda x: np.logaddexp(0, x), s, (-0.3, 3.2)),
        (
            "ELU (α=1)",
            lambda x: np.where(x > 0, x, ALPHA_ELU * np.expm1(np.minimum(x, 0))),
            lambda x: np.where(x > 0, 1.0, ALPHA_ELU * np.exp(np.minimum(x, 0))),
            (-1.3, 3.2),
        ),
        ("GELU", lambda x: x * _Phi(x), lambda x: _Phi(x) + x * _phi(x), (-0.6, 3.2)),
        ("SiLU / swish", lambda x: x * s(x), lambda x: s(x) * (1 + x * (1 - s(x))), (-0.6, 3.2)),
    ]


def fig_activations() -> Path:
    x = np.linspace(-3.5, 3.5, 701)
    fig, axes = plt.subplots(3, 3, figsize=(4.8, 5.6), sharex=True)
    for ax, (title, f, df, ylim) in zip(axes.flat, activations(), strict=True):
        ax.axhline(0, color=GREY, lw=0.8, zorder=0)
        ax.axvline(0, color=GREY, lw=0.8, zorder=0)
        ax.plot(x, f(x), color=BLUE, lw=2.4, label="f(x)")
        ax.plot(x, df(x), color=RED, lw=2.2, ls=(0, (4, 2)), label="f′(x)")
        ax.set_title(title, pad=4)
        ax.set_ylim(*ylim)
        ax.set_xlim(-3.5, 3.5)
        ax.set_xticks([-3, 0, 3])
        ax.grid(True, color="#dddddd", lw=0.6)
    handles, _labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles,
        ["function f(x)", "derivative f′(x)"],
        loc="upper center",
        ncol=2,
        frameon=False,
        bbox_to_anchor=(0.5, 1.035),
    )
    fig.tight_layout(h_pad=0.8, w_pad=0.6)
    return _save(fig, "dl-activations.svg")


# ---------------------------------------------------------------------------
# 2. BatchNorm vs LayerNorm: which entries share a mean and variance
# ---------------------------------------------------------------------------


def fig_norms() -> Path:
    n_batch, n_feat = 5, 6
    fig, axes = plt.subplots(1, 2, figsize=(4.8, 2.7))
    for ax, (title, highlight, colour) in zip(
        axes,
        [
            ("BatchNorm: per feature,\nover the batch", "col", BLUE),
            ("LayerNorm: per example,\nover the features", "row", ORANGE),
        ],
        strict=True,
    ):
        for i in range(n_batch):
            for j in range(n_feat):
                on = (highlight == "col" and j == 2) or (highlight == "row" and i == 1)
                ax.add_patch(
                    Rectangle(
                        (j, n_batch - 1 - i),
                        1,
                        1,
                        facecolor=colour if on else "white",
                        edgecolor=BLACK,
                        lw=1.2,
                    )
                )
        ax.set_xlim(-0.9, n_feat + 0.1)
        ax.set_ylim(-0.9, n_batch + 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=12)
        ax.annotate("", xy=(n_feat, -0.45), xytext=(0, -0.45), arrowprops={"arrowstyle": "->", "lw": 1.8})
        ax.text(n_feat / 2, -0.85, "features  j = 1…D", ha="center", va="center", fontsize=11.5)
        ax.annotate("", xy=(-0.45, 0), xytext=(-0.45, n_batch), arrowprops={"arrowstyle": "->", "lw": 1.8})
        ax.text(-0.8, n_batch / 2, "batch  i = 1…B", ha="center", va="center", rotation=90, fontsize=11.5)
    fig.tight_layout(w_pad=1.5)
    return _save(fig, "dl-batchnorm-layernorm.svg")


# ---------------------------------------------------------------------------
# 3. Optimizer paths: the update rules of the card, in numpy
# ---------------------------------------------------------------------------


def run_sgd(grad, theta0, lr: float, steps: int) -> np.ndarray:
    """theta_t = theta_{t-1} - lr * g_t."""
    theta = np.array(theta0, dtype=float)
    path = [theta.copy()]
    for _ in range(steps):
        theta = theta - lr * grad(theta)
        path.append(theta.copy())
    return np.array(path)


def run_momentum(grad, theta0, lr: float, mu: float, steps: int) -> np.ndarray:
    """v_t = mu v_{t-1} + g_t ; theta_t = theta_{t-1} - lr v_t  (heavy ball, PyTorch form)."""
    theta = np.array(theta0, dtype=float)
    v = np.zeros_like(theta)
    path = [theta.copy()]
    for _ in range(steps):
        v = mu * v + grad(theta)
        theta = theta - lr * v
        path.append(theta.copy())
    return np.array(path)


def run_adam(grad, theta0, lr: float, steps: int, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> np.ndarray:
    """Adam with bias correction (Kingma & Ba 2015)."""
    theta = np.array(theta0, dtype=float)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    path = [theta.copy()]
    for t in range(1, steps + 1):
        g = grad(theta)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        path.append(theta.copy())
    return np.array(path)


def _paths_figure(f, grad, theta0, runs, xlim, ylim, levels, title, name) -> Path:
    xs = np.linspace(*xlim, 400)
    ys = np.linspace(*ylim, 400)
    X, Y = np.meshgrid(xs, ys)
    Z = f(np.stack([X, Y]))
    fig, ax = plt.subplots(figsize=(4.8, 3.9))
    ax.contour(X, Y, Z, levels=levels, colors=GREY, linewidths=1.0, linestyles="solid")
    # Earlier runs are drawn on top, so SGD stays visible where the paths coincide.
    for k, (label, path, colour, marker) in enumerate(runs):
        z = 3 + 2 * (len(runs) - k)
        ax.plot(path[:, 0], path[:, 1], color=colour, lw=2.0, marker=marker, ms=4, label=label, zorder=z)
        # End markers above every path, shrinking so that coinciding end points all stay visible.
        ax.plot(path[-1, 0], path[-1, 1], marker=marker, ms=11 - 2 * k, color=colour, mec=BLACK, mew=1.2, zorder=12 + k)
    ax.plot(*theta0, marker="o", ms=9, color="white", mec=BLACK, mew=1.8, zorder=20)
    ax.annotate("start", theta0, xytext=(6, 8), textcoords="offset points", fontsize=12)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(r"$\theta_1$")
    ax.set_ylabel(r"$\theta_2$")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=1, frameon=False, handlelength=1.6)
    fig.tight_layout()
    return _save(fig, name)


# Ill-conditioned quadratic valley: f = (θ1² + 20 θ2²)/2, condition number κ = 20.
VALLEY_H = np.array([1.0, 20.0])
VALLEY_START = (-4.5, 1.2)
VALLEY_STEPS = 40


def valley_f(theta: np.ndarray) -> np.ndarray:
    return 0.5 * (VALLEY_H[0] * theta[0] ** 2 + VALLEY_H[1] * theta[1] ** 2)


def valley_grad(theta: np.ndarray) -> np.ndarray:
    return VALLEY_H * theta


# Saddle at the origin, minima at (0, ±1): f = θ1² - θ2²/2 + θ2⁴/4.
SADDLE_START = (1.8, 3e-3)
SADDLE_STEPS = 50


def saddle_f(theta: np.ndarray) -> np.ndarray:
    return theta[0] ** 2 - 0.5 * theta[1] ** 2 + 0.25 * theta[1] ** 4


def saddle_grad(theta: np.ndarray) -> np.ndarray:
    return np.array([2.0 * theta[0], -theta[1] + theta[1] ** 3])


def valley_runs() -> list[tuple[str, np.ndarray, str, str]]:
    return [
        ("SGD η=0.09", run_sgd(valley_grad, VALLEY_START, 0.09, VALLEY_STEPS), RED, "o"),
        ("momentum η=0.03, μ=0.7", run_momentum(valley_grad, VALLEY_START, 0.03, 0.7, VALLEY_STEPS), BLUE, "s"),
        ("Adam η=0.15", run_adam(valley_grad, VALLEY_START, 0.15, VALLEY_STEPS), GREEN, "^"),
    ]


def saddle_runs() -> list[tuple[str, np.ndarray, str, str]]:
    return [
        ("SGD η=0.1", run_sgd(saddle_grad, SADDLE_START, 0.1, SADDLE_STEPS), RED, "o"),
        ("momentum η=0.1, μ=0.5", run_momentum(saddle_grad, SADDLE_START, 0.1, 0.5, SADDLE_STEPS), BLUE, "s"),
        ("Adam η=0.1", run_adam(saddle_grad, SADDLE_START, 0.1, SADDLE_STEPS), GREEN, "^"),
    ]


def fig_valley() -> Path:
    return _paths_figure(
        valley_f,
        valley_grad,
        VALLEY_START,
        valley_runs(),
        xlim=(-5.0, 1.5),
        ylim=(-1.6, 1.6),
        levels=[0.1, 0.5, 1.5, 3, 5, 8, 12, 17],
        title=rf"Valley $f=\frac{{1}}{{2}}(\theta_1^2+20\,\theta_2^2)$, {VALLEY_STEPS} steps",
        name="opt-paths-valley.svg",
    )


def fig_saddle() -> Path:
    return _paths_figure(
        saddle_f,
        saddle_grad,
        SADDLE_START,
        saddle_runs(),
        xlim=(-0.6, 2.1),
        ylim=(-0.4, 1.5),
        levels=[-0.24, -0.2, -0.12, -0.05, 0.0, 0.1, 0.3, 0.6, 1.0, 1.6, 2.4, 3.3],
        title=rf"Saddle $f=\theta_1^2-\frac{{1}}{{2}}\theta_2^2+\frac{{1}}{{4}}\theta_2^4$, {SADDLE_STEPS} steps",
        name="opt-paths-saddle.svg",
    )


def main() -> None:
    for path in (fig_activations(), fig_norms(), fig_valley(), fig_saddle()):
        print(path)


if __name__ == "__main__":
    main()
