#!/usr/bin/env python3
"""Build-speed benchmark: synthetic card trees of 1,000 and 10,000 cards.

For each size it reports, as medians of several runs, each run in a fresh process:
- floor: genanki alone writing a package of the same, already rendered notes (what any genanki-based tool pays);
- cold: ``ankigen build`` with no cache and no lock (MathJax off, as it depends on node; see "mathjax" below);
- no-op: the same build again (cache and lock in place, nothing changed);
- one edit: the build after editing one card's answer;
- mathjax: the cold MathJax check of every formula on its own, reported separately;
- cold + mathjax: a first build as `ankigen build` runs it where node is set up: MathJax check included;
and the peak memory (RSS) of each, and ratios to the floor. The flagship deck (a copy of this repository's
cards/ and media/) is measured the same way.

Usage: python benchmarks/bench.py [--sizes 1000 10000] [--repeat 3] [--jobs 0] [--no-flagship]
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from functools import partial
from pathlib import Path

Stat = tuple[float, float, float, float, float]  # median seconds, median/min/max ratio to the floor, peak MB

REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    r"""
    import json, resource, sys, time
    from pathlib import Path
    mode, root, jobs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    from ankigen.config import load_config
    from ankigen import mathcheck, pipeline
    config, _ = load_config(root, {})
    if mode == "floor":
        import genanki
        from ankigen.notetypes import BASIC, css
        fields = json.loads((root / "rendered.json").read_text("utf-8"))
        start = time.perf_counter()
        model = genanki.Model(BASIC.id, BASIC.name, fields=[{"name": f} for f in BASIC.fields],
                              templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in BASIC.templates], css=css())
        decks = {}
        for deck, flds, guid in fields:
            d = decks.setdefault(deck, genanki.Deck(len(decks) + 1 << 20, deck))
            d.add_note(genanki.Note(model=model, fields=flds, guid=guid))
        genanki.Package(list(decks.values())).write_to_file(str(root / "floor.apkg"), timestamp=1_700_000_000)
        elapsed = time.perf_counter() - start
    elif mode == "mathjax":
        cards = pipeline.compile_notes(config, pipeline.Options(mathjax=False, use_cache=False)).cards
        start = time.perf_counter()
        problems, skipped = mathcheck.math_diagnostics(cards, None)
        elapsed = time.perf_counter() - start
        if skipped:
            elapsed = -1.0
    else:
        options = pipeline.Options(mathjax=mode == "build+mathjax", use_cache=True, jobs=jobs)
        start = time.perf_counter()
        result = pipeline.build(config, int(time.time()), options)
        elapsed = time.perf_counter() - start
        assert result.written, [d.concise() for d in result.diagnostics][:5]
        if result.mathjax_skipped and options.mathjax:
            elapsed = -1.0
        if mode == "dump":
            rows = [[s.deck, list(s.fields), s.guid] for s in result.notes]
            (root / "rendered.json").write_text(json.dumps(rows), "utf-8")
    usage = resource.getrusage
    peak = max(usage(resource.RUSAGE_SELF).ru_maxrss, usage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024}))
    """
)


def private_data_dir() -> None:
    """Builds of this script record the note times they issue in a folder of their own, removed at exit: a
    benchmark that edits the flagship must not leave this machine's record of its real deck ahead of the lock."""
    folder = tempfile.mkdtemp(prefix="ankigen-bench-data-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["ANKIGEN_DATA_DIR"] = folder


def card(i: int, rng: random.Random) -> str:
    parts = [f"## Question {i}: what is $x_{{{i}}}^2 + \\alpha_{i}$ for $n = {i}$?", f"<!-- id: q{i} -->", ""]
    parts.append(f"The answer uses $\\sum_{{k=1}}^{{{i % 50 + 2}}} k^2$ and $\\mathbb E[X_{i}]$ with *emphasis*.")
    parts += ["", "- first point with $a_{i} * b_{i}$", "- second point", "- third point", ""]
    parts += [
        "$$",
        f"\\int_0^{{{i % 9 + 1}}} e^{{-t^2}}\\,dt = \\frac{{\\sqrt{{\\pi}}}}{{2}}\\operatorname{{erf}}({i % 9 + 1})",
        "$$",
        "",
    ]
    if i % 5 == 0:
        parts += ["| item | formula |", "| --- | --- |", f"| a | $\\beta_{i}$ |", f"| b | $\\gamma^{{{i}}}$ |", ""]
    if i % 7 == 0:
        parts += [
            "```python",
            f"def f{i}(x):",
            f"    return [v * {i} for v in x if v > {rng.randint(0, 9)}]",
            "```",
            "",
        ]
    return "\n".join(parts)


def make_tree(root: Path, n: int) -> None:
    rng = random.Random(n)
    (root / "cards").mkdir(parents=True)
    (root / "ankigen.toml").write_text('deck_name = "Bench"\n', encoding="utf-8")
    per_file = 50
    for f in range(0, n, per_file):
        section = f"Section {f // 1000}::Topic {f // per_file % 20}"
        body = "\n\n".join(card(i, rng) for i in range(f, min(n, f + per_file)))
        (root / "cards" / f"file{f // per_file:04d}.md").write_text(f"---\ndeck: {section}\n---\n\n{body}\n", "utf-8")


def copy_flagship(root: Path) -> None:
    """This repository's deck, as a project of its own (configured by the same pyproject.toml)."""
    shutil.copytree(REPO / "cards", root / "cards")
    shutil.copytree(REPO / "media", root / "media")
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")


def run(mode: str, root: Path, jobs: int) -> dict[str, float]:
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(root), str(jobs)], capture_output=True, text=True, check=False, env=env
    )
    if proc.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def reset(root: Path) -> None:
    shutil.rmtree(root / ".ankigen-cache", ignore_errors=True)
    (root / "ankigen.lock").unlink(missing_ok=True)


