"""The document the preview page shows, made from what the build produced: every card side filled from the note's
fields by the note type's own templates, its file, line and id, its tags and deck, the diagnostics (each tied to
the card it is about), and for each tag the cards ``--tag`` would select. Pure: no I/O."""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from ankigen.diagnostics import Diagnostic
from ankigen.mathjax import BUNDLE
from ankigen.notetypes import css
from ankigen.package import NoteSpec, card_ordinals
from ankigen.pipeline import BuildResult, tag_index
from ankigen.preview.fill import fill
from ankigen.report import closing_line
from ankigen.unit import CardInfo

#: Anki's reviewer stylesheet (``ts/reviewer/reviewer.scss``), the rules that shape a card; ``body`` is the card
#: column here, as in the reviewer, where the note type's ``.card`` rules apply to the body
REVIEWER_CSS = """
hr { background-color: #c9c9c9; margin: 1em 0; border: none; height: 1px; }
body { overflow-wrap: break-word; }
body.nightMode { background-color: #2c2c2c; color: #fcfcfc; }
img { max-width: 100%; max-height: 95vh; }
li { text-align: start; }
pre { text-align: left; }
.cloze { font-weight: bold; color: blue; }
.nightMode .cloze { color: lightblue; }
"""

#: Anki's MathJax setup (``ts/mathjax/index.ts``); only the path to the bundle is ours
MATHJAX_CONFIG = """window.MathJax = {
  tex: {
    displayMath: [["\\\\[", "\\\\]"]],
    processEscapes: false,
    processEnvironments: false,
    processRefs: false,
    packages: { "[+]": ["noerrors", "mathtools"], "[-]": ["textmacros"] },
  },
  loader: {
    load: ["[tex]/noerrors", "[tex]/mathtools"],
    paths: { mathjax: new URL("../mathjax", document.baseURI).href },
  },
  startup: { typeset: false },
};"""


#: MathJax's CommonHTML fonts (Anki ships them beside the bundle), and where the bundle looks for them
FONTS = BUNDLE.parent / "output" / "chtml" / "fonts" / "woff-v2"
FONTS_URL = "/mathjax/output/chtml/fonts/woff-v2/"


@dataclass(frozen=True, slots=True)
class Entry:
    """One card of a note (a cloze note has one per deletion number), as the page lists it."""

    key: str
    note_id: str
    ordinal: int
    kind: str
    deck: str
    tags: tuple[str, ...]
    path: str
    line: int
    front: str
    back: str
    stale: bool = False

    def digest(self) -> str:
        parts = (self.key, self.deck, " ".join(self.tags), self.path, str(self.line), self.front, self.back)
        return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).hexdigest() + (
            "s" if self.stale else ""
        )


def entries(cards: Sequence[CardInfo], notes: Sequence[NoteSpec]) -> list[Entry]:
    """Every card of every note, front and back as Anki renders them (without the ``<style>`` it puts first)."""
    out: list[Entry] = []
    seen: set[str] = set()
    for card, spec in zip(cards, notes, strict=True):
        ordinals = card_ordinals(card.kind, spec.fields)
        for n in ordinals:
            sides = fill(spec.notetype, spec.fields, n)
            key = card.id if len(ordinals) == 1 and card.kind.value == "basic" else f"{card.id}.c{n}"
            while key in seen:  # a duplicate id (E204) still shows both cards
                key += "+"
            seen.add(key)
            out.append(
                Entry(
                    key,
                    card.id,
                    n,
                    card.kind.value,
                    spec.deck,
                    spec.tags,
                    card.span.path,
                    card.span.line,
                    sides.question,
                    sides.answer,
                )
            )
    return out


def _owner(d: Diagnostic, starts: Mapping[str, list[tuple[int, str]]]) -> str | None:
    """The card a diagnostic is about: the last card of its file that starts at or before its line (else the
    file's first card: a problem above every card, or in a file shown by its last good cards)."""
    lines = starts.get(d.span.path, [])
    best = lines[0][1] if lines else None
    for line, key in lines:
        if line <= d.span.line:
            best = key
    return best


