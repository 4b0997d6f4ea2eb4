"""A MathJax verdict is a function of the formula and the preamble only: never of order, batch or process split.

Only then may verdicts be cached per formula. The formulas below change MathJax's state in every way TeX
allows (definitions, \\require, labels, tags); each one's verdict alone is the truth that every batching
must reproduce.
"""

from __future__ import annotations

import random

import pytest

from ankigen import mathjax
from ankigen.mathjax import MathJaxUnavailable, checker_stamp, validate

STATEFUL = [
    (r"\require{nonexistent} x", False),
    (r"\def\foo{1}\foo", False),
    (r"\foo", False),
    (r"\gdef\g{1}\g", False),
    (r"\g", False),
    (r"\global\def\h{1}\h", False),
    (r"\h", False),
    (r"\newcommand{\R}{\mathbb{R}}\R", False),
    (r"\R", False),
    (r"\renewcommand{\frac}{x}\frac", False),
    (r"\frac{a}{b}", False),
    (r"\require{physics}\qty(x)", False),
    (r"\qty(x)", False),
    (r"\DeclareMathOperator{\tr}{tr}\tr A", False),
    (r"\tr A", False),
    (r"\let\a\alpha\a", False),
    (r"\a", False),
    (r"\newenvironment{mine}{[}{]}\begin{mine}x\end{mine}", True),
    (r"\begin{mine}x\end{mine}", True),
    (r"\begin{align}a\label{eq}\end{align}", True),
    (r"\begin{align}b\label{eq}\end{align}", True),
    (r"x \tag{1}", True),
    (r"y \tag{1}", True),
    (r"\frac{a}{b", False),
    (r"\require{nonexistent} y", False),
    (r"\newcommand{\mk}{\def\z{1}}\mk\z", False),
    (r"\z", False),
]


@pytest.fixture(scope="module")
def alone() -> list[str | None]:
    """Each formula's verdict in a Node process of its own."""
    out: list[str | None] = []
    for formula in STATEFUL:
        [verdict] = _ok(validate([formula]))
        out.append(verdict)
    return out


def _ok(result: list[str | None] | MathJaxUnavailable) -> list[str | None]:
    assert not isinstance(result, MathJaxUnavailable), result.reason
    return result


def test_truth_is_what_anki_shows(alone: list[str | None]) -> None:
    verdicts = dict(zip(STATEFUL, alone, strict=True))
    assert "nonexistent" in str(verdicts[(r"\require{nonexistent} x", False)])
    assert "nonexistent" in str(verdicts[(r"\require{nonexistent} y", False)])
    for leaked in (r"\foo", r"\g", r"\h", r"\R", r"\qty(x)", r"\tr A", r"\a", r"\z"):
        assert "Undefined control sequence" in str(verdicts[(leaked, False)]), leaked
    assert "Unknown environment 'mine'" in str(verdicts[(r"\begin{mine}x\end{mine}", True)])
    assert verdicts[(r"\frac{a}{b}", False)] is None
    assert verdicts[(r"\begin{align}b\label{eq}\end{align}", True)] is None  # labels do not carry over


def test_one_batch_in_any_order_gives_the_same_verdicts(alone: list[str | None]) -> None:
    assert _ok(validate(STATEFUL)) == alone
    rng = random.Random(0)
    for _ in range(3):
        order = list(range(len(STATEFUL)))
        rng.shuffle(order)
        out = _ok(validate([STATEFUL[i] for i in order]))
        assert [out[order.index(i)] for i in range(len(STATEFUL))] == alone
    twice = _ok(validate(STATEFUL + STATEFUL))
    assert twice == alone + alone  # \require{nonexistent} fails every time, in one process too


def test_worker_splits_give_the_same_verdicts(monkeypatch: pytest.MonkeyPatch, alone: list[str | None]) -> None:
    monkeypatch.setattr(mathjax, "WINDOW", 1)
    monkeypatch.setattr(mathjax, "SPAWN_BACKLOG", 0)
    with mathjax.Session(workers=4) as session:
        session.submit(STATEFUL)
        out = session.finish()
        answered = session.answered
    assert not isinstance(out, MathJaxUnavailable), out.reason
    assert [out[(tex, display)].error for tex, display in STATEFUL] == alone
    assert 2 <= len(answered) <= 4 and sum(n > 0 for n in answered) >= 2


PREAMBLE = r"\newcommand{\R}{\mathbb{R}} \DeclareMathOperator{\tr}{tr} \newcommand{\mk}{\def\z{1}}"


def test_preamble_definitions_hold_for_every_formula_and_nothing_else_leaks() -> None:
    formulas = [
        (r"\R", False),
        (r"\renewcommand{\R}{x}\R", False),
        (r"\R^n", False),  # the preamble's \R again, not the renewed one: still fine
        (r"\tr A", True),
        (r"\mk\z", False),
        (r"\z", False),
        (r"\foo", False),
    ]
    out = _ok(validate(formulas, preamble=PREAMBLE))
    assert out[:5] == [None] * 5
    assert out[5] == r"Undefined control sequence \z"
    assert out[6] == r"Undefined control sequence \foo"
    alone = [_ok(validate([f], preamble=PREAMBLE))[0] for f in formulas]
    assert alone == out
    assert _ok(validate([(r"\R", False)])) == [r"Undefined control sequence \R"]


def test_cache_is_keyed_on_the_preamble() -> None:
    assert checker_stamp() != checker_stamp(preamble=PREAMBLE)
    assert checker_stamp(preamble=PREAMBLE) == checker_stamp(preamble=PREAMBLE)
