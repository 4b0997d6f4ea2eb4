"""Figures for batch B7's ML Engineer cards (cards/ml-engineer/).

Writes into media/ at the repository root:
  mcmc-traces.svg        trace plots of four random-walk Metropolis chains on N(0, 1): well tuned (mixed,
                         split-R-hat about 1) and with a tiny step from spread-out starts (not mixed, R-hat >> 1)
  gaussian-angles.svg    the angle between two independent standard Gaussian vectors in R^d for several d:
                         histograms of sampled angles and the exact density proportional to sin^(d-2)

Run from anywhere: python figures/b7_ml_engineer.py
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup
from scipy.special import gammaln

setup({"axes.labelsize": 12, "legend.fontsize": 11, "xtick.labelsize": 11, "ytick.labelsize": 11, **WHITE})

INK = "#111111"
COLORS = ("#1f4e9c", "#d95f02", "#1b7837", "#7b3294")


def rw_metropolis(start: float, step: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Random-walk Metropolis on the standard normal: accept with probability min(1, pi(x') / pi(x))."""
    x = start
    out = np.empty(n)
    for t in range(n):
        prop = x + step * rng.normal()
        if np.log(rng.uniform()) < 0.5 * (x * x - prop * prop):
            x = prop
        out[t] = x
    return out


def split_rhat(chains: np.ndarray) -> float:
    """Split-R-hat (Gelman et al., BDA3 section 11.4): each chain cut in half, then sqrt(var+ / W)."""
    n = chains.shape[1]
    half = n // 2
    parts = np.concatenate([chains[:, :half], chains[:, half : 2 * half]])
    n = half
    w = parts.var(axis=1, ddof=1).mean()
    b = n * parts.mean(axis=1).var(ddof=1)
    var_plus = (n - 1) / n * w + b / n
    return float(np.sqrt(var_plus / w))


def mcmc_traces() -> Path:
    rng = np.random.default_rng(1)
    n = 2000
    starts = (-8.0, -3.0, 3.0, 8.0)
    good = np.array([rw_metropolis(s, 2.4, n, rng) for s in starts])
    bad = np.array([rw_metropolis(s, 0.08, n, rng) for s in starts])
    # R-hat of the good chains after discarding the first half as warm-up; of the bad ones on the same window
    r_good = split_rhat(good[:, n // 2 :])
    r_bad = split_rhat(bad[:, n // 2 :])

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(4.9, 4.9), sharex=True)
    t = np.arange(n)
    for ax, chains, title in (
        (top, good, f"converged: chains overlap, $\\hat R={r_good:.2f}$"),
        (bottom, bad, f"not converged: $\\hat R={r_bad:.1f}$"),
    ):
        for c, color in zip(chains, COLORS, strict=True):
            ax.plot(t, c, color=color, lw=0.8, alpha=0.85)
        ax.axvspan(0, n // 2, color="#e9ecef", lw=0, zorder=0)
        ax.set_ylim(-9, 9)
        ax.set_ylabel(r"$\theta_t$")
        ax.set_title(title, fontsize=12, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    top.text(n // 4, 7.2, "warm-up", ha="center", fontsize=11, color=INK)
    bottom.set_xlabel("iteration $t$")
    bottom.text(n * 0.98, -8.4, "tiny steps: still drifting", ha="right", fontsize=11, color=INK)
    fig.subplots_adjust(hspace=0.35)
    return save(fig, "mcmc-traces.svg")


def gaussian_angles() -> Path:
    rng = np.random.default_rng(3)
    dims = (2, 10, 100, 1000)
    grid = np.linspace(0, np.pi, 600)
    fig, ax = plt.subplots(figsize=(4.9, 3.6))
    for d, color in zip(dims, COLORS, strict=True):
        u = rng.normal(size=(5000, d))
        v = rng.normal(size=(5000, d))
        cos = (u * v).sum(1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)
        ang = np.arccos(np.clip(cos, -1, 1))
        # exact density of the angle: sin^(d-2) / B((d-1)/2, 1/2)
        logc = gammaln(d / 2) - gammaln((d - 1) / 2) - 0.5 * np.log(np.pi)
        dens = np.exp(logc + (d - 2) * np.log(np.clip(np.sin(grid), 1e-300, None)))
        ax.hist(ang, bins=60, range=(0, np.pi), density=True, color=color, alpha=0.3, lw=0)
        ax.plot(grid, dens, color=color, lw=2, label=f"$d={d}$: sd {ang.std():.3f}")
    ax.axvline(np.pi / 2, color=INK, lw=1, ls=":")
    ax.set_xlim(0, np.pi)
    ax.set_ylim(0, 14)
    ax.set_xticks([0, np.pi / 4, np.pi / 2, 3 * np.pi / 4, np.pi], ["0", r"$\pi/4$", r"$\pi/2$", r"$3\pi/4$", r"$\pi$"])
    ax.set_xlabel(r"angle $\theta$ between $u,v\sim\mathcal{N}(0,I_d)$")
    ax.set_ylabel("density")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # below the axes, so no label covers the d = 1000 spike at pi/2
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False, handlelength=1.2)
    return save(fig, "gaussian-angles.svg")


if __name__ == "__main__":
    mcmc_traces()
    gaussian_angles()
