"""Figures for the DL::CNNs, DL::RNNs and DL::Attention and Transformers cards.

Writes into ``media/`` (relative to the repository root):

- ``attn-transformer-encoder-decoder-only.svg``: encoder-only and decoder-only transformers
- ``attn-transformer-encoder-decoder.svg``: the encoder-decoder transformer
- ``cnn-residual-block.svg``: original (post-activation) vs pre-activation residual block
- ``rnn-lstm-cell.svg``: an LSTM cell with its gates
- ``rnn-gru-cell.svg``: a GRU cell with its gates

Run: ``python figures/dl_core_2.py``. The output is byte-reproducible.
"""

from pathlib import Path

import matplotlib.pyplot as plt
from _style import fit_width, setup
from _style import save as _save_svg
from matplotlib import patheffects
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

setup({"mathtext.fontset": "dejavusans"})

LW = 1.8  # line width (pt)
INK = "#111111"
SKIP = "#1c4e80"  # residual / shortcut paths

# Fill colours: light, high contrast against black text; they invert cleanly in night mode.
C_EMB = "#dee2e6"
C_SELF = "#ffd8a8"
C_MASKED = "#ffc9c9"
C_CROSS = "#d0bfff"
C_FFN = "#b2f2bb"
C_NORM = "#fff3bf"
C_HEAD = "#a5d8ff"
C_CONV = "#a5d8ff"
C_BN = "#fff3bf"
C_RELU = "#b2f2bb"


def new_axes(width: float, height: float):
    """A figure whose data coordinates are inches, with an opaque white background."""
    fig = plt.figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def save(fig, name: str) -> Path:
    fit_width(fig)
    return _save_svg(fig, name, facecolor="white")


def box(ax, xc, yc, w, h, text, fc, fontsize=12, lw=LW, style="round,pad=0,rounding_size=0.08"):
    ax.add_patch(FancyBboxPatch((xc - w / 2, yc - h / 2), w, h, boxstyle=style, fc=fc, ec=INK, lw=lw, zorder=3))
    if text:
        ax.text(xc, yc, text, ha="center", va="center", fontsize=fontsize, color=INK, zorder=4)


def arrow(ax, p0, p1, color=INK, lw=LW, style="-|>", scale=14, zorder=2):
    ax.add_patch(
        FancyArrowPatch(
            p0,
            p1,
            arrowstyle=style,
            mutation_scale=scale,
            color=color,
            lw=lw,
            shrinkA=0,
            shrinkB=0,
            zorder=zorder,
            capstyle="butt",
            joinstyle="miter",
        )
    )


def line(ax, xs, ys, color=INK, lw=LW, zorder=2):
    ax.plot(xs, ys, color=color, lw=lw, solid_capstyle="butt", solid_joinstyle="miter", zorder=zorder)


def polyline_arrow(ax, pts, color=INK, lw=LW):
    """Straight segments through ``pts``, with an arrow head on the last one."""
    xs, ys = zip(*pts, strict=True)
    line(ax, xs[:-1], ys[:-1], color=color, lw=lw)
    arrow(ax, pts[-2], pts[-1], color=color, lw=lw)


# --------------------------------------------------------------------------------------------------
# 1. Transformer architectures
# --------------------------------------------------------------------------------------------------

H_BOX = 0.56
H_NORM = 0.42
GAP = 0.3


