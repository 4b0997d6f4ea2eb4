"""The lock file: per note, a hash of its content and the time that content last changed.

Anki applies a re-imported note only when the package's ``mod`` is newer than the collection's. Stamping
every note with the build time rewrites every note on each import (and wipes what the user changed inside
Anki); a constant time loses every edit. The lock gives unchanged notes their recorded time and changed or new
notes the build time, so a rebuild changes exactly what changed, and the same sources give the same bytes.

Format (plain text, sorted, one line per note, merge-friendly)::

    # ankigen.lock ...
    @namespace <id namespace>
    @deck <root deck>
    @notetypes <hash> <mod>
    <card id> <content hash> <mod> <deck name>

``@namespace`` and ``@deck`` record the project's identity (absent in the first release of the format: then the
root deck is read off the entries, and the namespace was the deck name).

Pure: text in, entries and diagnostics out; reading and writing the file happen in the pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ankigen.diagnostics import Diagnostic, diag
from ankigen.model import Span

LOCK_FILE = "ankigen.lock"
HEADER = (
    "# ankigen.lock: content hash and last-changed time of every note, so rebuilds update only what changed.\n"
    "# Commit this file. Regenerate with `ankigen lock --rebuild` (for example after a merge conflict).\n"
)
_LINE_RE = re.compile(r"(?P<id>\S+) (?P<hash>[0-9a-f]{16}) (?P<mod>\d+) (?P<deck>\S.*)\Z")
_NOTETYPES_RE = re.compile(r"@notetypes (?P<hash>[0-9a-f]{16}) (?P<mod>\d+)\Z")
_IDENTITY_RE = re.compile(r"@(?P<key>namespace|deck) (?P<value>\S.*)\Z")
_CONFLICT_RE = re.compile(r"^(<{7}|={7}|>{7}|\|{7})( |$)")


@dataclass(frozen=True, slots=True)
class Entry:
    hash: str
    mod: int
    deck: str


@dataclass(frozen=True, slots=True)
class Lock:
    notes: Mapping[str, Entry] = field(default_factory=dict)
    notetypes: Entry | None = None
    namespace: str = ""  # "" in a lock of the first release (or no lock)
    deck: str = ""


def parse_lock(text: str, path: str = LOCK_FILE, *, lenient: bool = False) -> tuple[Lock, tuple[Diagnostic, ...]]:
    """Parse a lock file. With ``lenient`` (for ``lock --rebuild``) bad lines are skipped, and where a merge
    left an id twice the newer time wins."""
    notes: dict[str, Entry] = {}
    notetypes: Entry | None = None
    identity: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        if _CONFLICT_RE.match(line):
            problems.append(
                diag(
                    "E501",
                    Span(path, number, 1),
                    "merge conflict marker in lock file",
                    help="run `ankigen lock --rebuild` to regenerate it from the sources",
                )
            )
            continue
        m = _NOTETYPES_RE.match(line)
        if m:
            notetypes = Entry(m["hash"], int(m["mod"]), "")
            continue
        m = _IDENTITY_RE.match(line)
        if m:
            identity.setdefault(m["key"], m["value"])
            continue
        m = _LINE_RE.match(line)
        if m is None:
            problems.append(
                diag(
                    "E501",
                    Span(path, number, 1),
                    f"malformed lock file line {line[:60]!r}; expected '<id> <16 hex digits> <time> <deck>'",
                    help="run `ankigen lock --rebuild` to regenerate it from the sources",
                )
            )
            continue
        entry = Entry(m["hash"], int(m["mod"]), m["deck"])
        if m["id"] in notes:
            if not lenient:
                problems.append(
                    diag(
                        "E501",
                        Span(path, number, 1),
                        f"card id {m['id']!r} appears twice in lock file",
                        help="run `ankigen lock --rebuild` to regenerate it from the sources",
                    )
                )
            if entry.mod < notes[m["id"]].mod:
                continue
        notes[m["id"]] = entry
    if lenient:
        problems = []
    return Lock(notes, notetypes, identity.get("namespace", ""), identity.get("deck", "")), tuple(problems)


def format_lock(lock: Lock) -> str:
    lines = [HEADER.rstrip("\n")]
    if lock.namespace:
        lines.append(f"@namespace {lock.namespace}")
    if lock.deck:
        lines.append(f"@deck {lock.deck}")
    if lock.notetypes is not None:
        lines.append(f"@notetypes {lock.notetypes.hash} {lock.notetypes.mod}")
    for card_id in sorted(lock.notes):
        e = lock.notes[card_id]
        lines.append(f"{card_id} {e.hash} {e.mod} {e.deck}")
    return "\n".join(lines) + "\n"


NOTETYPES_KEY = "@notetypes"  # the note types' key in an ``Issued`` record


@dataclass(frozen=True, slots=True)
class Issued:
    """What this machine has put into packages of one namespace (kept outside git, so no checkout rewinds it).

    ``max_mod``: per note (and ``@notetypes``), the newest time ever issued, by any build: what a collection
    holds that imported every package built here (Anki only ever moves a note forward). ``last``: per note,
    ``(hash, mod, deck)`` of the last full build of the project's deck, at ``last_time`` (for deck moves and
    removed notes). ``prior_max``: ``max_mod`` as it was before that build, the time of the full build before (for the
    forecast in case the last package was not imported).
    """

    max_mod: Mapping[str, int] = field(default_factory=dict)
    last: Mapping[str, Entry] = field(default_factory=dict)
    last_time: int = 0
    prior_max: Mapping[str, int] = field(default_factory=dict)
    prior_time: int = 0


@dataclass(frozen=True, slots=True)
class Forecast:
    """What importing the package does to a collection holding ``baseline`` (see ``forecast``)."""

    new: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    orphans: tuple[str, ...]
    moved: tuple[tuple[str, str, str], ...]  # (id, old deck, new deck)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build does: the ``mod`` of every note, the lock to record, and the re-import forecast.

    ``basis`` says what the forecast compares with: "built" (a collection that imported every package built on
    this machine; the last full build was at ``basis_time``),
    "lock" (the lock's entries, nothing built here yet) or "none" (a first build). ``earlier`` is the forecast
    against the full build before the last one, when that differs (in case the last package was not imported).
    """

    mods: Mapping[str, int]
    notetypes_mod: int
    lock: Lock
    new: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    orphans: tuple[str, ...]
    moved: tuple[tuple[str, str, str], ...]
    basis: str = "none"
    basis_time: int = 0
    earlier: Forecast | None = None
    earlier_time: int = 0
    issued: Issued = field(default_factory=Issued)
    elsewhere: tuple[str, ...] = ()  # changed notes whose time comes from the lock, never issued on this machine