def measure(make: Callable[[Path], None], repeat: int, jobs: int) -> tuple[int, dict[str, Stat]]:
    """The number of notes, and per step the median seconds and peak MB."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        make(root)
        run("dump", root, jobs)
        notes = len(json.loads((root / "rendered.json").read_text("utf-8")))
        steps = ["floor", "cold", "no-op", "one edit", "mathjax", "cold + mathjax"]
        results: dict[str, list[dict[str, float]]] = {k: [] for k in steps}
        target = min((root / "cards").rglob("*.md"))
        original = target.read_text("utf-8")
        for r in range(repeat):
            results["floor"].append(run("floor", root, jobs))
            reset(root)
            target.write_text(original, "utf-8")
            results["cold"].append(run("build", root, jobs))
            results["no-op"].append(run("build", root, jobs))
            # a new last paragraph in the file's last card: one field of one card changes
            target.write_text(f"{original.rstrip()}\n\nEdited in run {r}.\n", "utf-8")
            results["one edit"].append(run("build", root, jobs))
            results["mathjax"].append(run("mathjax", root, jobs))
            reset(root)
            results["cold + mathjax"].append(run("build+mathjax", root, jobs))
        # each step is divided by the floor measured in the same repetition, right before it: on a noisy
        # machine the load moves both alike, so the ratios are steadier than the seconds
        floors = [x["seconds"] for x in results["floor"]]
        stats: dict[str, Stat] = {}
        for k, v in results.items():
            seconds = [x["seconds"] for x in v]
            ratios = [t / f for t, f in zip(seconds, floors, strict=True)] if min(seconds) >= 0 else [-1.0]
            peak = max(x["peak_mb"] for x in v)
            stats[k] = (statistics.median(seconds), statistics.median(ratios), min(ratios), max(ratios), peak)
        return notes, stats


def report(label: str, measured: tuple[int, dict[str, Stat]]) -> None:
    notes, res = measured
    label = label.format(notes=f"{notes:,}")
    for step, (secs, ratio, low, high, mb) in res.items():
        if secs < 0:
            print(f"| {label} | {step} | skipped (no node) | | | |")
            continue
        print(f"| {label} | {step} | {secs:.2f} | {ratio:.2f} | {low:.2f}–{high:.2f} | {mb:.0f} |")
    cold, checked = res["cold"], res["cold + mathjax"]
    if checked[0] >= 0 and cold[0] > 0:
        print(f"| {label} | cold + mathjax ÷ cold | | {checked[1] / cold[1]:.2f} | | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0, help="render processes (0: one per core)")
    parser.add_argument("--no-flagship", dest="flagship", action="store_false", help="skip this repository's deck")
    args = parser.parse_args()
    private_data_dir()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}; medians of {args.repeat} runs, each in a fresh process, "
        "each repetition's steps divided by that repetition's floor\n"
    )
    print("| cards | step | seconds | × floor (median) | × floor (min–max) | peak MB |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for n in args.sizes:
        report("{notes}", measure(partial(make_tree, n=n), args.repeat, args.jobs))
    if args.flagship:
        report("flagship: {notes}", measure(copy_flagship, args.repeat, args.jobs))


if __name__ == "__main__":
    main()
