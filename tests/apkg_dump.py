"""A canonical, human-readable dump of an .apkg (contents, not bytes), for golden files and assertions."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import Any


def dump_apkg(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as zf:
        media_map = json.loads(zf.read("media"))
        db_bytes = zf.read("collection.anki2")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.anki2"
        db.write_bytes(db_bytes)
        conn = sqlite3.connect(db)
        try:
            models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
            decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
            deck_names = {int(k): v["name"] for k, v in decks.items()}
            rows = conn.execute("SELECT id, guid, mid, tags, flds FROM notes").fetchall()
            cards = conn.execute("SELECT nid, did, ord FROM cards").fetchall()
        finally:
            conn.close()
    model_names = {int(k): v["name"] for k, v in models.items()}
    field_names = {int(k): [f["name"] for f in v["flds"]] for k, v in models.items()}
    notes = []
    for nid, guid, mid, tags, flds in sorted(rows, key=lambda r: r[1]):
        notes.append(
            {
                "guid": guid,
                "type": model_names[mid],
                "tags": tags.split(),
                "fields": dict(zip(field_names[mid], flds.split("\x1f"), strict=True)),
                "cards": sorted([deck_names[did], ord_] for n, did, ord_ in cards if n == nid),
            }
        )
    return {
        "decks": sorted(n for n in deck_names.values() if n != "Default"),
        "notes": notes,
        "media": sorted(media_map.values()),
    }