def _choose(key: str, digest: str, old: Entry | None, issued: Issued, now: int) -> int:
    """The ``mod`` of a note with content ``digest``: a recorded time for that very content if nothing newer was
    ever issued for the note on this machine (so a rebuild changes nothing), else a time newer than every time
    the lock and this machine know for it (so the change, even back to an earlier version, reaches Anki)."""
    newest = issued.max_mod.get(key, 0)
    last = issued.last.get(key)
    if old is not None and old.hash == digest and (old.mod >= newest or (last is not None and last.hash == digest)):
        return old.mod
    if last is not None and last.hash == digest and last.mod >= newest:
        return last.mod
    return max(now, newest + 1, (old.mod + 1) if old else 0, (last.mod + 1) if last else 0)


def record_times(issued: Issued, mods: Mapping[str, int], notetypes_mod: int) -> Issued:
    """``issued`` with ``mods`` (and the note types' time) counted as issued (for a build without the lock)."""
    max_mod = dict(issued.max_mod)
    for key, mod in (*mods.items(), (NOTETYPES_KEY, notetypes_mod)):
        max_mod[key] = max(mod, max_mod.get(key, 0))
    return Issued(max_mod, issued.last, issued.last_time, issued.prior_max, issued.prior_time)


def forecast(
    built: Sequence[tuple[str, int, str]],
    held: Mapping[str, int],
    decks: Mapping[str, str],
    *,
    partial: bool = False,
) -> Forecast:
    """Per note ``(id, mod, deck)`` of the package, against the times a collection holds (``held``) and the decks
    of its last build (``decks``): Anki updates a note exactly when the package's ``mod`` is newer."""
    new: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    moved: list[tuple[str, str, str]] = []
    for card_id, mod, deck in built:
        if card_id not in held:
            new.append(card_id)
            continue
        (changed if mod > held[card_id] else unchanged).append(card_id)
        old_deck = decks.get(card_id)
        if old_deck and old_deck != deck:
            moved.append((card_id, old_deck, deck))
    ids = {card_id for card_id, _, _ in built}
    orphans = () if partial else tuple(sorted(set(decks) - ids))
    return Forecast(tuple(new), tuple(changed), tuple(unchanged), orphans, tuple(moved))


