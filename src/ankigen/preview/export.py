"""``ankigen preview --export DIR``: the preview page as static files (the page, its data as a script, the
vendored MathJax and the media), browsable from ``file://`` or any static host such as GitHub Pages.

The folder is written next to its target and swapped in at the end, so a failed export leaves the old one as it
was; a folder that holds anything but an earlier export is never touched (``E601``)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ankigen.mathjax import BUNDLE
from ankigen.model import MediaFile
from ankigen.preview.page import FONTS, FONTS_URL, asset, data_script, index_html

#: the file that marks a folder as an export of ours (and so safe to replace)
MARKER = ".ankigen-preview"


def export_problem(target: Path) -> str | None:
    """Why ``target`` cannot receive an export, or None."""
    if target.exists() and not target.is_dir():
        return "it is a file, not a folder"
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        return f"it is not empty and is not an earlier export (no {MARKER} file); choose a new folder"
    return None


def files(doc: Mapping[str, Any], media: Sequence[MediaFile]) -> dict[str, bytes]:
    """Every file of the site, by its path inside the folder."""
    out = {
        "index.html": index_html(str(doc.get("deck", "")), live=False),
        "cards.js": data_script(doc),
        "assets/preview.js": asset("preview.js"),
        "assets/preview.css": asset("preview.css"),
        "mathjax/tex-chtml-full.js": BUNDLE.read_bytes(),
        "mathjax/LICENSE": (BUNDLE.parent / "LICENSE").read_bytes(),
        MARKER: b"Written by ankigen preview --export; the whole folder is replaced by the next export.\n",
    }
    for font in sorted(FONTS.glob("*.woff")):
        out[FONTS_URL.lstrip("/") + font.name] = font.read_bytes()
    for m in media:
        out[f"media/{m.name}"] = m.data
    return out


def write(target: Path, site: Mapping[str, bytes]) -> None:
    """Write the site into a fresh folder beside ``target``, then put it in ``target``'s place."""
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for rel, data in site.items():
            path = fresh / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.chmod(fresh, 0o755)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "site")
        try:
            os.replace(fresh, target)
        except OSError:
            if old is not None:  # put the earlier export back
                os.replace(old / "site", target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
