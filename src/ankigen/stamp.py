"""``ankigen ids``: stamp a stable ``id`` into every card that lacks one, changing nothing else in the file.

The id written is the one the card's note already has where a build has recorded it (its derived id, or the
derived id of release 0.1, which hashed the deck too), so notes already in Anki keep their GUID; a card never
built gets a readable id from its question. Every edited file is parsed again before it is written: if the
edit would change anything but the ids, the file is refused.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen.config import Config
from ankigen.discover import card_paths, read_sources, read_text_if_exists
from ankigen.lock import LOCK_FILE, parse_lock
from ankigen.model import Card, SourceFile
from ankigen.parse import legacy_auto_id, parse_file, suggested_id
from ankigen.write import write_atomic

_META_ONE_LINE_RE = re.compile(r"^(?P<lead>\s*<!--\s*)(?P<body>[A-Za-z_{].*?)(?P<tail>\s*-->\s*)$")
_META_OPEN_RE = re.compile(r"^\s*<!--\s*$")


@dataclass(frozen=True, slots=True)
class Stamp:
    path: str
    line: int
    card_id: str
    keeps: str  # "" for a new id, else why this id ("the note built before", "the note of release 0.1")


def choose_ids(cards: Sequence[Card], known: Collection[str]) -> list[Stamp]:
    """The id to stamp into each card without one. ``known``: ids the lock records (notes already built)."""
    taken = {c.id for c in cards if c.explicit_id} | set(known)
    stamps = []
    for card in cards:
        if card.explicit_id:
            continue
        legacy = legacy_auto_id(card.section, card.front.value)
        if card.id in known:
            chosen, keeps = card.id, "keeps the note built before"
        elif legacy in known:
            chosen, keeps = legacy, "keeps the note of release 0.1"
        else:
            base = suggested_id(card.front.value)
            chosen, n = base, 2
            while chosen in taken:
                chosen, n = f"{base}-{n}", n + 1
            keeps = ""
        taken.add(chosen)
        stamps.append(Stamp(card.span.path, card.span.line, chosen, keeps))
    return stamps


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def stamp_markdown(text: str, stamps: Sequence[Stamp]) -> str:
    """Under each card's heading: ``<!-- id: x -->``, or ``id: x`` added to the metadata comment it has."""
    lines = _lines(text)
    nl = _newline(text)
    for s in sorted(stamps, key=lambda s: -s.line):
        i = s.line  # index of the line after the heading
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        one = _META_ONE_LINE_RE.match(lines[j].rstrip("\r\n")) if j < len(lines) else None
        if one is not None and not one["body"].lower().startswith(("extra", "answer")):
            body = one["body"]
            inner = body[1:].lstrip() if body.startswith("{") else body
            new = ("{" if body.startswith("{") else "") + f"id: {s.card_id}, " + inner
            ending = lines[j][len(lines[j].rstrip("\r\n")) :]
            lines[j] = one["lead"] + new + one["tail"] + ending
        elif j < len(lines) and _META_OPEN_RE.match(lines[j]):
            lines.insert(j + 1, f"id: {s.card_id}{nl}")
        else:
            if i > 0 and not lines[i - 1].endswith(("\n", "\r")):
                lines[i - 1] += nl
            lines.insert(i, f"<!-- id: {s.card_id} -->{nl}")
    return "".join(lines)


def stamp_yaml(text: str, cards: Sequence[Card], stamps: Sequence[Stamp]) -> str:
    """``id: x`` as the first key of each card's mapping, at its indentation."""
    by_line = {(s.line): s for s in stamps}
    lines = _lines(text)
    nl = _newline(text)
    for card in sorted(cards, key=lambda c: -c.span.line):
        s = by_line.get(card.span.line)
        if s is None or card.explicit_id:
            continue
        index, col = card.span.line - 1, card.span.col - 1
        line = lines[index]
        if line[col : col + 1] == "{":
            lines[index] = line[: col + 1] + f"id: {s.card_id}, " + line[col + 1 :]
        else:
            lines[index] = line[:col] + f"id: {s.card_id}{nl}" + " " * col + line[col:]
    return "".join(lines)


