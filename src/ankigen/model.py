"""Immutable values that cross stage boundaries.

Nothing here does I/O or imports another ankigen module: stages exchange these values and return new ones.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from enum import Enum


@functools.lru_cache(maxsize=8)
def newline_offsets(text: str) -> tuple[int, ...]:
    """The offsets of the newlines of ``text``, found once per field (spans are asked for every formula)."""
    out = []
    at = text.find("\n")
    while at != -1:
        out.append(at)
        at = text.find("\n", at + 1)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Span:
    """A place in a source file: path relative to the project root (POSIX), 1-based line and column."""

    path: str
    line: int = 1
    col: int = 1


@dataclass(frozen=True, slots=True)
class TextOrigin:
    """Where a field's text came from, so an offset inside the text maps back to the file.

    ``line_starts`` holds, for each line of the text, the (line, col) in the file of its first character.
    Text whose lines are not verbatim slices of the file (a folded YAML scalar) has ``exact=False`` and every
    offset maps to the field's start.
    """

    path: str
    line_starts: tuple[tuple[int, int], ...]
    exact: bool = True

    @classmethod
    def verbatim(cls, path: str, line: int, col: int, text: str, indent: int = 0) -> TextOrigin:
        """Text that stands in the file line by line; lines after the first start at column ``indent + 1``."""
        n = text.count("\n") + 1
        starts = [(line, col)] + [(line + i, indent + 1) for i in range(1, n)]
        return cls(path, tuple(starts))

    @classmethod
    def at(cls, span: Span) -> TextOrigin:
        return cls(span.path, ((span.line, span.col),), exact=False)

    def span(self, text: str, offset: int) -> Span:
        """The file position of ``text[offset]``."""
        if not self.exact:
            line, col = self.line_starts[0]
            return Span(self.path, line, col)
        newlines = newline_offsets(text)
        before = bisect.bisect_left(newlines, offset)  # newlines before ``offset``: O(log n), not O(offset)
        row = min(before, len(self.line_starts) - 1)
        line_begin = newlines[before - 1] + 1 if before else 0
        line, col = self.line_starts[row]
        return Span(self.path, line, col + (offset - line_begin))

    @property
    def start(self) -> Span:
        line, col = self.line_starts[0]
        return Span(self.path, line, col)


@dataclass(frozen=True, slots=True)
class Text:
    """A Markdown field value with its origin."""

    value: str
    origin: TextOrigin


class NoteKind(str, Enum):
    BASIC = "basic"
    CLOZE = "cloze"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A card file as read from disk: its path relative to the root, and its text."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class Card:
    """A parsed card, before rendering.

    ``front`` is the question (basic) or the cloze text (cloze); ``back`` is empty for cloze notes.
    ``section`` is the deck path below the root deck.
    """

    id: str
    kind: NoteKind
    section: tuple[str, ...]
    front: Text
    back: Text | None
    extra: Text | None
    context: Text | None
    tags: tuple[str, ...]
    span: Span
    id_span: Span
    explicit_id: bool = True
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MediaRef:
    """An image reference found while rendering: the path as written and where it was written."""

    target: str
    span: Span


@dataclass(frozen=True, slots=True)
class RenderedCard:
    """A card rendered to Anki HTML, with the media it references (by the name used in the HTML)."""

    card: Card
    front_html: str
    back_html: str
    extra_html: str
    context_html: str
    media: tuple[MediaRef, ...] = ()


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A media file to package: the name Anki will know it by, and its bytes."""

    name: str
    data: bytes = field(repr=False)
