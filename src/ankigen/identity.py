"""The project's identity: the id namespace (part of every GUID) and the root deck, decided once and recorded.

Resolution, per setting: the config file, else what ``ankigen.lock`` recorded, else the default (the folder's
name, or the deck name for the namespace). So a clone under another folder name, or a second computer, builds
the same GUIDs and decks; a config that contradicts the lock is an error (``E215``/``E216``), never a silent
duplicate of every note. ``--deck-name`` naming another deck builds a separate deck with its own namespace
(that name): its notes are not the project's, and the lock is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ankigen.config import Config, line_of
from ankigen.diagnostics import Diagnostic, diag
from ankigen.lock import Lock
from ankigen.model import Span


@dataclass(frozen=True, slots=True)
class Identity:
    config: Config  # with the resolved ``deck_name`` and ``id_namespace``
    own: bool  # the project's own deck (records into the lock); False for a separate ``--deck-name`` deck
    recorded: tuple[str, str]  # (namespace, deck) as ankigen.lock records them ("" where it does not)
    diagnostics: tuple[Diagnostic, ...] = ()


def recorded_deck(lock: Lock, candidates: tuple[str, ...]) -> str:
    """The root deck of the lock: recorded, or (first release of the format) read off its entries."""
    if lock.deck:
        return lock.deck
    decks = {e.deck for e in lock.notes.values()}
    if not decks:
        return ""
    for name in candidates:
        if name and all(d == name or d.startswith(name + "::") for d in decks):
            return name
    return min(decks).split("::")[0]


def resolve(config: Config, lock: Lock, *, rerecord: bool = False) -> Identity:
    """Decide the namespace and root deck of this build. With ``rerecord`` (``lock --rebuild``) the config wins
    over the lock without an error: that is how a deliberate change is recorded."""
    folder = config.root.name or "Deck"
    rec_deck = recorded_deck(lock, (config.deck_name, folder))
    # the first release recorded no namespace: it was the deck name unless pinned in the config
    rec_ns = lock.namespace or (rec_deck if config.namespace_source != "config" else "")
    recorded = (rec_ns, rec_deck)
    if config.deck_source == "flag" and config.deck_name != (rec_deck or config.deck_name):
        namespace = config.id_namespace if config.namespace_source == "flag" else config.deck_name
        return Identity(replace(config, id_namespace=namespace), False, recorded)
    problems: list[Diagnostic] = []
    where = config.config_path or "ankigen.toml"
    if config.namespace_source in ("config", "flag"):
        namespace = config.id_namespace
        if rec_ns and namespace != rec_ns and not rerecord:
            problems.append(
                diag(
                    "E215",
                    Span(where, line_of(config, "id_namespace")),
                    f"id_namespace {namespace!r} differs from {rec_ns!r} recorded in ankigen.lock: every GUID would "
                    f"change, so importing this build would duplicate all {len(lock.notes)} notes",
                    help=f'to keep updating your notes set id_namespace = "{rec_ns}"; to start a new deck on '
                    "purpose, run `ankigen lock --rebuild` (it records the new namespace)",
                )
            )
    else:
        namespace = rec_ns or (config.deck_name if config.deck_source != "folder" else folder)
    if config.deck_source in ("config", "flag"):
        deck = config.deck_name
        if rec_deck and deck != rec_deck and not rerecord:
            problems.append(
                diag(
                    "E216",
                    Span(where, line_of(config, "deck_name")),
                    f"deck_name {deck!r} differs from the root deck {rec_deck!r} recorded in ankigen.lock: Anki "
                    f"keeps existing cards in {rec_deck!r}, so they would stay there and only new cards go to {deck!r}",
                    help=f'keep deck_name = "{rec_deck}"; or rename the deck to {deck!r} in Anki first, then run '
                    "`ankigen lock --rebuild` to record the new name",
                )
            )
    else:
        deck = rec_deck or folder
    if not rec_ns and config.namespace_source not in ("config", "flag") and config.deck_source == "folder":
        problems.append(
            diag(
                "W210",
                Span(where),
                f"id namespace and root deck {namespace!r} come from the folder's name; the build records them in "
                "ankigen.lock, but a clone without the lock would derive them from its own folder",
                help=f'pin them: add deck_name = "{deck}" and id_namespace = "{namespace}" to {where} '
                "(or run `ankigen init` in a new project)",
            )
        )
    return Identity(replace(config, deck_name=deck, id_namespace=namespace), True, recorded, tuple(problems))


def separate_deck_note(ident: Identity) -> str:
    _namespace, deck = ident.recorded
    own = f"this project's deck {deck!r}" if deck else "this project's deck"
    return (
        f"  a separate deck {ident.config.deck_name!r} (id namespace {ident.config.id_namespace!r}), not {own}: "
        "its notes are distinct notes in Anki, and ankigen.lock is left as it was"
    )
