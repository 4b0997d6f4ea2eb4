"""The build, composed from its stages: discover → parse → check → render → media → package → write.

Every stage returns values and diagnostics; nothing is written when any diagnostic is an error.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from ankigen import check as rules
from ankigen.config import Config
from ankigen.diagnostics import Diagnostic, diag, sort_unique
from ankigen.discover import card_paths, media_files, read_sources, read_text_if_exists, resolve_media
from ankigen.ids import note_guid
from ankigen.lock import LOCK_FILE, Plan, format_lock, parse_lock, plan, report_lines
from ankigen.mathjax import MathJaxUnavailable
from ankigen.mathjax import validate as validate_math
from ankigen.model import Card, MediaFile, RenderedCard, Span
from ankigen.notetypes import NOTE_TYPES, css
from ankigen.package import NoteSpec, build_package
from ankigen.parse import parse_file, section_tag
from ankigen.render import brace_problem, link_media, new_converter, render_card, scan_math
from ankigen.textcheck import control_chars_in
from ankigen.write import write_atomic


@dataclass(frozen=True, slots=True)
class BuildResult:
    diagnostics: tuple[Diagnostic, ...]
    files: int
    cards: tuple[Card, ...] = ()
    notes: tuple[NoteSpec, ...] = ()
    media: tuple[MediaFile, ...] = ()
    output: Path | None = None
    size: int = 0
    written: bool = False
    report: tuple[str, ...] = ()
    plan: Plan | None = None
    mathjax_skipped: str = ""

    @property
    def errors(self) -> int:
        return sum(d.is_error for d in self.diagnostics)

    def deck_counts(self, depth: int = 1) -> list[tuple[str, int]]:
        counts = Counter("::".join(c.section[:depth]) for c in self.cards)
        return sorted(counts.items())


def default_section(config: Config, rel_path: str) -> tuple[str, ...]:
    """The section a file's path implies: folders below ``cards/`` and the file stem, ``_`` read as a space."""
    path = PurePosixPath(rel_path)
    cards_rel = PurePosixPath(config.rel(config.cards_dir))
    if path.is_relative_to(cards_rel):
        path = path.relative_to(cards_rel)
    parts = [*path.parts[:-1], path.stem]
    return tuple(p.replace("_", " ").strip() for p in parts if p.strip())


def parse_all(config: Config, paths: Sequence[Path] = ()) -> tuple[tuple[Card, ...], tuple[Diagnostic, ...], int]:
    """Read and parse every card file; cross-file rules (duplicate ids) included."""
    files = card_paths(config, paths)
    sources, diagnostics = read_sources(config, files)
    found: list[Diagnostic] = list(diagnostics)
    cards: list[Card] = []
    for src in sources:
        parsed, problems = parse_file(src, default_section(config, src.path))
        cards.extend(parsed)
        found.extend(problems)
    if not files:
        found.append(
            diag(
                "E105",
                rules.span_of(config, config.cards_dir),
                f"no card files found in {config.rel(config.cards_dir)!r}",
            )
        )
    found.extend(rules.run_card_rules(cards))
    cards.sort(key=lambda c: (c.section, c.span.path, c.span.line))
    return tuple(cards), tuple(found), len(files)


def _media_name(rel: str, data: bytes) -> str:
    path = PurePosixPath(rel)
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{path.stem}-{digest}{path.suffix.lower()}"


def _collect_media(
    config: Config, rendered: Sequence[RenderedCard]
) -> tuple[dict[tuple[str, str], str], tuple[MediaFile, ...], list[Diagnostic]]:
    """Resolve every image; name each distinct file by its content (identical files are stored once)."""
    names: dict[tuple[str, str], str] = {}
    by_digest: dict[str, MediaFile] = {}
    problems: list[Diagnostic] = []
    for rc in rendered:
        for ref in rc.media:
            key = (rc.card.span.path, ref.target)
            if key in names:
                continue
            if ref.target.startswith(("http://", "https://", "//")):
                problems.append(
                    diag(
                        "E403",
                        ref.span,
                        f"remote image {ref.target!r}; cards must not load anything from the network",
                        help="download the file into media/ and reference it there",
                    )
                )
                continue
            if ref.target.startswith("data:"):
                continue
            resolved = resolve_media(config, rc.card.span.path, ref.target)
            if resolved.problem == "outside":
                problems.append(diag("E402", ref.span, f"image {ref.target!r} is outside the project root"))
                continue
            if resolved.data is None:
                problems.append(
                    diag(
                        "E401",
                        ref.span,
                        f"image {ref.target!r} not found (looked for {resolved.rel!r})",
                        help="paths are relative to the card file, or a name in the media folder",
                    )
                )
                continue
            digest = hashlib.sha256(resolved.data).hexdigest()
            existing = by_digest.get(digest)
            if existing is None or _media_name(resolved.rel, resolved.data) < existing.name:
                by_digest[digest] = MediaFile(_media_name(resolved.rel, resolved.data), resolved.data)
            names[key] = digest
    final = {key: by_digest[digest].name for key, digest in names.items()}
    return final, tuple(sorted(by_digest.values(), key=lambda m: m.name)), problems


