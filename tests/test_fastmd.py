"""The Markdown speed-ups change nothing: every field renders to the same HTML with and without them."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import markdown
import pytest
import yaml
from markdown.inlinepatterns import InlineProcessor

from ankigen import fastmd
from ankigen.config import load_config
from ankigen.pipeline import parse_all
from ankigen.render import EXTENSION_CONFIGS, EXTENSIONS, new_converter, render_markdown

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench  # noqa: E402

TOKENS = [
    "x", "a b", " ", "  ", "\n", "  \n", "\n\n", "*", "**", "_", "__", "[", "]", "(", ")", "![", "](", "<", ">",
    "&", "&amp;", "&#42;", "`", "``", "$", "$$", "\\", "\\(", "\\)", "\\[", "\\]", "\\$", "\\*", "{", "}", "#",
    "- ", "1. ", "> ", "|", "| a | b |\n| --- | --- |\n", "~~~", "```", "```python\n", "    ", "<b>", "</b>",
    "<br>", "<!-- c -->", "http://x.y", "<http://x.y>", "<a@b.c>", "[l](u)", "[r]", "[r]: /u", "x_{1}^2",
    "\\alpha", "\\frac{a}{b}", "{{c1::", "}}", "::", "\u00e9", "\t", "\u2028", "\xa0", "!", ":", "=", "+", "~",
    "@", "'", '"', "%", "^", "Question 1: what is ", "$x_{1}^2 + \\alpha_1$", " for $n = 1$?", "$ x$", "$x $",
    "\\\\$", "$5", "$a\\$b$", "\\(a<b\\)", "$a&b>c$",
]  # fmt: skip


def _fuzz(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 25))) for _ in range(n)]


def _corpus() -> list[str]:
    config, _ = load_config(REPO, {})
    cards = parse_all(config)[0]
    texts = [t.value for c in cards for t in (c.front, c.back, c.extra, c.context) if t is not None]
    rng = random.Random(7)
    texts += [bench.card(i, rng) for i in range(60)]
    cases = yaml.safe_load((REPO / "tests" / "cases" / "diagnostics.yml").read_text("utf-8"))
    texts += [text for case in cases for text in case["files"].values() if isinstance(text, str)]
    # plain text with one character Markdown could act on, in the places where it acts
    specials = "\\`*_[]<>&$!#|~{}:=+-0123456789.)\t\u2028\xa0\"'@%^"
    forms = ("a {c}x{c} b", "a \\{c}x b", "{c}x{c}", "{c} x", "{c}{c} x", "x {c}", "x{c}", "1{c} x", "a {c}{c}x{c}{c}")
    near = [form.format(c=c) for c in specials for form in forms]
    near += [n + " and $x_1$" for n in near] + ["$x_1$ " + n for n in near]
    return texts + near + _fuzz(1500, 1)


def test_fastmd_gives_the_same_html_as_python_markdown() -> None:
    plain, fast = new_converter(fast=False), new_converter(fast=True)
    texts = _corpus()
    assert len(texts) > 2000
    assert sum(fastmd.plain_paragraph(fast, t) is not None for t in texts) > 150  # the short cut is exercised
    for text in texts:
        for inline in (False, True):
            assert render_markdown(fast, text, inline=inline) == render_markdown(plain, text, inline=inline), text


def test_fastmd_knows_every_inline_pattern_of_the_pinned_markdown() -> None:
    """If Markdown or pymdown-extensions change a pattern, the speed-up quietly stops for it: say so here."""
    md = new_converter()
    names = [item.name for item in md.inlinePatterns._priority]
    assert sorted(names) == sorted(fastmd.TRIGGERS)
    for name in names:
        assert fastmd.TRIGGERS[name][0] == fastmd.regex_hash(md.inlinePatterns[name]), name


class _Percent(InlineProcessor):  # type: ignore[misc]
    def handleMatch(self, m, data):
        return "PERCENT", m.start(0), m.end(0)


@pytest.mark.parametrize("name", ["entity", "an_extension_of_someone_else"])
def test_fastmd_always_tries_a_pattern_it_does_not_know(name: str) -> None:
    md = new_converter()
    # a pattern under a known name but another expression (another Markdown version), or unknown altogether
    md.inlinePatterns.register(_Percent(r"%%", md), name, 200)
    md = fastmd.install(md)
    assert render_markdown(md, "a %% b") == "<p>a PERCENT b</p>"


def test_fastmd_install_keeps_the_inline_processor_in_its_place() -> None:
    plain, fast = markdown.Markdown(), fastmd.install(markdown.Markdown())
    plain.treeprocessors._sort()
    fast.treeprocessors._sort()
    assert [i.name for i in fast.treeprocessors._priority] == [i.name for i in plain.treeprocessors._priority]
    assert isinstance(fast.treeprocessors["inline"], fastmd.SkippingInlineProcessor)


_FENCE_RE = re.compile(r"^ {0,3}(```|~~~)", re.MULTILINE)


def _code_fields() -> list[str]:
    """Every field of the flagship and of a benchmark deck that holds a code block, and variants of the
    blocks' options (line numbers, highlighted lines, titles, unknown languages, indented code)."""
    config, _ = load_config(REPO, {})
    cards = parse_all(config)[0]
    texts = [t.value for c in cards for t in (c.front, c.back, c.extra, c.context) if t is not None]
    rng = random.Random(3)
    texts += [bench.card(i, rng) for i in range(700)]
    fields = [t for t in texts if _FENCE_RE.search(t)]
    variants = [
        '```python linenums="1"\nx = 1\ny = 2\n```',
        '```python hl_lines="2"\nx = 1\ny = 2\n```',
        '```python title="a.py"\nx = 1\n```',
        "```nosuchlanguage\nx = 1\n```",
        "```\nplain <b> & text\n```",
        "Some text:\n\n    indented = 'code'\n    print(indented)\n",
        "```python\nx = 1\n```\n\n```bash\necho $HOME\n```\n\n```python\nx = 1\n```",
    ]
    return fields + variants


