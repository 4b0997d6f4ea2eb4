"""Block diagrams for the DL::Computer Vision cards (batch B4).

Writes into ``media/``:

- ``cv-two-vs-one-stage.svg``: a two-stage (Faster R-CNN) vs a one-stage (YOLO/SSD/RetinaNet) detector
- ``cv-rcnn-family.svg``: R-CNN, Fast R-CNN, Faster R-CNN and Mask R-CNN side by side
- ``cv-retinanet.svg``: RetinaNet's backbone, feature pyramid and subnets
- ``cv-3d-reconstruction.svg``: an RGB-D reconstruction pipeline

Run: ``python figures/b4_vision.py``. The output is byte-reproducible.
"""

from _style import save, setup
from b4_blocks import BLUE, GREEN, GREY, ORANGE, PURPLE, RED, YELLOW, arrow, box, canvas, label, path

setup({"mathtext.fontset": "dejavusans"})


def two_vs_one() -> None:
    W, H = 4.9, 5.0
    fig, ax = canvas(W, H)
    c = W / 2
    box(ax, c, 4.7, 1.4, 0.42, "image", GREY)
    arrow(ax, (c, 4.49), (c, 4.27))
    box(ax, c, 4.02, 2.6, 0.5, "backbone (+ FPN)\nfeature maps", BLUE)
    xl, xr = 1.2, 3.7
    path(ax, [(c - 0.6, 3.77), (c - 0.6, 3.5), (xl, 3.5), (xl, 3.3)])
    path(ax, [(c + 0.6, 3.77), (c + 0.6, 3.5), (xr, 3.5), (xr, 3.3)])
    label(ax, xl, 3.12, "two-stage", fs=12, fontweight="bold")
    label(ax, xr, 3.12, "one-stage", fs=12, fontweight="bold")
    bw = 2.1
    box(ax, xl, 2.55, bw, 0.62, "RPN: objectness +\nbox per anchor", ORANGE)
    box(ax, xl, 1.7, bw, 0.5, "top-N proposals\n→ RoIAlign / pool", YELLOW)
    box(ax, xl, 0.95, bw, 0.5, "per-RoI head:\nclass + box", GREEN)
    arrow(ax, (xl, 2.24), (xl, 1.95))
    arrow(ax, (xl, 1.45), (xl, 1.2))
    box(ax, xr, 1.75, bw, 1.6, "dense heads on\nevery anchor /\nlocation:\nclass + box", GREEN)
    arrow(ax, (xr, 2.95), (xr, 2.55))
    arrow(ax, (xl, 2.95), (xl, 2.86))
    box(ax, c, 0.25, 1.4, 0.4, "NMS → boxes", RED)
    path(ax, [(xl, 0.7), (xl, 0.25), (c - 0.7, 0.25)])
    path(ax, [(xr, 0.95), (xr, 0.25), (c + 0.7, 0.25)])
    save(fig, "cv-two-vs-one-stage.svg", facecolor="white")


def rcnn_family() -> None:
    W, H = 4.9, 5.6
    fig, ax = canvas(W, H)
    rows = [
        (
            "R-CNN (2014)",
            [
                ("selective\nsearch", YELLOW),
                ("warp each\nregion", GREY),
                ("CNN per\nregion", BLUE),
                ("SVMs +\nbox reg.", GREEN),
            ],
        ),
        (
            "Fast R-CNN (2015)",
            [
                ("CNN once\nper image", BLUE),
                ("selective\nsearch", YELLOW),
                ("RoI pool", PURPLE),
                ("FC: class\n+ box", GREEN),
            ],
        ),
        (
            "Faster R-CNN (2015)",
            [
                ("CNN once\nper image", BLUE),
                ("RPN on\nfeatures", ORANGE),
                ("RoI pool", PURPLE),
                ("FC: class\n+ box", GREEN),
            ],
        ),
        (
            "Mask R-CNN (2017)",
            [("CNN + FPN", BLUE), ("RPN", ORANGE), ("RoIAlign", PURPLE), ("class, box\n+ mask FCN", GREEN)],
        ),
    ]
    bw, gap = 1.06, 0.16
    y = H - 0.3
    for title, steps in rows:
        label(ax, 0.05, y, title, ha="left", fs=12, fontweight="bold")
        yb = y - 0.62
        for k, (text, fc) in enumerate(steps):
            x = 0.05 + bw / 2 + k * (bw + gap)
            box(ax, x, yb, bw, 0.64, text, fc, fs=11.5)
            if k:
                arrow(ax, (x - bw / 2 - gap, yb), (x - bw / 2, yb))
        y -= 1.36
    save(fig, "cv-rcnn-family.svg", facecolor="white")