def _unused_media(config: Config, rendered: Sequence[RenderedCard]) -> list[Diagnostic]:
    """Files in the media folder that no card references (Anki would not import them anyway)."""
    used = set()
    for rc in rendered:
        for ref in rc.media:
            resolved = resolve_media(config, rc.card.span.path, ref.target)
            used.add(resolved.rel)
    return [
        diag(
            "W402",
            Span(rel),
            f"media file {rel!r} is not used by any card",
            help="reference it from a card, or delete it (Anki imports only media that a note uses)",
        )
        for rel in media_files(config)
        if rel not in used
    ]


def breadcrumb(section: tuple[str, ...]) -> str:
    return html.escape(" › ".join(section))


def note_fields(config: Config, rc: RenderedCard, names: dict[tuple[str, str], str]) -> tuple[str, ...]:
    card = rc.card
    local = {target: name for (path, target), name in names.items() if path == card.span.path}

    def link(fragment: str) -> str:
        return link_media(fragment, local) if local else fragment

    common = (
        link(rc.extra_html),
        link(rc.context_html),
        breadcrumb(card.section),
        html.escape(card.span.path),
        html.escape(card.id),
    )
    if card.back is None:
        return (link(rc.front_html), *common)
    return (link(rc.front_html), link(rc.back_html), *common)


def note_tags(card: Card) -> tuple[str, ...]:
    tags = {section_tag(card.section), *card.tags}
    return tuple(sorted(t for t in tags if t))


def compile_notes(
    config: Config, paths: Sequence[Path] = ()
) -> tuple[tuple[Card, ...], list[tuple[Card, str, NoteSpec]], tuple[MediaFile, ...], list[Diagnostic], int]:
    """Everything up to the package: cards, notes (without final ``mod``), media, diagnostics, file count."""
    cards, diagnostics, files = parse_all(config, paths)
    found = list(diagnostics)
    converter = new_converter()
    rendered: list[RenderedCard] = []
    for card in cards:
        rc, problems = render_card(card, converter)
        rendered.append(rc)
        found.extend(problems)
    found.extend(rules.run_rendered_rules(rendered))
    names, media, media_problems = _collect_media(config, rendered)
    found.extend(media_problems)
    if not paths:
        found.extend(_unused_media(config, rendered))
    notes = []
    for rc in rendered:
        card = rc.card
        spec = NoteSpec(
            guid=note_guid(config.id_namespace, card.id),
            notetype=NOTE_TYPES[card.kind],
            fields=note_fields(config, rc, names),
            tags=note_tags(card),
            deck="::".join((config.deck_name, *card.section)),
            mod=0,
        )
        notes.append((card, content_hash(spec), spec))
    return cards, notes, media, found, files


def content_hash(spec: NoteSpec) -> str:
    """A hash of everything that ends up in the note: fields, tags, note type and deck."""
    h = hashlib.sha256()
    for part in (spec.notetype.name, spec.deck, " ".join(spec.tags), *spec.fields):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:16]


_CLOZE_OPEN_RE = re.compile(r"\{\{c\d+::")


def math_diagnostics(config: Config, cards: Sequence[Card]) -> tuple[list[Diagnostic], str]:
    """Every formula typeset by the real MathJax that Anki uses (``E303`` for each it rejects).

    Returns the diagnostics and, when MathJax could not run (no node, no ``npm ci``), why it was skipped.
    """
    places: dict[tuple[str, bool], list[Span]] = {}
    for card in cards:
        for text in (card.front, card.back, card.extra, card.context):
            if text is None:
                continue
            spans, _unclosed = scan_math(text.value)
            for m in spans:
                tex = text.value[m.body_start : m.body_end]
                # a cloze inside a formula: Anki swaps the deletion for its content (or [...]) before MathJax
                tex = _CLOZE_OPEN_RE.sub("{{", tex)
                if control_chars_in(tex) or brace_problem(tex) is not None:
                    continue  # E106 or E302 already explains this formula
                places.setdefault((tex, m.display), []).append(text.origin.span(text.value, m.start))
    if not places:
        return [], ""
    formulas = list(places)
    results = validate_math(formulas, config.root)
    if isinstance(results, MathJaxUnavailable):
        return [], results.reason
    out = []
    for (tex, _display), message in zip(formulas, results, strict=True):
        if message is None:
            continue
        for span in places[(tex, _display)]:
            out.append(
                diag(
                    "E303",
                    span,
                    f"MathJax cannot typeset this formula: {message}",
                    help="Anki would show a red error box; fix the LaTeX",
                )
            )
    return out, ""


