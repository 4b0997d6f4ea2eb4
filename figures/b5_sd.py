"""Figures for the batch-B5 SD + Coding Practices cards (System Design, Modeling).

Writes into ``media/`` (relative to the repository root):

- ``sd-swe-template.svg``: the seven steps of a system-design interview with their minutes
- ``sd-swe-components.svg``: a typical web architecture (the building blocks of the high-level design)
- ``sd-ml-template.svg``: the ML system-design template, with the loop from monitoring back to data
- ``sd-recsys-two-tower.svg``: two-tower retrieval feeding a ranker and a re-ranker
- ``mod-left-skew.svg``: a left-skewed density with mean < median < mode (computed), and a counterexample

Run: ``python figures/b5_sd.py``. The output is byte-reproducible.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from b5_draw import (
    BLUE,
    FS,
    FS_SMALL,
    GREEN,
    GREY_FILL,
    INK,
    ORANGE,
    RED,
    TEAL,
    VIOLET,
    WIDTH,
    YELLOW,
    arrow,
    box,
    label,
    new_axes,
    polyline,
    save,
)

# --------------------------------------------------------------------------------------------------
# System design
# --------------------------------------------------------------------------------------------------

SWE_STEPS = [
    ("Requirements", "functional, non-functional, scope", 5, YELLOW),
    ("Estimates", "QPS, storage, bandwidth", 5, YELLOW),
    ("API", "endpoints, inputs, outputs", 5, GREEN),
    ("Data model", "entities, access patterns, store", 5, GREEN),
    ("High-level design", "boxes and arrows, one request", 10, BLUE),
    ("Deep dive", "scaling, hot spots, failures", 10, ORANGE),
    ("Wrap-up", "bottlenecks, trade-offs, monitoring", 5, VIOLET),
]


def swe_template() -> None:
    total = sum(m for _, _, m, _ in SWE_STEPS)
    assert total == 45
    row = 0.64
    H = len(SWE_STEPS) * row + 0.55
    fig, ax = new_axes(WIDTH, H)
    x_bar, bar_w = 4.35, 0.42
    scale = (len(SWE_STEPS) * row - 0.1) / total  # inches per minute on the time bar
    y_top = H - 0.4
    label(ax, x_bar + bar_w / 2, H - 0.2, "min", FS_SMALL)
    t = 0
    for i, (name, what, minutes, fc) in enumerate(SWE_STEPS):
        yc = y_top - i * row - row / 2
        box(ax, 2.05, yc, 3.9, row - 0.12, "", fc)
        label(ax, 0.22, yc + 0.1, f"{i + 1}. {name}", FS, ha="left", weight="bold")
        label(ax, 0.22, yc - 0.14, what, FS_SMALL, ha="left")
        # proportional time bar
        y0 = y_top - (t + minutes) * scale
        ax.add_patch(plt.Rectangle((x_bar, y0), bar_w, minutes * scale, fc=fc, ec=INK, lw=1.0, zorder=3))
        label(ax, x_bar + bar_w / 2, y0 + minutes * scale / 2, str(minutes), FS_SMALL)
        t += minutes
    label(ax, x_bar + bar_w / 2, 0.05, f"{total}", FS_SMALL, va="bottom", weight="bold")
    save(fig, "sd-swe-template.svg")


def swe_components() -> None:
    fig, ax = new_axes(WIDTH, 5.3)
    box(ax, 2.45, 4.85, 1.1, 0.5, "clients", GREY_FILL)
    box(ax, 0.6, 4.85, 0.9, 0.5, "DNS", GREY_FILL)
    box(ax, 4.25, 4.85, 1.1, 0.5, "CDN", TEAL)
    arrow(ax, (1.9, 4.85), (1.05, 4.85), style="<|-|>")
    arrow(ax, (3.0, 4.85), (3.7, 4.85))
    label(ax, 3.35, 5.0, "static", FS_SMALL, va="bottom")
    box(ax, 2.45, 3.8, 4.3, 0.5, "load balancer", YELLOW)
    arrow(ax, (2.45, 4.6), (2.45, 4.05))
    xs = [1.1, 2.45, 3.8]
    for x in xs:
        box(ax, x, 2.8, 1.05, 0.62, "app server\n(stateless)", BLUE, FS_SMALL)
        arrow(ax, (x, 3.55), (x, 3.11))
    box(ax, 0.95, 1.6, 1.2, 0.55, "cache", RED)
    box(ax, 2.45, 1.6, 1.3, 0.55, "DB primary", GREEN)
    box(ax, 4.15, 1.6, 1.2, 0.55, "replicas", GREEN)
    arrow(ax, (1.1, 2.49), (1.0, 1.875))
    arrow(ax, (2.45, 2.49), (2.45, 1.875))
    arrow(ax, (3.8, 2.49), (4.05, 1.875))
    label(ax, 4.0, 2.2, "reads", FS_SMALL, ha="left")
    arrow(ax, (3.1, 1.6), (3.55, 1.6))
    label(ax, 3.33, 1.25, "replicate", FS_SMALL, va="center")
    box(ax, 0.95, 0.45, 1.2, 0.55, "queue", VIOLET)
    box(ax, 2.45, 0.45, 1.3, 0.55, "workers", BLUE)
    box(ax, 4.15, 0.45, 1.3, 0.55, "object store", ORANGE, FS_SMALL)
    polyline(ax, [(0.575, 2.8), (0.14, 2.8), (0.14, 0.45), (0.35, 0.45)])
    label(ax, 0.22, 1.0, "async\njobs", FS_SMALL, ha="left")
    arrow(ax, (1.55, 0.45), (1.8, 0.45))
    arrow(ax, (3.1, 0.45), (3.5, 0.45))
    save(fig, "sd-swe-components.svg")


ML_STEPS = [
    ("1. Requirements", "goal, scale, latency, constraints", YELLOW),
    ("2. Frame as ML task", "objective, inputs, outputs, type", YELLOW),
    ("3. Data", "sources, labels, sampling, splits", GREEN),
    ("4. Features", "embeddings, encodings, feature store", GREEN),
    ("5. Model", "baseline → stronger model, loss", BLUE),
    ("6. Evaluation", "offline metrics, then A/B test", ORANGE),
    ("7. Serving, monitoring", "latency, drift, retraining", VIOLET),
]


def ml_template() -> None:
    row = 0.66
    H = len(ML_STEPS) * row + 0.3
    fig, ax = new_axes(WIDTH, H)
    y_top = H - 0.15
    xc, w = 2.05, 3.7
    centres = []
    for i, (name, what, fc) in enumerate(ML_STEPS):
        yc = y_top - i * row - row / 2
        centres.append(yc)
        box(ax, xc, yc, w, row - 0.14, "", fc)
        label(ax, xc - w / 2 + 0.12, yc + 0.1, name, FS, ha="left", weight="bold")
        label(ax, xc - w / 2 + 0.12, yc - 0.14, what, FS_SMALL, ha="left")
        if i:
            arrow(ax, (xc, centres[i - 1] - (row - 0.14) / 2), (xc, yc + (row - 0.14) / 2), lw=1.2)
    # feedback loop: monitoring -> data
    xr = xc + w / 2
    polyline(ax, [(xr, centres[6]), (xr + 0.3, centres[6]), (xr + 0.3, centres[2]), (xr, centres[2])], color="#c92a2a")
    label(ax, xr + 0.38, (centres[2] + centres[6]) / 2, "retrain,\niterate", FS_SMALL, ha="left", color="#c92a2a")
    save(fig, "sd-ml-template.svg")


def recsys() -> None:
    fig, ax = new_axes(WIDTH, 5.5)
    label(ax, WIDTH / 2, 5.35, "Retrieval: two towers", FS, weight="bold")
    cols = (
        (1.35, "user features,\nhistory", "user tower", "u", BLUE),
        (3.55, "item features,\nID", "item tower", "v", GREEN),
    )
    for x, feat, tower, vec, fc in cols:
        box(ax, x, 3.5, 1.6, 0.62, feat, GREY_FILL, FS_SMALL)
        box(ax, x, 4.35, 1.6, 0.5, tower, fc)
        arrow(ax, (x, 3.81), (x, 4.1))
        label(ax, x, 4.9, f"${vec}$", FS + 2)
        arrow(ax, (x, 4.6), (x, 4.76))
    label(ax, WIDTH / 2, 4.9, r"score $u^\top v$", FS)
    polyline(ax, [(1.2, 4.9), (0.12, 4.9), (0.12, 2.5), (0.3, 2.5)])
    polyline(ax, [(3.7, 4.9), (4.78, 4.9), (4.78, 2.5), (4.6, 2.5)])
    stages = [
        ("ANN: query u among all v", r"$10^9 \to 10^3$ items", VIOLET, 4.3),
        ("ranking model (multi-task)", r"$10^3 \to 10^2$", ORANGE, 3.5),
        ("re-ranking → feed", r"$10^2 \to 10$", YELLOW, 2.7),
    ]
    y = 2.5
    for i, (name, counts, fc, w) in enumerate(stages):
        box(ax, WIDTH / 2, y, w, 0.7, "", fc)
        label(ax, WIDTH / 2, y + 0.13, name, FS_SMALL)
        label(ax, WIDTH / 2, y - 0.16, counts, FS_SMALL)
        if i:
            arrow(ax, (WIDTH / 2, y + 0.55), (WIDTH / 2, y + 0.35))
        y -= 0.9
    label(ax, WIDTH / 2, 0.1, "diversity, freshness, business rules", FS_SMALL, style="italic")
    save(fig, "sd-recsys-two-tower.svg")


# --------------------------------------------------------------------------------------------------
# Modeling
# --------------------------------------------------------------------------------------------------


def left_skew() -> None:
    # X = 100 - Y with Y ~ LogNormal(ln 40, 0.5^2): closed-form median, mean and mode
    mu, s = np.log(40), 0.5
    median = 100 - np.exp(mu)
    mean = 100 - np.exp(mu + s**2 / 2)
    mode = 100 - np.exp(mu - s**2)
    assert np.isclose(median, 60)
    assert mean < median < mode
    x = np.linspace(-20, 99.5, 2000)
    yv = 100 - x
    pdf = np.exp(-((np.log(yv) - mu) ** 2) / (2 * s**2)) / (yv * s * np.sqrt(2 * np.pi))
    # counterexample: left-skewed (negative skewness), yet mean > median
    v = np.array([52.0, 60.0, 64.0])
    p = np.array([0.02, 0.69, 0.29])
    m = p @ v
    sd = np.sqrt(p @ (v - m) ** 2)
    skew = p @ ((v - m) / sd) ** 3
    assert skew < -0.6
    assert np.isclose(m, 61)

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(WIDTH, 5.4), gridspec_kw={"height_ratios": [1.25, 1]})
    fig.subplots_adjust(left=0.05, right=0.97, top=0.95, bottom=0.09, hspace=0.55)
    a1.fill_between(x, pdf, color=BLUE, alpha=0.7, lw=0)
    a1.plot(x, pdf, color=INK, lw=1.6)
    top = pdf.max()
    # each line stops below its own label, so no line crosses another one's label
    marks = [(mean, "#c92a2a", "--", 1.15), (median, INK, "-", 1.36), (mode, "#1c4e80", ":", 1.15)]
    for xv, color, ls, height in marks:
        a1.vlines(xv, 0, top * height, color=color, ls=ls, lw=1.8)
    a1.text(mean - 1.5, top * 1.25, f"mean {mean:.1f}", ha="right", va="center", fontsize=FS_SMALL, color="#c92a2a")
    a1.text(median, top * 1.38, f"median {median:.0f}", ha="center", va="bottom", fontsize=FS_SMALL)
    a1.text(mode + 1.5, top * 1.25, f"mode {mode:.1f}", ha="left", va="center", fontsize=FS_SMALL, color="#1c4e80")
    a1.set_ylim(0, top * 1.6)
    a1.set_xlim(-5, 100)
    a1.set_yticks([])
    a1.set_title("Typical: long left tail, mean < median < mode", fontsize=FS, loc="left")
    a2.bar(v, p, width=2.2, color=ORANGE, edgecolor=INK, lw=1.0)
    a2.axvline(m, color="#c92a2a", ls="--", lw=1.8)
    a2.axvline(60, color=INK, lw=1.8)
    a2.text(m + 0.4, 0.86, f"mean {m:.0f}", fontsize=FS_SMALL, color="#c92a2a", ha="left", va="center")
    a2.text(59.6, 0.86, "median = mode = 60", fontsize=FS_SMALL, ha="right", va="center")
    for xv, pv in zip(v, p, strict=True):
        a2.text(xv - (1.7 if xv == 60 else 0), pv + 0.03, f"{pv:.2f}", ha="center", va="bottom", fontsize=FS_SMALL)
    a2.set_xlim(48, 68)
    a2.set_ylim(0, 0.95)
    a2.set_yticks([])
    a2.set_title(f"But: skewness {skew:.2f} < 0, yet mean > median", fontsize=FS, loc="left")
    for a in (a1, a2):
        a.tick_params(labelsize=FS_SMALL)
        for side in ("top", "right", "left"):
            a.spines[side].set_visible(False)
    save(fig, "mod-left-skew.svg")


if __name__ == "__main__":
    swe_template()
    swe_components()
    ml_template()
    recsys()
    left_skew()
