"""Diagrams asked for by the expert review: cards whose question calls for a picture.

Writes into ``media/``:

- ``attn-pre-post-ln.svg``: post-LN vs pre-LN residual blocks
- ``attn-induction-head.svg``: the two-head induction circuit on the sequence A B ... A
- ``cnn-building-blocks.svg``: Inception module, residual block, dense block, depthwise separable conv

Run: ``python figures/review_diagrams.py``. The output is byte-reproducible.
"""

from _style import save, setup
from b4_blocks import BLUE, GREEN, GREY, ORANGE, PURPLE, YELLOW, arrow, box, canvas, label, path
from matplotlib.patches import Circle

setup({"mathtext.fontset": "dejavusans"})

SKIP = "#1c4e80"


def plus(ax, x, y, r=0.17):
    ax.add_patch(Circle((x, y), r, fc="white", ec="#111111", lw=1.6, zorder=3))
    label(ax, x, y, "+", fs=14)


def pre_post_ln() -> None:
    fig, ax = canvas(4.9, 4.3)
    for xc, title, order, formula in [
        (1.25, "post-LN\n(original Transformer)", ["sublayer", "add", "LN"], r"$x_{l+1} = \mathrm{LN}(x_l + F(x_l))$"),
        (3.65, "pre-LN\n(GPT-2, most LLMs)", ["LN", "sublayer", "add"], r"$x_{l+1} = x_l + F(\mathrm{LN}(x_l))$"),
    ]:
        label(ax, xc, 4.0, title, fs=12, fontweight="bold")
        label(ax, xc, 0.55, "$x_l$", fs=13)
        y, y_split = 0.75, 0.95
        ax.plot([xc], [y_split], "o", ms=5, color=SKIP, zorder=5)
        prev = y
        y_add = None
        for step in order:
            if step == "add":
                yc = prev + 0.42
                arrow(ax, (xc, prev), (xc, yc - 0.17))
                plus(ax, xc, yc)
                y_add = yc
                prev = yc + 0.17
            else:
                yb = prev + 0.25
                arrow(ax, (xc, prev), (xc, yb))
                text, fc = ("LayerNorm", YELLOW) if step == "LN" else ("attention\nor FFN: $F$", ORANGE)
                h = 0.42 if step == "LN" else 0.62
                box(ax, xc, yb + h / 2, 1.45, h, text, fc)
                prev = yb + h
        xs = xc + 0.95
        path(ax, [(xc, y_split), (xs, y_split), (xs, y_add), (xc + 0.17, y_add)], color=SKIP)
        arrow(ax, (xc, prev), (xc, prev + 0.3))
        label(ax, xc, prev + 0.45, "$x_{l+1}$", fs=13)
        label(ax, xc, 0.15, formula, fs=11.5)
    save(fig, "attn-pre-post-ln.svg", facecolor="white")


def induction_head() -> None:
    fig, ax = canvas(4.9, 3.4)
    tokens = ["A", "B", "…", "A"]
    xs = [0.7, 1.85, 3.0, 4.15]
    y_tok = 0.55
    for x, t in zip(xs, tokens, strict=True):
        box(ax, x, y_tok, 0.7, 0.45, t, GREY, fs=13)
    label(ax, 2.45, 0.08, "token positions", fs=11.5)
    # layer 1: previous-token head at B attends to A
    y1 = 1.45
    box(ax, xs[1], y1, 1.0, 0.5, "prev = A", YELLOW)
    arrow(ax, (xs[1], y_tok + 0.23), (xs[1], y1 - 0.25))
    arrow(ax, (xs[0] + 0.15, y_tok + 0.23), (xs[1] - 0.5, y1), rad=-0.25, color=SKIP)
    label(ax, 0.1, y1 + 0.05, "layer 1:\nprevious-\ntoken head", ha="left", fs=11.5, color=SKIP)
    # layer 2: induction head at the last A; its key-side match is "prev = A" (K-composition)
    y2 = 2.55
    box(ax, xs[3], y2, 1.1, 0.5, "predict B", GREEN)
    arrow(ax, (xs[3], y_tok + 0.23), (xs[3], y2 - 0.25))
    arrow(ax, (xs[1], y1 + 0.25), (xs[3] - 0.55, y2), rad=-0.2, color="#a0470c")
    label(ax, 2.25, 2.95, "layer 2: induction head", fs=11.5, color="#a0470c")
    label(ax, 3.05, 1.45, "its query A\nmatches key\nprev = A at B;\nit copies B", fs=11.5, color="#a0470c")
    save(fig, "attn-induction-head.svg", facecolor="white")


