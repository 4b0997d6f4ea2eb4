"""Figures for the Code deck.

Writes media/code-encoder-decoder.svg: the pre-norm Transformer encoder-decoder coded up on the card
"Code up the architecture for an encoder-decoder model" (cards/code/ml-from-scratch.md).
"""

import matplotlib.pyplot as plt
from _style import fit_width, save, setup
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

setup()

INK = "#111111"
ATTN = ("#d6e6f7", "#1f4e79")  # (fill, edge): attention sublayers
FFN = ("#dcefd8", "#2e6b2a")  # feed-forward sublayers
PLAIN = ("#eeeeee", "#333333")  # embeddings, norms, output layer
ENC_BOX = "#1f4e79"
DEC_BOX = "#a0470c"
LW = 2.0


def box(ax, cx, cy, w, h, text, colors, fontsize=12):
    fill, edge = colors
    ax.add_patch(
        FancyBboxPatch(
            (cx - w / 2, cy - h / 2),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=fill,
            edgecolor=edge,
            linewidth=LW,
            zorder=2,
        )
    )
    ax.text(cx, cy, text, ha="center", va="center", fontsize=fontsize, color=INK, zorder=3, linespacing=1.25)


def arrow(ax, xy_from, xy_to, color=INK, style="-|>"):
    ax.add_patch(
        FancyArrowPatch(
            xy_from,
            xy_to,
            arrowstyle=style,
            mutation_scale=16,
            linewidth=LW,
            color=color,
            shrinkA=0,
            shrinkB=0,
            zorder=1,
        )
    )


def polyline_arrow(ax, points, color=INK):
    xs, ys = zip(*points[:-1], strict=True)
    ax.plot(xs, ys, color=color, linewidth=LW, solid_capstyle="round", solid_joinstyle="round", zorder=1)
    arrow(ax, points[-2], points[-1], color=color)


def sublayer(ax, cx, cy, w, text, colors, skip_x):
    """Pre-norm residual sublayer: box, '+' node above it, skip connection on the side x = skip_x."""
    h, r = 0.62, 0.15
    box(ax, cx, cy, w, h, text, colors)
    plus_y = cy + h / 2 + 0.33
    ax.add_patch(Circle((cx, plus_y), r, facecolor="white", edgecolor=INK, linewidth=LW, zorder=2))
    ax.text(cx, plus_y - 0.01, "+", ha="center", va="center", fontsize=15, color=INK, zorder=3)
    arrow(ax, (cx, cy + h / 2), (cx, plus_y - r))
    branch_y = cy - h / 2 - 0.2
    side = 1 if skip_x > cx else -1
    polyline_arrow(ax, [(cx, branch_y), (skip_x, branch_y), (skip_x, plus_y), (cx + side * r, plus_y)])
    return cy - h / 2, plus_y + r  # bottom of the box, top of the '+' node


def main():
    fig = plt.figure(figsize=(7.4, 9.0))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(-0.4, 7.0)
    ax.set_ylim(0, 9.0)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.patch.set_facecolor("white")
    ax.set_facecolor("white")

    ex, dx, w = 1.65, 5.0, 2.7  # column centres, sublayer box width

    # ---- inputs and embeddings
    ax.text(ex, 0.32, "source tokens\n$x_1, \\dots, x_S$", ha="center", va="center", fontsize=12)
    ax.text(
        dx,
        0.32,
        "target shifted right\n$\\langle$bos$\\rangle, y_1, \\dots, y_{T-1}$",
        ha="center",
        va="center",
        fontsize=12,
    )
    for cx in (ex, dx):
        box(ax, cx, 1.15, w, 0.5, "embed + positions", PLAIN)
        arrow(ax, (cx, 0.68), (cx, 0.9))

    # ---- encoder stack
    ax.add_patch(
        FancyBboxPatch(
            (ex - w / 2 - 0.3, 1.62),
            w + 0.45,
            3.2,
            boxstyle="round,pad=0,rounding_size=0.15",
            facecolor="none",
            edgecolor=ENC_BOX,
            linewidth=LW,
            linestyle="--",
            zorder=0,
        )
    )
    ax.text(
        ex - w / 2 - 0.45,
        3.22,
        "encoder layer × N",
        ha="center",
        va="center",
        fontsize=12,
        color=ENC_BOX,
        fontweight="bold",
        rotation=90,
    )
    b1, t1 = sublayer(ax, ex, 2.45, w, "LN → self-attention\n(padding mask)", ATTN, ex - w / 2 - 0.18)
    arrow(ax, (ex, 1.4), (ex, b1))
    b2, t2 = sublayer(ax, ex, 3.75, w, "LN → feed-forward", FFN, ex - w / 2 - 0.18)
    arrow(ax, (ex, t1), (ex, b2))
    box(ax, ex, 5.35, w, 0.45, "LayerNorm", PLAIN)
    arrow(ax, (ex, t2), (ex, 5.125))
    ax.text(ex, 5.95, "memory $H$\n($S \\times d$)", ha="center", va="center", fontsize=12, color=ENC_BOX)

    # ---- decoder stack
    ax.add_patch(
        FancyBboxPatch(
            (dx - w / 2 - 0.15, 1.62),
            w + 0.45,
            4.45,
            boxstyle="round,pad=0,rounding_size=0.15",
            facecolor="none",
            edgecolor=DEC_BOX,
            linewidth=LW,
            linestyle="--",
            zorder=0,
        )
    )
    ax.text(
        dx + w / 2 + 0.45,
        3.85,
        "decoder layer × N",
        ha="center",
        va="center",
        fontsize=12,
        color=DEC_BOX,
        fontweight="bold",
        rotation=270,
    )
    skip = dx + w / 2 + 0.18
    c1b, c1t = sublayer(ax, dx, 2.45, w, "LN → causal\nself-attention", ATTN, skip)
    arrow(ax, (dx, 1.4), (dx, c1b))
    c2b, c2t = sublayer(ax, dx, 3.75, w, "LN → cross-attention\n(K, V from memory)", ATTN, skip)
    arrow(ax, (dx, c1t), (dx, c2b))
    c3b, c3t = sublayer(ax, dx, 5.05, w, "LN → feed-forward", FFN, skip)
    arrow(ax, (dx, c2t), (dx, c3b))
    box(ax, dx, 6.65, w, 0.45, "LayerNorm", PLAIN)
    arrow(ax, (dx, c3t), (dx, 6.425))
    box(ax, dx, 7.45, w, 0.5, "linear → softmax", PLAIN)
    arrow(ax, (dx, 6.875), (dx, 7.2))
    ax.text(dx, 8.3, "next-token probabilities\n$p(y_t \\mid y_{<t}, x)$", ha="center", va="center", fontsize=12)
    arrow(ax, (dx, 7.7), (dx, 7.95))
    ax.text(ex, 8.3, "LN: LayerNorm", ha="center", va="center", fontsize=12)

    # ---- memory feeds the cross-attention of every decoder layer
    mem_x = 3.33
    polyline_arrow(ax, [(ex + w / 2, 5.35), (mem_x, 5.35), (mem_x, 3.75), (dx - w / 2, 3.75)], color=ENC_BOX)

    fit_width(fig)
    return save(fig, "code-encoder-decoder.svg", facecolor="white")


if __name__ == "__main__":
    print(main())