def draw_stack(
    ax, xc, y, w, blocks, repeated, side="left", title=None, bottom_label=None, top_label=None, kv_into=None
):
    """Draw one transformer stack bottom-up starting at height ``y``.

    ``blocks``: (label, colour) before the repeated part (embeddings).
    ``repeated``: list of (sublayer label, colour); each is followed by an "Add & Norm" box with a
    residual connection drawn on ``side``.
    Returns a dict with the y of the frame top, the centre of every sublayer and the frame extent.
    """
    out = {"sublayers": []}
    if bottom_label:
        ax.text(xc, y, bottom_label, ha="center", va="top", fontsize=12, color=INK)
    y += 0.10
    prev_top = y
    for label, fc in blocks:
        yb = prev_top + GAP
        arrow(ax, (xc, prev_top), (xc, yb))
        box(ax, xc, yb + H_BOX / 2, w, H_BOX, label, fc)
        prev_top = yb + H_BOX
    # repeated part inside an "N x" frame
    frame_bottom = prev_top + GAP * 0.75
    y_cur = frame_bottom + GAP * 0.75
    arrow(ax, (xc, prev_top), (xc, y_cur))
    sign = -1 if side == "left" else 1
    x_skip = xc + sign * (w / 2 + 0.20)
    for i, (label, fc) in enumerate(repeated):
        if i > 0:
            arrow(ax, (xc, y_cur), (xc, y_cur + GAP))
            y_cur += GAP
        y_in = y_cur - GAP * 0.45  # residual branch point, on the incoming arrow
        box(ax, xc, y_cur + H_BOX / 2, w, H_BOX, label, fc)
        out["sublayers"].append((label, y_cur + H_BOX / 2))
        top = y_cur + H_BOX
        arrow(ax, (xc, top), (xc, top + GAP * 0.8))
        yn = top + GAP * 0.8
        box(ax, xc, yn + H_NORM / 2, w, H_NORM, "Add & Norm", C_NORM, fontsize=11.5)
        # residual connection
        line(ax, [xc, x_skip, x_skip], [y_in, y_in, yn + H_NORM / 2], color=SKIP)
        arrow(ax, (x_skip, yn + H_NORM / 2), (xc + sign * w / 2, yn + H_NORM / 2), color=SKIP)
        ax.plot([xc], [y_in], "o", ms=4.5, color=SKIP, zorder=5)
        y_cur = yn + H_NORM
    frame_top = y_cur + GAP * 0.6
    fx0 = xc - w / 2 - 0.36
    fx1 = xc + w / 2 + 0.36
    ax.add_patch(
        FancyBboxPatch(
            (fx0, frame_bottom),
            fx1 - fx0,
            frame_top - frame_bottom,
            boxstyle="round,pad=0,rounding_size=0.12",
            fc="none",
            ec="#555555",
            lw=LW,
            ls=(0, (4, 2)),
            zorder=1,
        )
    )
    nx = fx0 - 0.08 if side == "left" else fx1 + 0.08
    ax.text(
        nx,
        (frame_bottom + frame_top) / 2,
        r"$N\times$",
        ha="right" if side == "left" else "left",
        va="center",
        fontsize=13,
        color=INK,
    )
    out.update(frame_top=frame_top, frame_x=(fx0, fx1), frame_bottom=frame_bottom)
    if title:
        out["title"] = title
    return out


def head_on_top(ax, xc, w, y_from, label, fc, top_label):
    yb = y_from + GAP
    arrow(ax, (xc, y_from), (xc, yb))
    box(ax, xc, yb + H_BOX / 2, w, H_BOX, label, fc)
    yt = yb + H_BOX
    arrow(ax, (xc, yt), (xc, yt + GAP))
    ax.text(xc, yt + GAP + 0.05, top_label, ha="center", va="bottom", fontsize=12, color=INK)
    return yt + GAP + 0.35