def cnn_blocks() -> None:
    fig, ax = canvas(4.9, 5.4)
    # (a) Inception module: parallel branches, concatenated
    label(ax, 1.2, 5.2, "Inception", fs=12, fontweight="bold")
    bx = [0.35, 0.92, 1.49, 2.06]
    texts = ["1×1", "1×1\n3×3", "1×1\n5×5", "pool\n1×1"]
    box(ax, 1.2, 2.95, 2.2, 0.38, "concat", PURPLE)
    label(ax, 1.2, 4.85, "input", fs=11.5)
    for x, t in zip(bx, texts, strict=True):
        path(ax, [(1.2, 4.7), (x, 4.45), (x, 4.25)])
        box(ax, x, 3.8, 0.5, 0.8 if "\n" in t else 0.45, t, BLUE)
        arrow(ax, (x, 3.35), (x, 3.14))
    # (b) residual block
    xr = 3.75
    label(ax, xr, 5.2, "ResNet", fs=12, fontweight="bold")
    label(ax, xr, 4.85, "$x$", fs=12)
    arrow(ax, (xr, 4.7), (xr, 4.5))
    box(ax, xr, 4.22, 1.3, 0.5, "conv-BN-ReLU\nconv-BN", BLUE)
    arrow(ax, (xr, 3.97), (xr, 3.62))
    plus(ax, xr, 3.45)
    path(ax, [(xr, 4.6), (xr + 0.85, 4.6), (xr + 0.85, 3.45), (xr + 0.17, 3.45)], color=SKIP)
    arrow(ax, (xr, 3.28), (xr, 3.1))
    label(ax, xr, 2.92, r"ReLU$(x + F(x))$", fs=11.5)
    # (c) dense block: each layer sees the concatenation of all earlier maps
    label(ax, 1.2, 2.4, "DenseNet", fs=12, fontweight="bold")
    ys = [0.45, 1.15, 1.85]
    for i, y in enumerate(ys):
        box(ax, 0.55, y, 0.6, 0.4, f"$H_{i + 1}$", GREEN)
    for i in range(len(ys) - 1):
        arrow(ax, (0.55, ys[i] + 0.2), (0.55, ys[i + 1] - 0.2))
    arrow(ax, (0.85, ys[0]), (0.85 + 0.05, ys[0]), style="-")
    path(ax, [(0.85, ys[0]), (1.05, ys[0]), (1.05, ys[2]), (0.85, ys[2])], color=SKIP)
    label(ax, 1.15, 1.5, "concat all\nearlier maps:\n$x_l = H_l([x_0,\\dots,x_{l-1}])$", ha="left", fs=11.5)
    # (d) depthwise separable conv
    xd = 3.75
    label(ax, xd, 2.4, "Depthwise separable", fs=12, fontweight="bold")
    box(ax, xd, 1.75, 1.9, 0.5, "$k\\times k$ per channel\n(depthwise)", YELLOW)
    arrow(ax, (xd, 1.5), (xd, 1.25))
    box(ax, xd, 1.0, 1.9, 0.5, "$1\\times1$ across channels\n(pointwise)", ORANGE)
    # a slash, not \frac: mathtext sets a fraction's parts at 70% and C_out's subscript at 49%, too small on a phone
    label(ax, xd, 0.38, "cost: $1/C_{out} + 1/k^2$\nof a full conv", fs=11.5)
    ax.plot([0.1, 4.8], [2.65, 2.65], color=GREY, lw=1.0)
    save(fig, "cnn-building-blocks.svg", facecolor="white")


if __name__ == "__main__":
    pre_post_ln()
    induction_head()
    cnn_blocks()
