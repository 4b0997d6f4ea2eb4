"""The command line: options in, a ``Config`` to the pipeline, results printed, an exit code out.

stdout carries each command's product (the written path for ``build``, diagnostics for ``check``);
everything else goes to stderr.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ankigen import __version__, pipeline
from ankigen.config import MATHJAX_MODES, Config, find_root, load_config, slugify
from ankigen.diagnostics import Diagnostic, sort_unique
from ankigen.outputs import into_folder, output_problem
from ankigen.report import EXIT_USAGE, closing_line, exit_code, format_diagnostics, format_stats, size_text

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


mathjax_option = click.option(
    "--mathjax",
    "mathjax_mode",
    type=click.Choice(MATHJAX_MODES),
    default=None,
    help="Check every formula with MathJax: auto (when Node can run; say so when not), "
    "require (error when it cannot run), off. Default: the `mathjax` setting, else auto.",
)

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


#: characters of card source below which a cold build takes about a second or less (see the benchmark)
PROGRESS_MIN_CHARS = 500_000
#: formulas below which the MathJax check takes about a second or less (see the benchmark)
MATHJAX_NOTICE_MIN = 1_000


def _interactive() -> bool:
    """Progress is drawn on a terminal only, and never in CI."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _mathjax_notice() -> Callable[[int], None] | None:
    """On a terminal, a line saying that a long MathJax check has begun (Node reports no progress of its own)."""
    if not _interactive():
        return None

    def started(count: int) -> None:
        if count >= MATHJAX_NOTICE_MIN:
            click.echo(f"Checking {count:,} formulas with MathJax…", err=True)

    return started