def fig_transformer_architectures() -> Path:
    W = 7.2
    fig, ax = new_axes(W, 14.0)
    w = 2.75
    xa, xc = 1.8, 5.4
    emb = [("Embed + position", C_EMB)]

    # bottom row: encoder-decoder (drawn first; the top row is stacked above it)
    y1 = 0.35
    enc = draw_stack(
        ax,
        xa,
        y1 + 0.55,
        w,
        emb,
        [("Self-attention", C_SELF), ("FFN", C_FFN)],
        side="left",
        bottom_label="source tokens",
    )
    dec = draw_stack(
        ax,
        xc,
        y1,
        w,
        emb,
        [("Masked self-attn.", C_MASKED), ("Cross-attention", C_CROSS), ("FFN", C_FFN)],
        side="right",
        bottom_label="target (shifted right)",
    )
    top1 = head_on_top(ax, xc, w, dec["frame_top"], "Linear + softmax", C_HEAD, r"$p(y_t \mid y_{<t}, x)$")
    # encoder output -> decoder cross-attention (keys and values)
    y_cross = dict(dec["sublayers"])["Cross-attention"]
    x_mid = (enc["frame_x"][1] + dec["frame_x"][0]) / 2
    ytop = enc["frame_top"] + 0.3
    line(ax, [xa, xa], [enc["frame_top"], ytop])
    polyline_arrow(ax, [(xa, ytop), (x_mid, ytop), (x_mid, y_cross), (xc - w / 2, y_cross)])
    ax.text(xa, ytop + 0.08, "encoder output → K, V", ha="center", va="bottom", fontsize=12, color=INK)
    ax.text(xa, top1 - 0.35, "Encoder–decoder\n(Transformer, T5)", ha="center", va="top", fontsize=13, weight="bold")
    ax.set_ylim(0, top1)
    fig.set_size_inches(W, top1)
    save(fig, "attn-transformer-encoder-decoder.svg")

    # second figure: encoder-only (left) and decoder-only (right)
    fig, ax = new_axes(W, 14.0)
    y0 = 0.45
    s = draw_stack(
        ax,
        xa,
        y0,
        w,
        emb,
        [("Self-attention", C_SELF), ("FFN", C_FFN)],
        side="left",
        bottom_label=r"all tokens $x_{1:n}$",
    )
    top2 = head_on_top(ax, xa, w, s["frame_top"], "Task head", C_HEAD, "token / [CLS] labels")
    s = draw_stack(
        ax,
        xc,
        y0,
        w,
        emb,
        [("Masked self-attn.", C_MASKED), ("FFN", C_FFN)],
        side="right",
        bottom_label=r"prefix $x_{<t}$",
    )
    head_on_top(ax, xc, w, s["frame_top"], "Linear + softmax", C_HEAD, r"$p(x_t \mid x_{<t})$")
    ax.text(xa, top2 + 0.05, "Encoder-only\n(BERT)", ha="center", va="bottom", fontsize=13, weight="bold")
    ax.text(xc, top2 + 0.05, "Decoder-only\n(GPT)", ha="center", va="bottom", fontsize=13, weight="bold")
    H = top2 + 0.95
    ax.set_ylim(0, H)
    fig.set_size_inches(W, H)
    return save(fig, "attn-transformer-encoder-decoder-only.svg")


# --------------------------------------------------------------------------------------------------
# 2. Residual blocks: post-activation (He et al. 2016a) vs pre-activation (He et al. 2016b)
# --------------------------------------------------------------------------------------------------


