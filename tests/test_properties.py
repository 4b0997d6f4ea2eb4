"""Property-based tests: random Markdown, YAML and LaTeX through parse, render and check (hypothesis).

The inputs are built from the classes that break text-to-card tools: braces, dollars (math, money, escaped),
``\\(``/``\\[``/environments, clozes (nested, in math, in code), HTML comments, front matter, headings, lists,
quotes, code spans and fences, emphasis markers, links with ``$`` in the URL, control characters. Every word of
the input is a distinct token (``w0``, ``w1``, ...), so the invariants can name what went missing:

- nothing crashes, and every diagnostic is located inside the file (line and column exist);
- when check says nothing at all (no error, no warning), no word is lost: every token written outside a comment
  is in the note's fields, and each card the file holds becomes one note;
- the same input checked twice gives the same diagnostics and the same fields (no hidden state).

Examples: ``ANKIGEN_HYPOTHESIS_EXAMPLES`` per test (CI: the default, 700 x 3 tests = 2,100).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ankigen.config import load_config  # noqa: E402
from ankigen.pipeline import Compiled, Options, compile_notes  # noqa: E402

EXAMPLES = int(os.environ.get("ANKIGEN_HYPOTHESIS_EXAMPLES", "700"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("ANKIGEN_HYPOTHESIS_RANDOM") != "1",  # CI: the same examples every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
TOKEN = re.compile(r"(?<![A-Za-z0-9])w\d+(?![0-9])")


class Words:
    """Hands out distinct word tokens, and remembers which of them the output must keep."""

    def __init__(self) -> None:
        self.n = 0
        self.kept: list[str] = []

    def word(self, keep: bool = True) -> str:
        self.n += 1
        w = f"w{self.n}"
        if keep:
            self.kept.append(w)
        return w


# ------------------------------------------------------------------------------------------- fragments
# Each fragment is a function of a Words and a draw: it returns Markdown text and records the words it keeps.


@st.composite
def inline(draw: st.DrawFn, words: Words, cloze: bool) -> str:
    kinds = [
        "word",
        "dollar",
        "paren",
        "displaydollar",
        "bracket",
        "code",
        "emph",
        "strong",
        "link",
        "money",
        "escaped",
        "brace",
        "comment",
        "underscore",
        "stray",
    ]
    if cloze:
        kinds += ["cloze", "cloze", "nested", "clozemath"]
    kind = draw(st.sampled_from(kinds))
    w = words.word
    if kind == "word":
        return w()
    if kind == "dollar":
        return f"${w()}_{{i}}^{{2}} * {w()}_j$"
    if kind == "paren":
        return f"\\({w()} \\cdot \\frac{{{w()}}}{{2}}\\)"
    if kind == "displaydollar":
        return f"$${w()}^2 + {w()}$$"
    if kind == "bracket":
        return f"\\[{w()} = {w()}\\]"
    if kind == "code":
        return f"`{w()} $x$ {{{{c1::{w()}}}}} *a*`"
    if kind == "emph":
        return f"*{w()} {w()}*"
    if kind == "strong":
        return f"__{w()}__"
    if kind == "link":
        return f"[{w()}](https://example.com/?a=$5&b=$y&{w()}=1)"
    if kind == "money":
        return f"between $5-$10 {w()}"
    if kind == "escaped":
        return f"\\${w()} and \\$PATH"
    if kind == "brace":
        return f"{{{w()}}}"
    if kind == "comment":
        return f"<!-- {words.word(keep=False)} -->"
    if kind == "underscore":
        return f"snake_case_{w()} a_b"
    if kind == "stray":
        return f"{w()}{draw(st.sampled_from(['*', '_', '**', '~', '[', ']', '(', ')', '}', '{', '|', '#', '&']))}"
    if kind == "cloze":
        return f"{{{{c{draw(st.integers(1, 3))}::{w()}}}}}"
    if kind == "nested":
        return f"{{{{c1::{w()} {{{{c2::{w()}}}}} {w()}}}}}"
    return f"$x = {{{{c1::\\frac{{{w()}}}{{2}}}}}}$"  # clozemath


@st.composite
def line(draw: st.DrawFn, words: Words, cloze: bool) -> str:
    parts = draw(st.lists(inline(words, cloze), min_size=1, max_size=5))
    return " ".join(parts)


@st.composite
def block(draw: st.DrawFn, words: Words, cloze: bool) -> str:
    kind = draw(
        st.sampled_from(
            ["para", "para", "list", "olist", "quote", "heading", "display", "env", "fence", "table", "tight"]
        )
    )
    w = words.word
    if kind == "para":
        return "\n".join(draw(st.lists(line(words, cloze), min_size=1, max_size=3)))
    if kind == "list":
        items = draw(st.lists(line(words, cloze), min_size=1, max_size=3))
        nested = draw(st.booleans())
        out = [f"- {t}" for t in items]
        if nested:
            out.append(f"    - {draw(line(words, cloze))}")
        return "\n".join(out)
    if kind == "olist":
        return "\n".join(
            f"{i}. {t}" for i, t in enumerate(draw(st.lists(line(words, cloze), min_size=1, max_size=3)), 1)
        )
    if kind == "quote":
        return "\n".join(f"> {t}" for t in draw(st.lists(line(words, cloze), min_size=1, max_size=2)))
    if kind == "heading":
        return f"### {draw(line(words, cloze))}"
    if kind == "display":
        opener, closer = draw(st.sampled_from([("$$", "$$"), ("\\[", "\\]")]))
        return f"{opener}\n{w()}_1 + \\frac{{{w()}}}{{2}}\n{closer}"
    if kind == "env":
        return f"\\begin{{aligned}}\n{w()} &= {w()} \\\\\n{w()} &< 2\n\\end{{aligned}}"
    if kind == "fence":
        return f"```python\n{w()} = '$a_1*b$'  # \\(not math\\) {{{{c1::{w()}}}}}\n```"
    if kind == "table":
        return f"| {w()} | ${w()}$ |\n| --- | --- |\n| {w()} | `{w()}` |"
    # display math glued to the text around it, LaTeX/Obsidian style
    return f"{w()} we have\n$$\n{w()}^2\n$$\nand {w()}"


@st.composite
def answer(draw: st.DrawFn, words: Words, cloze: bool) -> str:
    blocks = draw(st.lists(block(words, cloze), min_size=1, max_size=4))
    return "\n\n".join(blocks)


@st.composite
def markdown_file(draw: st.DrawFn) -> tuple[str, list[str], int]:
    """A Markdown card file, the words its notes must keep, and how many cards it has."""
    words = Words()
    out = []
    if draw(st.booleans()):
        out.append(f"---\ntags: [{words.word(keep=False)}]\n---\n")
    if draw(st.booleans()):
        out.append(f"# {words.word(keep=False)} title\n\n")
    cards = draw(st.integers(1, 3))
    for i in range(cards):
        cloze = draw(st.booleans())
        if cloze:
            text = draw(line(words, cloze=True))
            if "{{c" not in text.replace("`{{c", ""):
                text += f" {{{{c1::{words.word()}}}}}"
            out.append(f"## {text}\n<!-- id: c{i}, type: cloze -->\n\n")
            if draw(st.booleans()):
                out.append(draw(answer(words, cloze=False)) + "\n\n")
        else:
            out.append(f"## {draw(line(words, cloze=False))}\n<!-- id: q{i} -->\n\n")
            out.append(draw(answer(words, cloze=False)) + "\n\n")
        if draw(st.booleans()):
            out.append(f"<!-- {words.word(keep=False)} note to self -->\n\n")
    return "".join(out), words.kept, cards


def _yaml_block(text: str) -> str:
    return "|\n" + "".join(f"      {t}\n" if t else "\n" for t in text.split("\n"))


@st.composite
def yaml_file(draw: st.DrawFn) -> tuple[str, list[str], int]:
    words = Words()
    out = ["cards:\n"]
    cards = draw(st.integers(1, 3))
    for i in range(cards):
        q = draw(line(words, cloze=False))
        a = draw(answer(words, cloze=False))
        out.append(f"  - id: q{i}\n    question: {_yaml_block(q)}    answer: {_yaml_block(a)}")
    return "".join(out), words.kept, cards


# characters and snippets that have broken parsers: random soup, for the no-crash invariant
SOUP = st.lists(
    st.sampled_from(
        [
            "$",
            "$$",
            "\\(",
            "\\)",
            "\\[",
            "\\]",
            "{",
            "}",
            "{{c1::",
            "}}",
            "::",
            "<!--",
            "-->",
            "---",
            "## ",
            "# ",
            "\n",
            "\n\n",
            "`",
            "```",
            "*",
            "_",
            "[",
            "](",
            ")",
            "|",
            ">",
            "- ",
            "1. ",
            "\\begin{align}",
            "\\end{align}",
            "\\",
            "&",
            "<b>",
            "</b>",
            "id:",
            "<!-- id: a -->",
            "\t",
            "\x00",
            "\x07",
            "\r",
            "\ufeff",
            "\u2028",
            "é",
            "x",
            "y ",
            "w1",
            "$5",
            "\\$",
            "%",
            "~~~",
            "    ",
            "tags: [",
            "type: cloze",
        ]
    ),
    max_size=60,
).map("".join)


# ---------------------------------------------------------------------------------------------- running
@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ankigen-props-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _compile(root: Path, name: str, text: str) -> Compiled:
    if root.exists():
        shutil.rmtree(root)
    (root / "cards").mkdir(parents=True)
    (root / "ankigen.toml").write_text('deck_name = "Test"\n', encoding="utf-8")
    (root / "cards" / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    config, problems = load_config(root, {})
    assert problems == ()
    return compile_notes(config, Options(mathjax=False, use_cache=False))


def _located(compiled: Compiled, text: str) -> None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for d in compiled.diagnostics:
        assert d.span.line >= 1 and d.span.col >= 1, d.concise()
        if d.span.path.startswith("cards/"):
            assert d.span.line <= len(lines) + 1, d.concise()


def _visible(compiled: Compiled) -> str:
    return html.unescape(" ".join(f for _card, _digest, spec in compiled.notes for f in spec.fields))


def _keeps_every_word(compiled: Compiled, text: str, kept: list[str], cards: int) -> None:
    _located(compiled, text)
    if compiled.diagnostics:  # a diagnostic is not silent: whatever it says, the user was told
        return
    out = _visible(compiled)
    found = set(TOKEN.findall(out))
    lost = [w for w in kept if w not in found]
    assert not lost, f"silently dropped {lost} from:\n{text}\n---\n{out}"
    assert len(compiled.notes) == cards, (len(compiled.notes), cards, text)


@SETTINGS
@given(markdown_file())
def test_markdown_keeps_every_word_or_says_why(workdir: Path, case: tuple[str, list[str], int]) -> None:
    text, kept, cards = case
    _keeps_every_word(_compile(workdir / "md", "a.md", text), text, kept, cards)


@SETTINGS
@given(yaml_file())
def test_yaml_keeps_every_word_or_says_why(workdir: Path, case: tuple[str, list[str], int]) -> None:
    text, kept, cards = case
    _keeps_every_word(_compile(workdir / "yaml", "a.yaml", text), text, kept, cards)


@SETTINGS
@given(SOUP, st.sampled_from(["a.md", "a.yaml"]))
def test_random_soup_never_crashes_and_is_deterministic(workdir: Path, soup: str, name: str) -> None:
    text = (
        f"## Q\n<!-- id: a -->\n\n{soup}\n"
        if name == "a.md"
        else f"cards:\n  - id: a\n    question: Q\n    answer: {soup}\n"
    )
    first = _compile(workdir / "soup", name, text)
    _located(first, text)
    again = _compile(workdir / "soup", name, text)
    assert [d.concise() for d in first.diagnostics] == [d.concise() for d in again.diagnostics]
    assert [spec.fields for *_, spec in first.notes] == [spec.fields for *_, spec in again.notes]
    if not first.diagnostics:  # silent: every word of the soup outside comments reached a field
        outside = re.sub(r"<!--.*?(?:-->|\Z)", " ", soup, flags=re.S)
        out = _visible(first)
        found = set(TOKEN.findall(out))
        lost = [w for w in TOKEN.findall(outside) if w not in found]
        assert not lost, f"silently dropped {lost} from:\n{text!r}\n---\n{out!r}"
