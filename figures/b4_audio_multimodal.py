"""Block diagrams for the DL::Audio and DL::Multimodal cards (batch B4).

Writes into ``media/``:

- ``audio-architectures.svg``: a codec language model (AudioLM/MusicGen style) and a latent diffusion
  model (AudioLDM/Stable Audio style)
- ``mm-next-gpt.svg``: NExT-GPT's encoders, projections, LLM and diffusion decoders

Run: ``python figures/b4_audio_multimodal.py``. The output is byte-reproducible.
"""

from _style import save, setup
from b4_blocks import BLUE, GREEN, GREY, ORANGE, PURPLE, YELLOW, arrow, box, canvas, label, path

setup({"mathtext.fontset": "dejavusans"})


def audio() -> None:
    W, H = 4.9, 5.6
    fig, ax = canvas(W, H)
    # (a) codec language model
    label(ax, 0.05, 5.38, "codec language model (MusicGen)", ha="left", fs=12, fontweight="bold")
    box(ax, 0.75, 4.75, 1.2, 0.5, "audio", GREY)
    box(ax, 2.35, 4.75, 1.5, 0.5, "codec encoder\n+ RVQ", BLUE)
    box(ax, 4.05, 4.75, 1.5, 0.5, "tokens\n$K$ codebooks", YELLOW, fs=11.5)
    arrow(ax, (1.35, 4.75), (1.6, 4.75))
    arrow(ax, (3.1, 4.75), (3.3, 4.75))
    box(ax, 4.05, 3.75, 1.5, 0.62, "transformer\ndecoder (AR)", ORANGE)
    arrow(ax, (4.05, 4.5), (4.05, 4.06))
    box(ax, 0.75, 3.75, 1.2, 0.5, "text → T5", PURPLE)
    path(ax, [(1.35, 3.75), (3.3, 3.75)])
    label(ax, 2.3, 3.92, "cross-attention", fs=11.5)
    box(ax, 2.35, 2.9, 1.5, 0.5, "codec decoder", BLUE)
    box(ax, 0.75, 2.9, 1.2, 0.5, "audio", GREEN)
    path(ax, [(4.05, 3.44), (4.05, 2.9), (3.1, 2.9)])
    arrow(ax, (1.6, 2.9), (1.35, 2.9))
    label(ax, 3.55, 3.1, "tokens", fs=11.5)
    ax.plot([0.05, 4.85], [2.4, 2.4], color="#adb5bd", lw=1)
    # (b) latent diffusion
    label(ax, 0.05, 2.15, "latent diffusion (AudioLDM)", ha="left", fs=12, fontweight="bold")
    box(ax, 0.75, 1.5, 1.2, 0.5, "text → CLAP", PURPLE)
    box(ax, 2.5, 1.5, 1.7, 0.62, "denoiser (U-Net\nor DiT) × T", ORANGE)
    box(ax, 4.25, 1.5, 1.1, 0.5, "noise", GREY)
    arrow(ax, (1.35, 1.5), (1.65, 1.5))
    arrow(ax, (3.7, 1.5), (3.35, 1.5))
    box(ax, 2.5, 0.45, 1.7, 0.5, "VAE decoder\n→ mel", BLUE)
    arrow(ax, (2.5, 1.19), (2.5, 0.7))
    box(ax, 4.25, 0.45, 1.1, 0.5, "vocoder\n→ audio", GREEN, fs=11.5)
    arrow(ax, (3.35, 0.45), (3.7, 0.45))
    label(ax, 0.75, 0.45, "latent of a\nmel VAE", fs=11.5)
    save(fig, "audio-architectures.svg", facecolor="white")


def next_gpt() -> None:
    W, H = 4.9, 5.4
    fig, ax = canvas(W, H)
    mods = ["image", "audio", "video"]
    decoders = ["Stable\nDiffusion", "AudioLDM", "Zeroscope"]
    ys = [4.75, 4.05, 3.35]
    label(ax, 0.55, 5.25, "inputs", fs=11.5)
    label(ax, 4.3, 5.25, "outputs", fs=11.5)
    for y, m, dec in zip(ys, mods, decoders, strict=True):
        box(ax, 0.55, y, 0.95, 0.46, m, GREY, fs=11.5)
        box(ax, 4.3, y, 1.1, 0.56, dec, GREEN, fs=11.5)
    box(ax, 1.75, 4.05, 0.95, 1.86, "Image-\nBind\n(frozen)", BLUE, fs=11.5)
    for y in ys:
        arrow(ax, (1.03, y), (1.27, y))
    box(ax, 1.75, 2.55, 1.15, 0.5, "input proj.", YELLOW, fs=11.5)
    arrow(ax, (1.75, 3.12), (1.75, 2.8))
    box(ax, W / 2, 1.45, 3.4, 0.75, "LLM (Vicuna-7B, LoRA)\ntext + signal tokens [IMG] [AUD] [VID]", ORANGE, fs=11.5)
    arrow(ax, (1.75, 2.3), (1.75, 1.83))
    box(ax, 0.8, 0.35, 1.3, 0.45, "text in / out", GREY, fs=11.5)
    arrow(ax, (0.8, 0.58), (0.8, 1.07))
    box(ax, 3.3, 2.55, 1.25, 0.5, "output proj.", YELLOW, fs=11.5)
    arrow(ax, (3.3, 1.83), (3.3, 2.3))
    for y in ys:
        path(ax, [(3.3, 2.8), (3.3, y), (3.75, y)])
    label(ax, 3.4, 0.35, "trained: projections (~1%) + LoRA", fs=11.5)
    save(fig, "mm-next-gpt.svg", facecolor="white")


if __name__ == "__main__":
    audio()
    next_gpt()
