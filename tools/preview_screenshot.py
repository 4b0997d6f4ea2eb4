"""The README's picture of ``ankigen preview``: ``python tools/preview_screenshot.py [OUT.png]`` starts the
preview of this repository's deck on a free port, opens it in Debian's Chromium (Playwright, no download) and
saves the page (default ``docs/preview.png``). ``tests/e2e/test_preview.py`` takes the same picture with
:func:`shoot` on the page it tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ANKIGEN_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
#: a card with formulas, a figure-free answer and a diagnostic-free source, shown on a phone in night mode
SEARCH = "SARIMA"


def shoot(page: Any, out: Path) -> None:
    """Filter to one section, show it at phone width in night mode, and save the whole window."""
    page.set_viewport_size(VIEWPORT)
    page.fill("#pv-search", "")
    deck = page.evaluate("agPreview.state.doc.decks.find(d => d.endsWith('::Classical'))")
    page.select_option("#pv-deck", deck)
    page.click("label:has(#pv-night)")
    page.click("label:has(#pv-phone)")
    page.click("label:has(#pv-back)")
    page.evaluate("document.getElementById('pv-frame').contentWindow.scrollTo(0, 0)")
    page.evaluate("agPreview.typesetAll()")
    page.screenshot(path=str(out))
    page.select_option("#pv-deck", "")
    page.click("label:has(#pv-day)")


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    out = Path(argv[0]) if argv else REPO / "docs" / "preview.png"
    env = {**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ankigen", "preview", "--port", "0", "--root", str(REPO)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url)
            page.wait_for_function("window.agPreview !== undefined")
            page.evaluate("agPreview.ready")
            shoot(page, out)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    sys.stdout.write(f"{out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