def uncommitted(root: Path, paths: Sequence[Path]) -> set[Path] | None:
    """Those of ``paths`` with changes git has not committed (untracked included); None outside a git work tree."""
    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain", "-z", "--", *map(str, paths)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode or top.returncode:
        return None
    base = Path(top.stdout.strip())
    dirty = set()
    for item in proc.stdout.split("\0"):
        if len(item) > 3:
            dirty.add((base / item[3:]).resolve())
    return {p for p in paths if p.resolve() in dirty}


def stamp_file(
    src: SourceFile,
    cards: Sequence[Card],
    stamps: Sequence[Stamp],
    parse: Callable[[SourceFile], tuple[list[Card], list[str]]],
) -> tuple[str | None, str]:
    """The file's new text with ``stamps`` applied, verified by parsing it again; or (None, why not)."""
    if src.path.endswith((".yaml", ".yml")):
        new = stamp_yaml(src.text, cards, stamps)
    else:
        new = stamp_markdown(src.text, stamps)
    again, problems = parse(SourceFile(src.path, new.replace("\r\n", "\n")))
    wanted = {s.line: s.card_id for s in stamps}
    before = [(c.front.value, c.back.value if c.back else "", c.tags, c.section) for c in cards]
    after = [(c.front.value, c.back.value if c.back else "", c.tags, c.section) for c in again]
    if problems or before != after or len(again) != len(cards):
        return None, "the edit would change more than the ids"
    ids = [c.id for c in again]
    expected = [wanted.get(c.span.line, c.id) if not c.explicit_id else c.id for c in cards]
    if ids != expected:
        return None, "the ids did not land where expected"
    return new, ""


@dataclass(frozen=True, slots=True)
class Outcome:
    stamps: tuple[Stamp, ...]  # every id that is (or, without ``write``, would be) stamped
    refused: tuple[tuple[str, str], ...]  # (path, why) of files left alone
    written: tuple[str, ...]


def run(config: Config, paths: Sequence[Path], *, write: bool, force: bool) -> Outcome:
    """Find the cards without an id in ``paths`` (default: every card file) and, with ``write``, stamp them."""
    from ankigen.pipeline import default_section  # the pipeline's notion of a file's section

    files = card_paths(config, tuple(paths))
    sources, _problems = read_sources(config, files)
    lock, _ = parse_lock(read_text_if_exists(config.root / LOCK_FILE) or "", lenient=True)
    parsed = {src.path: parse_file(src, default_section(config, src.path))[0] for src in sources}
    stamps = choose_ids([c for cards in parsed.values() for c in cards], lock.notes.keys())
    by_path: dict[str, list[Stamp]] = {}
    for s in stamps:
        by_path.setdefault(s.path, []).append(s)
    refused: list[tuple[str, str]] = []
    written: list[str] = []
    if not write:
        return Outcome(tuple(stamps), (), ())
    dirty = uncommitted(config.root, [config.root / p for p in by_path]) if not force else set()
    for src in sources:
        todo = by_path.get(src.path)
        if not todo:
            continue
        if dirty and config.root / src.path in dirty:
            refused.append((src.path, "has uncommitted changes (commit them first, or use --force)"))
            continue

        def reparse(s: SourceFile) -> tuple[list[Card], list[str]]:
            cards, diagnostics = parse_file(s, default_section(config, s.path))
            return list(cards), [d.concise() for d in diagnostics if d.is_error]

        try:  # the bytes on disk (the sources read for parsing have their line endings normalised)
            raw = (config.root / src.path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            refused.append((src.path, f"cannot read it again: {exc}"))
            continue
        new, why = stamp_file(SourceFile(src.path, raw), parsed[src.path], todo, reparse)
        if new is None:
            refused.append((src.path, why))
            continue
        write_atomic(config.root / src.path, new.encode("utf-8"))
        written.append(src.path)
    done = set(written)
    return Outcome(tuple(s for s in stamps if s.path in done), tuple(refused), tuple(written))
