"""The lock file: per note, a hash of its content and the time that content last changed.

Anki applies a re-imported note only when the package's ``mod`` is newer than the collection's. Stamping
every note with the build time rewrites every note on each import (and wipes what the user changed inside
Anki); a constant time loses every edit. The lock gives unchanged notes their recorded time and changed or new
notes the build time, so a rebuild changes exactly what changed, and the same sources give the same bytes.

Format (plain text, sorted, one line per note, merge-friendly)::

    # ankigen.lock ...
    @notetypes <hash> <mod>
    <card id> <content hash> <mod> <deck name>

Pure: text in, entries and diagnostics out; reading and writing the file happen in the pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ankigen.diagnostics import Diagnostic, diag
from ankigen.model import Span

LOCK_FILE = "ankigen.lock"
HEADER = (
    "# ankigen.lock: content hash and last-changed time of every note, so rebuilds update only what changed.\n"
    "# Commit this file. Regenerate with `ankigen lock --rebuild` (for example after a merge conflict).\n"
)
_LINE_RE = re.compile(r"(?P<id>\S+) (?P<hash>[0-9a-f]{16}) (?P<mod>\d+) (?P<deck>\S.*)\Z")
_NOTETYPES_RE = re.compile(r"@notetypes (?P<hash>[0-9a-f]{16}) (?P<mod>\d+)\Z")
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


def parse_lock(text: str, path: str = LOCK_FILE, *, lenient: bool = False) -> tuple[Lock, tuple[Diagnostic, ...]]:
    """Parse a lock file. With ``lenient`` (for ``lock --rebuild``) bad lines are skipped, and where a merge
    left an id twice the newer time wins."""
    notes: dict[str, Entry] = {}
    notetypes: Entry | None = None
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
    return Lock(notes, notetypes), tuple(problems)


def format_lock(lock: Lock) -> str:
    lines = [HEADER.rstrip("\n")]
    if lock.notetypes is not None:
        lines.append(f"@notetypes {lock.notetypes.hash} {lock.notetypes.mod}")
    for card_id in sorted(lock.notes):
        e = lock.notes[card_id]
        lines.append(f"{card_id} {e.hash} {e.mod} {e.deck}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build does compared with the lock: the ``mod`` of every note, and the re-import report."""

    mods: Mapping[str, int]
    notetypes_mod: int
    lock: Lock
    new: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    orphans: tuple[str, ...]
    moved: tuple[tuple[str, str, str], ...]  # (id, old deck, new deck)


def plan(
    previous: Lock,
    notes: Sequence[tuple[str, str, str]],
    notetypes_hash: str,
    now: int,
    *,
    partial: bool = False,
) -> Plan:
    """Decide each note's ``mod`` from ``(id, content hash, deck)`` triples.

    A changed note gets ``now``, or one second past its recorded time if the clock is behind it, so it is
    always newer than what Anki holds. With ``partial`` (a subset of the cards was built) lock entries of
    cards outside the build are kept and no orphans are reported.
    """
    mods: dict[str, int] = {}
    entries: dict[str, Entry] = dict(previous.notes) if partial else {}
    new, changed, unchanged, moved = [], [], [], []
    for card_id, digest, deck in notes:
        old = previous.notes.get(card_id)
        if old is None:
            mod = now
            new.append(card_id)
        elif old.hash == digest:
            mod = old.mod
            unchanged.append(card_id)
        else:
            mod = max(now, old.mod + 1)
            changed.append(card_id)
        if old is not None and old.deck != deck:
            moved.append((card_id, old.deck, deck))
        mods[card_id] = mod
        entries[card_id] = Entry(digest, mod, deck)
    nt_old = previous.notetypes
    if nt_old is not None and nt_old.hash == notetypes_hash:
        nt = nt_old
    else:
        nt = Entry(notetypes_hash, max(now, nt_old.mod + 1) if nt_old else now, "")
    built = {card_id for card_id, _, _ in notes}
    orphans = () if partial else tuple(sorted(set(previous.notes) - built))
    return Plan(
        mods=mods,
        notetypes_mod=nt.mod,
        lock=Lock(entries, nt),
        new=tuple(new),
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        orphans=orphans,
        moved=tuple(moved),
    )


def anki_search(ids: Iterable[str]) -> str:
    """An Anki browser search for notes by their ``Id`` field (``_`` and ``*`` are wildcards there)."""

    def quote(card_id: str) -> str:
        escaped = card_id.replace("\\", "\\\\").replace('"', '\\"').replace("_", "\\_").replace("*", "\\*")
        return f'"Id:{escaped}"'

    return " or ".join(quote(i) for i in ids)


def report_lines(p: Plan, limit: int = 10) -> list[str]:
    """The re-import report for the build summary."""

    def some(ids: Sequence[str]) -> str:
        shown = ", ".join(ids[:limit])
        return shown + (f", … (+{len(ids) - limit})" if len(ids) > limit else "")

    lines = [f"Re-import: {len(p.new)} new, {len(p.changed)} changed, {len(p.unchanged)} unchanged."]
    if p.changed:
        lines.append(f"  changed: {some(p.changed)}")
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
