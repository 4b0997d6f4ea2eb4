"""Block diagrams for the DL::Diffusion cards (batch B4).

Writes into ``media/``:

- ``diff-sd-unet.svg``: the Stable Diffusion 1.x denoising U-Net
- ``diff-ldm.svg``: the latent diffusion model pipeline (Rombach et al. 2022)

Run: ``python figures/b4_diffusion_diagrams.py``. The output is byte-reproducible.
"""

from _style import save, setup
from b4_blocks import BLUE, GREEN, GREY, ORANGE, PURPLE, YELLOW, arrow, box, canvas, label, path

setup({"mathtext.fontset": "dejavusans"})


def sd_unet() -> None:
    W, H = 4.9, 6.3
    fig, ax = canvas(W, H)
    xl, xr, bw = 1.0, 3.9, 1.85
    # input / output
    box(ax, xl, 5.98, bw, 0.44, "latent $z_t$  4×64×64", GREY)
    box(ax, xr, 5.98, bw, 0.44, r"$\hat\epsilon$  4×64×64", GREY)
    box(ax, xl, 5.3, bw, 0.4, "conv_in 4→320", YELLOW)
    box(ax, xr, 5.3, bw, 0.4, "conv_out 320→4", YELLOW)
    arrow(ax, (xl, 5.76), (xl, 5.5))
    arrow(ax, (xr, 5.5), (xr, 5.76))
    levels = [
        (4.45, "64²", "320", True),
        (3.55, "32²", "640", True),
        (2.65, "16²", "1280", True),
        (1.75, "8²", "1280", False),
    ]
    prev_l, prev_r = 5.1, 5.1
    for i, (y, res, ch, attn) in enumerate(levels):
        fc = PURPLE if attn else GREEN
        enc = "2 × (Res + ST)" if attn else "2 × Res"
        dec = "3 × (Res + ST)" if attn else "3 × Res"
        box(ax, xl, y, bw, 0.56, f"{enc}\n{res}, {ch} ch", fc)
        box(ax, xr, y, bw, 0.56, f"{dec}\n{res}, {ch} ch", fc)
        arrow(ax, (xl, prev_l), (xl, y + 0.28))
        arrow(ax, (xr, y + 0.28), (xr, prev_r))
        if i:
            label(ax, xl - 0.12, (prev_l + y + 0.28) / 2, "↓2", ha="right", fs=12)
            label(ax, xr + 0.12, (prev_r + y + 0.28) / 2, "↑2", ha="left", fs=12)
        prev_l = prev_r = y - 0.28
        # skip connection: concatenated into the decoder
        arrow(ax, (xl + bw / 2, y), (xr - bw / 2, y), color="#1c4e80", lw=1.4)
    label(ax, (xl + xr) / 2, 4.45 + 0.13, "concat", fs=11.5, color="#1c4e80")
    # middle block
    ym = 0.95
    box(ax, W / 2, ym, 2.9, 0.44, "mid: Res → ST → Res, 8²", ORANGE)
    path(ax, [(xl, prev_l), (xl, ym), (W / 2 - 1.45, ym)])
    path(ax, [(W / 2 + 1.45, ym), (xr, ym), (xr, prev_r)])
    # conditioning legend
    label(ax, 0.05, 0.42, "Res: ResBlock + time embedding of $t$", ha="left", fs=12)
    label(ax, 0.05, 0.12, "ST: self-attn, cross-attn to CLIP text (77×768), FF", ha="left", fs=12)
    fig.patch.set_facecolor("white")
    save(fig, "diff-sd-unet.svg", facecolor="white")


def ldm() -> None:
    W, H = 4.9, 5.2
    fig, ax = canvas(W, H)
    # regions
    box(ax, 1.95, 4.6, 3.8, 1.1, "", "#f8f9fa", lw=1.0, ls="--", z=1)
    label(ax, 0.12, 4.62, "pixel\nspace", ha="left", fs=12, style="italic")
    box(ax, 1.95, 2.35, 3.8, 3.2, "", "#f8f9fa", lw=1.0, ls="--", z=1)
    label(ax, 0.12, 0.9, "latent\nspace", ha="left", fs=12, style="italic", va="bottom")
    xl, xr = 1.35, 2.95
    # pixel space
    box(ax, xl, 4.62, 1.2, 0.5, "image $x$", GREY)
    box(ax, xr, 4.62, 1.2, 0.5, r"image $\tilde x$", GREY)
    box(ax, xl, 3.9, 0.7, 0.4, r"$\mathcal{E}$", BLUE)
    box(ax, xr, 3.9, 0.7, 0.4, r"$\mathcal{D}$", BLUE)
    arrow(ax, (xl, 4.37), (xl, 4.1))
    arrow(ax, (xr, 4.1), (xr, 4.37))
    # latent space
    box(ax, xl, 3.2, 1.2, 0.44, "$z$  (÷8)", GREY)
    arrow(ax, (xl, 3.7), (xl, 3.42))
    box(ax, xl, 2.25, 1.2, 0.8, "diffusion\nprocess\n(add noise)", YELLOW)
    arrow(ax, (xl, 2.98), (xl, 2.65))
    box(ax, xl, 1.2, 1.2, 0.44, "$z_T$", GREY)
    arrow(ax, (xl, 1.85), (xl, 1.42))
    box(ax, xr, 2.0, 1.5, 1.4, "denoising\nU-Net $\\epsilon_\\theta$\n\n× T steps", ORANGE)
    path(ax, [(xl + 0.6, 1.2), (xr - 0.35, 1.2), (xr - 0.35, 1.3)])
    box(ax, xr, 3.2, 1.2, 0.44, "$z_0$", GREY)
    arrow(ax, (xr, 2.7), (xr, 2.98))
    arrow(ax, (xr, 3.42), (xr, 3.7))
    # conditioning
    label(ax, 4.4, 4.3, "condition $y$", fs=12)
    box(ax, 4.4, 3.35, 0.9, 1.5, "text\n\nlayout\n\nimage", PURPLE)
    box(ax, 4.4, 2.0, 0.8, 0.45, r"$\tau_\theta$", BLUE)
    arrow(ax, (4.4, 2.6), (4.4, 2.22))
    path(ax, [(4.4, 1.78), (4.4, 0.95), (xr + 0.35, 0.95), (xr + 0.35, 1.3)])
    label(ax, 4.3, 0.55, "cross-attention\n$K, V$", fs=11.5)
    label(ax, 2.3, 0.3, r"loss $\|\epsilon-\epsilon_\theta(z_t,t,\tau_\theta(y))\|^2$", fs=11.5)
    save(fig, "diff-ldm.svg", facecolor="white")


if __name__ == "__main__":
    sd_unet()
    ldm()
