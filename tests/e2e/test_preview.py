"""``ankigen preview`` in a real Chromium (Debian's, driven by Playwright; no browser download): the server is
started as a user starts it, on a free port, over a copy of the flagship deck, and the page is used as an author
uses it. Every request the page makes is recorded: none may go to another host than the preview server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import browser_harness as bh
from ankigen.config import load_config
from ankigen.pipeline import Options, preview, select
from ankigen.preview.page import entries

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
EDITED = "cards/classical/arima.md"
EDITED_ID = "arima-model-family"
QUESTION = "Write down the model for an AR, MA, ARMA, ARIMA, SARIMA model"


def _requirements() -> None:
    if not bh.CHROMIUM.exists():
        pytest.fail(f"{bh.CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    pytest.importorskip("playwright", reason="pip install -e '.[test]' installs playwright")


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ANKIGEN_DATA_DIR": str(tmp / "data"),
        "NO_COLOR": "1",
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _requirements()
    root = tmp_path_factory.mktemp("preview") / "flagship"
    for name in ("cards", "media"):
        shutil.copytree(REPO / name, root / name)
    for name in ("pyproject.toml", "ankigen.lock"):
        shutil.copy(REPO / name, root / name)
    return root


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ankigen", "preview", "--port", "0", "--root", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(project.parent),
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), (url, proc.stderr.read() if proc.poll() is not None else "")
    yield url
    proc.terminate()
    assert proc.wait(10) == 0  # SIGTERM stops it cleanly, with no traceback
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(bh.CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Recorder:
    def __init__(self) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []

    def attach(self, page: Any) -> Any:
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def page(browser: Any, server: str, recorder: Recorder) -> Iterator[Any]:
    p = recorder.attach(browser.new_page(viewport={"width": 1400, "height": 900}))
    p.goto(server)
    p.wait_for_function("window.agPreview !== undefined")
    p.evaluate("agPreview.ready")
    yield p
    p.close()


def _expected(project: Path) -> list[Any]:
    config, _ = load_config(project, {})
    result = preview(config, Options(mathjax=False))
    return entries(result.cards, result.notes)


def _frame(page: Any) -> Any:
    return page.frame_locator("#pv-frame")


def _choose(page: Any, radio: str) -> None:
    """Click the toggle as a user does (its label: the radio button itself is hidden)."""
    page.click(f"label:has({radio})")
    assert page.is_checked(radio)


def _shown(page: Any) -> list[str]:
    return list(page.evaluate("agPreview.report().shown"))


def test_preview_every_flagship_card_is_there_and_typesets(page: Any, project: Path, recorder: Recorder) -> None:
    expected = _expected(project)
    assert len(expected) >= 290
    report = page.evaluate("agPreview.typesetAll()")
    assert report["cards"] == len(expected)
    assert report["shown"] == [e.key for e in expected]  # every card, in the build's order
    assert report["typeset"] == len(expected)
    assert report["formulas"] > 2500
    assert report["mathErrors"] == {}, list(report["mathErrors"].items())[:5]
    # what a card shows is what fill made of the note (MathJax has only replaced the formulas)
    card = _frame(page).locator(f"#card-{EDITED_ID} .card")
    assert card.locator(".ag-question").inner_text().strip() == QUESTION
    assert card.locator("mjx-container").count() > 10
    assert "cards/classical/arima.md:7" in _frame(page).locator(f"#card-{EDITED_ID} .pv-label").inner_text()
    assert recorder.errors == []


def test_preview_day_night_width_and_side_change_the_rendering(page: Any) -> None:
    frame = _frame(page)
    card = frame.locator(f"#card-{EDITED_ID} .card")
    day = card.evaluate("el => getComputedStyle(el).backgroundColor")
    _choose(page, "#pv-night")
    assert frame.locator("body").evaluate("b => b.className").split() == ["pv-frame", "nightMode", "night_mode"]
    night = card.evaluate("el => getComputedStyle(el).backgroundColor")
    assert (day, night) == ("rgb(255, 255, 255)", "rgb(30, 30, 30)")  # the note type's own night colours
    _choose(page, "#pv-day")
    assert card.evaluate("el => getComputedStyle(el).backgroundColor") == day

    phone = card.evaluate("el => el.getBoundingClientRect().width")
    height = card.evaluate("el => el.getBoundingClientRect().height")
    _choose(page, "#pv-desktop")
    page.wait_for_function("document.getElementById('pv-frame').getBoundingClientRect().width > 900")
    desktop = card.evaluate("el => el.getBoundingClientRect().width")
    assert phone < 362 < 700 < desktop, (phone, desktop)
    assert card.evaluate("el => el.getBoundingClientRect().height") < height  # fewer lines wrap
    _choose(page, "#pv-phone")

    assert card.locator("hr#answer").count() == 1
    _choose(page, "#pv-front")
    assert card.locator("hr#answer").count() == 0
    assert card.locator(".ag-source").count() == 0
    frame.locator(f"#card-{EDITED_ID} .pv-flip").click()  # one card turned over
    assert card.locator("hr#answer").count() == 1
    _choose(page, "#pv-back")


@pytest.mark.parametrize(
    ("tag", "exclude"),
    [
        ("DL/Diffusion", ""),
        ("dl::diffusion", ""),
        ("Classical", "Classical/General-Statistics"),
        ("", "DL"),
        ("ML-Engineer-Questions, time-sensitive", "DL"),
    ],
)
def test_preview_tag_filter_selects_what_tag_selects(page: Any, project: Path, tag: str, exclude: str) -> None:
    config, _ = load_config(project, {})
    result = preview(config, Options(mathjax=False))
    tags = [t.strip() for t in tag.split(",") if t.strip()]
    chosen, problems = select(result.cards, tags, [exclude] if exclude else [])
    assert not problems
    want = {c.id for c in chosen}
    page.fill("#pv-tag", tag)
    page.fill("#pv-exclude", exclude)
    shown = {k.split(".c")[0] for k in _shown(page)}
    page.fill("#pv-tag", "")
    page.fill("#pv-exclude", "")
    assert shown == want
    assert 0 < len(want) < len(result.cards)


def test_preview_unknown_tag_says_so(page: Any) -> None:
    page.fill("#pv-tag", "DL/Difusion")
    assert _shown(page) == []
    assert "no card has the tag 'DL/Difusion'" in page.inner_text("#pv-tag-note")
    page.fill("#pv-tag", "")
    assert len(_shown(page)) >= 290


def test_preview_search_and_deck_filter(page: Any) -> None:
    page.fill("#pv-search", "SARIMA lag")
    assert _shown(page) == [EDITED_ID]
    page.fill("#pv-search", "")
    deck = page.evaluate("agPreview.state.doc.decks.find(d => d.endsWith('::ARIMA'))")
    page.select_option("#pv-deck", deck)
    shown = _shown(page)
    assert EDITED_ID in shown and all(page.evaluate(f"agPreview.state.cards.get({k!r}).deck") == deck for k in shown)
    page.select_option("#pv-deck", "")


def _edit(project: Path, old: str, new: str) -> str:
    path = project / EDITED
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def test_preview_edit_updates_the_card_within_two_seconds(page: Any, project: Path) -> None:
    page.evaluate(f"agPreview.jump({EDITED_ID!r})")
    generation = page.evaluate("agPreview.state.generation")
    start = time.monotonic()
    _edit(project, QUESTION, QUESTION + " with $\\Delta^2 y_t$")
    question = _frame(page).locator(f"#card-{EDITED_ID} .card .ag-question")
    question.locator("mjx-container").wait_for(timeout=4000)  # the new text, its formula typeset
    elapsed = time.monotonic() - start
    assert question.inner_text().startswith(QUESTION + " with")
    assert elapsed < 2.0, f"the page showed the edit after {elapsed:.2f} s"
    assert page.evaluate("agPreview.state.generation") == generation + 1
    status = page.evaluate("agPreview.state.doc.status")
    assert status["compiled"] == 1  # through the cache: only the edited file was compiled again
    assert page.evaluate("agPreview.lastChanged") == [EDITED_ID]  # and only its card was drawn again


def test_preview_broken_edit_shows_its_diagnostic_and_keeps_the_last_good_card(page: Any, project: Path) -> None:
    generation = page.evaluate("agPreview.state.generation")
    card = _frame(page).locator(f"#card-{EDITED_ID}")
    before = card.get_attribute("data-hash")
    good = _edit(project, "iid, and lag", "iid, and \\(\\frac{1}{2\\) lag")
    page.wait_for_function(f"agPreview.state.generation > {generation}", timeout=4000)
    diag = page.locator(f'#pv-diags a[data-card="{EDITED_ID}"][data-severity="error"]').first
    assert diag.inner_text().startswith(f"{EDITED}:")
    assert " E30" in diag.inner_text()  # the unbalanced brace, as `ankigen check` reports it
    assert page.inner_text("#pv-status").count("1 errors") == 1
    assert EDITED in page.inner_text("#pv-banner")
    assert card.locator('.pv-badge[data-severity="stale"]').count() == 1  # the last good version stays
    assert card.get_attribute("data-hash") == before + "s"
    page.evaluate("window.scrollTo(0, 0)")
    diag.click()
    assert card.evaluate("el => el.classList.contains('pv-target')")
    (project / EDITED).write_text(good, encoding="utf-8")
    page.wait_for_function(f"agPreview.state.generation > {generation + 1}", timeout=4000)
    page.wait_for_function("agPreview.state.doc.errors === 0", timeout=4000)
    assert card.locator('.pv-badge[data-severity="stale"]').count() == 0


def test_preview_requests_only_the_preview_server(page: Any, server: str, recorder: Recorder) -> None:
    assert recorder.urls, "no request was recorded"
    host = urlsplit(server).netloc
    foreign = [u for u in recorder.urls if not u.startswith(("data:", "about:")) and urlsplit(u).netloc != host]
    assert foreign == []
    assert any("/mathjax/tex-chtml-full.js" in u for u in recorder.urls)
    assert any("/media/" in u for u in recorder.urls)


def test_preview_export_opens_from_file_with_every_card(browser: Any, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "ankigen", "preview", "--export", str(out), "--root", str(project)],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == out / "index.html"
    recorder = Recorder()
    page = recorder.attach(browser.new_page(viewport={"width": 1200, "height": 900}))
    try:
        page.goto((out / "index.html").as_uri())
        page.wait_for_function("window.agPreview !== undefined")
        page.evaluate("agPreview.ready")
        report = page.evaluate("agPreview.typesetAll()")
        expected = _expected(project)
        assert report["shown"] == [e.key for e in expected]
        assert report["typeset"] == len(expected) and report["mathErrors"] == {}
        assert report["formulas"] > 2500
        images = _frame(page).locator(".card img")
        assert images.count() > 20
        assert images.evaluate_all("imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0).length") == 0
    finally:
        page.close()
    assert recorder.errors == []
    assert all(u.startswith(("file://", "data:", "about:")) for u in recorder.urls), recorder.urls[:5]


def test_preview_screenshot_for_the_readme(page: Any, tmp_path: Path) -> None:
    """The README's picture is what tools/preview_screenshot.py takes; taking it here proves the script works."""
    import struct

    sys.path.insert(0, str(REPO / "tools"))
    from preview_screenshot import VIEWPORT, shoot

    out = tmp_path / "preview.png"
    shoot(page, out)
    page.set_viewport_size({"width": 1400, "height": 900})
    committed = REPO / "docs" / "preview.png"
    for png in (out, committed):
        head = png.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", head[16:24]) == (VIEWPORT["width"], VIEWPORT["height"])
    assert out.stat().st_size > 50_000  # a page of typeset cards, not a blank window