def fig_residual_block() -> Path:
    W, H = 6.2, 6.55
    fig, ax = new_axes(W, H)
    w, h, gap = 1.7, 0.42, 0.24
    specs = [
        (
            1.45,
            "(a) original\n(post-activation)",
            [("conv 3×3", C_CONV), ("BN", C_BN), ("ReLU", C_RELU), ("conv 3×3", C_CONV), ("BN", C_BN)],
            True,
            r"$x_{l+1} = \mathrm{ReLU}(x_l + \mathcal{F}(x_l))$",
        ),
        (
            4.6,
            "(b) pre-activation\n(identity mapping)",
            [
                ("BN", C_BN),
                ("ReLU", C_RELU),
                ("conv 3×3", C_CONV),
                ("BN", C_BN),
                ("ReLU", C_RELU),
                ("conv 3×3", C_CONV),
            ],
            False,
            r"$x_{l+1} = x_l + \mathcal{F}(x_l)$",
        ),
    ]
    for xc, title, layers, relu_after, formula in specs:
        y = 0.75
        ax.text(xc, y - 0.1, r"$x_l$", ha="center", va="top", fontsize=14)
        y_split = y + 0.12
        ax.plot([xc], [y_split], "o", ms=5, color=SKIP, zorder=5)
        prev = y
        for label, fc in layers:
            yb = prev + gap
            arrow(ax, (xc, prev), (xc, yb))
            box(ax, xc, yb + h / 2, w, h, label, fc)
            prev = yb + h
        # addition node
        r = 0.2
        yadd = prev + gap + r
        arrow(ax, (xc, prev), (xc, yadd - r))
        ax.add_patch(Circle((xc, yadd), r, fc="white", ec=INK, lw=LW, zorder=3))
        ax.text(xc, yadd, "+", ha="center", va="center", fontsize=16, weight="bold", zorder=4)
        # identity shortcut on the right
        xs = xc + w / 2 + 0.35
        line(ax, [xc, xs, xs], [y_split, y_split, yadd], color=SKIP)
        arrow(ax, (xs, yadd), (xc + r, yadd), color=SKIP)
        ax.text(
            xs + 0.06, (y_split + yadd) / 2, "identity", rotation=90, ha="left", va="center", fontsize=11.5, color=SKIP
        )
        prev = yadd + r
        if relu_after:
            yb = prev + gap
            arrow(ax, (xc, prev), (xc, yb))
            box(ax, xc, yb + h / 2, w, h, "ReLU", C_RELU)
            prev = yb + h
        arrow(ax, (xc, prev), (xc, prev + gap + 0.05))
        ax.text(xc, prev + gap + 0.1, r"$x_{l+1}$", ha="center", va="bottom", fontsize=14)
        ax.text(xc, H - 0.05, title, ha="center", va="top", fontsize=13, weight="bold")
        ax.text(xc + 0.15, 0.05, formula, ha="center", va="bottom", fontsize=12)
    return save(fig, "cnn-residual-block.svg")


# --------------------------------------------------------------------------------------------------
# 3. LSTM and GRU cells
# --------------------------------------------------------------------------------------------------


def op(ax, xc, yc, sym, r=0.2):
    """A pointwise operation: a white circle with a symbol."""
    ax.add_patch(Circle((xc, yc), r, fc="white", ec=INK, lw=LW, zorder=3))
    ax.text(xc, yc - 0.01, sym, ha="center", va="center", fontsize=15, weight="bold", zorder=4)


def gate(ax, xc, yc, text, fc):
    box(ax, xc, yc, 0.62, 0.44, text, fc, fontsize=13)


