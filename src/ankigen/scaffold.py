"""``ankigen init``: a new project whose identity is pinned from the start (like ``mkdocs new``).

The config names the root deck and an id namespace made unique once, with a random suffix, so two projects
that happen to share a deck name never overwrite each other's notes; both are committed with the project.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from ankigen.write import write_atomic

EXAMPLE = """\
---
deck: Example
tags: [Example]
---

## What does the derivative of $x^n$ equal?
<!-- id: example-power-rule -->

$$\\frac{d}{dx}\\,x^n = n\\,x^{n-1}$$

<!-- extra -->

Keep the `id` when you edit a card: it is how Anki finds the note again.
"""

GITIGNORE = "/dist/\n/.ankigen-cache/\n"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class Created:
    files: tuple[str, ...]  # relative to the project folder
    existing: tuple[str, ...]  # already there (init refuses to overwrite)


def plan_files(deck_name: str, token: str | None = None) -> dict[str, str]:
    namespace = f"{deck_name} {token or secrets.token_hex(4)}"
    config = (
        f"deck_name = {_toml_string(deck_name)}\n"
        f"# part of every note's GUID: never change it once you have imported the deck\n"
        f"id_namespace = {_toml_string(namespace)}\n"
    )
    return {
        "ankigen.toml": config,
        ".gitignore": GITIGNORE,
        "cards/example.md": EXAMPLE,
        "media/.gitkeep": "",
    }


def init(folder: Path, deck_name: str) -> Created:
    """Create the project in ``folder``; writes nothing if a config or any planned file exists."""
    files = plan_files(deck_name)
    existing = [rel for rel in files if (folder / rel).exists()]
    if (folder / "pyproject.toml").is_file() and "[tool.ankigen]" in (folder / "pyproject.toml").read_text("utf-8"):
        existing.append("pyproject.toml")
    if existing:
        return Created((), tuple(existing))
    for rel, text in files.items():
        write_atomic(folder / rel, text.encode("utf-8"))
    return Created(tuple(files), ())
