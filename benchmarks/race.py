#!/usr/bin/env python3
"""First builds against a peer: ankigen's cold build, with and without its MathJax check, against ankcompiler's.

The same cards (``bench.card``, 1,000 and 10,000 of them) are written in each tool's format: ankigen's Markdown
(one ``##`` question per card) and ankcompiler's (``---`` blocks with ``question ::: answer`` and a ``[^uid]``).
Each run is a whole command in a fresh process, as a user types it, with no cache and no lock: ``ankigen build``
(MathJax check on, the default), ``ankigen build --mathjax=off``, and ``ankc build --all``. The steps of one
repetition run one after another, and their order turns round from one repetition to the next, so that a load
that comes and goes falls on every tool alike; ratios are taken within each repetition, then reported as medians
with their spread. The flagship deck (a copy of this repository's cards) is measured the same way, with the check
and without (ankcompiler cannot read it).

ankcompiler is not a dependency of ankigen (it pins other versions of genanki and Markdown): install it in a
virtual environment of its own and name its ``ankc``::

    python -m venv /tmp/ankc && /tmp/ankc/bin/pip install ankcompiler==0.6.0
    python benchmarks/race.py --ankc /tmp/ankc/bin/ankc

Without ``--ankc`` (or ``$ANKC``) the ankcompiler rows are left out.

Usage: python benchmarks/race.py [--sizes 1000 10000] [--repeat 5] [--ankc PATH] [--no-flagship]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import card, copy_flagship, make_tree, private_data_dir

ANKIGEN = [sys.executable, "-m", "ankigen"]


def make_ankc_tree(root: Path, n: int) -> None:
    """``bench.make_tree``'s cards in ankcompiler's format: the same decks, questions and answers."""
    rng = random.Random(n)  # as make_tree: the same random code lines
    (root / "cards").mkdir(parents=True)
    per_file = 50
    for f in range(0, n, per_file):
        deck = f"Bench::Section {f // 1000}::Topic {f // per_file % 20}"
        blocks = []
        for i in range(f, min(n, f + per_file)):
            lines = card(i, rng).split("\n")
            question, answer = lines[0].removeprefix("## "), "\n".join(lines[2:]).strip()
            blocks.append(f"---\n\n{question} :::\n\n{answer}\n\n---\n[^uid]: u{i:09d}\n")
        (root / "cards" / f"file{f // per_file:04d}.md").write_text(
            f"---\ndeck: {deck}\n---\n\n" + "\n".join(blocks), "utf-8"
        )


def notes_in(package: Path) -> int:
    """How many notes a written .apkg holds."""
    with zipfile.ZipFile(package) as z, tempfile.TemporaryDirectory() as tmp:
        name = "collection.anki21" if "collection.anki21" in z.namelist() else "collection.anki2"
        z.extract(name, tmp)
        con = sqlite3.connect(Path(tmp) / name)
        try:
            return int(con.execute("select count(*) from notes").fetchone()[0])
        finally:
            con.close()


@dataclass(frozen=True)
class Step:
    name: str
    root: Path
    command: list[str]
    output: Path  # the folder the package goes to (emptied before each run)

    def run(self) -> tuple[float, float]:
        """Seconds and peak MB (of the largest process) of one cold run."""
        shutil.rmtree(self.root / ".ankigen-cache", ignore_errors=True)
        (self.root / "ankigen.lock").unlink(missing_ok=True)
        shutil.rmtree(self.output, ignore_errors=True)
        self.output.mkdir(parents=True)
        start = time.perf_counter()
        proc = subprocess.Popen(self.command, cwd=self.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{self.name} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
        return elapsed, usage.ru_maxrss / 1024

    def package(self) -> Path:
        return min(self.output.glob("*.apkg"))


def ankigen_steps(root: Path) -> list[Step]:
    out = root / "dist"
    return [
        Step("ankigen (MathJax check)", root, [*ANKIGEN, "build", "-q"], out),
        Step("ankigen --mathjax=off", root, [*ANKIGEN, "build", "-q", "--mathjax=off"], out),
    ]


def race(steps: list[Step], repeat: int, expect: int | None) -> dict[str, tuple[list[float], list[float]]]:
    """Per step, the seconds and peak MB of each repetition (the steps' order turned round each time)."""
    times: dict[str, tuple[list[float], list[float]]] = {s.name: ([], []) for s in steps}
    for r in range(repeat):
        shift = r % len(steps)
        for step in steps[shift:] + steps[:shift]:
            seconds, mb = step.run()
            times[step.name][0].append(seconds)
            times[step.name][1].append(mb)
            if r == 0 and expect is not None and (got := notes_in(step.package())) != expect:
                raise SystemExit(f"{step.name} wrote {got} notes, not {expect}")
    return times


def ratio(a: list[float], b: list[float]) -> str:
    values = [x / y for x, y in zip(a, b, strict=True)]
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def share(checked: list[float], off: list[float]) -> str:
    """What the MathJax check adds, as a share of the build that includes it."""
    values = [(c - o) / c for c, o in zip(checked, off, strict=True)]
    return f"{100 * statistics.median(values):.0f}% ({100 * min(values):.0f}–{100 * max(values):.0f}%)"


def report(label: str, times: dict[str, tuple[list[float], list[float]]]) -> None:
    checked, off = times["ankigen (MathJax check)"], times["ankigen --mathjax=off"]
    for name, (seconds, mb) in times.items():
        print(f"| {label} | {name} | {statistics.median(seconds):.2f} | {max(mb):.0f} |")
    if "ankcompiler" in times:
        peer = times["ankcompiler"][0]
        print(f"| {label} | **ankigen (MathJax check) ÷ ankcompiler** | **{ratio(checked[0], peer)}** | |")
        print(f"| {label} | ankigen --mathjax=off ÷ ankcompiler | {ratio(off[0], peer)} | |")
    print(f"| {label} | ankigen with the check ÷ without | {ratio(checked[0], off[0])} | |")
    print(f"| {label} | MathJax's share of the checked build | {share(checked[0], off[0])} | |")


def measure(
    label: str, make: Callable[[Path], None], ankc_make: Callable[[Path], None] | None, args: argparse.Namespace
) -> None:
    repeat, ankc = args.repeat, args.ankc
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ankigen"
        make(root)
        steps = ankigen_steps(root)
        expect = None
        if ankc and ankc_make is not None:
            peer = Path(tmp) / "ankc"
            ankc_make(peer)
            steps.append(
                Step("ankcompiler", peer, [ankc, "build", "--all", "--path", "cards", "--output", "out"], peer / "out")
            )
            expect = int(label.replace(",", ""))
        report(label, race(steps, repeat, expect))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ankc", default=os.environ.get("ANKC", ""), help="ankcompiler's ankc executable")
    parser.add_argument("--no-flagship", dest="flagship", action="store_false", help="skip this repository's deck")
    args = parser.parse_args()
    private_data_dir()
    if args.ankc and shutil.which(args.ankc) is None:
        raise SystemExit(f"--ankc {args.ankc}: not an executable")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()}; whole commands, cold, medians of {args.repeat} interleaved runs "
        "(ratios: median of each repetition's ratio, with min–max)\n"
    )
    print("| cards | build | seconds (median) | peak MB |")
    print("| ---: | --- | ---: | ---: |")
    for n in args.sizes:
        measure(f"{n:,}", lambda root, n=n: make_tree(root, n), lambda root, n=n: make_ankc_tree(root, n), args)
    if args.flagship:
        measure("flagship", copy_flagship, None, args)


if __name__ == "__main__":
    main()
