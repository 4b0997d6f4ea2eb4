"""The width lint (W310-W313): what would not fit in a phone's card column, measured and located."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankigen import layout
from ankigen.config import load_config
from ankigen.mathjax import MathJaxUnavailable, find_node
from ankigen.notetypes import css
from ankigen.pipeline import Options, check

WIDE = r"""## What is wide?
<!-- id: wide -->

A long formula:

$$a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11} + a_{12} + a_{13} + a_{14} + a_{15}$$

```python
def f(x):
    return some_function(first_argument, second_argument, third_argument, x)
```

| one | two | three | four | five | six |
| --- | --- | --- | --- | --- | --- |
| a | b | c | d | e | f |
"""

FITS = r"""## What fits?
<!-- id: fits -->

$$\begin{aligned} y &= a_1 + a_2 + a_3 \\ &\quad + a_4 + a_5 \end{aligned}$$

Inline $x^2 + y^2 = r^2$ is short.

```python
def f(x):
    return g(x, 1)
```

| a | b |
| --- | --- |
| $x^2$ | 2 |
"""

INLINE = r"""## Inline
<!-- id: inline -->

So $a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11} + a_{12} + a_{13} + a_{14}$ holds.
"""


def _project(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "proj"
    (root / "cards").mkdir(parents=True)
    (root / "ankigen.toml").write_text('deck_name = "Test"\n', encoding="utf-8")
    (root / "cards" / "a.md").write_text(text, encoding="utf-8")
    return root


def _width_warnings(root: Path, **options: object) -> list[str]:
    config, problems = load_config(root, {})
    assert problems == ()
    result = check(config, Options(use_cache=False, **options))  # type: ignore[arg-type]
    return [d.concise() for d in result.diagnostics if d.code in {"W310", "W311", "W312", "W313"}]


needs_mathjax = pytest.mark.skipif(isinstance(find_node(), MathJaxUnavailable), reason="no node to run MathJax")


@needs_mathjax
def test_one_warning_each_for_a_wide_formula_a_long_code_line_and_a_wide_table(tmp_path: Path) -> None:
    got = _width_warnings(_project(tmp_path, WIDE))
    assert [w.split(" ")[:2] for w in got] == [
        ["cards/a.md:6:1:", "W310"],
        ["cards/a.md:10:1:", "W312"],
        ["cards/a.md:13:1:", "W313"],
    ], got
    formula = got[0]
    px = int(formula.split("measured ")[1].split(" px")[0])
    assert px > 400  # 15 terms: far wider than the column
    assert "column 330 px" in formula


@needs_mathjax
def test_a_card_that_fits_gets_no_width_warning(tmp_path: Path) -> None:
    assert _width_warnings(_project(tmp_path, FITS)) == []


@needs_mathjax
def test_an_inline_formula_wider_than_the_column_is_w311(tmp_path: Path) -> None:
    got = _width_warnings(_project(tmp_path, INLINE))
    assert [w.split(" ")[:2] for w in got] == [["cards/a.md:4:4:", "W311"]], got


def test_without_mathjax_code_and_tables_are_still_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANKIGEN_NODE", str(tmp_path / "no-node"))
    got = _width_warnings(_project(tmp_path, WIDE))
    assert [w.split(" ")[1] for w in got] == ["W312", "W313"], got


def test_the_numbers_come_from_the_note_type_css() -> None:
    lay = layout.layout()
    assert lay.font_px == 18
    assert lay.column_px == pytest.approx(layout.COLUMN_PX - 2 * 0.6 * 18)
    bigger = layout.layout_from_css(css().replace("font-size: 18px;", "font-size: 24px;", 1))
    assert bigger.font_px == 24
    assert bigger.column_px < lay.column_px  # the padding is in em, so it grows with the font
    with pytest.raises(ValueError, match="font-size"):
        layout.layout_from_css(".card { padding: 1em; }")


def test_the_fix_is_named_in_every_width_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, _ = load_config(_project(tmp_path, WIDE), {})
    monkeypatch.setenv("ANKIGEN_NODE", str(tmp_path / "no-node"))
    found = [d for d in check(config, Options(use_cache=False)).diagnostics if d.code.startswith("W31")]
    assert found and all(d.help.startswith("fix: ") for d in found)
    assert all("measured" in d.message and "column" in d.message for d in found)


def _glued_table(cell: str) -> str:
    return f"## T\n<!-- id: t -->\n\n| issue | symptom |\n| --- | --- |\n| x | {cell} |\n"


def test_text_glued_to_a_formula_in_a_table_counts_with_it() -> None:
    """``($\\kappa = …$):`` cannot break between the parenthesis, the formula and the colon: a browser lays the
    three out as one unit, so the table's narrowest layout holds their sum (the flagship had such a table that
    the lint passed and Chromium showed 5 px too wide)."""
    from ankigen.model import Text, TextOrigin

    def formula_glue(cell: str) -> list[float]:
        text = Text(_glued_table(cell), TextOrigin.verbatim("a.md", 1, 1, _glued_table(cell)))
        ((_line, _col, _field, columns),) = layout.table_shapes(text, 1)
        return [glue for _l, _c, _estimate, glue in columns[1][1]]

    (glued,) = formula_glue(r"number ($\kappa = \lambda_1/\lambda_2$): the step")
    (spaced,) = formula_glue(r"number ( $\kappa = \lambda_1/\lambda_2$ ) the step")
    (hyphen,) = formula_glue(r"a well-$\kappa$ one")
    assert spaced == 0.0
    assert glued > 0.5  # "(" and "):"
    assert hyphen == 0.0  # a line may break after "well-", and " one" starts with a space
    bold = layout.table_shapes(Text(_glued_table("$x$"), TextOrigin.verbatim("a.md", 1, 1, _glued_table("$x$"))), 1)
    assert bold[0][3][1][1][0][3] == 0.0


def test_a_table_that_fits_but_for_its_glued_punctuation_is_w313(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANKIGEN_NODE", str(tmp_path / "no-node"))  # the estimate alone decides, reproducibly
    wide = "| w | w | w |\n| --- | --- | --- |\n| ((($a_1 a_2 a_3 a_4 a_5 a_6 a_7 a_8$))): | w | w |\n"
    spaced = wide.replace("((($", "$").replace("$))):", "$")
    head = "## T\n<!-- id: t -->\n\n"
    assert _width_warnings(_project(tmp_path / "spaced", head + spaced)) == []
    assert [w.split(" ")[1] for w in _width_warnings(_project(tmp_path / "glued", head + wide))] == ["W313"]
