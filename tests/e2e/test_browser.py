"""Every flagship card, front and back, in a real Chromium exactly as Anki shows it, on a phone and a desktop,
day and night (see tests/browser_harness.py for how the reviewer is reproduced).

Needs Debian's ``chromium`` (``.ci/run`` installs it), the ``playwright`` Python package (no browser download)
and ``npm ci`` (MathJax 3.2.2).
"""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import browser_harness as bh
from ankigen.config import Config, load_config
from ankigen.pipeline import Options, build, check

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]

# problems the note type's CSS must rule out whatever the content
ALWAYS = {"page", "mathjax error", "image not loaded", "figure shrunk", "source contrast", "code", "script error"}
# a box wider than the column: the note type makes it scroll inside the card with an edge shadow (the harness
# test checks the cue), and the width lint (W310-W313) asks the author to make it fit, as the flagship does
TOO_WIDE = {"formula", "table", "inline formula"}


def _requirements() -> None:
    if not bh.CHROMIUM.exists():
        pytest.fail(f"{bh.CHROMIUM} is missing: apt-get install chromium chromium-driver (.ci/run does)")
    if not (bh.MATHJAX / "tex-chtml-full.js").is_file():
        pytest.fail("the vendored MathJax bundle is missing from src/ankigen/vendor/mathjax")
    pytest.importorskip("playwright", reason="pip install -e '.[test]' installs playwright")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Config:
    _requirements()
    tmp = tmp_path_factory.mktemp("browser")
    root = tmp / "flagship"
    for name in ("cards", "media"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    config, problems = load_config(root, {})
    assert problems == ()
    return config


@pytest.fixture(scope="module")
def flagship(project: Config) -> tuple[list[bh.Side], Path]:
    result = build(project, 1_700_000_000, Options(mathjax=False), use_lock=False)
    assert result.output is not None, [d.concise() for d in result.diagnostics]
    return bh.card_sides(result.output, project.root.parent)


@pytest.fixture(scope="module")
def rendered(flagship: tuple[list[bh.Side], Path]) -> tuple[list[dict[str, Any]], float]:
    """Every problem the browser finds in all four modes, and how long rendering took."""
    sides, media = flagship
    start = time.monotonic()
    problems = bh.render(media, sides)
    return problems, time.monotonic() - start


def test_browser_every_flagship_card_shows_everything_in_all_four_modes(
    flagship: tuple[list[bh.Side], Path], rendered: tuple[list[dict[str, Any]], float]
) -> None:
    sides, _media = flagship
    assert len(sides) >= 2 * 200
    problems, elapsed = rendered
    unknown = [p for p in problems if p["kind"] not in ALWAYS | TOO_WIDE]
    assert not unknown, unknown
    hard = [bh.describe(p) for p in problems if p["kind"] in ALWAYS]
    assert not hard, "\n".join(hard[:40])
    # the flagship fits a phone: not one formula, inline formula or table wider than its column, in any mode
    # (a box that would be too wide must still scroll with a visible cue: the harness test below shows it does)
    too_wide = [bh.describe(p) for p in problems if p["kind"] in TOO_WIDE]
    assert not too_wide, "wider than the column:\n" + "\n".join(too_wide[:40])
    assert elapsed < 120, f"rendering took {elapsed:.0f} s"


def test_browser_harness_catches_what_a_reader_would_miss(flagship: tuple[list[bh.Side], Path]) -> None:
    sides, media = flagship
    style = sides[1].html[: sides[1].html.index("</style>") + 8]
    bad = [
        bh.Side("wide-block", "back", 0, style + '<div style="width: 900px">too wide</div>'),
        bh.Side("lost-image", "back", 0, style + '<img src="no-such-figure.svg" alt="x">'),
        bh.Side(
            "bad-math",
            "back",
            0,
            style + r'<div class="arithmatex">\[x^1^2\]</div><p><span class="arithmatex">\(\nosuchmacro\)</span></p>',
        ),
        bh.Side("squeezed", "back", 0, '<img src="' + next(media.glob("*.svg")).name + '" style="width:10px">'),
        bh.Side("wide-math", "back", 0, style + '<div class="arithmatex">\\[' + "x+" * 200 + "x\\]</div>"),
    ]
    problems = bh.render(media, bad, modes=bh.MODES[:1])
    kinds = {(p["card"], p["kind"]) for p in problems}
    assert ("wide-block", "page") in kinds
    assert ("lost-image", "image not loaded") in kinds
    assert [p["what"].split()[0] for p in problems if p["card"] == "bad-math"] == ["Double", "undefined"]
    assert ("squeezed", "figure shrunk") in kinds
    assert [p["cue"] for p in problems if p["card"] == "wide-math"] == [True]


# what the browser finds too wide, and the width lint's code for it
LINT_CODE = {"formula": "W310", "inline formula": "W311", "table": "W313"}


def test_width_lint_warns_every_box_the_browser_finds_too_wide_on_a_phone(
    project: Config, rendered: tuple[list[dict[str, Any]], float]
) -> None:
    """Calibration: at 360 px, every formula, inline formula and table wider than the column in Chromium has its
    warning from ``ankigen check`` on the same card; and every warning the browser does not confirm is a close
    call (the lint's column, 352 px less the padding, is a little narrower than this phone's)."""
    problems, _elapsed = rendered
    wide = {(p["card"], p["kind"], p["what"]) for p in problems if p["mode"] == "phone-day" and p["kind"] in LINT_CODE}
    seen = Counter((card, LINT_CODE[kind]) for card, kind, _what in wide)
    result = check(project, Options(use_cache=False, mathjax_mode="require"))
    starts = sorted((c.span.path, c.span.line, c.id) for c in result.cards)

    def card_of(path: str, line: int) -> str:
        return max((s for s in starts if s[0] == path and s[1] <= line), key=lambda s: s[1])[2]

    warned: Counter[tuple[str, str]] = Counter()
    sizes: dict[tuple[str, str], list[int]] = {}
    for d in result.diagnostics:
        if d.code in {"W310", "W311", "W313"}:
            key = (card_of(d.span.path, d.span.line), d.code)
            warned[key] += 1
            sizes.setdefault(key, []).append(int(re.search(r"measured (\d+) px", d.message).group(1)))  # type: ignore[union-attr]
    missed = sorted(
        f"{card} {code}: browser {n}, lint {warned[card, code]}"
        for (card, code), n in seen.items()
        if warned[card, code] < n
    )
    assert not missed, "too wide in the browser, not warned:\n" + "\n".join(missed)
    rooms = [p["room"] for p in problems if p["mode"] == "phone-day" and p["kind"] in LINT_CODE]
    phone_room = max(rooms, default=330)  # nothing too wide: the lint's own column (352 px less the padding)
    unconfirmed = [
        f"{card} {code}: {sorted(sizes[card, code])} px"
        for (card, code), n in warned.items()
        if n > seen[card, code] and min(sizes[card, code]) > phone_room * 1.03
    ]
    assert not unconfirmed, f"warned but fits the browser's {phone_room} px:\n" + "\n".join(unconfirmed)


CLOZE_CARD = r"""## Moments
<!-- id: cz -->

The variance is $\operatorname{Var}(X) = {{c1::\mathbb E[X^2] - (\mathbb E X)^2::two moments}}$ and the
mean is {{c2::$\mathbb E X$}}, so $a + {{c2::\frac{b}{c}}}$.
"""

# the deletions inside formulas: for each element of class ag-cN, its class, its text (from MathJax's MathML copy:
# CommonHTML draws glyphs as CSS content) and its background colour
DELETIONS = r"""
() => {
  const all = [...document.querySelectorAll('mjx-container [class^="ag-c"]')];
  const drawn = all.filter(el => !el.closest('mjx-assistive-mml'));
  const mathml = all.filter(el => el.closest('mjx-assistive-mml'));
  return drawn.map((el, i) => [el.getAttribute('class'), mathml[i] ? mathml[i].textContent : null,
                               getComputedStyle(el).backgroundColor]);
}
"""


def test_a_cloze_inside_a_formula_is_highlighted_on_its_card_only(tmp_path: Path) -> None:
    """The real backend's card HTML in Chromium: the blank and the revealed deletion of card N are highlighted,
    day and night; the same deletion on another card reads as plain formula; the hint is text, spaces kept."""
    _requirements()
    root = tmp_path / "proj"
    (root / "cards").mkdir(parents=True)
    (root / "ankigen.toml").write_text('deck_name = "Test"\n', encoding="utf-8")
    (root / "cards" / "a.md").write_text(CLOZE_CARD, encoding="utf-8")
    config, _ = load_config(root, {})
    result = build(config, 1_700_000_000, Options(use_cache=False, mathjax_mode="require"), use_lock=False)
    assert result.output is not None and not result.diagnostics, [d.concise() for d in result.diagnostics]
    sides, media = bh.card_sides(result.output, tmp_path)
    by = {(s.ord, s.side): s for s in sides}
    assert r"\class{ag-c1}{ [\text{two moments} ] }" in by[0, "front"].html
    assert r"\class{ag-c1}{ \mathbb E[X^2] - (\mathbb E X)^2 }" in by[0, "back"].html
    for mode in (bh.MODES[0], bh.MODES[1]):
        found = dict(zip([(s.ord, s.side) for s in sides], bh.probe(media, sides, DELETIONS, mode), strict=True))
        lit = {key: [(c, t) for c, t, bg in items if not bg.endswith(", 0)")] for key, items in found.items()}
        assert lit[0, "front"] == [("ag-c1", "[two moments]")], (mode.name, found[0, "front"])
        assert lit[0, "back"] == [("ag-c1", "E[X2]−(EX)2")], (mode.name, found[0, "back"])
        assert [c for c, _t in lit[1, "front"]] == ["ag-c2"], (mode.name, found[1, "front"])
        assert [c for c, _t in lit[1, "back"]] == ["ag-c2"], (mode.name, found[1, "back"])
        assert len(found[1, "front"]) == 2  # card 2 shows card 1's deletion too, unhighlighted