def plan(
    previous: Lock,
    notes: Sequence[tuple[str, str, str]],
    notetypes_hash: str,
    now: int,
    *,
    partial: bool = False,
    issued: Issued | None = None,
    identity: tuple[str, str] = ("", ""),
) -> Plan:
    """Decide each note's ``mod`` from ``(id, content hash, deck)`` triples (see ``_choose``).

    ``identity`` is the ``(namespace, root deck)`` to record. With ``partial`` (a subset of the cards was
    built) the lock keeps every entry as it was (the pipeline does not write it) and no orphans are reported.
    Returns the plan, including the updated ``Issued`` record.
    """
    issued = issued or Issued()
    mods: dict[str, int] = {}
    entries: dict[str, Entry] = {}
    for card_id, digest, deck in notes:
        mod = _choose(card_id, digest, previous.notes.get(card_id), issued, now)
        mods[card_id] = mod
        entries[card_id] = Entry(digest, mod, deck)
    nt_mod = _choose(NOTETYPES_KEY, notetypes_hash, previous.notetypes, issued, now)
    nt = Entry(notetypes_hash, nt_mod, "")
    built = [(card_id, mods[card_id], deck) for card_id, _, deck in notes]
    if issued.last_time:
        basis = "built"
        held = {k: m for k, m in issued.max_mod.items() if k != NOTETYPES_KEY}
        decks = {k: e.deck for k, e in issued.last.items() if k != NOTETYPES_KEY}
    else:
        basis = "lock" if previous.notes else "none"
        held = {k: e.mod for k, e in previous.notes.items()}
        decks = {k: e.deck for k, e in previous.notes.items()}
    fc = forecast(built, held, decks, partial=partial)
    elsewhere: tuple[str, ...] = ()
    if basis == "built":
        elsewhere = tuple(
            k for k in fc.changed if k in previous.notes and mods[k] == previous.notes[k].mod and k in held
        )
    earlier = None
    if basis == "built" and issued.prior_time:
        before = {k: m for k, m in issued.prior_max.items() if k != NOTETYPES_KEY}
        other = forecast(built, before, decks, partial=partial)
        if (other.new, other.changed) != (fc.new, fc.changed):
            earlier = other
    max_mod = dict(issued.max_mod)
    for key, mod in (*mods.items(), (NOTETYPES_KEY, nt_mod)):
        max_mod[key] = max(mod, max_mod.get(key, 0))
    if partial:
        record = Issued(max_mod, issued.last, issued.last_time, issued.prior_max, issued.prior_time)
        lock = previous
    else:
        last = {**entries, NOTETYPES_KEY: nt}
        if dict(issued.last) == last:
            record = Issued(max_mod, issued.last, issued.last_time, issued.prior_max, issued.prior_time)
        else:
            record = Issued(max_mod, last, now, issued.max_mod, issued.last_time)
        lock = Lock(entries, nt, *identity)
    return Plan(
        mods=mods,
        notetypes_mod=nt.mod,
        lock=lock,
        new=fc.new,
        changed=fc.changed,
        unchanged=fc.unchanged,
        orphans=fc.orphans,
        moved=fc.moved,
        basis=basis,
        basis_time=issued.last_time,
        earlier=earlier,
        earlier_time=issued.prior_time,
        issued=record,
        elsewhere=elsewhere,
    )


def anki_search(ids: Iterable[str]) -> str:
    """An Anki browser search for notes by their ``Id`` field (``_`` and ``*`` are wildcards there)."""

    def quote(card_id: str) -> str:
        escaped = card_id.replace("\\", "\\\\").replace('"', '\\"').replace("_", "\\_").replace("*", "\\*")
        return f'"Id:{escaped}"'

    return " or ".join(quote(i) for i in ids)


def _when(t: int) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _counts(f: Forecast | Plan) -> str:
    return f"{len(f.new)} new, {len(f.changed)} changed, {len(f.unchanged)} unchanged"


def report_lines(p: Plan, limit: int = 10) -> list[str]:
    """The re-import forecast for the build summary, saying what it compares with."""

    def some(ids: Sequence[str]) -> str:
        shown = ", ".join(ids[:limit])
        return shown + (f", … (+{len(ids) - limit})" if len(ids) > limit else "")

    if p.basis == "none":
        return [
            f"Re-import: {len(p.new)} new (first build of this deck: nothing is recorded in ankigen.lock or on this "
            "machine). A collection that already holds this deck, with the same id namespace, updates its notes "
            "in place instead."
        ]
    basis = (
        f"into a collection that imported the packages built on this machine (last: {_when(p.basis_time)})"
        if p.basis == "built"
        else "into a collection holding the build recorded in ankigen.lock (nothing built on this machine yet)"
    )
    lines = [f"Re-import: {_counts(p)}, {basis}."]
    if p.elsewhere:
        lines.append(
            f"  {len(p.elsewhere)} of the changed notes have times that ankigen.lock brought from a build on another "
            "machine or clone: unchanged if that package was already imported into this collection"
        )
    if p.earlier is not None:
        lines.append(
            f"  if the last package was not imported (only the one of {_when(p.earlier_time)}): {_counts(p.earlier)}"
        )
    if p.changed:
        lines.append(f"  changed: {some(p.changed)}")
    if p.changed or p.earlier is not None:
        lines.append(
            "  (a note you edited inside Anki after that build keeps your edit: Anki applies only a newer note)"
        )
    if p.orphans:
        lines.append(
            f"  {len(p.orphans)} note(s) removed from the sources stay in Anki (an import never deletes): "
            f"{some(p.orphans)}"
        )
        lines.append(f"  find them in the Anki browser with: {anki_search(p.orphans)}")
    if p.moved:
        lines.append(
            f"  {len(p.moved)} note(s) changed deck; Anki keeps existing cards in their old deck, "
            "so move them in the browser (Change Deck):"
        )
        for card_id, old, new in p.moved[:limit]:
            lines.append(f"    {card_id}: {old} -> {new}")
        lines.append(f"  find them with: {anki_search([m[0] for m in p.moved])}")
    return lines
