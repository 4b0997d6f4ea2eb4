"""Speed-ups for Python-Markdown that never change its output.

Python-Markdown tries every inline pattern (about fifteen with our extensions) on every piece of text, even
when the text lacks the one character the pattern starts with: no ``[`` means no link can match, no ``&`` no
entity. On card-sized fields those failed attempts are about a third of the rendering time. The inline
processor below skips a pattern when none of its trigger characters occurs in the text, which is exactly
what the failed attempt would have concluded.

Each trigger set is tied to the pattern's regular expression as published by the Markdown version we
analysed (by hash): when a pattern's expression differs (another Markdown or pymdown-extensions version, or
an extension we do not know), that pattern is always tried, as Python-Markdown would. ``tests/test_fastmd.py``
renders a corpus with and without the speed-up and requires identical HTML.

Long fields: Python-Markdown's block processors, and its inline processor's work list, take items from the front
of a list, which costs the list's length each time; ``BlockQueue`` holds a long chunk's blocks reversed, and the
inline processor takes the top-level blocks in batches, so that the time stays linear in the field.

Code blocks: pymdown-extensions' highlighter looks up a Pygments lexer and builds a new ``HtmlFormatter`` (whose
style table alone costs as much as highlighting a short block) for every block. ``CachedHighlight`` keeps one lexer
per language and options and one formatter per set of options; both are stateless between uses, so the HTML is
the same byte for byte (``tests/test_fastmd.py`` compares every code block of the flagship and benchmark decks).
"""

from __future__ import annotations

import hashlib
import re
import types
from collections.abc import Callable
from typing import Any

import markdown
from markdown import util
from markdown.treeprocessors import InlineProcessor

#: pattern name -> (hash of its regular expression, characters one of which every match contains)
TRIGGERS: dict[str, tuple[str, str]] = {
    "backtick": ("231bee70302e704d", "`"),
    "escape": ("51a11c21258d37ec", "\\"),
    "reference": ("0aca4cbc7f7995e2", "["),
    "link": ("0aca4cbc7f7995e2", "["),
    "image_link": ("3bd0cb9cfeedd718", "["),
    "image_reference": ("3bd0cb9cfeedd718", "["),
    "short_reference": ("0aca4cbc7f7995e2", "["),
    "short_image_ref": ("3bd0cb9cfeedd718", "["),
    "autolink": ("7cc379585f40fe69", "<"),
    "automail": ("64b9f843dff4e149", "<"),
    "linebreak": ("75df45fedc69aea0", "\n"),
    "html": ("47eec514cf83c77b", "<"),
    "entity": ("59f41c098c4b4533", "&"),
    "em_strong": ("1d6aeef067c22aba", "*_"),
}


def regex_hash(pattern: Any) -> str:
    """The short hash that ties a trigger set to one pattern's regular expression."""
    compiled = getattr(pattern, "compiled_re", None)
    source = getattr(compiled, "pattern", None)
    if not isinstance(source, str):
        return ""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


#: top-level blocks the inline processor takes at a time (its cost per block grows with the batch)
INLINE_BATCH = 256