def document(
    deck_name: str,
    shown: Sequence[Entry],
    result: BuildResult,
    *,
    generation: int = 0,
    status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The page's data: cards, diagnostics tied to cards, tags with the cards each selects, decks."""
    # where each card starts in the files as they are now (a stale card is found by its id)
    first_key: dict[tuple[str, str], str] = {}
    for e in shown:
        first_key.setdefault((e.path, e.note_id), e.key)
    starts: dict[str, list[tuple[int, str]]] = {}
    for card in result.cards:
        key = first_key.get((card.span.path, card.id))
        if key is not None:
            starts.setdefault(card.span.path, []).append((card.span.line, key))
    for e in shown:
        if e.stale and first_key[(e.path, e.note_id)] == e.key and (e.line, e.key) not in starts.get(e.path, []):
            starts.setdefault(e.path, []).append((e.line, e.key))
    for lines in starts.values():
        lines.sort()
    diagnostics = []
    for d in result.diagnostics:
        diagnostics.append(
            {
                **d.to_dict(),
                "text": d.concise(),
                "card": _owner(d, starts),
            }
        )
    by_note: dict[str, list[str]] = {}
    for e in shown:
        by_note.setdefault(e.note_id, []).append(e.key)
    notes = list({e.note_id: (e.note_id, e.tags) for e in shown}.values())
    tags = {
        key: {"name": name, "cards": [k for note in chosen for k in by_note.get(note, ())]}
        for key, (name, chosen) in tag_index(notes).items()
    }
    decks = sorted({level for e in shown for level in _levels(e.deck)})
    return {
        "deck": deck_name,
        "generation": generation,
        "summary": closing_line(result.diagnostics, result.files),
        "errors": result.errors,
        "warnings": len(result.diagnostics) - result.errors,
        "usage_errors": list(result.usage_errors),
        "mathjax_skipped": result.mathjax_skipped,
        "status": dict(status or {}),
        "cards": [
            {
                "key": e.key,
                "id": e.note_id,
                "ord": e.ordinal,
                "kind": e.kind,
                "deck": e.deck,
                "tags": list(e.tags),
                "path": e.path,
                "line": e.line,
                "front": e.front,
                "back": e.back,
                "stale": e.stale,
                "hash": e.digest(),
            }
            for e in shown
        ],
        "diagnostics": diagnostics,
        "tags": tags,
        "decks": decks,
    }


def _levels(deck: str) -> Iterable[str]:
    parts = deck.split("::")
    return ("::".join(parts[: i + 1]) for i in range(len(parts)))


def data_script(doc: Mapping[str, Any]) -> bytes:
    """The document as a script that sets ``window.AG_PREVIEW`` (what the page loads from ``file://`` too)."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f"window.AG_PREVIEW = {text};\n".encode()


def asset(name: str) -> bytes:
    return files("ankigen.preview").joinpath("assets", name).read_bytes()


def index_html(deck_name: str, *, live: bool) -> bytes:
    """The page: its chrome, and the reviewer frame's document (note type CSS, reviewer CSS, MathJax setup)."""
    frame = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<base href="media/">'
        f"<style>{REVIEWER_CSS}</style>"
        f'<style id="pv-notetype">{css()}</style>'
        f"<style>{asset('frame.css').decode('utf-8')}</style>"
        f"<script>{MATHJAX_CONFIG}</script>"
        '<script src="../mathjax/tex-chtml-full.js"></script>'
        '</head><body class="pv-frame"><div id="pv-list"></div></body></html>'
    )
    shell = asset("index.html").decode("utf-8")
    return (
        shell.replace("{{title}}", html.escape(deck_name))
        .replace("{{frame}}", html.escape(frame, quote=True))
        .replace("{{live}}", "true" if live else "false")
        .encode("utf-8")
    )
