"""The command line: options in, a ``Config`` to the pipeline, results printed, an exit code out.

stdout carries each command's product (the written path for ``build``, diagnostics for ``check``);
everything else goes to stderr. Paths are printed as the user would type them from the current folder.

Output options work before or after the command (``ankigen -q build`` = ``ankigen build -q``), as in ruff:
``-q`` prints only the product and the problems, ``-v`` adds what was read and how long it took;
``--color`` colours diagnostics on a terminal unless ``NO_COLOR`` is set (https://no-color.org).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
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


# ------------------------------------------------------------------------------------ output options


@dataclasses.dataclass(slots=True)
class Output:
    """What ``-q``/``-v``/``--color`` asked for, wherever on the command line they were given."""

    quiet: bool = False
    verbose: bool = False


def _state(ctx: click.Context | None = None) -> Output:
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is None:  # called outside a command (the defaults)
        return Output()
    state: Output = ctx.find_root().meta.setdefault("ankigen.output", Output())
    if state.quiet and state.verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose exclude each other", ctx=ctx)
    return state


def _set_flag(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        setattr(_state(ctx), str(param.name), True)
        _state(ctx)  # the check for -q with -v


def color_choice(choice: str | None, env: dict[str, str] | os._Environ[str] = os.environ) -> bool | None:
    """``--color`` against the environment: True/False forced, None for "on a terminal" (click decides).

    ``always``/``never`` win; with ``auto``, a non-empty ``NO_COLOR`` turns colour off (no-color.org) and a
    non-empty ``FORCE_COLOR`` on (as ruff and pytest do)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return None


def _set_color(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None or ctx.parent is None:  # the group resolves the default once
        resolved = color_choice(value)
        node: click.Context | None = ctx
        while node is not None:  # click.echo reads the colour of the current context
            node.color = resolved
            node = node.parent


output_options = [
    click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_set_flag,
        help="Print only the product and the problems (no summary, no notes).",
    ),
    click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=_set_flag,
        help="Also say which project and config were read, and how long the command took.",
    ),
    click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        expose_value=False,
        callback=_set_color,
        help="Colour the output: auto (default) on a terminal unless NO_COLOR is set.",
    ),
]


