"""Block diagrams for the DL::Flows cards (batch B4).

Writes into ``media/``:

- ``flow-coupling-layer.svg``: an affine coupling layer (RealNVP, Glow)
- ``flow-multiscale.svg``: the multi-scale architecture (squeeze, K flow steps, split)

Run: ``python figures/b4_flows.py``. The output is byte-reproducible.
"""

from _style import save, setup
from b4_blocks import BLUE, GREEN, GREY, ORANGE, YELLOW, arrow, box, canvas, label, path
from matplotlib.patches import Circle

setup({"mathtext.fontset": "dejavusans"})


def op(ax, x, y, text):
    ax.add_patch(Circle((x, y), 0.2, fc="white", ec="#111111", lw=1.6, zorder=3))
    label(ax, x, y, text, fs=13)


def coupling() -> None:
    fig, ax = canvas(4.9, 3.3)
    ya, yb = 2.75, 0.95
    box(ax, 0.45, ya, 0.7, 0.5, "$x_a$", GREY)
    box(ax, 0.45, yb, 0.7, 0.5, "$x_b$", GREY)
    box(ax, 4.45, ya, 0.7, 0.5, "$y_a$", GREY)
    box(ax, 4.45, yb, 0.7, 0.5, "$y_b$", GREY)
    arrow(ax, (0.8, ya), (4.1, ya))
    label(ax, 2.45, ya + 0.2, "identity", fs=11.5)
    # networks
    box(ax, 2.0, 1.85, 1.5, 0.55, "network\n$s(x_a),\\ t(x_a)$", ORANGE)
    path(ax, [(1.2, ya), (1.2, 1.85), (1.25, 1.85)])
    # x_b path: multiply by exp(s), add t
    op(ax, 2.0, yb, r"$\odot$")
    op(ax, 3.3, yb, "+")
    arrow(ax, (0.8, yb), (1.8, yb))
    arrow(ax, (2.2, yb), (3.1, yb))
    arrow(ax, (3.5, yb), (4.1, yb))
    arrow(ax, (2.0, 1.57), (2.0, yb + 0.2))
    label(ax, 1.72, 1.33, "$e^{s}$", fs=12)
    path(ax, [(2.75, 1.85), (3.3, 1.85), (3.3, yb + 0.2)])
    label(ax, 3.5, 1.45, "$t$", fs=12)
    label(ax, 2.45, 0.25, r"$\log|\det J| = \sum_j s_j(x_a)$", fs=12)
    save(fig, "flow-coupling-layer.svg", facecolor="white")


def multiscale() -> None:
    W, H = 4.9, 6.1
    fig, ax = canvas(W, H)
    xc, bw = 1.3, 2.35
    box(ax, xc, 5.75, bw, 0.44, r"$x$: 3 × 32 × 32", GREY)
    y = 5.53
    levels = [("12 × 16 × 16", "6 × 16 × 16"), ("24 × 8 × 8", "12 × 8 × 8")]
    for i, (sq_shape, z_shape) in enumerate(levels):
        arrow(ax, (xc, y), (xc, y - 0.22))
        box(ax, xc, y - 0.45, bw, 0.46, f"squeeze → {sq_shape}", YELLOW)
        arrow(ax, (xc, y - 0.68), (xc, y - 0.88))
        box(ax, xc, y - 1.15, bw, 0.54, "K × (actnorm, 1×1\nconv, coupling)", ORANGE)
        arrow(ax, (xc, y - 1.42), (xc, y - 1.62))
        box(ax, xc, y - 1.82, 1.1, 0.4, "split", BLUE)
        # factored-out half
        arrow(ax, (xc + 0.55, y - 1.82), (3.25, y - 1.82))
        box(ax, 3.95, y - 1.82, 1.5, 0.5, f"$z_{i + 1}$\n{z_shape}", GREEN, fs=11.5)
        y -= 2.02
    arrow(ax, (xc, y), (xc, y - 0.22))
    box(ax, xc, y - 0.45, bw, 0.46, "squeeze → 48 × 4 × 4", YELLOW)
    arrow(ax, (xc, y - 0.68), (xc, y - 0.88))
    box(ax, xc, y - 1.12, bw, 0.48, "K steps", ORANGE)
    arrow(ax, (xc + bw / 2, y - 1.12), (3.2, y - 1.12))
    box(ax, 3.95, y - 1.12, 1.5, 0.5, "$z_3$\n48 × 4 × 4", GREEN, fs=11.5)
    label(ax, 3.95, 5.25, "latent $z$:\nall $z_i$ together,\n3072 numbers", fs=11.5)
    label(ax, 3.95, 4.3, "(Glow: prior of\n$z_i$ predicted\nfrom the rest)", fs=11.5, color="#343a40")
    save(fig, "flow-multiscale.svg", facecolor="white")


if __name__ == "__main__":
    coupling()
    multiscale()
