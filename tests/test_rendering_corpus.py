"""What a student sees: the rendering corpus, through the real Anki import and MathJax 3.2.2.

Each case in ``cases/rendering.yml`` is a card (an answer in Markdown, or a whole card file) written the way
people write notes: LaTeX papers, Obsidian vaults, Jupyter Markdown cells, GitHub READMEs. The whole corpus is
built into one package, imported into a fresh collection with the real ``anki`` backend, and each case's cards
are rendered by Anki itself (``card.question()``/``card.answer()``). A case says what the student must see:

- ``see``: text fragments in the visible text (tags, styles and formulas removed, whitespace collapsed);
- ``math``: formulas that Anki's MathJax gets inside ``\\(…\\)`` or ``\\[…\\]`` (whitespace collapsed);
- ``cards``: how many cards the file makes (default 1); ``dollars``: how many literal ``$`` stay visible
  (default 0); ``absent``: fragments that must not be visible; ``raw``: fragments of the answer side's HTML as
  Anki renders it (list structure, highlighting), where the visible text cannot tell.

Every formula on every card is then typeset by MathJax 3.2.2 with Anki's settings and must pass.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from anki_helpers import import_package, new_collection

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases" / "rendering.yml").read_text("utf-8"))
#: the corpus project's macros, as a LaTeX notes author would define them
PREAMBLE = r"""% project macros
\newcommand{\RR}{\mathbb{R}}
\newcommand{\norm}[1]{\left\lVert #1 \right\rVert}
\newcommand{\abs}[1]{\lvert #1 \rvert}
\DeclareMathOperator*{\argmin}{arg\,min}
\newcommand{\loss}{\mathcal{L}}
\newcommand{\risk}[1]{\loss(#1) + \norm{#1}}
"""
_MATH_RE = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)
_STYLE_RE = re.compile(r"<style>.*?</style>", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _file_for(index: int, case: dict[str, Any]) -> tuple[str, str]:
    name = f"c{index:03d}"
    if "yaml" in case:
        return f"cards/{name}.yaml", case["yaml"]
    if "file" in case:
        return f"cards/{name}.md", case["file"]
    return f"cards/{name}.md", f"## Case {index}\n<!-- id: {name} -->\n\n{case['answer']}"


_CODE_RE = re.compile(r"<(pre|code)\b.*?</\1>", re.DOTALL)
_BLOCK_TAG_RE = re.compile(
    r"</?(?:p|div|br|li|ul|ol|tr|td|th|table|thead|tbody|h\d|pre|blockquote|hr|details|summary)\b[^>]*>"
)


def _seen(card_html: str) -> tuple[str, list[str], str]:
    """(visible text, formulas, HTML) of one side of a card as Anki renders it. MathJax skips code, as Anki's does."""
    body = _STYLE_RE.sub("", card_html)
    formulas: list[str] = []
    text: list[str] = []
    code = [m.group(0) for m in _CODE_RE.finditer(body)]
    rest = _CODE_RE.sub("\x00", body).split("\x00")
    for i, chunk in enumerate(rest):
        formulas += [_squash(html.unescape(_TAG_RE.sub("", a or b))) for a, b in _MATH_RE.findall(chunk)]
        text.append(_MATH_RE.sub("", chunk))
        if i < len(code):
            text.append(code[i])
    visible = _TAG_RE.sub("", _BLOCK_TAG_RE.sub(" ", "".join(text)))
    return _squash(html.unescape(visible)), formulas, body


Side = tuple[str, list[str], str]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Side, Side]]]:
    """Source path -> (question side, answer side) of every card that file produced, after a real import."""
    from ankigen.config import load_config
    from ankigen.pipeline import Options, build

    root = tmp_path_factory.mktemp("rendering")
    (root / "ankigen.toml").write_text(
        'deck_name = "Corpus"\nid_namespace = "rendering-corpus"\noutput = "corpus.apkg"\npreamble = "preamble.tex"\n',
        "utf-8",
    )
    (root / "preamble.tex").write_text(PREAMBLE, "utf-8")
    media = root / "media"
    media.mkdir()
    (media / "my figure.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>', "utf-8"
    )
    for index, case in enumerate(CASES):
        path, text = _file_for(index, case)
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, "utf-8")
    config, problems = load_config(root, {})
    assert problems == ()
    result = build(config, 1_700_000_000, Options(mathjax=False))  # every formula Anki receives is checked below
    errors = [d.concise() for d in result.diagnostics if d.severity == "error"]
    assert errors == []
    col = new_collection(tmp_path_factory.mktemp("collection"))
    try:
        import_package(col, root / "corpus.apkg")
        out: dict[str, list[tuple[Side, Side]]] = {}
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            out.setdefault(card.note()["Source"], []).append((_seen(card.question()), _seen(card.answer())))
        return out
    finally:
        col.close()


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c["name"] for c in CASES])
def test_rendering_case_shows_what_the_author_wrote(rendered: dict[str, list[tuple[Side, Side]]], index: int) -> None:
    case = CASES[index]
    path, _text = _file_for(index, case)
    cards = rendered.get(path, [])
    assert len(cards) == case.get("cards", 1)
    questions = " | ".join(q[0] for q, _a in cards)
    answers = " | ".join(a[0] for _q, a in cards)
    formulas = [f for q, a in cards for f in (*q[1], *a[1])]
    for fragment in case.get("see", []):
        assert _squash(fragment) in answers, answers
    for fragment in case.get("question_see", []):
        assert _squash(fragment) in questions, questions
    for fragment in case.get("absent", []):
        assert _squash(fragment) not in questions + answers, questions + answers
    for tex in case.get("math", []):
        assert _squash(tex) in formulas, formulas
    answer_html = " | ".join(a[2] for _q, a in cards)
    for fragment in case.get("raw", []):
        assert fragment in answer_html, answer_html
    assert answers.count("$") == case.get("dollars", 0) * len(cards), answers
    assert not any("\ue000" <= c <= "\ue1ff" for c in questions + answers + "".join(formulas))


def test_rendering_corpus_every_formula_typesets_in_mathjax(rendered: dict[str, list[tuple[Side, Side]]]) -> None:
    from ankigen.mathjax import MathJaxUnavailable, validate

    formulas = sorted({f for cards in rendered.values() for q, a in cards for f in (*q[1], *a[1])})
    verdicts = validate([(f, False) for f in formulas], Path(__file__).resolve().parents[1])
    assert not isinstance(verdicts, MathJaxUnavailable), verdicts
    assert [(f, v) for f, v in zip(formulas, verdicts, strict=True) if v is not None] == []


def test_rendering_corpus_is_large_enough() -> None:
    assert len(CASES) >= 120
