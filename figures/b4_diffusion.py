"""Computed figures for the DL::Diffusion cards (batch B4).

Writes into ``media/``:

- ``diff-schedules.svg``: alpha-bar_t and log-SNR of the linear and cosine schedules (T = 1000)
- ``diff-toy-forward-reverse.svg``: the forward marginals q(x_t) of a 1-D two-Gaussian mixture (exact) and
  reverse DDPM trajectories sampled with the exact noise predictor, for both schedules

Run: ``python figures/b4_diffusion.py``. The output is byte-reproducible.
"""

import matplotlib.pyplot as plt
import numpy as np
from _style import save, setup

setup({"mathtext.fontset": "dejavusans", "font.size": 12, "axes.linewidth": 1.0})

INK = "#111111"
C_LIN = "#c92a2a"  # linear schedule
C_COS = "#1864ab"  # cosine schedule
T = 1000


def schedules() -> dict[str, np.ndarray]:
    """alpha-bar_t for t = 1..T of both schedules."""
    beta = np.linspace(1e-4, 0.02, T)
    s = 0.008
    t = np.arange(T + 1)
    f = np.cos((t / T + s) / (1 + s) * np.pi / 2) ** 2
    abar_cos = f / f[0]
    beta_cos = np.clip(1 - abar_cos[1:] / abar_cos[:-1], 0, 0.999)
    return {"linear": np.cumprod(1 - beta), "cosine": np.cumprod(1 - beta_cos)}


def style(ax) -> None:
    ax.tick_params(labelsize=11, colors=INK)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)


def fig_schedules(ab: dict[str, np.ndarray]) -> None:
    t = np.arange(1, T + 1)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(4.9, 5.0), sharex=True)
    for name, c in (("linear", C_LIN), ("cosine", C_COS)):
        a1.plot(t, ab[name], color=c, lw=2.2, label=name, ls="-" if name == "linear" else "--")
        snr = ab[name] / (1 - ab[name])
        a2.plot(t, np.log(snr), color=c, lw=2.2, ls="-" if name == "linear" else "--")
    a1.set_ylabel(r"$\bar\alpha_t$", fontsize=13)
    a1.set_ylim(0, 1.02)
    a1.legend(fontsize=12, frameon=False)
    a1.axhline(0.5, color="#868e96", lw=1, ls=":")
    a2.set_ylabel(r"$\log\,\mathrm{SNR}(t)$", fontsize=13)
    a2.set_ylim(-12, 10)
    a2.axhline(0, color="#868e96", lw=1, ls=":")
    a2.set_xlabel("step $t$ (of 1000)", fontsize=12)
    a2.set_xlim(0, T)
    for ax in (a1, a2):
        style(ax)
    fig.tight_layout()
    save(fig, "diff-schedules.svg")


# the data: an equal mixture of N(-1, 0.25^2) and N(1, 0.25^2)
MU, SD = np.array([-1.0, 1.0]), 0.25


def eps_star(x: np.ndarray, a: float) -> np.ndarray:
    """Exact E[eps | x_t] = -sqrt(1 - a) * d/dx log q(x_t) for the mixture."""
    m, v = np.sqrt(a) * MU, a * SD**2 + 1 - a
    logw = -((x[:, None] - m) ** 2) / (2 * v)
    w = np.exp(logw - logw.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    score = (w * (m - x[:, None]) / v).sum(1)
    return -np.sqrt(1 - a) * score


def reverse_ddpm(ab: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Ancestral sampling with sigma_t^2 = beta-tilde_t; returns paths of shape (T + 1, n), index = t."""
    alpha = ab / np.concatenate([[1.0], ab[:-1]])
    beta = 1 - alpha
    x = rng.standard_normal(n)
    path = np.empty((T + 1, n))
    path[T] = x
    for t in range(T, 0, -1):
        i = t - 1
        a, b = ab[i], beta[i]
        mean = (x - b / np.sqrt(1 - a) * eps_star(x, a)) / np.sqrt(alpha[i])
        if t > 1:
            var = (1 - ab[i - 1]) / (1 - a) * b
            x = mean + np.sqrt(var) * rng.standard_normal(n)
        else:
            x = mean
        path[t - 1] = x
    return path


def fig_toy(ab: dict[str, np.ndarray]) -> None:
    xs = np.linspace(-3.2, 3.2, 257)
    ts = np.arange(0, T + 1, 5)
    fig, axes = plt.subplots(2, 1, figsize=(4.9, 5.6), sharex=True)
    rng = np.random.default_rng(0)
    for ax, name, c in zip(axes, ("linear", "cosine"), (C_LIN, C_COS), strict=True):
        a_full = np.concatenate([[1.0], ab[name]])  # a_full[t] = alpha-bar_t, alpha-bar_0 = 1
        dens = np.empty((len(xs), len(ts)))
        for j, t in enumerate(ts):
            a = a_full[t]
            m, v = np.sqrt(a) * MU, a * SD**2 + 1 - a
            dens[:, j] = (np.exp(-((xs[:, None] - m) ** 2) / (2 * v)) / np.sqrt(2 * np.pi * v)).mean(1)
        dens /= dens.max(0, keepdims=True)
        ax.imshow(
            dens,
            origin="lower",
            aspect="auto",
            extent=(0, T, xs[0], xs[-1]),
            cmap="Greys",
            vmin=0,
            vmax=1.6,
            interpolation="none",
            rasterized=False,
        )
        path = reverse_ddpm(ab[name], 14, rng)
        ax.plot(np.arange(T + 1)[::5], path[::5], color=c, lw=1.1, alpha=0.9)
        ax.set_ylabel("$x_t$", fontsize=13)
        ax.set_ylim(xs[0], xs[-1])
        ax.text(
            T - 20,
            2.55,
            name,
            ha="right",
            va="center",
            fontsize=12,
            color=INK,
            bbox={"fc": "white", "ec": "none", "pad": 1.5},
        )
        style(ax)
    axes[1].set_xlabel("step $t$: data at 0, noise at 1000", fontsize=12)
    axes[1].set_xlim(0, T)
    fig.tight_layout()
    save(fig, "diff-toy-forward-reverse.svg")


if __name__ == "__main__":
    ab = schedules()
    fig_schedules(ab)
    fig_toy(ab)
