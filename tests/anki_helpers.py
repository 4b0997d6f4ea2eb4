"""Helpers for end-to-end tests against the real Anki backend (the ``anki`` package from PyPI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

anki_collection = pytest.importorskip("anki.collection")
Collection = anki_collection.Collection


def import_package(col: Any, apkg: Path) -> Any:
    """Import as Anki desktop does by default: update notes and note types only when newer, no scheduling."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

    options = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        with_scheduling=False,
        with_deck_configs=False,
    )
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=options))


def notes_by_id(col: Any) -> dict[str, Any]:
    """Notes keyed by their ``Id`` field."""
    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        out[note["Id"]] = note
    return out


def study(col: Any, deck: str, count: int) -> list[int]:
    """Answer ``count`` cards of ``deck`` 'Good' through the v3 scheduler; returns their card ids."""
    col.decks.select(col.decks.id_for_name(deck))
    studied = []
    for _ in range(count):
        card = col.sched.getCard()
        assert card is not None, "no card left to study"
        col.sched.answerCard(card, 3)
        studied.append(card.id)
    return studied


def history(col: Any, card_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Scheduling state and review log of each card."""
    out = {}
    for cid in card_ids:
        card = col.get_card(cid)
        revlog = col.db.all("select id, ease, ivl, type from revlog where cid = ? order by id", cid)
        out[cid] = (card.did, card.type, card.queue, card.due, card.ivl, card.reps, tuple(map(tuple, revlog)))
    return out


def new_collection(tmp_path: Path) -> Any:
    folder = tmp_path / "anki-profile"
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))
