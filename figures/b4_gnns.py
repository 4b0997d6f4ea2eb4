"""Figure for the DL::GNNs cards (batch B4).

Writes ``media/gnn-gcn-vs-gat.svg``: one node aggregating its neighbours, with GCN's fixed weights
1/sqrt(d_i d_j) (computed from the drawn degrees) and GAT's attention weights (computed by a randomly initialised
single-head GAT layer on random features). Line width is proportional to the weight.

Run: ``python figures/b4_gnns.py``. The output is byte-reproducible.
"""

import numpy as np
from _style import save, setup
from b4_blocks import INK, canvas, label
from matplotlib.patches import Circle, FancyArrowPatch

setup({"mathtext.fontset": "dejavusans"})

# neighbours of the centre node i: angle (deg) and number of extra edges (drawn as stubs)
NEIGHBOURS = [(150, 0), (60, 1), (-20, 2), (-120, 0)]


def weights() -> tuple[np.ndarray, np.ndarray]:
    """(GCN, GAT) weights of [self, j1..j4] for node i."""
    deg_i = len(NEIGHBOURS) + 1  # with the self-loop
    deg_j = np.array([1 + 1 + extra for _, extra in NEIGHBOURS])  # i, self-loop, extra edges
    gcn = np.concatenate([[1 / deg_i], 1 / np.sqrt(deg_i * deg_j)])
    rng = np.random.default_rng(3)
    d, k = 4, 4
    h = rng.standard_normal((1 + len(NEIGHBOURS), d))
    w = 0.35 * rng.standard_normal((d, k))
    a = rng.standard_normal(2 * k)
    z = h @ w
    e = z[0] @ a[:k] + z @ a[k:]
    e = np.where(e > 0, e, 0.2 * e)
    gat = np.exp(e - e.max())
    return gcn, gat / gat.sum()


def panel(ax, x0, title, ws, fmt_label):
    cx, cy, r_out = x0 + 1.15, 1.55, 0.85
    label(ax, cx, 3.05, title, fs=12.5, fontweight="bold")
    for (ang, extra), wgt, lab in zip(NEIGHBOURS, ws[1:], fmt_label[1:], strict=True):
        t = np.deg2rad(ang)
        nx, ny = cx + r_out * np.cos(t), cy + r_out * np.sin(t)
        ax.add_patch(
            FancyArrowPatch(
                (nx, ny),
                (cx, cy),
                arrowstyle="-|>",
                mutation_scale=12,
                lw=1 + 14 * wgt,
                color="#1864ab",
                shrinkA=12,
                shrinkB=13,
                zorder=2,
            )
        )
        for s in range(extra):  # other edges of the neighbour
            ts = t + (s - (extra - 1) / 2) * 0.9
            ax.plot([nx, nx + 0.25 * np.cos(ts)], [ny, ny + 0.25 * np.sin(ts)], color="#868e96", lw=1.4, zorder=1)
        ax.add_patch(Circle((nx, ny), 0.17, fc="#e9ecef", ec=INK, lw=1.4, zorder=3))
        lx, ly = cx + 0.52 * r_out * np.cos(t), cy + 0.52 * r_out * np.sin(t)
        off = 0.2
        label(ax, lx - off * np.sin(t), ly + off * np.cos(t), lab, fs=11.5)
    ax.add_patch(Circle((cx, cy), 0.2, fc="#ffd8a8", ec=INK, lw=1.6, zorder=3))
    label(ax, cx, cy, "$i$", fs=12)
    label(ax, cx, 0.2, f"self: {fmt_label[0]}", fs=11.5)


def main() -> None:
    gcn, gat = weights()
    fig, ax = canvas(4.9, 3.3)
    panel(ax, 0.0, "GCN: fixed", gcn, [f"{w:.2f}" for w in gcn])
    panel(ax, 2.5, "GAT: learned", gat, [f"{w:.2f}" for w in gat])
    ax.plot([2.45, 2.45], [0.1, 3.2], color="#adb5bd", lw=1)
    save(fig, "gnn-gcn-vs-gat.svg", facecolor="white")


if __name__ == "__main__":
    main()