def test_cached_highlighting_gives_byte_identical_html() -> None:
    assert fastmd.cached_highlight() is not None, "the pinned pymdown-extensions is the one analysed"
    uncached = fastmd.install(markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS),
                              highlight=False)  # fmt: skip
    cached = new_converter()
    fields = _code_fields()
    flagship_blocks = sum(len(_FENCE_RE.findall(t)) // 2 for t in fields)
    assert len(fields) > 150 and flagship_blocks > 150
    for text in fields:
        for inline in (False, True):
            html = render_markdown(cached, text, inline=inline)
            assert html == render_markdown(uncached, text, inline=inline), text
    used = fastmd.cached_highlight()
    assert used is not None and 1 <= len(used.formatters) < 10 and 1 <= len(used.lexers) < 40  # type: ignore[attr-defined]


def test_cached_highlighting_builds_one_formatter_per_set_of_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from pymdownx import highlight as hl

    built: list[object] = []
    original = hl.BlockHtmlFormatter.__init__

    def counting(self: object, **options: object) -> None:
        built.append(options.get("cssclass"))
        original(self, **options)

    monkeypatch.setattr(hl.BlockHtmlFormatter, "__init__", counting)
    cls = fastmd.cached_highlight()
    assert cls is not None
    formatters: dict[object, object] = cls.formatters  # type: ignore[attr-defined]
    saved = dict(formatters)
    formatters.clear()
    blocks = [f"```python\nx = {i}\n```" for i in range(20)] + [f"```bash\necho {i}\n```" for i in range(20)]
    try:
        md = new_converter()
        for text in blocks:
            render_markdown(md, text)
        assert len(built) == 1  # the same options for both languages: one formatter
    finally:
        formatters.clear()
        formatters.update(saved)
    plain = fastmd.install(markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS),
                           highlight=False)  # fmt: skip
    built.clear()
    for text in blocks:
        render_markdown(plain, text)
    assert len(built) == len(blocks)  # without the cache, one per block (so the count above can fail)


def test_long_fields_parse_on_a_block_queue_to_the_same_html() -> None:
    """Chunks of QUEUE_FROM blocks or more go through BlockQueue, and more than INLINE_BATCH top-level blocks
    through the inline processor in batches: long fields made of every kind of block (and of
    fuzz, and of the flagship's own fields joined) render exactly as Python-Markdown renders them."""
    plain, fast = new_converter(fast=False), new_converter(fast=True)
    texts = _corpus()
    rng = random.Random(3)
    longs = ["\n\n".join(rng.sample(texts, 90)) for _ in range(15)]
    longs += ["\n\n".join(rng.sample(texts, 2 * fastmd.INLINE_BATCH)) for _ in range(6)]  # batched inline
    longs += ["\n\n".join(_fuzz(120, seed)) for seed in range(10)]
    for text in longs:
        assert text.count("\n\n") >= fastmd.QUEUE_FROM
        assert render_markdown(fast, text) == render_markdown(plain, text), text[:300]


def test_block_queue_behaves_as_a_list() -> None:
    rng = random.Random(11)
    for _ in range(300):
        items = [str(i) for i in range(rng.randint(0, 8))]
        ref, queue = list(items), fastmd.BlockQueue(list(items))
        for step in range(30):
            op = rng.choice(["pop0", "pop", "insert", "set", "get", "append", "slice"])
            if op in ("pop0", "pop", "set", "get") and not ref:
                continue
            i = rng.randint(-len(ref), len(ref) - 1) if ref else 0
            if op == "pop0":
                assert queue.pop(0) == ref.pop(0)
            elif op == "pop":
                assert queue.pop(i) == ref.pop(i)
            elif op == "insert":
                j = rng.randint(-len(ref) - 2, len(ref) + 2)
                ref.insert(j, f"n{step}")
                queue.insert(j, f"n{step}")
            elif op == "set":
                ref[i] = queue[i] = f"s{step}"
            elif op == "get":
                assert queue[i] == ref[i]
            elif op == "append":
                ref.append(f"a{step}")
                queue.append(f"a{step}")
            else:
                assert queue[1:3] == ref[1:3]
            assert list(queue) == ref and len(queue) == len(ref) and bool(queue) == bool(ref)
        with pytest.raises(IndexError):
            queue[len(ref)]