def _progress_bar() -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A progress callback drawing on stderr, only on a terminal and not in CI; and a closer."""
    if not _interactive():
        return None, lambda: None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            if total < PROGRESS_MIN_CHARS:  # compiles in about a second or less: no bar
                state["bar"] = None
                return
            state["bar"] = click.progressbar(length=total, label="Compiling", file=sys.stderr)
            state["bar"].__enter__()
            state["done"] = 0
        bar = state["bar"]
        if bar is not None:
            bar.update(done - state["done"])
            state["done"] = done
            if done >= total:  # finish the line before anything else is said (the MathJax notice)
                close()

    def close() -> None:
        if state.get("bar") is not None:
            state["bar"].__exit__(None, None, None)
            state["bar"] = None

    return update, close


paths_argument = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
tag_options = [
    click.option(
        "--tag",
        "tags",
        multiple=True,
        help="Only cards with this tag or a descendant (DL/Diffusion or DL::Diffusion); repeatable.",
    ),
    click.option(
        "--exclude-tag",
        "exclude_tags",
        multiple=True,
        help="Leave out cards with this tag or a descendant; repeatable; wins over --tag.",
    ),
]


def _with_tags(func: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(tag_options):
        func = option(func)
    return func


def _outside(config: Config, paths: tuple[Path, ...]) -> None:
    """PATHS must lie in the project: their decks and media are resolved against it."""
    root = config.root.resolve()
    for path in paths:
        if not path.resolve().is_relative_to(root):
            raise click.BadParameter(f"{str(path)!r} is outside the project folder", param_hint="PATHS")


def _usage_errors(errors: tuple[str, ...]) -> None:
    if errors:
        for line in errors:
            click.echo(f"Error: {line}", err=True)
        sys.exit(EXIT_USAGE)


@cli.command()
@paths_argument
@click.option(
    "-o",
    "--output",
    help="Where to write the .apkg (default: dist/<deck-slug>.apkg); a folder (or a path ending in /) "
    "receives the default file name. Never a card, media, settings or lock file, nor any other non-.apkg file.",
)
@click.option("--deck-name", help="Name of the root deck (default from the config).")
@_with_tags
@click.option("--split", is_flag=True, help="Also write one package per top-level section.")
@click.option("--no-full", is_flag=True, help="With --split: write only the per-section packages.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors: write nothing if there are any.")
@click.option("--no-lock", is_flag=True, help="Neither read nor write ankigen.lock: every note gets the build time.")
@click.option("--no-cache", is_flag=True, help="Render everything afresh (ignore .ankigen-cache/).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, help="Render processes (0: one per core).")
@click.option("--format", "fmt", type=FORMATS, default="concise", show_default=True, help="Diagnostic format.")
@mathjax_option
@root_option
def build(
    paths: tuple[Path, ...],
    output: str | None,
    deck_name: str | None,
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    split: bool,
    no_full: bool,
    strict: bool,
    no_lock: bool,
    no_cache: bool,
    jobs: int,
    fmt: str,
    mathjax_mode: str | None,
    root: str | None,
) -> None:
    """Build an .apkg from the card files (all of cards/, or PATHS)."""
    default, problems = _config(root, deck_name=deck_name)
    name = default.output.name
    if tags or exclude_tags:
        slug = slugify("-".join((*tags, *(f"not-{t}" for t in exclude_tags))))
        name = f"{default.output.stem}--{slug}{default.output.suffix}"
        output = output or str(default.output.with_name(name))
    config, problems = _config(root, output=output, deck_name=deck_name)
    if output and into_folder(output, config.output):  # -o DIR/ writes DIR/<default name>
        config = dataclasses.replace(config, output=config.output / name)
    if problems:
        _build_failed(problems, 0, fmt, config.root, closing=False)
    _outside(config, paths)
    refused = output_problem(config, config.output, paths)
    if refused:
        raise click.BadParameter(refused, param_hint="'-o' / '--output'")
    progress, close = _progress_bar()
    options = pipeline.Options(
        paths,
        tags,
        exclude_tags,
        use_cache=not no_cache,
        jobs=jobs,
        progress=progress,
        mathjax_started=_mathjax_notice(),
        mathjax_mode=mathjax_mode,
    )
    try:
        result = pipeline.build(
            config, _now(), options, strict=strict, use_lock=not no_lock, split=split, full=not no_full
        )
    finally:
        close()
    _usage_errors(result.usage_errors)
    _skipped(result.mathjax_skipped)
    if not result.written:
        _build_failed(result.diagnostics, result.files, fmt, config.root, strict=strict)
    notes = len(result.notes)
    if fmt == "json":
        document = {
            "written": True,
            "outputs": [{"path": config.rel(path), "size": size} for path, size in result.outputs],
            "notes": notes,
            "files": result.files,
            "decks": [{"deck": f"{config.deck_name}::{deck}", "cards": n} for deck, n in result.deck_counts()],
            "report": list(result.report),
            "diagnostics": [d.to_dict() for d in result.diagnostics],
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        _emit(result.diagnostics, fmt, config.root, err=True)
        for path, _size in result.outputs:
            click.echo(config.rel(path))
    click.echo(f"Built {_count(notes, 'note')} from {_count(result.files, 'file')}:", err=True)
    for path, size in result.outputs:
        click.echo(f"  {config.rel(path)} ({size_text(size)})", err=True)
    for deck, count in result.deck_counts():
        click.echo(f"  {count:5d}  {config.deck_name}::{deck}", err=True)
    for line in result.report:
        click.echo(line, err=True)
    sys.exit(exit_code(result.diagnostics, strict=strict))  # 1 if the lock file could not be written


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _build_failed(
    diagnostics: tuple[Diagnostic, ...], files: int, fmt: str, root: Path, *, strict: bool = False, closing: bool = True
) -> None:
    """Nothing was written: the diagnostics (as one JSON document on stdout with ``--format json``, else on
    stderr), the closing line on stderr, exit 1."""
    if fmt == "json":
        document = {"written": False, "outputs": [], "diagnostics": [d.to_dict() for d in diagnostics]}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        _emit(diagnostics, fmt, root, err=True)
    if closing:
        click.echo(closing_line(diagnostics, files) + " Nothing written.", err=True)
    sys.exit(exit_code(diagnostics, strict=strict) or 1)


@cli.command()
@paths_argument
@_with_tags
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--format", "fmt", type=FORMATS, default="concise", show_default=True, help="Output format.")
@mathjax_option
@root_option
def check(
    paths: tuple[Path, ...],
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    strict: bool,
    fmt: str,
    mathjax_mode: str | None,
    root: str | None,
) -> None:
    """Report every problem in the card files, without building."""
    config, problems = _config(root)
    _outside(config, paths)
    progress, close = _progress_bar()
    options = pipeline.Options(
        paths, tags, exclude_tags, progress=progress, mathjax_started=_mathjax_notice(), mathjax_mode=mathjax_mode
    )
    try:
        result = pipeline.check(config, options) if not any(p.is_error for p in problems) else None
    finally:
        close()
    if result is not None:
        _usage_errors(result.usage_errors)
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
@paths_argument
@_with_tags
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@root_option
def stats(
    paths: tuple[Path, ...], tags: tuple[str, ...], exclude_tags: tuple[str, ...], fmt: str, root: str | None
) -> None:
    """Decks and tags with card counts, cards without ids, and totals; exit 1 if a card file has errors."""
    config, problems = _config(root)
    diagnostics: tuple[Diagnostic, ...] = problems
    summary: dict[str, Any] = {}
    if not any(p.is_error for p in problems):
        _outside(config, paths)
        summary = pipeline.stats(config, pipeline.Options(paths, tags, exclude_tags))
        _usage_errors(tuple(summary.pop("usage_errors", ())))  # type: ignore[arg-type]
        diagnostics = sort_unique((*problems, *summary.pop("diagnostics", ())))  # type: ignore[misc]
    if fmt == "json":
        document = {**summary, "diagnostics": [d.to_dict() for d in diagnostics]}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        _emit(diagnostics, "concise", config.root, err=True)
        if summary:
            click.echo(format_stats(summary))
        if diagnostics:
            click.echo(closing_line(diagnostics, int(summary.get("totals", {}).get("files", 0))), err=True)
    sys.exit(exit_code(diagnostics))


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
