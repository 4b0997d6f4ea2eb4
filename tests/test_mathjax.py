"""The MathJax validator: formulas through the real MathJax 3.2.2, configured as Anki has it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from ankigen import mathjax
from ankigen.config import load_config
from ankigen.mathjax import ENV_DIR, MathJaxUnavailable, find_node_modules, validate
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


def _mathjax_dir() -> Path:
    """The folder with node_modules/mathjax-full; skip locally, fail in CI, where it must be."""
    folder = find_node_modules(REPO)
    missing = None
    if shutil.which("node") is None:
        missing = "node not found"
    elif folder is None:
        missing = "node_modules/mathjax-full missing (run `npm ci`)"
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"MathJax check cannot run in CI: {missing}")
        pytest.skip(missing)
    assert folder is not None
    return folder


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


def test_large_batches_split_across_processes_keep_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a split batch come back in input order, each verdict with its own formula."""
    _mathjax_dir()
    formulas = [(r"\frac{a}{b", True), (r"x", True), (r"\foo", False), (r"y", False), (r"a & b", False)]
    expected = validate(formulas, REPO)
    assert expected == ["Missing close brace", None, r"Undefined control sequence \foo", None, "Misplaced &"]
    calls: list[int] = []
    real_check = mathjax._check

    def counting(node: str, folder: Path, chunk: Sequence[tuple[str, bool]]) -> list[str | None] | MathJaxUnavailable:
        calls.append(len(chunk))
        return real_check(node, folder, chunk)

    monkeypatch.setattr(mathjax, "PARALLEL_MIN_FORMULAS", 2)
    monkeypatch.setattr(mathjax.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(mathjax, "_check", counting)
    assert validate(formulas, REPO) == expected
    assert calls == [3, 2]


def test_chunks_one_process_unless_the_batch_is_large() -> None:
    few = [("x", False)] * (mathjax.PARALLEL_MIN_FORMULAS * 2 - 1)
    assert [len(c) for c in mathjax._chunks(few, 8)] == [len(few)]
    many = [("x", False)] * (mathjax.PARALLEL_MIN_FORMULAS * 5 + 1)
    sizes = [len(c) for c in mathjax._chunks(many, 2)]
    assert len(sizes) == 2 and sum(sizes) == len(many) and max(sizes) - min(sizes) <= 1
    assert [len(c) for c in mathjax._chunks(many, 1)] == [len(many)]


def test_build_says_how_many_formulas_mathjax_checks_and_cached_ones_are_not_counted(
    monkeypatch: pytest.MonkeyPatch, project
) -> None:
    monkeypatch.setenv(ENV_DIR, str(_mathjax_dir()))
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


def test_env_dir_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = _mathjax_dir()
    monkeypatch.setenv(ENV_DIR, str(folder))
    assert find_node_modules(tmp_path) == folder
    assert validate([(r"\frac{a}{b}", False)], tmp_path) == [None]
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    assert find_node_modules(REPO) is None


def test_find_node_modules_walks_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_DIR, raising=False)
    marker = tmp_path / "node_modules" / "mathjax-full" / "package.json"
    marker.parent.mkdir(parents=True)
    marker.write_text("{}", encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_node_modules(deep) == tmp_path.resolve()
    assert find_node_modules(tmp_path) == tmp_path.resolve()


def test_unavailable_without_node_modules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_DIR, raising=False)
    if find_node_modules(tmp_path) is not None:
        pytest.skip(f"a node_modules/mathjax-full exists above {tmp_path}")
    out = validate([(r"\frac{a}{b}", False)], tmp_path)
    assert isinstance(out, MathJaxUnavailable)
    assert "mathjax-full not installed" in out.reason


def test_unavailable_without_node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    marker = tmp_path / "node_modules" / "mathjax-full" / "package.json"
    marker.parent.mkdir(parents=True)
    marker.write_text("{}", encoding="utf-8")
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = validate([(r"x", False)], REPO)
    assert out == MathJaxUnavailable("node not found")


def test_unavailable_when_node_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A broken mathjax-full: the reason carries the last line of node's stderr."""
    if shutil.which("node") is None:
        pytest.skip("node not found")
    package = tmp_path / "node_modules" / "mathjax-full"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "mathjax-full", "version": "3.2.2"}', encoding="utf-8")
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    out = validate([(r"x", False)], REPO)
    assert isinstance(out, MathJaxUnavailable)
    assert "exit 3" in out.reason
    assert "could not be loaded" in out.reason
