"""Building the ``.apkg`` bytes. The only module that imports genanki.

genanki supplies the collection schema and the note, card, deck and model rows. We drive it note by note so
every note gets its own ``mod`` time, and we write the zip ourselves with fixed entry times, order and
attributes, so the same notes give the same bytes (genanki's ``write_to_file`` stamps wall-clock times).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import sqlite3
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import genanki
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

from ankigen.ids import deck_id
from ankigen.model import MediaFile, NoteKind
from ankigen.notetypes import NOTE_TYPES, NoteType, css

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 1


@dataclass(frozen=True, slots=True)
class NoteSpec:
    """One note, ready to write: everything here ends up in the collection as is."""

    guid: str
    notetype: NoteType
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    mod: int


_CLOZE_OPEN_RE = re.compile(r"\{\{c(\d+(?:,\d+)*)::")


def card_ordinals(kind: NoteKind, fields: Sequence[str]) -> list[int]:
    """The 1-based ordinals of the cards a note gets: 1 for a basic note; for a cloze note one per number, as Anki
    counts them: every ``{{cN::`` opener, nested ones included, and each number of ``{{c1,2::`` (genanki's own
    pattern stops at the first ``}}`` and misses both). A cloze text without any gets card 1."""
    if kind is not NoteKind.CLOZE:
        return [1]
    ordinals = {int(n) for m in _CLOZE_OPEN_RE.finditer(fields[0]) for n in m.group(1).split(",")}
    return sorted(n for n in ordinals if n > 0) or [1]


class _Note(genanki.Note):  # type: ignore[misc]  # genanki has no type information
    """A genanki note without genanki's HTML sniffing: ankigen checks the HTML it renders itself (E305), and
    the sniffing only ever warns, at a tenth of the cost of writing the note."""

    def _check_invalid_html_tags_in_fields(self) -> None:
        return None

    @functools.cached_property
    def cards(self) -> list[genanki.Card]:
        """One card per cloze ordinal (see :func:`card_ordinals`)."""
        if self.model.model_type != genanki.Model.CLOZE:
            return super().cards  # type: ignore[no-any-return]
        return [genanki.Card(n - 1) for n in card_ordinals(NoteKind.CLOZE, self.fields)]


def _model(nt: NoteType, style: str) -> genanki.Model:
    return genanki.Model(
        nt.id,
        nt.name,
        fields=[{"name": name} for name in nt.fields],
        templates=[{"name": name, "qfmt": q, "afmt": a} for name, q, a in nt.templates],
        css=style,
        model_type=genanki.Model.CLOZE if nt.kind.value == "cloze" else genanki.Model.FRONT_BACK,
        sort_field_index=0,
    )


def _all_decks(names: Sequence[str]) -> list[str]:
    """Every deck and all its parents, sorted (so parents exist with stable ids)."""
    out: set[str] = set()
    for name in names:
        levels = name.split("::")
        out.update("::".join(levels[: i + 1]) for i in range(len(levels)))
    return sorted(out)


def _stable_sqlite(data: bytes) -> bytes:
    """Pin the header fields that record which SQLite library wrote the file (bytes 92-99)."""
    if len(data) < 100:
        return data
    counter = data[24:28]
    return data[:92] + counter + struct.pack(">I", 3_000_000) + data[100:]


def package_key(notes: Sequence[NoteSpec], media: Sequence[MediaFile], model_mod: int, *, code: str) -> str:
    """A hash of everything :func:`build_package` reads for these arguments, and of ``code`` (a digest of the
    code that writes them): equal keys give equal bytes, so a package whose key is unchanged need not be built
    again."""
    digest = hashlib.sha256(f"{code}\x1f{genanki.__version__}\x1f{model_mod}\x1f{css()}\x1e".encode())
    for nt in NOTE_TYPES.values():
        digest.update(repr((nt.id, nt.name, nt.fields, nt.templates, nt.kind.value)).encode() + b"\x1e")
    for n in notes:
        parts = (n.guid, str(n.notetype.id), n.deck, " ".join(n.tags), str(n.mod), *n.fields)
        digest.update("\x1f".join(parts).encode("utf-8", "surrogatepass") + b"\x1e")
    for m in sorted(media, key=lambda m: m.name):
        digest.update(m.name.encode("utf-8", "surrogatepass") + b"\x1f" + hashlib.sha256(m.data).digest())
    return digest.hexdigest()


def build_package(notes: Sequence[NoteSpec], media: Sequence[MediaFile], model_mod: int) -> bytes:
    """The ``.apkg`` bytes for ``notes`` (in the given order) and ``media`` (sorted by name here)."""
    style = css()
    models = {nt.id: _model(nt, style) for nt in NOTE_TYPES.values()}
    # an in-memory database, serialised at the end: no temporary file and no fsync on commit
    conn = sqlite3.connect(":memory:")
    try:
        cursor = conn.cursor()
        cursor.executescript(APKG_SCHEMA)
        cursor.executescript(APKG_COL)
        deck_names = _all_decks([n.deck for n in notes] or ["Default"])
        decks = {name: genanki.Deck(deck_id(name), name) for name in deck_names}
        decks_json = json.loads(cursor.execute("SELECT decks FROM col").fetchone()[0])
        for deck in decks.values():
            decks_json[str(deck.deck_id)] = deck.to_json()
        first_deck = decks[deck_names[0]].deck_id
        models_json = {str(m.model_id): m.to_json(model_mod, first_deck) for m in models.values()}
        cursor.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks_json), json.dumps(models_json)))
        # ids only need to be unique inside the package; count up from the newest note time
        base = max((n.mod for n in notes), default=model_mod) * 1000
        ids = iter(range(base, base + 10 * len(notes) + 10))
        for position, spec in enumerate(notes, start=1):
            note = _Note(
                model=models[spec.notetype.id],
                fields=list(spec.fields),
                tags=list(spec.tags),
                guid=spec.guid,
                due=position,
            )
            note.write_to_db(cursor, spec.mod, decks[spec.deck].deck_id, ids)
        conn.commit()
        db = _stable_sqlite(conn.serialize())
    finally:
        conn.close()

    ordered = sorted(media, key=lambda m: m.name)
    buffer = io.BytesIO()
    # deflate level 1: a third of the time of the default level for a package about 15% larger, and
    # compressing the collection was a sixth of every rebuild
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=ZIP_LEVEL)

        add("collection.anki2", db)
        add(
            "media",
            json.dumps({str(i): m.name for i, m in enumerate(ordered)}, sort_keys=True).encode("utf-8"),
        )
        for i, m in enumerate(ordered):
            add(str(i), m.data)
    return buffer.getvalue()
