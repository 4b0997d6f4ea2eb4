"""Lint rules over parsed and rendered cards. One function per rule, named after what it forbids.

Pure: cards in, diagnostics out. Rules that need the file system (media) live in the pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Protocol

from ankigen.config import Config
from ankigen.diagnostics import Diagnostic, diag
from ankigen.model import Card, RenderedCard, Span, Text
from ankigen.render import image_targets

LONG_FRONT_WORDS = 60


def span_of(config: Config, path: Path) -> Span:
    return Span(config.rel(path))


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", text.lower())).strip()


# ---------------------------------------------------------------------------------- across the project
class Keyed(Protocol):
    """What the project-wide rules need of a card (a compiled ``CardInfo``)."""

    @property
    def id(self) -> str: ...
    @property
    def section(self) -> tuple[str, ...]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def span(self) -> Span: ...
    @property
    def id_span(self) -> Span: ...
    @property
    def question(self) -> str: ...


def question_key(card: Card) -> str:
    """The normalised context and question: two cards of a deck with the same key ask the same thing."""
    context = _normal(card.context.value) if card.context else ""
    return context + "\x1f" + _normal(card.front.value)


def duplicate_id(cards: Sequence[Keyed]) -> Iterator[Diagnostic]:
    first: dict[str, Keyed] = {}
    for card in cards:
        if card.id in first:
            other = first[card.id].id_span
            yield diag(
                "E204",
                card.id_span,
                f"duplicate card id {card.id!r} (first used at {other.path}:{other.line})",
                help="ids must be unique in the project: the note's identity in Anki comes from it",
            )
        else:
            first[card.id] = card


def tag_case_conflict(cards: Sequence[Keyed]) -> Iterator[Diagnostic]:
    seen: dict[str, tuple[str, Keyed]] = {}
    for card in cards:
        for tag in card.tags:
            key = tag.lower()
            if key in seen and seen[key][0] != tag:
                first, where = seen[key]
                yield diag(
                    "W203",
                    card.span,
                    f"tag {tag!r} differs only in case from {first!r} ({where.span.path}:{where.span.line}); "
                    "Anki treats them as one tag",
                )
            else:
                seen.setdefault(key, (tag, card))


def duplicate_question(cards: Sequence[Keyed]) -> Iterator[Diagnostic]:
    seen: dict[tuple[tuple[str, ...], str], Keyed] = {}
    for card in cards:
        key = (card.section, card.question)
        if key in seen:
            other = seen[key].span
            yield diag("W204", card.span, f"same question as {other.path}:{other.line} in this deck")
        else:
            seen[key] = card


PROJECT_RULES = (duplicate_id, tag_case_conflict, duplicate_question)


def run_project_rules(cards: Sequence[Keyed]) -> list[Diagnostic]:
    """Rules across files; each sees the cards in file and line order (the first one wins)."""
    ordered = sorted(cards, key=lambda c: (c.span.path, c.span.line))
    return [d for rule in PROJECT_RULES for d in rule(ordered)]


# ---------------------------------------------------------------------------------------- one card alone
def answer_repeats_question(cards: Sequence[Card]) -> Iterator[Diagnostic]:
    for card in cards:
        if card.back is None or len(card.back.value) > 2 * len(card.front.value) + 20:
            continue  # much longer than the question: cannot be a repeat
        if _normal(card.back.value) == _normal(card.front.value):
            yield diag("W205", card.back.origin.start, "answer only repeats the question")


def long_question(cards: Sequence[Card]) -> Iterator[Diagnostic]:
    for card in cards:
        if card.back is None:
            continue
        words = len(card.front.value.split())
        if words > LONG_FRONT_WORDS:
            yield diag(
                "W206",
                card.front.origin.start,
                f"question has {words} words (more than {LONG_FRONT_WORDS}); a long front is hard to recall",
                help="split the card, or move the premise into 'context'",
            )


FILE_RULES = (answer_repeats_question, long_question)


def run_file_rules(cards: Sequence[Card]) -> list[Diagnostic]:
    """Rules on parsed cards that need nothing outside their file."""
    return [d for rule in FILE_RULES for d in rule(cards)]


# --------------------------------------------------------------------------------------- rendered cards
def _fields(rc: RenderedCard) -> Iterable[tuple[str, str, Span]]:
    card = rc.card
    yield "question", rc.front_html, card.front.origin.start
    if card.back is not None:
        yield "answer", rc.back_html, card.back.origin.start
    if card.extra is not None:
        yield "extra", rc.extra_html, card.extra.origin.start
    if card.context is not None:
        yield "context", rc.context_html, card.context.origin.start


_MATH_HTML_RE = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
_CODE_HTML_RE = re.compile(r"<(code|pre)\b.*?</\1>", re.DOTALL | re.IGNORECASE)


def image_without_alt(rendered: Sequence[RenderedCard]) -> Iterator[Diagnostic]:
    for rc in rendered:
        for ref, (_target, alt) in zip(rc.media, _all_images(rc), strict=False):
            if not alt or not alt.strip():
                yield diag("W401", ref.span, f"image {ref.target!r} has no alt text")


def _all_images(rc: RenderedCard) -> list[tuple[str, str | None]]:
    out = []
    for _name, fragment, _span in _fields(rc):
        out.extend(image_targets(fragment))
    return out


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag in self.stack:
            while self.stack and self.stack[-1] != tag:
                self.problems.append(f"<{self.stack.pop()}> is never closed")
            self.stack.pop()
        else:
            self.problems.append(f"</{tag}> closes nothing")


_RAW_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")


def _sources(rc: RenderedCard) -> dict[str, Text | None]:
    """Each rendered field's Markdown source, by the names ``_fields`` uses."""
    card = rc.card
    return {"question": card.front, "answer": card.back, "extra": card.extra, "context": card.context}


def broken_html(rendered: Sequence[RenderedCard]) -> Iterator[Diagnostic]:
    """Raw HTML in a card that leaves tags open or closes tags that were never opened.

    Markdown's own output is balanced, so only fields whose source holds raw tags are parsed.
    """
    for rc in rendered:
        sources = _sources(rc)
        for name, fragment, span in _fields(rc):
            source = sources[name]
            if source is None or not _RAW_TAG_RE.search(source.value):
                continue
            parser = _TagBalance()
            parser.feed(fragment)
            parser.close()
            problems = parser.problems + [f"<{t}> is never closed" for t in parser.stack]
            if problems:
                yield diag("E305", span, f"broken HTML in the {name}: {problems[0]}")


RENDERED_RULES = (image_without_alt, broken_html)


def run_rendered_rules(rendered: Sequence[RenderedCard]) -> list[Diagnostic]:
    return [d for rule in RENDERED_RULES for d in rule(rendered)]