def _with_output(func: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(output_options):
        func = option(func)
    return func


def _info(message: str) -> None:
    """A line for people (stderr), left out with ``-q``."""
    if not _state().quiet:
        click.echo(message, err=True)


def _verbose(message: str) -> None:
    if _state().verbose:
        click.echo(message, err=True)


def shown(path: Path | str) -> str:
    """``path`` as typed from the current folder: relative when the current folder is in the project or the
    path is below it (``../../dist/x.apkg`` from ``cards/sub``), else absolute. POSIX separators."""
    absolute = Path(os.path.abspath(path))
    cwd = Path(os.path.abspath(Path.cwd()))
    try:
        relative = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive on Windows
        return absolute.as_posix()
    if relative.startswith(".." + os.sep) or relative == "..":
        root = _project_root()
        if root is None or not cwd.is_relative_to(root):
            return absolute.as_posix()
    return Path(relative).as_posix()


def _project_root() -> Path | None:
    ctx = click.get_current_context(silent=True)
    value = ctx.find_root().meta.get("ankigen.root") if ctx else None
    return value if isinstance(value, Path) else None


def _config(root: str | None, **overrides: str | None) -> tuple[Config, tuple[Diagnostic, ...]]:
    start = Path(root) if root else Path.cwd()
    base = start if root else find_root(start)
    config, problems = load_config(base, overrides)
    meta = click.get_current_context().find_root().meta
    meta["ankigen.root"] = Path(os.path.abspath(config.root))
    if meta.get("ankigen.noted"):  # said once per run (build reads the settings twice)
        pass
    elif not config.config_path:
        if root:
            _info(f"note: no ankigen.toml or [tool.ankigen] in pyproject.toml in {shown(config.root)}; using defaults")
        else:
            _info(
                "note: no ankigen.toml or pyproject.toml with [tool.ankigen] found here or in a parent folder; "
                f"using the current folder ({config.root}) as the project, with the default settings"
            )
    else:
        _verbose(f"project {shown(config.root)}, settings from {shown(config.root / config.config_path)}")
    meta["ankigen.noted"] = True
    return config, problems


_DIAGNOSTIC_HEAD = re.compile(r"(?m)^(\S[^\n]*?:\d+:\d+:) ([EW])(\d{3}) ")


def _styled(text: str) -> str:
    """Bold locations, red error and yellow warning codes (click strips the colour when it is off)."""

    def paint(m: re.Match[str]) -> str:
        colour = "red" if m.group(2) == "E" else "yellow"
        return f"{click.style(m.group(1), bold=True)} {click.style(m.group(2) + m.group(3), fg=colour, bold=True)} "

    return _DIAGNOSTIC_HEAD.sub(paint, text)


def _summary(line: str, diagnostics: Sequence[Diagnostic]) -> str:
    colour = "red" if any(d.is_error for d in diagnostics) else "yellow" if diagnostics else "green"
    return click.style(line, fg=colour, bold=True)


def _from_cwd(diagnostics: Sequence[Diagnostic], root: Path) -> tuple[Diagnostic, ...]:
    """Diagnostics with paths as :func:`shown` prints them (the pipeline's are relative to the project)."""
    out = []
    for d in diagnostics:
        path = shown(root / d.span.path) if d.span.path else d.span.path
        out.append(dataclasses.replace(d, span=dataclasses.replace(d.span, path=path)))
    return tuple(out)


def _emit(diagnostics: tuple[Diagnostic, ...], fmt: str, root: Path, *, err: bool) -> None:
    if diagnostics:
        if fmt == "json":  # machine-readable: paths stay relative to the project
            click.echo(format_diagnostics(diagnostics, fmt, root), err=err)
        else:
            click.echo(_styled(format_diagnostics(_from_cwd(diagnostics, root), fmt, Path.cwd())), err=err)


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
@click.version_option(__version__, "-V", "--version", prog_name="ankigen", message="%(prog)s %(version)s")
@_with_output
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
    if not _interactive() or _state().quiet:
        return None

    def started(count: int) -> None:
        if count >= MATHJAX_NOTICE_MIN:
            click.echo(f"Checking {count:,} formulas with MathJax…", err=True)

    return started


def _progress_bar() -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A progress callback drawing on stderr, only on a terminal and not in CI (nor with -q); and a closer."""
    if not _interactive() or _state().quiet:
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


def _unique_tags(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """``--tag DL --tag dl --tag DL::`` is one tag (Anki compares tags without case; ``/`` is ``::``)."""
    seen: set[str] = set()
    out = []
    for tag in value:
        key = tag.strip().replace("::", "/").strip("/").casefold()
        if key not in seen:
            seen.add(key)
            out.append(tag)
    return tuple(out)


tag_options = [
    click.option(
        "--tag",
        "tags",
        multiple=True,
        callback=_unique_tags,
        help="Only cards with this tag or a descendant (DL/Diffusion or DL::Diffusion); repeatable.",
    ),
    click.option(
        "--exclude-tag",
        "exclude_tags",
        multiple=True,
        callback=_unique_tags,
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
            click.echo(click.style("Error:", fg="red", bold=True) + f" {line}", err=True)
        sys.exit(EXIT_USAGE)


def _check_output(output: str | None, split: bool, no_full: bool) -> None:
    """Usage errors (exit 2) before any work: a package Anki would not import, a flag that does nothing."""
    if no_full and not split:
        raise click.UsageError(
            "--no-full only makes sense with --split (it leaves out the full package beside the per-section ones)"
        )
    if output and not output.endswith(("/", os.sep)) and not Path(output).is_dir():
        suffix = Path(output).suffix
        if suffix and suffix.lower() != ".apkg":  # no suffix: a folder to write into (see outputs.py)
            raise click.BadParameter(
                f"{output!r} ends in {suffix!r}: Anki imports a deck "
                f"package only from a .apkg file (try {str(Path(output).with_suffix('.apkg'))!r})",
                param_hint="'-o' / '--output'",
            )


def _elapsed(start: float) -> None:
    _verbose(f"done in {time.perf_counter() - start:.2f} s")


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
@click.option(
    "--watch", is_flag=True, help="Build, then build again on every save of a card, medium or setting (Ctrl-C stops)."
)
@mathjax_option
@root_option
@_with_output
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
    watch: bool,
    mathjax_mode: str | None,
    root: str | None,
) -> None:
    """Build an .apkg from the card files (all of cards/, or PATHS)."""
    args = (paths, output, deck_name, tags, exclude_tags, split, no_full, strict, no_lock, no_cache, jobs, fmt)
    if not watch:
        _build_once(*args, mathjax_mode, root)
    _watch_builds(lambda: _build_once(*args, mathjax_mode, root), root)


def _build_once(
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
    """One build, as ``ankigen build`` runs it; ends with ``sys.exit`` (its exit status)."""
    start = time.perf_counter()
    _check_output(output, split, no_full)
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
            click.echo(shown(path))
    _info(f"Built {_count(notes, 'note')} from {_count(result.files, 'file')}:")
    for path, size in result.outputs:
        _info(f"  {shown(path)} ({size_text(size)})")
    for deck, count in result.deck_counts():
        _info(f"  {count:5d}  {config.deck_name}::{deck}")
    for line in result.report:
        _info(line)
    _elapsed(start)
    sys.exit(exit_code(result.diagnostics, strict=strict))  # 1 if the lock file could not be written


def _watch_builds(once: Callable[[], None], root: str | None) -> None:
    """``build --watch``: one build now and one after each batch of saves, until Ctrl-C (exit 0)."""
    from ankigen import watch

    def run(first: bool = False) -> None:
        try:
            once()
        except SystemExit as done:  # a build that failed said why; the watch goes on
            if first and done.code == EXIT_USAGE:
                raise

    run(first=True)
    config, _problems = _config(root)
    stop = threading.Event()
    _info(f"Watching {shown(config.cards_dir)} and {shown(config.media_dir)} for changes (Ctrl-C to stop)")

    def rebuild(changed: set[Path]) -> None:
        _info(f"{', '.join(sorted(shown(p) for p in changed))} changed")
        run()

    try:
        watch.run(config, stop, rebuild)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    sys.exit(0)


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
        click.echo(_summary(closing_line(diagnostics, files) + " Nothing written.", diagnostics), err=True)
    sys.exit(exit_code(diagnostics, strict=strict) or 1)


@cli.command()
@paths_argument
@_with_tags
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--no-cache", is_flag=True, help="Check everything afresh (ignore .ankigen-cache/).")
@click.option("--format", "fmt", type=FORMATS, default="concise", show_default=True, help="Output format.")
@mathjax_option
@root_option
@_with_output
def check(
    paths: tuple[Path, ...],
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    strict: bool,
    no_cache: bool,
    fmt: str,
    mathjax_mode: str | None,
    root: str | None,
) -> None:
    """Report every problem in the card files and in ankigen.lock, without building."""
    start = time.perf_counter()
    config, problems = _config(root)
    _outside(config, paths)
    progress, close = _progress_bar()
    options = pipeline.Options(
        paths,
        tags,
        exclude_tags,
        use_cache=not no_cache,
        progress=progress,
        mathjax_started=_mathjax_notice(),
        mathjax_mode=mathjax_mode,
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
        if not _state().quiet:
            click.echo(_summary(closing_line(diagnostics, files), diagnostics), err=True)
    _elapsed(start)
    sys.exit(exit_code(diagnostics, strict=strict))


@cli.command()
@paths_argument
@_with_tags
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
@root_option
@_with_output
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
@paths_argument
@_with_tags
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free one).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to serve on; another than 127.0.0.1 shows your cards to the network (to look on a real phone).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.option(
    "--export",
    "export_dir",
    type=click.Path(path_type=Path),
    help="Write the page as a static site into this folder (opens from file://) instead of serving it.",
)
@click.option("--no-cache", is_flag=True, help="Render everything afresh (ignore .ankigen-cache/).")
@mathjax_option
@root_option
@_with_output
def preview(
    paths: tuple[Path, ...],
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    port: int,
    host: str,
    open_browser: bool,
    export_dir: Path | None,
    no_cache: bool,
    mathjax_mode: str | None,
    root: str | None,
) -> None:
    """Show every card as Anki will, in a local page that follows your edits (or --export it as a site)."""
    from ankigen.preview.live import Session

    config, problems = _config(root)
    if problems:
        _build_failed(problems, 0, "concise", config.root, closing=False)
    _outside(config, paths)
    options = pipeline.Options(paths, tags, exclude_tags, use_cache=not no_cache, mathjax_mode=mathjax_mode)
    session = Session(config, options)
    doc = session.rebuild()
    assert session.result is not None
    _usage_errors(session.result.usage_errors)
    _skipped(session.result.mathjax_skipped)
    if export_dir is not None:
        _export(session, export_dir)
    _serve(session, host, port, open_browser)
    del doc


def _preview_error(code: str, message: str) -> None:
    """A preview that cannot start (E600-E609): one line on stderr, exit 2."""
    click.echo(click.style("Error:", fg="red", bold=True) + f" {code} {message}", err=True)
    sys.exit(EXIT_USAGE)


def _export(session: Any, target: Path) -> None:
    from ankigen.preview import export

    result = session.result
    config = session.config
    if result.errors:
        _build_failed(result.diagnostics, result.files, "concise", config.root)
    absolute = Path(os.path.abspath(target))
    if absolute == Path(os.path.abspath(config.root)) or any(
        absolute.is_relative_to(d) for d in (config.cards_dir, config.media_dir)
    ):
        _preview_error("E601", f"cannot export into {shown(target)!r}: it is the project, or inside its cards or media")
    why = export.export_problem(target)
    if why:
        _preview_error("E601", f"cannot export into {shown(target)!r}: {why}")
    _emit(result.diagnostics, "concise", config.root, err=True)
    _generation, doc = session.snapshot()
    stamped = {**doc, "status": {**doc["status"], "exported": f"exported {time.strftime('%Y-%m-%d %H:%M')}"}}
    try:
        export.write(target, export.files(stamped, session.media_files()))
    except OSError as exc:
        _preview_error("E602", f"cannot write {shown(target)!r}: {exc.strerror or exc}")
    click.echo(shown(target / "index.html"))
    _info(f"Exported {_count(len(doc['cards']), 'card')} to {shown(target)}/ (open index.html)")
    sys.exit(0)


def _serve(session: Any, host: str, port: int, open_browser: bool) -> None:
    import errno
    import signal
    import webbrowser

    from ankigen import watch
    from ankigen.preview.server import PreviewServer

    config = session.config
    result = session.result
    try:
        server = PreviewServer((host, port), session)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            _preview_error("E600", f"port {port} on {host} is in use; choose another with --port (0 picks a free one)")
        _preview_error("E600", f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    _emit(result.diagnostics, "concise", config.root, err=True)
    _info(_summary(closing_line(result.diagnostics, result.files), result.diagnostics))
    click.echo(server.url)
    sys.stdout.flush()
    _info(f"Serving {_count(len(session.doc['cards']), 'card')} on {server.url} (Ctrl-C to stop)")
    stop = threading.Event()
    reported: set[str] = {d.concise() for d in result.diagnostics}

    def rebuild(changed: set[Path]) -> None:
        nonlocal reported
        doc = session.rebuild("change")
        new = session.result.diagnostics
        fresh = tuple(d for d in new if d.concise() not in reported)
        reported = {d.concise() for d in new}
        _emit(fresh, "concise", config.root, err=True)
        names = ", ".join(sorted(shown(p) for p in changed))
        status = doc["status"]
        _info(
            f"{names} changed: build {doc['generation']} in {status['elapsed'] * 1000:.0f} ms "
            f"({_count(status['compiled'], 'file')} compiled), {doc['errors']} errors, {doc['warnings']} warnings"
        )

    watcher = threading.Thread(target=watch.run, args=(config, stop, rebuild), name="ankigen-watch", daemon=True)
    watcher.start()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        _info("Stopped.")
    finally:
        stop.set()
        server.stopping.set()
        session.wake()
        server.server_close()
    sys.exit(0)


@cli.command()
@click.option("--rebuild", is_flag=True, required=True, help="Regenerate ankigen.lock from the sources.")
@root_option
@_with_output
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
    click.echo(shown(config.root / "ankigen.lock"))
    for line in result.report:
        _info(line)


@cli.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--deck-name", help="Name of the root deck (default: the folder's name).")
def init(folder: Path | None, deck_name: str | None) -> None:
    """Create a project: ankigen.toml with a pinned deck name and id namespace, cards/, media/, an example."""
    from ankigen import scaffold

    target = folder or Path.cwd()
    name = (deck_name or target.resolve().name or "Deck").strip()
    created = scaffold.init(target, name)
    if created.existing:
        for rel in created.existing:
            click.echo(f"Error: {target / rel} already exists; ankigen init writes nothing in a project", err=True)
        sys.exit(1)
    for rel in created.files:
        click.echo(f"created {target / rel}", err=True)
    where = f"cd {folder} && " if folder else ""
    click.echo(f"Next: {where}ankigen build (then import dist/{slugify(name)}.apkg into Anki)", err=True)


@cli.command()
@paths_argument
@click.option("--write", is_flag=True, help="Write the ids into the files (default: only list them).")
@click.option("--force", is_flag=True, help="With --write: also edit files with uncommitted changes.")
@root_option
def ids(paths: tuple[Path, ...], write: bool, force: bool, root: str | None) -> None:
    """Stamp a stable id into every card that lacks one (all of cards/, or PATHS), changing nothing else."""
    from ankigen import stamp

    config, problems = _config(root)
    if problems:
        _emit(problems, "concise", config.root, err=True)
        sys.exit(exit_code(problems))
    _outside(config, paths)
    outcome = stamp.run(config, paths, write=write, force=force)
    for s in outcome.stamps:
        why = f" ({s.keeps})" if s.keeps else ""
        click.echo(f"{s.path}:{s.line}: id: {s.card_id}{why}")
    for path, reason in outcome.refused:
        click.echo(f"{path}: not changed: {reason}", err=True)
    if not write:
        if outcome.stamps:
            click.echo(f"{len(outcome.stamps)} card(s) lack an id; `ankigen ids --write` stamps these", err=True)
        else:
            click.echo("Every card has an id.", err=True)
        return
    click.echo(f"Stamped {len(outcome.stamps)} id(s) in {len(outcome.written)} file(s).", err=True)
    sys.exit(1 if outcome.refused else 0)


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
