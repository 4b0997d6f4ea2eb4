"""The parse-only check (the default) gives exactly the verdicts of the full CommonHTML typeset.

Over every formula of the flagship deck, of a benchmark deck and of a corpus of broken formulas, among them
ones aimed at the output stage (sizes, fonts, characters, HTML extensions, colours). If CommonHTML ever
rejected something the TeX parse accepts, this test would show the case and `parse` would stop being the
default. Also the widths (`mathjax.widths`) that the phone lint reads.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from ankigen.config import load_config
from ankigen.mathjax import MathJaxUnavailable, check_formulas, widths
from ankigen.pipeline import Options, compile_notes

REPO = Path(__file__).resolve().parents[1]

BROKEN = [
    r"\frac{a}{b",
    r"a}",
    r"\foo",
    r"\begin{foo}x\end{foo}",
    r"\left( x",
    r"\right) x",
    r"\frac{1}",
    r"a & b",
    r"x^",
    r"x_",
    r"x^1^2",
    r"x_1_2",
    r"\sqrt[",
    r"\begin{matrix} a \end{pmatrix}",
    r"\end{aligned}",
    r"\require{nosuchpackage}",
    r"\color{nosuchcolor}{x}",
    r"\color[rgb]{2,0,0}{x}",
    r"\definecolor{c}{rgb}{x}",
    r"\rule{-1em}{1em}",
    r"\hspace{1e9em} x",
    r"\kern{abc}",
    r"\unicode{xyz}",
    r"\unicode{0x1F600}",
    r"\char\"ZZ",
    r"\mmlToken{madeup}{x}",
    r"\enclose{madeup}{x}",
    r"\cancelto{}{x}",
    r"\href{javascript:alert(1)}{x}",
    r"\class{a b}{x}",
    r"\style{color:}{x}",
    r"\mathrm{\text{a}}",
    r"\mathbb{}",
    r"\boldsymbol",
    r"\ce{H2O",
    r"\begin{array}{q} a \end{array}",
    r"\begin{array}{c} a & b \end{array}",
    r"\tag{1} \tag{2} x",
    r"\label{a} \label{a} x",
    r"\fbox{\fbox{\fbox{x}}}",
    r"\Huge{\tiny{\Huge x}}",
    r"\mathchoice{a}{b}{c}",
    r"\over\over",
    r"a \over b \over c",
    r"\limits",
    r"\not",
    r"\verb",
    r"\textbf{\(x\)}",
    "\x0crac{a}{b}",
    "x\u0000y",
    "\U0001d400 \u200b \ufffd",
]


def _bench_formulas(root: Path) -> list[tuple[str, bool]]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    bench.make_tree(root, 1000)
    return _formulas(root)


def _formulas(root: Path) -> list[tuple[str, bool]]:
    config, _ = load_config(root, {})
    cards = compile_notes(config, Options(mathjax=False, use_cache=False)).cards
    return sorted({(tex, bool(display)) for c in cards for tex, display, _line, _col, _field in c.formulas or ()})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bool]]:
    flagship = _formulas(REPO)
    bench = _bench_formulas(tmp_path_factory.mktemp("bench"))
    broken = [(tex, display) for tex in BROKEN for display in (False, True)]
    assert len(flagship) > 1000 and len(bench) > 1000
    return sorted(set(flagship + bench + broken))


def test_parse_only_gives_the_verdicts_of_the_full_typeset(corpus: list[tuple[str, bool]]) -> None:
    parse = check_formulas(corpus, level="parse")
    typeset = check_formulas(corpus, level="typeset")
    assert not isinstance(parse, MathJaxUnavailable) and not isinstance(typeset, MathJaxUnavailable)
    differ = [(f, p.error, t.error) for f, p, t in zip(corpus, parse, typeset, strict=True) if p.error != t.error]
    assert differ == []
    rejected = sum(v.error is not None for v in parse)
    assert rejected >= len(BROKEN)  # the corpus is really broken (most entries in both display modes)


def test_widths_in_em() -> None:
    out = widths([("x", False), ("x", True), (r"\sum_{i=1}^n i^2 = \frac{n(n+1)(2n+1)}{6}", True), (r"\foo", True)])
    assert not isinstance(out, MathJaxUnavailable)
    x, x_display, wide, broken = out
    assert x is not None and 0.4 < x < 0.7  # one italic x: about half an em
    assert x_display == x
    assert wide is not None and 10 < wide < 16
    assert broken is None
    longer = widths([("a+b+c+d+e+f+g+h", True), ("a+b", True)])
    assert not isinstance(longer, MathJaxUnavailable)
    assert longer[0] is not None and longer[1] is not None and longer[0] > 3 * longer[1]


def test_parse_is_cheaper_and_a_random_sample_agrees(corpus: list[tuple[str, bool]]) -> None:
    """Sanity: a random sample of the corpus, checked one batch per level in shuffled order, agrees too."""
    sample = random.Random(1).sample(corpus, 300)
    parse = check_formulas(sample, level="parse")
    typeset = check_formulas(sample[::-1], level="typeset")
    assert not isinstance(parse, MathJaxUnavailable) and not isinstance(typeset, MathJaxUnavailable)
    assert [v.error for v in parse] == [v.error for v in typeset][::-1]