def retinanet() -> None:
    W, H = 4.9, 4.3
    fig, ax = canvas(W, H)
    label(ax, 0.6, 4.05, "ResNet", fs=12, fontweight="bold")
    label(ax, 1.95, 4.05, "FPN", fs=12, fontweight="bold")
    label(ax, 3.85, 4.05, "subnets", fs=12, fontweight="bold")
    ys = [3.45, 2.75, 2.05]
    widths = [0.6, 0.8, 1.0]  # C5 is the coarsest map
    for k, (y, w) in enumerate(zip(ys, widths, strict=True)):
        box(ax, 0.6, y, w, 0.5, f"C{5 - k}", BLUE)
    for k in range(len(ys) - 1):
        arrow(ax, (0.6, ys[k + 1] + 0.25), (0.6, ys[k] - 0.25))
    box(ax, 0.6, 1.35, 1.0, 0.5, "image", GREY)
    arrow(ax, (0.6, 1.6), (0.6, ys[-1] - 0.25))
    # pyramid levels P3..P7
    py = [3.75, 3.3, 2.85, 2.4, 1.95]
    for k, y in enumerate(py):
        box(ax, 1.95, y, 0.75, 0.36, f"P{7 - k}", YELLOW, fs=11.5)
    for k in range(3):
        arrow(ax, (0.6 + widths[k] / 2, ys[k]), (1.57, py[k + 2]))
    arrow(ax, (0.9, ys[0] + 0.12), (1.57, py[1]))  # P6 from C5 (stride-2 conv)
    arrow(ax, (1.95, py[1] + 0.18), (1.95, py[0] - 0.18))  # P7 from P6
    for k in (2, 3):  # top-down pathway
        arrow(ax, (1.95, py[k] - 0.18), (1.95, py[k + 1] + 0.18), color="#1c4e80")
    # subnets for one level
    box(ax, 3.85, 3.2, 1.9, 0.62, "class: 4 × conv\n→ K·A per place", GREEN)
    box(ax, 3.85, 2.3, 1.9, 0.62, "box: 4 × conv\n→ 4·A per place", ORANGE)
    path(ax, [(2.33, 2.85), (2.6, 2.85), (2.6, 3.2), (2.9, 3.2)])
    path(ax, [(2.6, 2.85), (2.6, 2.3), (2.9, 2.3)])
    label(ax, 3.85, 1.6, "same subnets at\nevery level P3–P7", fs=11.5)
    label(ax, 2.45, 0.55, r"trained with focal loss $-\alpha_t(1-p_t)^{\gamma}\log p_t$", fs=11.5)
    label(ax, 2.45, 0.2, "K classes, A = 9 anchors", fs=11.5)
    save(fig, "cv-retinanet.svg", facecolor="white")


def reconstruction() -> None:
    W, H = 4.9, 5.6
    fig, ax = canvas(W, H)
    steps = [
        ("RGB + depth frames from all angles", GREY),
        ("calibrate; back-project depth:\n$X = d\\,K^{-1}(u, v, 1)^\\top$", YELLOW),
        ("camera poses: ICP or\nfeatures + RANSAC", BLUE),
        ("loop closure; pose graph /\nbundle adjustment", BLUE),
        ("fuse into a TSDF volume\n(weighted average per voxel)", ORANGE),
        ("marching cubes → mesh;\ntexture from the RGB frames", GREEN),
    ]
    y = H - 0.4
    for k, (text, fc) in enumerate(steps):
        box(ax, W / 2, y, 3.9, 0.66, text, fc)
        if k:
            arrow(ax, (W / 2, y + 0.6), (W / 2, y + 0.33))
        y -= 0.93
    save(fig, "cv-3d-reconstruction.svg", facecolor="white")


if __name__ == "__main__":
    two_vs_one()
    rcnn_family()
    retinanet()
    reconstruction()
