"""On-disk caches that make rebuilds cheap: rendered HTML per field, and MathJax verdicts per formula.

One JSON file, keyed by hashes of the input *and* of everything that shapes the output (ankigen's renderer
version, the versions of Markdown, pymdown-extensions and Pygments, the MathJax checker), so a version change
can never serve stale HTML. The file carries a checksum of its entries: a damaged or hand-edited cache is
detected and dropped, never trusted. Reading and writing the file happen in ``discover``/``write``; this
module only holds the values.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ankigen.diagnostics import Diagnostic
from ankigen.model import Card, NoteKind, Span, Text, TextOrigin
from ankigen.render import EXTENSION_CONFIGS, EXTENSIONS, RENDERER_VERSION

#: Bump when the parser's output for the same file changes (it keys the parse cache).
PARSER_VERSION = "1"

CACHE_FORMAT = 2


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover - an editable checkout without metadata
        return "unknown"


def renderer_stamp() -> str:
    """Everything that changes the HTML produced for the same Markdown."""
    parts = [
        RENDERER_VERSION,
        _version("markdown"),
        _version("pymdown-extensions"),
        _version("pygments"),
        repr(EXTENSIONS),
        repr(sorted((k, sorted(v.items())) for k, v in EXTENSION_CONFIGS.items())),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(slots=True)
class Cache:
    """In-memory view of the cache file. ``dirty`` says whether it needs writing back."""

    render_stamp: str
    math_stamp: str = ""
    html: dict[str, str] = field(default_factory=dict)
    math: dict[str, str | None] = field(default_factory=dict)
    clean: set[str] = field(default_factory=set)  # html keys whose source has no math or cloze problems
    parsed: dict[str, Any] = field(default_factory=dict)  # file key -> serialised cards and diagnostics
    dirty: bool = False
    problem: str = ""  # why an existing cache file was dropped

    # -- rendered HTML
    def html_key(self, text: str, inline: bool) -> str:
        return _key(self.render_stamp, "i" if inline else "b", text)

    def get_html(self, text: str, inline: bool) -> str | None:
        return self.html.get(self.html_key(text, inline))

    def put_html(self, text: str, inline: bool, html: str) -> None:
        key = self.html_key(text, inline)
        if self.html.get(key) != html:
            self.html[key] = html
            self.dirty = True

    # -- MathJax verdicts
    def math_key(self, tex: str, display: bool) -> str:
        return _key(self.math_stamp, "d" if display else "i", tex)

    # -- parsed files
    def parse_key(self, path: str, text: str, section: tuple[str, ...]) -> str:
        return _key(PARSER_VERSION, self.render_stamp, path, "::".join(section), text)

    def get_parsed(self, key: str) -> tuple[tuple[Card, ...], tuple[Diagnostic, ...]] | None:
        entry = self.parsed.get(key)
        if entry is None:
            return None
        return tuple(_card(c) for c in entry["cards"]), tuple(_diagnostic(d) for d in entry["diagnostics"])

    def put_parsed(self, key: str, cards: tuple[Card, ...], diagnostics: tuple[Diagnostic, ...]) -> None:
        self.parsed[key] = {
            "cards": [_card_json(c) for c in cards],
            "diagnostics": [_diag_json(d) for d in diagnostics],
        }
        self.dirty = True

    def prune_parsed(self, used: set[str]) -> None:
        if set(self.parsed) - used:
            self.parsed = {k: v for k, v in self.parsed.items() if k in used}
            self.dirty = True

    def prune(self, used_html: set[str], used_math: set[str]) -> None:
        """Forget entries this build did not use, so the file does not grow forever."""
        if set(self.html) - used_html or set(self.math) - used_math:
            self.html = {k: v for k, v in self.html.items() if k in used_html}
            self.clean &= used_html
            self.math = {k: v for k, v in self.math.items() if k in used_math}
            self.dirty = True


def _checksum(body_text: str) -> str:
    return hashlib.sha256(body_text.encode("utf-8")).hexdigest()


def load_cache(text: str | None, render_stamp: str, math_stamp: str) -> Cache:
    """A cache from the file's text (None: no file). Anything unexpected drops the whole file.

    The file is a header line (format and the checksum of the rest) and the body, one JSON document each.
    """
    cache = Cache(render_stamp, math_stamp)
    if text is None:
        return cache
    try:
        header_text, _, body_text = text.partition("\n")
        header = json.loads(header_text)
        if header.get("format") != CACHE_FORMAT or header.get("checksum") != _checksum(body_text):
            raise ValueError("checksum mismatch")
        body = json.loads(body_text)
        if body.get("render_stamp") == render_stamp:
            cache.html = {str(k): str(v) for k, v in body["html"].items()}
            cache.clean = {str(k) for k in body["clean"]}
            cache.parsed = dict(body["parsed"])
        if body.get("math_stamp") == math_stamp and math_stamp:
            cache.math = {str(k): (None if v is None else str(v)) for k, v in body["math"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        cache.problem = f"render cache was damaged and is rebuilt ({exc.__class__.__name__})"
        cache.html, cache.clean, cache.parsed, cache.math = {}, set(), {}, {}
        cache.dirty = True
    return cache


def dump_cache(cache: Cache) -> str:
    body = {
        "render_stamp": cache.render_stamp,
        "math_stamp": cache.math_stamp,
        "html": cache.html,
        "clean": sorted(cache.clean),
        "parsed": cache.parsed,
        "math": cache.math,
    }
    body_text = json.dumps(body, ensure_ascii=False)
    header = json.dumps({"format": CACHE_FORMAT, "checksum": _checksum(body_text)})
    return header + "\n" + body_text


# -- (de)serialising parsed cards: plain JSON, never pickle (a cache file must not be able to run code)
def _span_json(s: Span) -> list[Any]:
    return [s.path, s.line, s.col]


def _span(v: list[Any]) -> Span:
    return Span(str(v[0]), int(v[1]), int(v[2]))


def _text_json(t: Text | None) -> Any:
    if t is None:
        return None
    return [t.value, t.origin.path, [list(x) for x in t.origin.line_starts], t.origin.exact]


def _text(v: Any) -> Text | None:
    if v is None:
        return None
    return Text(str(v[0]), TextOrigin(str(v[1]), tuple((int(a), int(b)) for a, b in v[2]), bool(v[3])))


def _card_json(c: Card) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind.value,
        "section": list(c.section),
        "front": _text_json(c.front),
        "back": _text_json(c.back),
        "extra": _text_json(c.extra),
        "context": _text_json(c.context),
        "tags": list(c.tags),
        "span": _span_json(c.span),
        "id_span": _span_json(c.id_span),
        "explicit_id": c.explicit_id,
        "refs": list(c.refs),
    }


def _card(v: dict[str, Any]) -> Card:
    front = _text(v["front"])
    assert front is not None
    return Card(
        id=str(v["id"]),
        kind=NoteKind(v["kind"]),
        section=tuple(v["section"]),
        front=front,
        back=_text(v["back"]),
        extra=_text(v["extra"]),
        context=_text(v["context"]),
        tags=tuple(v["tags"]),
        span=_span(v["span"]),
        id_span=_span(v["id_span"]),
        explicit_id=bool(v["explicit_id"]),
        refs=tuple(v["refs"]),
    )


def _diag_json(d: Diagnostic) -> list[Any]:
    return [d.code, _span_json(d.span), d.message, d.help]


def _diagnostic(v: list[Any]) -> Diagnostic:
    return Diagnostic(str(v[0]), _span(v[1]), str(v[2]), str(v[3]))
