"""Figures for the batch-B5 DL cards: NLP, Post-Training, HPO and Computational performance.

Writes into ``media/`` (relative to the repository root):

- ``nlp-decoder-blocks.svg``: a GPT-2 block next to a Llama block
- ``nlp-llm-agent.svg``: the agent loop (LLM, planning, memory, tools, environment)
- ``pt-rlhf-vs-dpo.svg``: the RLHF pipeline next to DPO
- ``hpo-components.svg``: the parts of an HPO library and how a trial flows through them
- ``cp-parallelism.svg``: what each GPU holds under data, tensor and pipeline parallelism
- ``cp-fsdp-memory.svg``: memory per GPU under DDP and ZeRO-1/2/3 (FSDP), computed from Psi and N
- ``cp-pipeline-bubble.svg``: pipeline timelines simulated from p and m (no micro-batches, GPipe, 1F1B)
- ``cp-collectives.svg``: scatter/gather, all-gather, reduce-scatter, all-reduce on 4 ranks
- ``cp-disaggregated-serving.svg``: prefill and decode pools with the KV-cache hand-off

Run: ``python figures/b5_dl.py``. The output is byte-reproducible.
"""

from __future__ import annotations

from fractions import Fraction

import matplotlib.pyplot as plt
from b5_draw import (
    BLUE,
    FS,
    FS_SMALL,
    GREEN,
    GREY,
    GREY_FILL,
    INK,
    LW,
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
from matplotlib.patches import Rectangle

# --------------------------------------------------------------------------------------------------
# NLP
# --------------------------------------------------------------------------------------------------


def decoder_blocks() -> None:
    fig, ax = new_axes(WIDTH, 5.3)
    w, h, gap = 1.8, 0.42, 0.22
    cols = [
        (
            1.3,
            "GPT-2",
            [
                ("token + learned\nposition", GREY_FILL),
                ("LayerNorm", YELLOW),
                ("masked MHA", ORANGE),
                ("+", None),
                ("LayerNorm", YELLOW),
                ("MLP: GELU, 4d", GREEN),
                ("+", None),
            ],
        ),
        (
            3.6,
            "Llama",
            [
                ("token embedding", GREY_FILL),
                ("RMSNorm", YELLOW),
                ("masked GQA\nRoPE on q, k", ORANGE),
                ("+", None),
                ("RMSNorm", YELLOW),
                ("SwiGLU MLP, ≈8d/3", GREEN),
                ("+", None),
            ],
        ),
    ]
    for xc, title, blocks in cols:
        y = 0.35
        label(ax, xc, y - 0.1, "input tokens", FS_SMALL, va="top")
        y += 0.1
        centres = []
        for i, (text, fc) in enumerate(blocks):
            hh = 0.62 if "\n" in text else h
            if text == "+":
                yc = y + gap + 0.15
                ax.add_patch(plt.Circle((xc, yc), 0.15, fc="white", ec=INK, lw=LW, zorder=3))
                label(ax, xc, yc, "+", FS + 2)
                arrow(ax, (xc, y), (xc, yc - 0.15))
                centres.append(yc)
                y = yc + 0.15
            else:
                y0 = y + gap
                arrow(ax, (xc, y), (xc, y0))
                box(ax, xc, y0 + hh / 2, w, hh, text, fc, FS_SMALL if len(text) > 15 else FS)
                centres.append(y0 + hh / 2)
                y = y0 + hh
            if i == 0:
                y_block_start = y
        # residual connections, branching before each norm
        add1, add2 = centres[3], centres[6]
        for start, add in ((y_block_start + gap / 2, add1), (centres[3] + 0.15 + gap / 2, add2)):
            xs = xc - w / 2 - 0.18
            ax.plot([xc], [start], "o", ms=4, color=INK, zorder=5)
            polyline(ax, [(xc, start), (xs, start), (xs, add), (xc - 0.15, add)], color="#1c4e80")
        # repeated-block frame
        top = y + 0.12
        ax.add_patch(
            Rectangle(
                (xc - w / 2 - 0.28, y_block_start + 0.04),
                w + 0.38,
                top - y_block_start - 0.04,
                fc="none",
                ec=GREY,
                lw=1.2,
                ls=(0, (4, 2)),
                zorder=1,
            )
        )
        arrow(ax, (xc, y), (xc, y + 0.35))
        label(ax, xc, y + 0.42, f"{title} block (×N)", FS, va="bottom", weight="bold")
    save(fig, "nlp-decoder-blocks.svg")


def llm_agent() -> None:
    fig, ax = new_axes(WIDTH, 3.9)
    cx, cy = 2.4, 2.0
    box(ax, cx, cy, 1.2, 0.8, "LLM\n(controller)", BLUE, FS, weight="bold")
    box(ax, cx, 3.45, 2.7, 0.62, "Planning: decompose,\nreason, reflect", YELLOW, FS_SMALL)
    box(ax, 0.7, cy, 1.3, 1.05, "Memory\nshort: context\nlong: vector DB", VIOLET, FS_SMALL)
    box(ax, 4.34, cy, 1.1, 1.05, "Tools\nsearch, code,\nAPIs", GREEN, FS_SMALL)
    box(ax, cx, 0.45, 2.7, 0.6, "Environment / user", GREY_FILL, FS)
    arrow(ax, (cx - 0.15, cy + 0.4), (cx - 0.15, 3.14), style="<|-|>")
    arrow(ax, (cx - 0.6, cy), (1.35, cy), style="<|-|>")
    arrow(ax, (cx + 0.6, cy + 0.12), (3.79, cy + 0.12))
    arrow(ax, (3.79, cy - 0.12), (cx + 0.6, cy - 0.12))
    label(ax, 3.4, cy + 0.2, "act", FS_SMALL, va="bottom")
    label(ax, 3.4, cy - 0.2, "observe", FS_SMALL, va="top")
    arrow(ax, (cx + 0.3, 0.75), (cx + 0.3, cy - 0.4))
    arrow(ax, (cx - 0.3, cy - 0.4), (cx - 0.3, 0.75))
    label(ax, cx + 0.38, 1.18, "task,\nresults", FS_SMALL, ha="left")
    label(ax, cx - 0.38, 1.18, "answer,\nactions", FS_SMALL, ha="right")
    save(fig, "nlp-llm-agent.svg")


# --------------------------------------------------------------------------------------------------
# Post-training
# --------------------------------------------------------------------------------------------------


def rlhf_vs_dpo() -> None:
    fig, ax = new_axes(WIDTH, 5.0)
    xl, xr = 1.25, 3.65
    bw = 2.05
    ref, pol = r"$\pi_{\mathrm{ref}}$", r"$\pi_\theta$"
    label(ax, xl, 4.8, "RLHF", FS + 1, weight="bold")
    label(ax, xr, 4.8, "DPO", FS + 1, weight="bold")
    ax.plot([2.45, 2.45], [0.15, 4.95], color="#999999", lw=1.0)
    for x in (xl, xr):
        box(ax, x, 4.25, bw, 0.5, f"SFT on demos → {ref}", GREY_FILL, FS_SMALL)
        box(ax, x, 3.35, bw, 0.62, "preference pairs\n" + r"$(x,\ y_w \succ y_l)$", YELLOW, FS_SMALL)
    # RLHF column
    box(ax, xl, 2.35, bw, 0.62, r"reward model $r_\phi$" + "\nBradley–Terry loss", ORANGE, FS_SMALL)
    arrow(ax, (xl, 3.04), (xl, 2.66))
    box(ax, xl, 1.2, bw, 0.85, f"PPO: sample from {pol},\n" + r"max $r_\phi - \beta\,$KL", RED, FS_SMALL)
    arrow(ax, (xl, 2.04), (xl, 1.625))
    polyline(ax, [(xl - bw / 2, 4.25), (xl - bw / 2 - 0.12, 4.25), (xl - bw / 2 - 0.12, 1.2), (xl - bw / 2, 1.2)])
    box(ax, xl, 0.35, 1.2, 0.42, pol, BLUE, FS)
    arrow(ax, (xl, 0.775), (xl, 0.56))
    # DPO column
    dpo = "one loss on the pairs:\n" + r"$-\log\sigma(\beta\cdot$margin" + f"\nof log-ratios to {ref})"
    box(ax, xr, 1.8, bw, 1.0, dpo, TEAL, FS_SMALL)
    arrow(ax, (xr, 3.04), (xr, 2.3))
    polyline(ax, [(xr + bw / 2, 4.25), (xr + bw / 2 + 0.12, 4.25), (xr + bw / 2 + 0.12, 1.8), (xr + bw / 2, 1.8)])
    label(ax, xr, 0.98, "no reward model,\nno sampling", FS_SMALL, style="italic")
    box(ax, xr, 0.35, 1.2, 0.42, pol, BLUE, FS)
    arrow(ax, (xr, 1.3), (xr, 1.24), style="-")
    arrow(ax, (xr, 0.74), (xr, 0.56))
    save(fig, "pt-rlhf-vs-dpo.svg")


# --------------------------------------------------------------------------------------------------
# HPO
# --------------------------------------------------------------------------------------------------


def hpo_components() -> None:
    fig, ax = new_axes(WIDTH, 3.9)
    box(ax, 1.05, 3.45, 1.8, 0.55, "search space", GREY_FILL)
    box(ax, 1.05, 2.3, 1.8, 0.75, "sampler\n(random, TPE, GP)", YELLOW, FS_SMALL)
    box(ax, 3.75, 2.3, 1.9, 0.75, "executor\nruns trials", BLUE, FS_SMALL)
    box(ax, 3.75, 0.6, 1.9, 0.75, "objective\n(training run)", GREEN, FS_SMALL)
    box(ax, 1.05, 0.6, 1.8, 0.75, "scheduler/pruner\n(ASHA, Hyperband)", ORANGE, FS_SMALL)
    box(ax, 3.75, 3.45, 1.9, 0.55, "storage (trials)", VIOLET)
    arrow(ax, (1.05, 3.17), (1.05, 2.68))
    arrow(ax, (1.95, 2.3), (2.8, 2.3))
    label(ax, 2.37, 2.2, "config", FS_SMALL, va="top")
    arrow(ax, (3.6, 1.925), (3.6, 0.975))
    arrow(ax, (3.9, 0.975), (3.9, 1.925))
    label(ax, 3.5, 1.45, "run", FS_SMALL, ha="right")
    label(ax, 4.0, 1.45, "metric at\neach step", FS_SMALL, ha="left")
    arrow(ax, (2.8, 0.6), (1.95, 0.6))
    label(ax, 2.37, 0.42, "report", FS_SMALL, va="top")
    polyline(ax, [(1.55, 0.975), (1.55, 1.6), (3.45, 1.6), (3.45, 1.925)])
    label(ax, 2.1, 1.7, "stop / promote", FS_SMALL, va="bottom")
    arrow(ax, (3.75, 2.675), (3.75, 3.17))
    polyline(ax, [(2.8, 3.45), (2.3, 3.45), (2.3, 2.55), (1.95, 2.55)])
    label(ax, 2.62, 3.0, "history", FS_SMALL, ha="center")
    save(fig, "hpo-components.svg")


# --------------------------------------------------------------------------------------------------
# Computational performance
# --------------------------------------------------------------------------------------------------

N_GPU = 4
N_LAYER = 4


def parallelism() -> None:
    """Each GPU is a grid: rows are layers, columns are slices of each layer's weight matrix; filled = held."""
    cell_w, cell_h = 0.24, 0.19
    gw = cell_w * N_GPU
    x0, x1 = 0.1, WIDTH - 0.1
    pitch = (x1 - x0) / N_GPU
    rows = [
        ("Data parallel: full model, ¼ of the batch", lambda g, layer, part: True),
        ("Tensor parallel: ¼ of every layer", lambda g, layer, part: part == g),
        ("Pipeline parallel: one block of layers", lambda g, layer, part: layer == g),
    ]
    colors = [BLUE, GREEN, ORANGE, VIOLET]
    row_h = N_LAYER * cell_h + 0.95
    H = len(rows) * row_h + 0.75
    fig, ax = new_axes(WIDTH, H)
    for r, (name, holds) in enumerate(rows):
        ytop = H - 0.1 - r * row_h
        label(ax, x0, ytop - 0.15, name, FS, ha="left", weight="bold")
        gy = ytop - 0.62 - N_LAYER * cell_h
        for g in range(N_GPU):
            gx = x0 + g * pitch + (pitch - gw) / 2
            for layer in range(N_LAYER):
                for part in range(N_GPU):
                    held = holds(g, layer, part)
                    ax.add_patch(
                        Rectangle(
                            (gx + part * cell_w, gy + layer * cell_h),
                            cell_w,
                            cell_h,
                            fc=colors[layer] if held else "white",
                            ec=INK if held else "#bbbbbb",
                            lw=0.8,
                            zorder=3,
                        )
                    )
            ax.add_patch(
                Rectangle((gx - 0.05, gy - 0.05), gw + 0.1, N_LAYER * cell_h + 0.1, fc="none", ec=INK, lw=LW, zorder=4)
            )
            label(ax, gx + gw / 2, gy + N_LAYER * cell_h + 0.2, f"GPU {g}", FS_SMALL)
    label(ax, x0, 0.42, "In each GPU: rows = layers 1–4 (bottom up),", FS_SMALL, ha="left")
    label(ax, x0, 0.16, "columns = slices of each layer's weights.", FS_SMALL, ha="left")
    save(fig, "cp-parallelism.svg")


def zero_bytes(psi: float, n: int, stage: int, k: int = 12) -> tuple[float, float, float]:
    """Bytes per GPU of (parameters, gradients, optimizer states) for mixed-precision Adam (ZeRO paper)."""
    p, g, o = 2 * psi, 2 * psi, k * psi
    if stage >= 1:
        o /= n
    if stage >= 2:
        g /= n
    if stage >= 3:
        p /= n
    return p, g, o


def fsdp_memory() -> None:
    psi, n = 7.5e9, 64
    names = ["DDP", "ZeRO-1\n(opt. states)", "ZeRO-2\n(+ grads)", "ZeRO-3, FSDP\n(+ params)"]
    parts = [zero_bytes(psi, n, s) for s in range(4)]
    totals = [sum(p) / 1e9 for p in parts]
    assert [round(t, 1) for t in totals] == [120.0, 31.4, 16.6, 1.9]
    fig = plt.figure(figsize=(WIDTH, 3.6), facecolor="white")
    ax = fig.add_axes((0.3, 0.2, 0.66, 0.66))
    colors = [BLUE, ORANGE, GREEN]
    for i, (p, t) in enumerate(zip(parts, totals, strict=True)):
        left = 0.0
        for j, v in enumerate(p):
            ax.barh(i, v / 1e9, left=left, color=colors[j], edgecolor=INK, lw=1.0, height=0.62)
            left += v / 1e9
        ax.text(left + 2, i, f"{t:.1f} GB", va="center", fontsize=FS)
    ax.set_yticks(range(4), names, fontsize=FS_SMALL)
    ax.invert_yaxis()
    ax.set_xlim(0, 150)
    ax.set_xlabel("GB per GPU (Ψ = 7.5B, N = 64)", fontsize=FS_SMALL)
    ax.tick_params(axis="x", labelsize=FS_SMALL)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    handles = [Rectangle((0, 0), 1, 1, fc=c, ec=INK, lw=1.0) for c in colors]
    fig.legend(
        handles,
        ["params 2Ψ", "grads 2Ψ", "Adam states 12Ψ"],
        loc="upper center",
        ncol=3,
        frameon=False,
        fontsize=FS_SMALL,
        handlelength=1.0,
        columnspacing=0.8,
        handletextpad=0.4,
        bbox_to_anchor=(0.5, 1.0),
    )
    save(fig, "cp-fsdp-memory.svg")


def simulate(order: list[list[tuple[str, int]]], tf: float, tb: float) -> dict[tuple[str, int, int], float]:
    """Start times of every op of a pipeline schedule (same rules as the card's simulation)."""
    p = len(order)
    end: dict[tuple[str, int, int], float] = {}
    start: dict[tuple[str, int, int], float] = {}
    free, nxt = [0.0] * p, [0] * p
    while any(nxt[s] < len(order[s]) for s in range(p)):
        for s in range(p):
            if nxt[s] == len(order[s]):
                continue
            kind, j = order[s][nxt[s]]
            if kind == "F":
                dep = ("F", s - 1, j) if s else None
            elif s == p - 1:
                dep = ("F", s, j)
            else:
                dep = ("B", s + 1, j)
            if dep is not None and dep not in end:
                continue
            t0 = max(free[s], end[dep] if dep else 0.0)
            start[kind, s, j] = t0
            free[s] = end[kind, s, j] = t0 + (tf if kind == "F" else tb)
            nxt[s] += 1
    return start


def gpipe(p: int, m: int) -> list[list[tuple[str, int]]]:
    ops = [("F", j) for j in range(m)] + [("B", j) for j in range(m)]
    return [list(ops) for _ in range(p)]


def one_f_one_b(p: int, m: int) -> list[list[tuple[str, int]]]:
    order = []
    for s in range(p):
        w = min(p - s - 1, m)
        ops = [("F", j) for j in range(w)]
        for i in range(m - w):
            ops += [("F", w + i), ("B", i)]
        ops += [("B", j) for j in range(m - w, m)]
        order.append(ops)
    return order


def pipeline_bubble() -> None:
    p, tf, tb = 4, 1.0, 2.0
    panels = [("No micro-batches", gpipe, 1), ("GPipe", gpipe, 4), ("1F1B", one_f_one_b, 4)]
    t_max = (4 + p - 1) * (tf + tb)
    x0, x1 = 0.62, WIDTH - 0.1
    sx = (x1 - x0) / t_max
    row_h, row_gap = 0.26, 0.05
    panel_h = p * (row_h + row_gap) + 0.55
    H = len(panels) * panel_h + 0.75
    fig, ax = new_axes(WIDTH, H)
    for k, (name, plan, m) in enumerate(panels):
        start = simulate(plan(p, m), tf, tb)
        total = max(t + (tf if kind == "F" else tb) for (kind, _, _), t in start.items())
        bubble = Fraction(p - 1, m + p - 1)
        assert abs(1 - m * (tf + tb) / total - float(bubble)) < 1e-12
        ytop = H - 0.1 - k * panel_h
        label(ax, x0, ytop - 0.15, f"{name}, m = {m}: idle {bubble} = {float(bubble):.0%}", FS, ha="left")
        for s in range(p):
            y = ytop - 0.45 - s * (row_h + row_gap) - row_h
            label(ax, x0 - 0.08, y + row_h / 2, f"GPU {s}", FS_SMALL, ha="right")
            ax.add_patch(
                Rectangle((x0, y), total * sx, row_h, fc="white", ec="#aaaaaa", lw=0.6, hatch="////", zorder=1)
            )
            for (kind, st, j), t in start.items():
                if st != s:
                    continue
                d = tf if kind == "F" else tb
                ax.add_patch(
                    Rectangle(
                        (x0 + t * sx, y), d * sx, row_h, fc=BLUE if kind == "F" else ORANGE, ec=INK, lw=0.8, zorder=3
                    )
                )
                label(ax, x0 + (t + d / 2) * sx, y + row_h / 2, str(j + 1), FS_SMALL)
    # legend and time axis
    y = 0.3
    for i, (fc, text) in enumerate([(BLUE, "forward"), (ORANGE, "backward (2×)"), ("white", "idle")]):
        x = x0 + [0.0, 1.25, 3.15][i]
        ax.add_patch(
            Rectangle((x, y - 0.11), 0.3, 0.22, fc=fc, ec=INK, lw=0.8, hatch="////" if fc == "white" else None)
        )
        label(ax, x + 0.38, y, text, FS_SMALL, ha="left")
    save(fig, "cp-pipeline-bubble.svg")


def collectives() -> None:
    n = 4
    cw, ch = 0.32, 0.22
    fills = [BLUE, GREEN, ORANGE, VIOLET]
    SUM = YELLOW

    def grid(x: float, y: float, cells: list[list[tuple[str, str] | None]]) -> None:
        """cells[rank][chunk] = (text, colour) or None; ranks are columns."""
        for r in range(n):
            for c in range(n):
                cell = cells[r][c]
                cx, cy = x + r * (cw + 0.06), y + (n - 1 - c) * ch
                fc, text = ("white", "") if cell is None else (cell[1], cell[0])
                ax.add_patch(Rectangle((cx, cy), cw, ch, fc=fc, ec=INK if cell else "#bbbbbb", lw=0.7, zorder=3))
                if text:
                    label(ax, cx + cw / 2, cy + ch / 2, text, FS_SMALL)
            label(ax, x + r * (cw + 0.06) + cw / 2, y - 0.15, str(r), FS_SMALL)

    letters = "abcd"
    own = [[(f"{letters[r]}{c}", fills[r]) for c in range(n)] for r in range(n)]
    empty: list[list[tuple[str, str] | None]] = [[None] * n for _ in range(n)]
    ops = [
        (
            "scatter →\n← gather",
            [[*own[0]]] + [[None] * n for _ in range(n - 1)],
            [[own[0][c] if c == r else None for c in range(n)] for r in range(n)],
        ),
        (
            "all-gather",
            [[own[r][c] if c == r else None for c in range(n)] for r in range(n)],
            [[own[c][c] for c in range(n)] for _ in range(n)],
        ),
        ("reduce-\nscatter", own, [[(f"Σ{c}", SUM) if c == r else None for c in range(n)] for r in range(n)]),
        ("all-reduce", own, [[(f"Σ{c}", SUM) for c in range(n)] for _ in range(n)]),
    ]
    del empty
    row_h = n * ch + 0.45
    H = len(ops) * row_h + 0.95
    fig, ax = new_axes(WIDTH, H)
    gx0, gx1 = 1.15, 3.3
    label(ax, gx0 + 0.73, H - 0.2, "before", FS, weight="bold")
    label(ax, gx1 + 0.73, H - 0.2, "after", FS, weight="bold")
    for k, (name, before, after) in enumerate(ops):
        y = H - 0.45 - (k + 1) * row_h + 0.35
        label(ax, 0.05, y + n * ch / 2, name, FS, ha="left")
        grid(gx0, y, before)
        grid(gx1, y, after)
        arrow(ax, (gx0 + n * (cw + 0.06) + 0.1, y + n * ch / 2), (gx1 - 0.15, y + n * ch / 2))
    label(ax, 0.05, 0.42, "Columns are ranks 0–3; rank 0 holds a0–a3,", FS_SMALL, ha="left")
    label(ax, 0.05, 0.16, "rank 1 b0–b3, …; Σ1 = a1 + b1 + c1 + d1.", FS_SMALL, ha="left")
    save(fig, "cp-collectives.svg")


def disaggregated_serving() -> None:
    fig, ax = new_axes(WIDTH, 3.6)
    box(ax, 0.55, 2.3, 0.9, 0.6, "requests", GREY_FILL, FS_SMALL)
    box(ax, 2.2, 2.95, 1.8, 0.95, "prefill pool\ncompute-bound\nsets TTFT", BLUE, FS_SMALL)
    box(ax, 2.2, 1.35, 1.8, 0.95, "decode pool\nmemory-bound\nsets TPOT", GREEN, FS_SMALL)
    box(ax, 4.3, 1.35, 1.0, 0.6, "tokens", GREY_FILL, FS_SMALL)
    polyline(ax, [(1.0, 2.45), (1.15, 2.45), (1.15, 2.95), (1.3, 2.95)])
    arrow(ax, (2.2, 2.475), (2.2, 1.825), lw=2.6, color="#c92a2a")
    label(ax, 2.3, 2.15, "KV cache:\n" r"$2L\,n_{kv}d_{\mathrm{head}}b$ bytes/token", FS_SMALL, ha="left")
    arrow(ax, (3.1, 1.35), (3.8, 1.35))
    note = "Each pool has its own batch size, parallelism\nand GPU count; no prefill stalls decode."
    label(ax, WIDTH / 2, 0.45, note, FS_SMALL)
    save(fig, "cp-disaggregated-serving.svg")


if __name__ == "__main__":
    decoder_blocks()
    llm_agent()
    rlhf_vs_dpo()
    hpo_components()
    parallelism()
    fsdp_memory()
    pipeline_bubble()
    collectives()
    disaggregated_serving()