def check(config: Config, paths: Sequence[Path] = (), *, mathjax: bool = True) -> BuildResult:
    cards, _notes, _media, found, files = compile_notes(config, paths)
    skipped = ""
    if mathjax:
        problems, skipped = math_diagnostics(config, cards)
        found.extend(problems)
    return BuildResult(sort_unique(found), files, cards, mathjax_skipped=skipped)


def notetypes_hash() -> str:
    """Changes when the note types' CSS or templates change (their ``mod`` must then advance)."""
    h = hashlib.sha256(css().encode("utf-8"))
    for nt in NOTE_TYPES.values():
        h.update(repr((nt.id, nt.name, nt.fields, nt.templates)).encode("utf-8"))
    return h.hexdigest()[:16]


def _plan(
    config: Config,
    notes: Sequence[tuple[Card, str, NoteSpec]],
    now: int,
    *,
    partial: bool,
    lenient: bool = False,
) -> tuple[Plan | None, tuple[Diagnostic, ...]]:
    text = read_text_if_exists(config.root / LOCK_FILE)
    previous, problems = parse_lock(text or "", LOCK_FILE, lenient=lenient)
    if problems:
        return None, problems
    triples = [(card.id, digest, spec.deck) for card, digest, spec in notes]
    return plan(previous, triples, notetypes_hash(), now, partial=partial), ()


def build(
    config: Config,
    now: int,
    paths: Sequence[Path] = (),
    *,
    strict: bool = False,
    use_lock: bool = True,
    mathjax: bool = True,
) -> BuildResult:
    """Build the package; write it only when no diagnostic is an error (or a warning, under ``strict``).

    With the lock file, unchanged notes keep their recorded ``mod`` and the lock is updated after the package
    is written; without it every note gets ``now``.
    """
    cards, notes, media, found, files = compile_notes(config, paths)
    skipped = ""
    if mathjax:
        problems, skipped = math_diagnostics(config, cards)
        found.extend(problems)
    lock_plan: Plan | None = None
    if use_lock and not any(d.is_error for d in found):
        lock_plan, lock_problems = _plan(config, notes, now, partial=bool(paths))
        found.extend(lock_problems)
    diagnostics = sort_unique(found)
    blocked = any(d.is_error or strict for d in diagnostics)
    if blocked:
        return BuildResult(diagnostics, files, cards, output=config.output, mathjax_skipped=skipped)
    mods = lock_plan.mods if lock_plan else {}
    specs = tuple(replace(spec, mod=mods.get(card.id, now)) for card, _digest, spec in notes)
    model_mod = lock_plan.notetypes_mod if lock_plan else now
    data = build_package(specs, media, model_mod=model_mod)
    write_atomic(config.output, data)
    report: tuple[str, ...] = ()
    if lock_plan is not None:
        lock_text = format_lock(lock_plan.lock)
        if read_text_if_exists(config.root / LOCK_FILE) != lock_text:
            write_atomic(config.root / LOCK_FILE, lock_text.encode("utf-8"))
        report = tuple(report_lines(lock_plan))
    return BuildResult(
        diagnostics,
        files,
        cards,
        specs,
        media,
        config.output,
        len(data),
        written=True,
        report=report,
        plan=lock_plan,
    )


def rebuild_lock(config: Config, now: int) -> BuildResult:
    """Regenerate the lock file from the sources, reading what survives of the old one leniently."""
    cards, notes, _media, found, files = compile_notes(config)
    diagnostics = sort_unique(found)
    if any(d.is_error for d in diagnostics):
        return BuildResult(diagnostics, files, cards)
    lock_plan, _ = _plan(config, notes, now, partial=False, lenient=True)
    assert lock_plan is not None
    write_atomic(config.root / LOCK_FILE, format_lock(lock_plan.lock).encode("utf-8"))
    return BuildResult(diagnostics, files, cards, written=True, report=tuple(report_lines(lock_plan)))
