"""Render cards the way Anki shows them, in a real Chromium, and measure what a reader would miss.

The card HTML is the real backend's: the built ``.apkg`` is imported into a fresh collection with the ``anki``
package and each card's ``question()`` / ``answer()`` is used as is (it carries the note type's CSS in a
``<style>``). Around it stands what Anki's reviewer adds: the essentials of its reviewer stylesheet
(``ts/reviewer/reviewer.scss``: body margin, ``img {max-width: 100%; max-height: 95vh}``, the ``card cardN`` and
night-mode body classes) and MathJax 3.2.2's ``tex-chtml-full`` component with Anki's configuration
(``ts/mathjax/index.ts``), loaded from the local ``mathjax-full`` npm package. Like Anki's reviewer, one page per
mode is loaded once and each card replaces the content of ``#qa``, then ``MathJax.typesetPromise`` runs.

Modes: a phone (360 px viewport, AnkiDroid-like 4 px margins: a 352 px card column) and a desktop window
(1000 px, the reviewer's 20 px margins), each in day and night (``nightMode night_mode`` body classes, as
desktop/AnkiMobile and AnkiDroid set them).

Run as a script to save screenshots: ``python tests/browser_harness.py OUT_DIR [card-id ...]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("ANKIGEN_CHROMIUM", "/usr/bin/chromium"))
MATHJAX = REPO / "src" / "ankigen" / "vendor" / "mathjax"  # the very es5/tex-chtml-full.js Anki ships


@dataclass(frozen=True)
class Mode:
    name: str
    width: int
    height: int
    margin: int
    night: bool


MODES = (
    Mode("phone-day", 360, 740, 4, False),
    Mode("phone-night", 360, 740, 4, True),
    Mode("desktop-day", 1000, 800, 20, False),
    Mode("desktop-night", 1000, 800, 20, True),
)


@dataclass(frozen=True)
class Side:
    card_id: str
    side: str  # "front" or "back"
    ord: int
    html: str


# Anki's reviewer.scss, the rules that affect layout and colour of a card (not flags, buttons, type-in).
REVIEWER_CSS = """
hr { background-color: #c9c9c9; margin: 1em 0; border: none; height: 1px; }
body { margin: %dpx; overflow-wrap: break-word; }
body.nightMode { background-color: #2c2c2c; color: #fcfcfc; }
img { max-width: 100%%; max-height: 95vh; }
li { text-align: start; }
pre { text-align: left; }
.cloze { font-weight: bold; color: blue; }
.nightMode .cloze { color: lightblue; }
"""

# Anki's ts/mathjax/index.ts; only the path to MathJax differs.
MATHJAX_CONFIG = """
window.MathJax = {
  tex: {
    displayMath: [["\\\\[", "\\\\]"]],
    processEscapes: false,
    processEnvironments: false,
    processRefs: false,
    packages: { "[+]": ["noerrors", "mathtools"], "[-]": ["textmacros"] },
  },
  loader: { load: ["[tex]/noerrors", "[tex]/mathtools"], paths: { mathjax: %s } },
  startup: { typeset: false },
};
"""

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>%s</style>
<script>%s</script>
<script src="%s"></script>
</head><body class="card card1"><div id="qa"></div></body></html>
"""

# Shows one card side and returns what does not fit. Runs in the page.
SHOW_AND_MEASURE = r"""
async ([html, ord, night]) => {
  const qa = document.getElementById('qa');
  document.body.className = `card card${ord + 1}` + (night ? ' nightMode night_mode' : '');
  if (window.MathJax.typesetClear) MathJax.typesetClear([qa]);
  qa.innerHTML = html;
  for (const el of qa.querySelectorAll('.arithmatex')) el.dataset.tex = el.textContent.trim();
  await MathJax.startup.promise;
  await MathJax.typesetPromise([qa]);
  await Promise.all([...qa.querySelectorAll('img')].map(img => img.complete ? null :
    new Promise(ok => { img.onload = ok; img.onerror = ok; })));
  const out = [];
  const root = document.documentElement;
  const cue = (el) => {
    const style = getComputedStyle(el);
    return ['auto', 'scroll'].includes(style.overflowX) && style.backgroundImage.includes('gradient');
  };
  const snippet = (el) => (el.dataset && el.dataset.tex) || el.textContent.trim().replace(/\s+/g, ' ').slice(0, 60);
  if (root.scrollWidth > root.clientWidth)
    out.push({kind: 'page', what: 'the card', width: root.scrollWidth, room: root.clientWidth});
  for (const el of qa.querySelectorAll('div.arithmatex, table')) {
    if (el.scrollWidth > el.clientWidth + 1)
      out.push({kind: el.tagName === 'TABLE' ? 'table' : 'formula', what: snippet(el),
                width: el.scrollWidth, room: el.clientWidth, cue: cue(el)});
  }
  const column = qa.getBoundingClientRect();
  for (const el of qa.querySelectorAll('mjx-container:not([display="true"])')) {
    const r = el.getBoundingClientRect();
    const box = el.closest('p, ul, ol, table');
    if (r.width > column.width + 1)
      out.push({kind: 'inline formula', what: el.closest('.arithmatex')?.dataset.tex || '', width: Math.round(r.width),
                room: Math.round(column.width), cue: !!box && cue(box)});
  }
  for (const el of qa.querySelectorAll('pre')) {
    if (el.scrollWidth > el.clientWidth + 1 && !cue(el))
      out.push({kind: 'code', what: snippet(el), width: el.scrollWidth, room: el.clientWidth});
  }
  for (const el of qa.querySelectorAll('mjx-container')) {
    const error = el.querySelector('[data-mjx-error]');
    const undefined_ = [...el.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]')]
      .find(t => t.textContent.startsWith('\\'));
    if (error) out.push({kind: 'mathjax error', what: error.getAttribute('data-mjx-error')});
    else if (undefined_) out.push({kind: 'mathjax error', what: `undefined ${undefined_.textContent}`});
  }
  for (const el of qa.querySelectorAll('.arithmatex'))
    if (!el.querySelector('mjx-container')) out.push({kind: 'mathjax error', what: `not typeset: ${el.dataset.tex}`});
  for (const img of qa.querySelectorAll('img')) {
    if (!img.complete || img.naturalWidth === 0) {
      out.push({kind: 'image not loaded', what: img.getAttribute('src')});
      continue;
    }
    const box = img.parentElement.getBoundingClientRect();
    const r = img.getBoundingClientRect();
    const cap = parseFloat(getComputedStyle(img).maxWidth) || Infinity;
    const want = Math.min(box.width, isFinite(cap) && getComputedStyle(img).maxWidth.endsWith('px') ? cap : box.width);
    if (r.width < 0.95 * want)
      out.push({kind: 'figure shrunk', what: img.getAttribute('src'), width: Math.round(r.width),
                room: Math.round(want)});
  }
  return out;
}
"""

# The colours of the source line and of whatever lies behind it.
SOURCE_COLOURS = r"""
() => {
  const el = document.querySelector('.ag-source');
  if (!el) return null;
  let bg = el, colour = 'rgba(0, 0, 0, 0)';
  while (bg) {
    colour = getComputedStyle(bg).backgroundColor;
    if (!colour.endsWith(', 0)') && colour !== 'transparent') break;
    bg = bg.parentElement;
  }
  return [getComputedStyle(el).color, colour, parseFloat(getComputedStyle(el).fontSize)];
}
"""


def card_sides(apkg: Path, tmp: Path) -> tuple[list[Side], Path]:
    """Every card's front and back as the real Anki backend renders them, and the collection's media folder."""
    sys.path.insert(0, str(Path(__file__).parent))
    from anki_helpers import import_package, new_collection

    col = new_collection(tmp)
    try:
        import_package(col, apkg)
        sides = []
        for cid in sorted(col.find_cards("")):
            card = col.get_card(cid)
            ident = card.note()["Id"]
            sides.append(Side(ident, "front", card.ord, card.question()))
            sides.append(Side(ident, "back", card.ord, card.answer()))
        media = Path(col.media.dir())
    finally:
        col.close()
    return sides, media


def write_page(media: Path, mode: Mode) -> Path:
    page = media / f"_ankigen_{mode.name}.html"
    config = MATHJAX_CONFIG % json.dumps(MATHJAX.as_uri())
    page.write_text(PAGE % (REVIEWER_CSS % mode.margin, config, (MATHJAX / "tex-chtml-full.js").as_uri()), "utf-8")
    return page


def _luminance(css_colour: str) -> float:
    parts = [float(p) for p in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3]]
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


async def _run_mode(
    browser: Any, media: Path, mode: Mode, sides: Sequence[Side], shots: Path | None, only: set[str]
) -> list[dict[str, Any]]:
    page = await browser.new_page(viewport={"width": mode.width, "height": mode.height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(write_page(media, mode).as_uri())
    await page.wait_for_function("window.MathJax && MathJax.typesetPromise")
    out: list[dict[str, Any]] = []
    for side in sides:
        if only and side.card_id not in only:
            continue
        found = await page.evaluate(SHOW_AND_MEASURE, [side.html, side.ord, mode.night])
        if side.side == "back":
            colours = await page.evaluate(SOURCE_COLOURS)
            if colours is not None:
                ratio = contrast(colours[0], colours[1])
                if ratio < 4.5:
                    found.append({"kind": "source contrast", "what": f"{ratio:.2f}:1 at {colours[2]:.1f}px"})
        for problem in found:
            out.append({"card": side.card_id, "side": side.side, "mode": mode.name, **problem})
        if shots is not None:
            await page.screenshot(path=str(shots / f"{side.card_id}.{side.side}.{mode.name}.png"), full_page=True)
    out.extend({"card": "", "side": "", "mode": mode.name, "kind": "script error", "what": e} for e in errors)
    await page.close()
    return out


async def _render(
    media: Path, sides: Sequence[Side], modes: Sequence[Mode], shots: Path | None, only: set[str]
) -> list[dict[str, Any]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
        )
        try:
            parts = await asyncio.gather(*(_run_mode(browser, media, m, sides, shots, only) for m in modes))
        finally:
            await browser.close()
    return [p for part in parts for p in part]


async def _probe(media: Path, mode: Mode, sides: Sequence[Side], script: str) -> list[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = await browser.new_page(viewport={"width": mode.width, "height": mode.height})
            await page.goto(write_page(media, mode).as_uri())
            await page.wait_for_function("window.MathJax && MathJax.typesetPromise")
            out = []
            for side in sides:
                await page.evaluate(SHOW_AND_MEASURE, [side.html, side.ord, mode.night])
                out.append(await page.evaluate(script))
            return out
        finally:
            await browser.close()


def probe(media: Path, sides: Sequence[Side], script: str, mode: Mode = MODES[0]) -> list[Any]:
    """Show each side as :func:`render` does and return what ``script`` (a JavaScript function of no
    arguments, run in the page) gives for it."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    return asyncio.run(_probe(media, mode, sides, script))


def render(
    media: Path,
    sides: Sequence[Side],
    modes: Sequence[Mode] = MODES,
    shots: Path | None = None,
    only: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Show every side in every mode; the problems found (empty when every card fits)."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    return asyncio.run(_render(media, sides, modes, shots, set(only)))


def describe(problem: dict[str, Any]) -> str:
    size = f" {problem['width']} px in {problem['room']} px" if "width" in problem else ""
    return f"{problem['card']} {problem['side']} [{problem['mode']}] {problem['kind']}{size}: {problem['what']}"


def main(argv: Sequence[str]) -> int:
    import tempfile

    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    apkg = Path(os.environ.get("ANKIGEN_APKG", REPO / "dist" / "ml-interview.apkg"))
    with tempfile.TemporaryDirectory() as tmp:
        sides, media = card_sides(apkg, Path(tmp))
        problems = render(media, sides, shots=out if argv[1:] else None, only=argv[1:])
        shutil.rmtree(media, ignore_errors=True)
    lines = [describe(p) for p in problems]
    lines.append(f"{len(problems)} problems in {len(sides)} sides x {len(MODES)} modes")
    sys.stdout.write("\n".join(lines) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
