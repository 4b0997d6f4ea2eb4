"""Every flagship card, front and back, in a real Chromium exactly as Anki shows it, on a phone and a desktop,
day and night (see tests/browser_harness.py for how the reviewer is reproduced).

Needs Debian's ``chromium`` (``.ci/run`` installs it), the ``playwright`` Python package (no browser download)
and ``npm ci`` (MathJax 3.2.2).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import browser_harness as bh
from ankigen.config import load_config
from ankigen.pipeline import Options, build

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]

# problems the note type's CSS must rule out whatever the content
ALWAYS = {"page", "mathjax error", "image not loaded", "figure shrunk", "source contrast", "code", "script error"}
# a box wider than the column: it must scroll inside the card and show the edge shadow (checked below); the
# width lint (W310-W315) asks the author to make it fit
TOO_WIDE = {"formula", "table", "inline formula"}


def _requirements() -> None:
    if not bh.CHROMIUM.exists():
        pytest.fail(f"{bh.CHROMIUM} is missing: apt-get install chromium chromium-driver (.ci/run does)")
    if not (bh.MATHJAX / "tex-chtml-full.js").is_file():
        pytest.fail("the vendored MathJax bundle is missing from src/ankigen/vendor/mathjax")
    pytest.importorskip("playwright", reason="pip install -e '.[test]' installs playwright")


@pytest.fixture(scope="module")
def flagship(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[bh.Side], Path]:
    _requirements()
    tmp = tmp_path_factory.mktemp("browser")
    project = tmp / "flagship"
    for name in ("cards", "media"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    config, problems = load_config(project, {})
    assert problems == ()
    result = build(config, 1_700_000_000, Options(mathjax=False), use_lock=False)
    assert result.output is not None, [d.concise() for d in result.diagnostics]
    return bh.card_sides(result.output, tmp)


def test_browser_every_flagship_card_shows_everything_in_all_four_modes(flagship: tuple[list[bh.Side], Path]) -> None:
    sides, media = flagship
    assert len(sides) >= 2 * 200
    start = time.monotonic()
    problems = bh.render(media, sides)
    elapsed = time.monotonic() - start
    unknown = [p for p in problems if p["kind"] not in ALWAYS | TOO_WIDE]
    assert not unknown, unknown
    hard = [bh.describe(p) for p in problems if p["kind"] in ALWAYS]
    assert not hard, "\n".join(hard[:40])
    no_cue = [bh.describe(p) for p in problems if p["kind"] in TOO_WIDE and not p["cue"]]
    assert not no_cue, "wider than the column with no visible cue:\n" + "\n".join(no_cue[:40])
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
