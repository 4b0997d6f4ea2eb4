"""The command line: options in, a ``Config`` to the pipeline, results printed, an exit code out.

stdout carries each command's product (the written path for ``build``, diagnostics for ``check``);
everything else goes to stderr.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

import click

from ankigen import __version__, pipeline
from ankigen.config import Config, find_root, load_config
from ankigen.diagnostics import Diagnostic, sort_unique
from ankigen.report import EXIT_USAGE, closing_line, exit_code, format_diagnostics, size_text

FORMATS = click.Choice(["concise", "full", "json"])


def _now() -> int:
    """Build time: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the clock."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        if not value.isdigit():
            raise click.UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, got {value!r}")
        return int(value)
    return int(time.time())


def _config(root: str | None, **overrides: str | None) -> tuple[Config, tuple[Diagnostic, ...]]:
    start = Path(root) if root else Path.cwd()
    base = start if root else find_root(start)
    return load_config(base, overrides)


def _emit(diagnostics: tuple[Diagnostic, ...], fmt: str, root: Path, *, err: bool) -> None:
    if diagnostics:
        click.echo(format_diagnostics(diagnostics, fmt, root), err=err)


def _skipped(reason: str) -> None:
    if reason:
        click.echo(f"note: formulas were not checked with MathJax ({reason})", err=True)


root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, exists=True),
    help="Project folder (default: the nearest folder "
    "above the current one with ankigen.toml or [tool.ankigen] in pyproject.toml).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ankigen")
def cli() -> None:
    """Compile Markdown and YAML flashcards with LaTeX math into Anki decks."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", help="Where to write the .apkg (default: dist/<deck-slug>.apkg).")
@click.option("--deck-name", help="Name of the root deck (default from the config).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors: write nothing if there are any.")
@click.option("--no-lock", is_flag=True, help="Neither read nor write ankigen.lock: every note gets the build time.")
@click.option("--format", "fmt", type=FORMATS, default="concise", show_default=True, help="Diagnostic format.")
@root_option
def build(
    paths: tuple[Path, ...],
    output: str | None,
    deck_name: str | None,
    strict: bool,
    no_lock: bool,
    fmt: str,
    root: str | None,
) -> None:
    """Build an .apkg from the card files (all of cards/, or PATHS)."""
    config, problems = _config(root, output=output, deck_name=deck_name)
    if problems:
        _emit(problems, fmt, config.root, err=True)
        sys.exit(exit_code(problems))
    result = pipeline.build(config, _now(), paths, strict=strict, use_lock=not no_lock)
    _emit(result.diagnostics, fmt, config.root, err=True)
    _skipped(result.mathjax_skipped)
    if not result.written:
        click.echo(closing_line(result.diagnostics, result.files) + " Nothing written.", err=True)
        sys.exit(exit_code(result.diagnostics, strict=strict) or 1)
    click.echo(config.rel(result.output) if result.output else "")
    click.echo(
        f"Built {len(result.notes)} notes from {result.files} files: "
        f"{config.rel(result.output) if result.output else ''} ({size_text(result.size)})",
        err=True,
    )
    for deck, count in result.deck_counts():
        click.echo(f"  {count:5d}  {config.deck_name}::{deck}", err=True)
    for line in result.report:
        click.echo(line, err=True)
    sys.exit(0)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--format", "fmt", type=FORMATS, default="concise", show_default=True, help="Output format.")
@root_option
def check(paths: tuple[Path, ...], strict: bool, fmt: str, root: str | None) -> None:
    """Report every problem in the card files, without building."""
    config, problems = _config(root)
    result = pipeline.check(config, paths) if not any(p.is_error for p in problems) else None
    diagnostics = sort_unique((*problems, *(result.diagnostics if result else ())))
    _skipped(result.mathjax_skipped if result else "")
    files = result.files if result else 0
    if fmt == "json":
        click.echo(format_diagnostics(diagnostics, "json", config.root))
    else:
        _emit(diagnostics, fmt, config.root, err=False)
        click.echo(closing_line(diagnostics, files), err=True)
    sys.exit(exit_code(diagnostics, strict=strict))


@cli.command()
@click.option("--rebuild", is_flag=True, required=True, help="Regenerate ankigen.lock from the sources.")
@root_option
def lock(rebuild: bool, root: str | None) -> None:
    """Manage ankigen.lock (for example after a merge conflict in it)."""
    config, problems = _config(root)
    if problems:
        _emit(problems, "concise", config.root, err=True)
        sys.exit(exit_code(problems))
    result = pipeline.rebuild_lock(config, _now())
    _emit(result.diagnostics, "concise", config.root, err=True)
    if not result.written:
        click.echo(closing_line(result.diagnostics, result.files) + " Lock not written.", err=True)
        sys.exit(1)
    click.echo(config.rel(config.root / "ankigen.lock"))
    for line in result.report:
        click.echo(line, err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; an unexpected exception is a bug, reported as such with exit status 2."""
    try:
        cli.main(args=argv, prog_name="ankigen", standalone_mode=True)
    except SystemExit:
        raise
    except Exception:  # the single top-level bug handler
        traceback.print_exc()
        click.echo("ankigen: internal error, please report it with the traceback above", err=True)
        sys.exit(EXIT_USAGE)
