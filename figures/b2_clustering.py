"""Figures for cards/classical/unsupervised-clustering.md (batch B2), computed with scikit-learn on fixed seeds.

Writes into media/ at the repository root:
  cl-four-algorithms.svg K-means, DBSCAN, spectral clustering and single-link agglomerative clustering on the same
                         data (two moons and a blob), with the adjusted Rand index of each against the truth
  cl-gmm-em.svg          a three-component GMM fitted by EM: the initial and the fitted 2-sigma ellipses, the points
                         coloured by their most responsible component, and the log-likelihood per EM iteration

Drawn for a phone: 4.9 in wide (352 px on the card), text of at least 11 pt, dark on white.
Run from anywhere: python figures/b2_clustering.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _style import WHITE, save, setup
from matplotlib.patches import Ellipse
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans, SpectralClustering
from sklearn.datasets import make_blobs, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

setup({"axes.titlesize": 12, "axes.labelsize": 12, "xtick.labelsize": 11, "ytick.labelsize": 11, **WHITE})

BLUE = "#1f4e9c"
RED = "#b2182b"
GREEN = "#1b7f3b"
ORANGE = "#b35806"
BLACK = "#111111"
GREY = "#555555"
PALETTE = [BLUE, RED, GREEN, ORANGE]


def four_algorithms() -> Path:
    Xm, ym = make_moons(n_samples=300, noise=0.06, random_state=0)
    Xb, _ = make_blobs(n_samples=100, centers=[(-0.4, -0.95)], cluster_std=0.16, random_state=0)
    X = np.vstack([Xm, Xb])
    truth = np.concatenate([ym, np.full(len(Xb), 2)])
    models = (
        ("K-means", KMeans(n_clusters=3, n_init=10, random_state=0)),
        ("DBSCAN", DBSCAN(eps=0.2, min_samples=5)),
        (
            "spectral (kNN graph)",
            SpectralClustering(n_clusters=3, affinity="nearest_neighbors", n_neighbors=15, random_state=0),
        ),
        ("agglomerative (single)", AgglomerativeClustering(n_clusters=3, linkage="single")),
    )
    fig, axes = plt.subplots(2, 2, figsize=(4.9, 4.6))
    for ax, (name, model) in zip(axes.ravel(), models, strict=True):
        with warnings.catch_warnings():
            # the kNN graph of separated clusters is disconnected, which is what spectral clustering should find
            warnings.filterwarnings("ignore", "Graph is not fully connected", UserWarning)
            labels = model.fit_predict(X)
        ari = adjusted_rand_score(truth, labels)
        for k in np.unique(labels):
            pts = X[labels == k]
            if k == -1:
                ax.scatter(pts[:, 0], pts[:, 1], s=16, color=BLACK, marker="x", linewidths=1.0, zorder=3)
            else:
                ax.scatter(pts[:, 0], pts[:, 1], s=7, color=PALETTE[k % len(PALETTE)], linewidths=0)
        noise = f", {np.sum(labels == -1)} noise (x)" if np.any(labels == -1) else ""
        ax.set_title(f"{name}\nARI {ari:.2f}{noise}", fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal")
    fig.tight_layout(h_pad=0.6, w_pad=0.4)
    return save(fig, "cl-four-algorithms.svg")


def _ellipse(ax: plt.Axes, mean: np.ndarray, cov: np.ndarray, **kwargs: object) -> None:
    values, vectors = np.linalg.eigh(cov)
    angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
    width, height = 2 * 2.0 * np.sqrt(values[::-1])
    ax.add_patch(Ellipse(tuple(mean), width, height, angle=angle, fill=False, **kwargs))


def gmm_em() -> Path:
    rng = np.random.default_rng(3)
    means = np.array([[0.0, 0.0], [3.2, 1.6], [0.8, 3.4]])
    covs = [
        np.array([[1.0, 0.6], [0.6, 0.8]]),
        np.array([[0.5, -0.3], [-0.3, 0.6]]),
        np.array([[0.9, 0.0], [0.0, 0.2]]),
    ]
    X = np.vstack([rng.multivariate_normal(m, c, s) for m, c, s in zip(means, covs, (200, 150, 120), strict=True)])
    init_means = np.array([[-1.0, 3.0], [1.5, 1.0], [3.5, 3.5]])
    gm = GaussianMixture(
        n_components=3,
        covariance_type="full",
        means_init=init_means,
        weights_init=np.full(3, 1 / 3),
        precisions_init=np.stack([np.eye(2)] * 3),
        warm_start=True,
        max_iter=1,
        tol=0.0,
        random_state=0,
    )
    loglik = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(40):
            gm.fit(X)
            loglik.append(gm.score(X))
    labels = gm.predict(X)

    fig = plt.figure(figsize=(4.9, 6.0))
    grid = fig.add_gridspec(2, 1, height_ratios=[3.0, 1.3], hspace=0.3)
    ax = fig.add_subplot(grid[0])
    for k in range(3):
        pts = X[labels == k]
        ax.scatter(pts[:, 0], pts[:, 1], s=9, color=PALETTE[k], linewidths=0, alpha=0.7)
        _ellipse(ax, init_means[k], np.eye(2), edgecolor=GREY, ls="--", lw=1.4)
        _ellipse(ax, gm.means_[k], gm.covariances_[k], edgecolor=PALETTE[k], lw=2.4)
        ax.plot(*gm.means_[k], marker="+", color=BLACK, ms=12, mew=2.0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("dashed: initial, solid: fitted (2$\\sigma$)", fontsize=12)

    lax = fig.add_subplot(grid[1])
    lax.plot(np.arange(1, len(loglik) + 1), loglik, color=BLACK, lw=2.0, marker="o", ms=3)
    lax.set_xlabel("EM iteration")
    lax.set_ylabel("log-lik / n")
    for side in ("top", "right"):
        lax.spines[side].set_visible(False)
    return save(fig, "cl-gmm-em.svg")


if __name__ == "__main__":
    four_algorithms()
    gmm_em()