def fig_lstm_cell() -> Path:
    W, H = 6.4, 4.6
    fig, ax = new_axes(W, H)
    r = 0.2
    # the cell
    ax.add_patch(
        FancyBboxPatch(
            (0.7, 0.75),
            4.95,
            3.05,
            boxstyle="round,pad=0,rounding_size=0.2",
            fc="#f8f9fa",
            ec="#555555",
            lw=LW,
            zorder=0,
        )
    )
    y_c, y_bus, y_g, y_mul, y_h = 3.4, 1.05, 1.75, 2.65, 0.45
    xf, xi, xg, xo, xt = 1.55, 2.45, 3.35, 4.2, 5.15
    # cell-state highway
    line(ax, [0.1, xf - r], [y_c, y_c], lw=2.6)
    line(ax, [xf + r, xg - r], [y_c, y_c], lw=2.6)
    arrow(ax, (xg + r, y_c), (W - 0.1, y_c), lw=2.6)
    ax.text(0.1, y_c + 0.1, r"$c_{t-1}$", ha="left", va="bottom", fontsize=14)
    ax.text(W - 0.1, y_c + 0.1, r"$c_t$", ha="right", va="bottom", fontsize=14)
    op(ax, xf, y_c, "×")
    op(ax, xg, y_c, "+")
    # input bus: h_{t-1} from the left, x_t from below
    line(ax, [0.1, xo], [y_bus, y_bus])
    ax.text(0.1, y_bus + 0.08, r"$h_{t-1}$", ha="left", va="bottom", fontsize=14)
    line(ax, [1.0, 1.0], [0.2, y_bus])
    ax.plot([1.0], [y_bus], "o", ms=5, color=INK, zorder=5)
    ax.text(1.08, 0.2, r"$x_t$", ha="left", va="bottom", fontsize=14)
    for xg_, label, fc in [
        (xf, r"$\sigma$", C_FFN),
        (xi, r"$\sigma$", C_FFN),
        (xg, "tanh", C_SELF),
        (xo, r"$\sigma$", C_FFN),
    ]:
        arrow(ax, (xg_, y_bus), (xg_, y_g - 0.22))
        gate(ax, xg_, y_g, label, fc)
    # forget gate to the highway
    arrow(ax, (xf, y_g + 0.22), (xf, y_c - r))
    ax.text(xf + 0.07, 2.55, r"$f_t$", ha="left", va="center", fontsize=14)
    # input gate x candidate
    op(ax, xg, y_mul, "×")
    arrow(ax, (xg, y_g + 0.22), (xg, y_mul - r))
    line(ax, [xi, xi], [y_g + 0.22, y_mul])
    arrow(ax, (xi, y_mul), (xg - r, y_mul))
    ax.text(xi - 0.07, 2.25, r"$i_t$", ha="right", va="center", fontsize=14)
    ax.text(xg + 0.07, 2.2, r"$\tilde c_t$", ha="left", va="center", fontsize=14)
    arrow(ax, (xg, y_mul + r), (xg, y_c - r))
    # output: tanh(c_t) * o_t
    y_tanh, y_omul = 2.65, 1.75
    line(ax, [xt, xt], [y_c, y_tanh + 0.22])
    ax.plot([xt], [y_c], "o", ms=5, color=INK, zorder=5)
    arrow(ax, (xt, y_c), (xt, y_tanh + 0.22))
    box(ax, xt, y_tanh, 0.7, 0.4, "tanh", C_SELF, fontsize=12, style="round,pad=0,rounding_size=0.2")
    arrow(ax, (xt, y_tanh - 0.2), (xt, y_omul + r))
    op(ax, xt, y_omul, "×")
    arrow(ax, (xo + 0.31, y_g), (xt - r, y_omul))
    ax.text((xo + 0.31 + xt - r) / 2, y_g + 0.08, r"$o_t$", ha="center", va="bottom", fontsize=14)
    # h_t leaves at the bottom right and at the top
    line(ax, [xt, xt], [y_omul - r, y_h])
    arrow(ax, (xt, y_h), (W - 0.1, y_h))
    ax.text(W - 0.1, y_h + 0.08, r"$h_t$", ha="right", va="bottom", fontsize=14)
    ax.text(1.55, 4.15, "LSTM cell", ha="left", va="center", fontsize=13, weight="bold")
    return save(fig, "rnn-lstm-cell.svg")


