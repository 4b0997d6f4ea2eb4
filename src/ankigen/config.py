"""Project settings: ``ankigen.toml`` or ``[tool.ankigen]`` in ``pyproject.toml``, overridden by CLI flags.

Bad values become diagnostics pointing at the line of the setting; nothing here reads card files.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ankigen.diagnostics import Diagnostic, diag, did_you_mean
from ankigen.files import read_file
from ankigen.model import Span

CONFIG_FILE = "ankigen.toml"
KEYS = ("deck_name", "cards", "media", "output", "id_namespace", "mathjax", "preamble")
#: values of the ``mathjax`` setting (and of ``--mathjax``)
MATHJAX_MODES = ("auto", "require", "off")


@dataclass(frozen=True, slots=True)
class Config:
    """Resolved settings. Paths are absolute; ``config_path`` is relative to ``root`` (or empty)."""

    root: Path
    deck_name: str
    cards_dir: Path
    media_dir: Path
    output: Path
    id_namespace: str
    config_path: str = ""
    mathjax: str = "auto"  # one of MATHJAX_MODES
    preamble: Path | None = None  # a file of TeX \newcommand definitions every card and the MathJax check share
    #: where ``deck_name`` and ``id_namespace`` came from: "flag", "config", or "folder" / "deck_name" (defaults);
    #: ``identity.resolve`` uses them to tell a pinned identity from a derived one
    deck_source: str = "config"
    namespace_source: str = "config"

    def rel(self, path: Path) -> str:
        """``path`` relative to the project root, POSIX style (for diagnostics and fields)."""
        for candidate, base in ((Path(os.path.abspath(path)), self.root), (path, self.root)):
            if candidate is path:
                try:
                    candidate, base = path.resolve(), self.root.resolve()
                except (OSError, RuntimeError):  # a link loop
                    continue
            if candidate.is_relative_to(base):
                return candidate.relative_to(base).as_posix()
        return path.as_posix()


def slugify(name: str) -> str:
    """A file-name slug: lower case, runs of anything but letters and digits become one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "deck"


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``ankigen.toml`` or a ``[tool.ankigen]`` table."""
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(r"(?m)^\[tool\.ankigen\]", _read(pyproject)):
            return folder
    return start


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _unreadable(name: str, path: Path, exc: OSError | UnicodeDecodeError) -> Diagnostic:
    """``E115``: a settings file that exists but cannot be used. Never fall back to defaults: another deck
    name or id namespace would give every note a new GUID, and the next import would duplicate them all."""
    if isinstance(exc, UnicodeDecodeError):
        data = exc.object
        good = data[: exc.start]
        line = good.count(b"\n") + 1
        col = len(good[good.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        why = f"it is not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start})"
        return diag("E115", Span(name, line, col), f"cannot read {name!r}: {why}", help="save it as UTF-8")
    reason = "it is a folder" if path.is_dir() else exc.strerror or str(exc)
    if path.is_symlink() and not path.exists():
        reason = "it is a symbolic link to a missing file"
    return diag("E115", Span(name), f"cannot read {name!r}: {reason}", help="make it a readable file, or remove it")


def _line_of(text: str, key: str) -> int:
    m = re.search(rf"(?m)^\s*{re.escape(key)}\s*=", text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def load_config(root: Path, overrides: Mapping[str, str | None]) -> tuple[Config, tuple[Diagnostic, ...]]:
    """Read the project's settings from ``root`` and apply the non-empty ``overrides`` (CLI flags)."""
    root = root.resolve()
    table: dict[str, Any] = {}
    text = ""
    rel = ""
    diagnostics: list[Diagnostic] = []
    for name, sub in ((CONFIG_FILE, None), ("pyproject.toml", ("tool", "ankigen"))):
        path = root / name
        if not os.path.lexists(path):
            continue
        try:
            text = read_file(path).decode("utf-8").removeprefix("\ufeff")
        except (OSError, UnicodeDecodeError) as exc:
            diagnostics.append(_unreadable(name, path, exc))
            rel = name
            break
        try:
            data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+), column (\d+)", str(exc))
            line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
            diagnostics.append(diag("E108", Span(name, line, col), f"invalid TOML: {exc}"))
            rel = name
            break
        except RecursionError:
            diagnostics.append(diag("E108", Span(name), "invalid TOML: arrays or tables nested too deeply"))
            rel = name
            break
        if sub is not None:
            for part in sub:
                data = data.get(part, {}) if isinstance(data, dict) else {}
            if not data:
                continue
        table, rel = data, name
        break

    for key in table:
        if key not in KEYS:
            diagnostics.append(
                diag(
                    "E108",
                    Span(rel, _line_of(text, key)),
                    f"unknown setting {key!r}" + did_you_mean(key, KEYS),
                )
            )
    values: dict[str, str] = {}
    for key in KEYS:
        value = table.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            diagnostics.append(
                diag(
                    "E108",
                    Span(rel, _line_of(text, key)),
                    f"setting {key!r} must be a non-empty string, got {value!r}",
                )
            )
            continue
        values[key] = value
    if values.get("mathjax", "auto") not in MATHJAX_MODES:
        diagnostics.append(
            diag(
                "E108",
                Span(rel, _line_of(text, "mathjax")),
                f"setting 'mathjax' must be one of {', '.join(MATHJAX_MODES)}, got {values.pop('mathjax')!r}",
            )
        )
    values.update({k: v for k, v in overrides.items() if v})

    deck_name = values.get("deck_name", root.name or "Deck").strip()
    cards_dir = root / values.get("cards", "cards")
    media_dir = root / values.get("media", "media")
    output = Path(values["output"]) if "output" in values else Path("dist") / f"{slugify(deck_name)}.apkg"
    if not output.is_absolute():
        output = root / output
    config = Config(
        root=root,
        deck_name=deck_name,
        cards_dir=cards_dir,
        media_dir=media_dir,
        output=output,
        id_namespace=values.get("id_namespace", deck_name),
        config_path=rel,
        mathjax=values.get("mathjax", "auto"),
        preamble=root / values["preamble"] if "preamble" in values else None,
        deck_source=_source("deck_name", overrides, table, "folder"),
        namespace_source=_source("id_namespace", overrides, table, "deck_name"),
    )
    return config, tuple(diagnostics)


def _source(key: str, overrides: Mapping[str, str | None], table: Mapping[str, Any], default: str) -> str:
    if overrides.get(key):
        return "flag"
    return "config" if isinstance(table.get(key), str) and table[key].strip() else default


def line_of(config: Config, key: str) -> int:
    """The line of ``key`` in the project's config file (1 when absent), for diagnostics about it."""
    return _line_of(_read(config.root / config.config_path), key) if config.config_path else 1