class SkippingInlineProcessor(InlineProcessor):  # type: ignore[misc]  # markdown's types are partial
    """Python-Markdown's inline processor, minus the attempts that cannot match."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._plan: tuple[list[Any], list[Callable[[str], object] | None]] | None = None
        self.all_known = False  # every inline pattern is one we analysed: ``plain_paragraph`` may run

    def _patterns(self) -> tuple[list[Any], list[Callable[[str], object] | None]]:
        # Built on first use (extensions register their patterns after this processor exists) and again
        # whenever the registry changed (registering or removing a pattern marks it unsorted).
        registry = self.inlinePatterns
        if self._plan is None or not registry._is_sorted:
            patterns = list(registry)  # sorts the registry, so _priority is in the same order
            triggers: list[Callable[[str], object] | None] = []
            for index, pattern in enumerate(patterns):
                known = TRIGGERS.get(registry._priority[index].name)
                if known and known[0] == regex_hash(pattern):
                    triggers.append(re.compile("[" + re.escape(known[1]) + "]").search)
                else:
                    triggers.append(None)
            self._plan = (patterns, triggers)
            self.all_known = all(t is not None for t in triggers)
        return self._plan

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        """As ``InlineProcessor.run``, on the top-level blocks in batches: its work list is taken from the front
        (``pop(0)``), n^2 for a field of n blocks. A batch is the same element with the same ancestors, so every
        block is processed as it would be in the whole tree (the stash is per text, not per tree)."""
        children = list(tree)
        if len(children) <= INLINE_BATCH:
            return super().run(tree, ancestors)
        done: list[Any] = []
        for i in range(0, len(children), INLINE_BATCH):
            batch = tree.makeelement(tree.tag, {})
            batch.extend(children[i : i + INLINE_BATCH])
            super().run(batch, ancestors)
            done.extend(batch)
        tree[:] = done
        return tree

    def _InlineProcessor__handleInline(self, data: Any, patternIndex: int = 0) -> Any:
        """As ``InlineProcessor.__handleInline``, skipping a pattern whose trigger characters are absent."""
        if isinstance(data, util.AtomicString):
            return data
        patterns, triggers = self._patterns()
        apply = self._InlineProcessor__applyPattern
        start = 0
        count = len(patterns)
        while patternIndex < count:
            trigger = triggers[patternIndex]
            if trigger is not None and trigger(data) is None:
                patternIndex += 1
                start = 0  # what a failed attempt returns
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


# ------------------------------------------------------------------------------------- plain paragraphs
# Outside formulas, a character Python-Markdown could act on: markup, HTML and entities, escapes, and
# control characters (which its preprocessors rewrite). Without any of them a one-line field is a plain
# paragraph whose only markup is inline math.
_MARKUP = re.compile(r"[\x00-\x1f\x7f\\`*_\[\]<>&$]")
_LEADING = re.compile(r"[\d\s\-+*=>#~|<]")  # a list, heading, rule, quote, fence or indent: block syntax


def plain_paragraph(md: markdown.Markdown, text: str) -> str | None:
    """What ``md.convert(text)`` gives, computed directly, for a one-line field of plain text (a typical
    question, its formulas already swapped for placeholders by ``protect``); None for anything else, which
    Markdown must render.

    Exact by construction: none of the characters an inline pattern starts with occurs in the text, and it
    does not start with block syntax. Only offered when ``md`` runs exactly the inline patterns we analysed.
    """
    processor = md.treeprocessors["inline"]
    if not isinstance(processor, SkippingInlineProcessor):
        return None
    processor._patterns()
    if not processor.all_known or not text or "\n" in text or text != text.strip() or _LEADING.match(text):
        return None
    if _MARKUP.search(text):
        return None
    return "<p>" + text + "</p>"


def convert(md: markdown.Markdown, text: str) -> str:
    """``md.convert(text)`` after a reset, through ``plain_paragraph`` when it applies."""
    fast = plain_paragraph(md, text)
    if fast is not None:
        return fast
    md.reset()
    return str(md.convert(text))


# ------------------------------------------------------------------------------------------- code blocks
def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _cached_factory(cls: type, cache: dict[Any, Any]) -> Callable[..., Any]:
    """``cls(**options)``, built once per distinct set of options."""

    def make(**options: Any) -> Any:
        key = _frozen(options)
        made = cache.get(key)
        if made is None:
            made = cache[key] = cls(**options)
        return made

    return make


def _highlighter() -> type | None:
    """``pymdownx.highlight.Highlight`` with cached lexers and formatters, or None where its code is not the
    one we analysed (it must build its formatters through these two module names and guess no language)."""
    try:
        from pymdownx import highlight as hl
    except ImportError:  # pragma: no cover - a dependency of ankigen
        return None
    method: Any = getattr(getattr(hl, "Highlight", None), "highlight", None)
    code = getattr(method, "__code__", None)
    needed = ("InlineHtmlFormatter", "BlockHtmlFormatter")
    if code is None or not all(name in code.co_names and hasattr(hl, name) for name in needed):
        return None
    formatters: dict[Any, Any] = {}
    scope = dict(vars(hl))
    for name in needed:
        scope[name] = _cached_factory(getattr(hl, name), formatters)
    # the very code of ``Highlight.highlight``, reading the two formatter names from a scope of its own
    highlight = types.FunctionType(code, scope, method.__name__, method.__defaults__, method.__closure__)
    lexers: dict[Any, Any] = {}

    def get_lexer(self: Any, src: str, language: str, inline: bool, stripnl: bool) -> Any:
        if self.guess_lang is not False:  # the lexer may depend on the code itself
            return hl.Highlight.get_lexer(self, src, language, inline, stripnl)
        key = (language, inline, stripnl, self.default_lang, _frozen(self.extend_pygments_lang))
        found = lexers.get(key)
        if found is None:
            found = lexers[key] = hl.Highlight.get_lexer(self, src, language, inline, stripnl)
        return found

    members = {"highlight": highlight, "get_lexer": get_lexer, "formatters": formatters, "lexers": lexers}
    return type("CachedHighlight", (hl.Highlight,), members)


_CACHED_HIGHLIGHT: list[type | None] = []


def cached_highlight() -> type | None:
    """The ``CachedHighlight`` class (one per process, so its caches are shared), None if unavailable."""
    if not _CACHED_HIGHLIGHT:
        _CACHED_HIGHLIGHT.append(_highlighter())
    return _CACHED_HIGHLIGHT[0]


def _install_highlight(md: markdown.Markdown) -> None:
    cls = cached_highlight()
    if cls is None:
        return
    for ext in md.registeredExtensions:
        if hasattr(ext, "get_pymdownx_highlighter"):
            ext.get_pymdownx_highlighter = lambda: cls  # fenced blocks (superfences asks on every run)
    # markdown.util.Registry has no .get()
    indented: Any = md.treeprocessors["indent-highlight"] if "indent-highlight" in md.treeprocessors else None  # noqa: SIM401
    run: Any = getattr(type(indented), "run", None)
    code = getattr(run, "__code__", None)
    if indented is not None and code is not None and "Highlight" in code.co_names:
        scope = {**run.__globals__, "Highlight": cls}
        indented.run = types.MethodType(types.FunctionType(code, scope, run.__name__, run.__defaults__), indented)


class BlockQueue:
    """The blocks of a chunk, front first, for Python-Markdown's block processors, which take blocks only from
    the front: ``blocks[0]``, ``blocks.pop(0)``, ``blocks.insert(0, rest)``. On a plain list each of those costs
    the length of the list, so a field of n paragraphs took n^2 time (a 5 MB answer: 50,000 blocks). Kept
    reversed, the front is the end of the list, where they cost nothing. Any other index works too (slower)."""

    __slots__ = ("_rev",)

    def __init__(self, blocks: list[str]) -> None:
        self._rev = blocks[::-1]

    def __len__(self) -> int:
        return len(self._rev)

    def __bool__(self) -> bool:
        return bool(self._rev)

    def __iter__(self) -> Any:
        return reversed(self._rev)

    def _at(self, index: int) -> int:
        n = len(self._rev)
        if not -n <= index < n:
            raise IndexError("block index out of range")
        return n - 1 - (index % n)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return list(self)[index]
        return self._rev[self._at(index)]

    def __setitem__(self, index: int, value: str) -> None:
        self._rev[self._at(index)] = value

    def pop(self, index: int = -1) -> str:
        return self._rev.pop(self._at(index))

    def insert(self, index: int, value: str) -> None:
        n = len(self._rev)
        index = max(0, min(n, index if index >= 0 else n + index))
        self._rev.insert(n - index, value)

    def append(self, value: str) -> None:
        self._rev.insert(0, value)

    def extend(self, values: Any) -> None:
        for value in values:
            self.append(value)


#: below this many blocks a plain list is as fast (and what every processor was written against)
QUEUE_FROM = 64


def _parse_blocks(parser: Any, parent: Any, blocks: list[str]) -> None:
    """``BlockParser.parseBlocks`` on a ``BlockQueue`` when the chunk has many blocks; the list passed in is
    consumed as the original consumes it."""
    if len(blocks) < QUEUE_FROM:
        type(parser).parseBlocks(parser, parent, blocks)
        return
    queue = BlockQueue(blocks)
    blocks.clear()
    type(parser).parseBlocks(parser, parent, queue)


def install(md: markdown.Markdown, *, highlight: bool = True) -> markdown.Markdown:
    """Swap ``md``'s inline processor for the skipping one (same name and priority), and offer
    ``plain_paragraph`` when every inline pattern is one we analysed; parse long chunks on a ``BlockQueue``;
    with ``highlight``, code blocks are highlighted with cached lexers and formatters."""
    priority = next(item.priority for item in md.treeprocessors._priority if item.name == "inline")
    md.treeprocessors.register(SkippingInlineProcessor(md), "inline", priority)
    md.parser.parseBlocks = types.MethodType(_parse_blocks, md.parser)
    if highlight:
        _install_highlight(md)
    return md
