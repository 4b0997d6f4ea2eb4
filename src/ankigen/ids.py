"""Stable identities. These functions are frozen: changing any of them strands every user's review history.

- A note's GUID comes from the project's id namespace and the card's id, never from its fields, so editing a
  question or answer updates the note in place on re-import.
- A deck's id comes from its full name (Anki matches decks by name anyway; a stable id keeps packages stable).
- Note type ids are constants (see ``notetypes.py``).
"""

from __future__ import annotations

import hashlib


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


def note_guid(namespace: str, card_id: str) -> str:
    """The note GUID: 20 hex digits of ``sha256("ankigen", namespace, id)``."""
    return _digest("ankigen", namespace, card_id).hex()[:20]


def deck_id(full_name: str) -> int:
    """A deck id in ``[2**30, 2**31)`` (genanki's recommended range) from the full ``A::B::C`` name."""
    return (1 << 30) + int.from_bytes(_digest("ankigen-deck", full_name)[:8], "big") % (1 << 30)