def fig_gru_cell() -> Path:
    W, H = 6.4, 4.6
    fig, ax = new_axes(W, H)
    r = 0.2
    ax.add_patch(
        FancyBboxPatch(
            (0.7, 0.55),
            4.95,
            3.25,
            boxstyle="round,pad=0,rounding_size=0.2",
            fc="#f8f9fa",
            ec="#555555",
            lw=LW,
            zorder=0,
        )
    )
    y_h, y_bus, y_g = 3.35, 1.05, 1.75
    xr, xz, xn = 1.75, 2.9, 4.3
    x_mix1, x_mix2 = 2.9, 4.3  # z * h_{t-1} and (1 - z) * h~ ; added at x_add
    x_add = 4.3
    # hidden-state highway: h_{t-1} -> (x z) -> (+) -> h_t
    line(ax, [0.1, x_mix1 - r], [y_h, y_h], lw=2.6)
    line(ax, [x_mix1 + r, x_add - r], [y_h, y_h], lw=2.6)
    arrow(ax, (x_add + r, y_h), (W - 0.1, y_h), lw=2.6)
    ax.text(0.1, y_h + 0.1, r"$h_{t-1}$", ha="left", va="bottom", fontsize=14)
    ax.text(W - 0.1, y_h + 0.1, r"$h_t$", ha="right", va="bottom", fontsize=14)
    op(ax, x_mix1, y_h, "×")
    op(ax, x_add, y_h, "+")
    # h_{t-1} also feeds the gates: branch down on the left
    x_br = 1.0
    ax.plot([x_br], [y_h], "o", ms=5, color=INK, zorder=5)
    line(ax, [x_br, x_br], [y_h, y_bus])
    line(ax, [x_br, xz], [y_bus, y_bus])
    # x_t from below
    x_x = 1.3
    line(ax, [x_x, x_x], [0.2, y_bus])
    ax.plot([x_x], [y_bus], "o", ms=5, color=INK, zorder=5)
    ax.text(x_x + 0.08, 0.2, r"$x_t$", ha="left", va="bottom", fontsize=14)
    for xg_, lab in [(xr, r"$\sigma$"), (xz, r"$\sigma$")]:
        arrow(ax, (xg_, y_bus), (xg_, y_g - 0.22))
        gate(ax, xg_, y_g, lab, C_FFN)
    ax.text(xr - 0.36, y_g, r"$r_t$", ha="right", va="center", fontsize=14)
    ax.text(xz + 0.36, y_g - 0.05, r"$z_t$", ha="left", va="top", fontsize=14)
    # update gate: z -> (x) on highway; (1 - z) -> (x) with the candidate
    arrow(ax, (xz, y_g + 0.22), (xz, y_h - r))
    y_1mz = 2.55
    ax.plot([xz], [y_1mz], "o", ms=5, color=INK, zorder=5)
    box(ax, 3.6, y_1mz, 0.5, 0.36, "1−", "white", fontsize=12)
    arrow(ax, (xz, y_1mz), (3.35, y_1mz))
    op(ax, x_mix2, y_1mz, "×")
    arrow(ax, (3.85, y_1mz), (x_mix2 - r, y_1mz))
    arrow(ax, (x_mix2, y_1mz + r), (x_add, y_h - r))
    # reset gate: r * h_{t-1} feeds the candidate, with x_t
    y_rh = 2.55
    op(ax, xr, y_rh, "×")
    arrow(ax, (xr, y_g + 0.22), (xr, y_rh - r))
    line(ax, [1.0, 1.0], [y_rh, y_rh])
    ax.plot([x_br], [y_rh], "o", ms=5, color=INK, zorder=5)
    arrow(ax, (x_br, y_rh), (xr - r, y_rh))
    # candidate  h~ = tanh(W x + U (r * h))
    y_n = 1.75
    gate(ax, xn, y_n, "tanh", C_SELF)
    # r * h_{t-1} runs to the candidate; a white halo marks where it crosses z's input (no junction)
    ax.plot(
        [xr + r, 2.35, 2.35, 3.4],
        [y_rh, y_rh, 1.25, 1.25],
        color=INK,
        lw=LW,
        zorder=2.5,
        solid_joinstyle="miter",
        solid_capstyle="butt",
        path_effects=[patheffects.Stroke(linewidth=LW + 5, foreground="white"), patheffects.Normal()],
    )
    line(ax, [3.3, xn], [1.25, 1.25])
    ax.plot([xn], [1.25], "o", ms=5, color=INK, zorder=5)
    line(ax, [x_x, xn], [0.75, 0.75])
    ax.plot([x_x], [0.75], "o", ms=5, color=INK, zorder=5)
    line(ax, [xn, xn], [0.75, 1.25])
    arrow(ax, (xn, 1.25), (xn, y_n - 0.22))
    arrow(ax, (xn, y_n + 0.22), (xn, y_1mz - r))
    ax.text(xn + 0.08, 2.12, r"$\tilde h_t$", ha="left", va="center", fontsize=14)
    ax.text(1.55, 4.15, "GRU cell", ha="left", va="center", fontsize=13, weight="bold")
    return save(fig, "rnn-gru-cell.svg")


def main() -> None:
    for make in (fig_transformer_architectures, fig_residual_block, fig_lstm_cell, fig_gru_cell):
        make()


if __name__ == "__main__":
    main()
