"""The bad-input corpus: every case through `check`, `build` and `stats`, each under a time and a memory limit.

The cases are the table-driven corpus of tests/cases/diagnostics.yml (exact diagnostics known) and the hostile
inputs below, written the way a careless user, a broken editor or an adversary produces them: file-system oddities
(links, folders, FIFOs, devices, unreadable and undecodable files), encodings, sizes and nestings meant to blow up
time or memory, and output paths that point at the project's own files. For every case:

- no run crashes (no traceback, no "internal error"), hangs (SIGALRM) or runs out of memory (RLIMIT_AS);
- exit status 0 (clean), 1 (problems) or 2 (usage error), and the same status from `check`, `build` and `stats`;
- every diagnostic is located as ``path:line:col: CODE message`` and names a path of the project, each one once,
  and the summary's counts are the lines' counts;
- `build` reports exactly what `check` reports; a failed build changes nothing in the project, `check` and `stats`
  never change anything (all three run with ``--no-cache``, so not even a cache is written);
- ``--format json`` prints one JSON document on stdout and nothing else there.

The runs are forked from one process that imported ankigen (tests/bad_input_driver.py), MathJax off: formulas
have their own corpus (test_mathjax_check.py), and this one is about what the rest of the tool does with bad bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

HERE = Path(__file__).parent
SECONDS = 30  # per run; the slowest case (a 2 MB answer) takes about 2 s
MEGABYTES = 2048  # address space per run
MAX_RSS_MB = 600  # what any run may actually use

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the driver forks (POSIX)")

GOOD = "## What is $x$?\n<!-- id: a -->\n\nIt is $x$.\n"
ROOT_IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None  # what files cannot say: links, modes, folders, FIFOs
    status: int | None = None  # the exit status every command must give, when the case knows it
    expect: list[str] | None = None  # exactly these "path:line:col: CODE" (the YAML corpus), in order
    codes: tuple[str, ...] = ()  # at least these codes
    build_args: tuple[str, ...] = ()
    config: bool = True  # write the usual ankigen.toml


def _yaml_cases() -> list[Case]:
    raw = yaml.safe_load((HERE / "cases" / "diagnostics.yml").read_text("utf-8"))
    cases = []
    for c in raw:
        files = {
            k: (v.replace("PLACEHOLDER_DEEP", "[" * 20_000 + "]" * 20_000) if isinstance(v, str) else v)
            for k, v in c["files"].items()
        }
        status = 1 if any(": E" in e for e in c["expect"]) else 0
        cases.append(Case("corpus: " + c["name"], files, status=status, expect=c["expect"]))
    return cases


def _link(rel: str, target: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)

    return make


def _mkdir(rel: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).mkdir(parents=True, exist_ok=True)


def _fifo(rel: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / rel)

    return make


def _unreadable(rel: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).chmod(0)


def _both(*makers: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        for m in makers:
            m(root)

    return make


def _card(i: int, answer: str = "A") -> str:
    return f"## Question {i}?\n<!-- id: q{i} -->\n\n{answer}\n\n"


PIC = "## Q\n<!-- id: p -->\n\n![plot](pic.png)\n"
BIG = 2 * 1024 * 1024

HOSTILE: list[Case] = [
    # the issue's own list
    Case("output onto a card file", {"cards/good.md": GOOD}, status=2, build_args=("-o", "cards/good.md")),
    Case("output onto the config", {"cards/good.md": GOOD}, status=2, build_args=("-o", "ankigen.toml")),
    Case(
        "output onto a media file",
        {"cards/good.md": GOOD, "media/pic.svg": "<svg/>"},
        status=2,
        build_args=("-o", "media/pic.svg"),
    ),
    Case("output onto the cards folder", {"cards/good.md": GOOD}, status=2, build_args=("-o", "cards")),
    Case(
        "output onto the lock",
        {"cards/good.md": GOOD, "ankigen.lock": ""},
        status=2,
        build_args=("-o", "ankigen.lock"),
    ),
    Case(
        "output onto a FIFO", {"cards/good.md": GOOD}, setup=_fifo("out.apkg"), status=2, build_args=("-o", "out.apkg")
    ),
    Case(
        "output through a link to a FIFO",
        {"cards/good.md": GOOD},
        setup=_both(_fifo("pipe"), _link("out.apkg", "pipe")),
        status=2,
        build_args=("-o", "out.apkg"),
    ),
    Case(
        "output onto a dangling link",
        {"cards/good.md": GOOD},
        setup=_link("out.apkg", "nowhere.apkg"),
        status=2,
        build_args=("-o", "out.apkg"),
    ),
    Case(
        "output through a link into cards",
        {"cards/good.md": GOOD},
        setup=_link("alias", "cards"),
        status=2,
        build_args=("-o", "alias/x.apkg"),
    ),
    Case(
        "preamble is a FIFO",
        {"ankigen.toml": 'deck_name = "Test"\npreamble = "pre.tex"\n', "cards/a.md": GOOD},
        setup=_fifo("pre.tex"),
        status=1,
        codes=("E307",),
        config=False,
    ),
    Case("lock links to /dev/zero", {"cards/a.md": GOOD}, setup=_link("ankigen.lock", "/dev/zero"), status=1),
    Case(
        "config not UTF-8",
        {"ankigen.toml": b'deck_name = "Caf\xe9"\n', "cards/a.md": GOOD},
        status=1,
        codes=("E115",),
        config=False,
    ),
    Case(
        "config is a folder",
        {"cards/a.md": GOOD},
        setup=_mkdir("ankigen.toml"),
        status=1,
        codes=("E115",),
        config=False,
    ),
    Case(
        "config is a broken link",
        {"cards/a.md": GOOD},
        setup=_link("ankigen.toml", "missing.toml"),
        status=1,
        codes=("E115",),
        config=False,
    ),
    Case(
        "config unreadable (mode 000)",
        {"cards/a.md": GOOD},
        setup=_unreadable("ankigen.toml"),
        status=None if ROOT_IS_ROOT else 1,
        codes=() if ROOT_IS_ROOT else ("E115",),
    ),
    Case("config not TOML", {"ankigen.toml": "deck_name = \n[[[", "cards/a.md": GOOD}, status=1, config=False),
    Case(
        "config with a wrong type",
        {"ankigen.toml": "deck_name = 3\n", "cards/a.md": GOOD},
        status=1,
        codes=("E108",),
        config=False,
    ),
    Case(
        "lock of binary bytes",
        {"cards/a.md": GOOD, "ankigen.lock": b"\x00\x01\xff\xfe binary"},
        status=1,
        codes=("E501",),
    ),
    Case("lock is a folder", {"cards/a.md": GOOD}, setup=_mkdir("ankigen.lock"), status=1, codes=("E116",)),
    Case(
        "lock unreadable (mode 000)",
        {"cards/a.md": GOOD, "ankigen.lock": "{}"},
        setup=_unreadable("ankigen.lock"),
        status=None if ROOT_IS_ROOT else 1,
    ),
    Case(
        "lock is truncated JSON",
        {"cards/a.md": GOOD, "ankigen.lock": '{"version": 1, "notes": {'},
        status=1,
        codes=("E501",),
    ),
    Case("lock is a JSON list", {"cards/a.md": GOOD, "ankigen.lock": "[1, 2, 3]\n"}, status=1, codes=("E501",)),
    Case("lock links to itself", {"cards/a.md": GOOD}, setup=_link("ankigen.lock", "ankigen.lock"), status=1),
    Case("card file name not UTF-8", {os.fsdecode(b"cards/caf\xe9.md"): GOOD}, status=1, codes=("E117",)),
    Case(
        "card file links to itself",
        {"cards/a.md": GOOD},
        setup=_link("cards/self.md", "self.md"),
        status=1,
        codes=("E107",),
    ),
    Case(
        "two card links in a loop",
        {"cards/a.md": GOOD},
        setup=_both(_link("cards/x.md", "y.md"), _link("cards/y.md", "x.md")),
        status=1,
        codes=("E107",),
    ),
    Case(
        "broken link in cards",
        {"cards/a.md": GOOD},
        setup=_link("cards/gone.md", "nowhere.md"),
        status=1,
        codes=("E107",),
    ),
    Case(
        "tags nested 20,000 deep",
        {
            "cards/a.yaml": "cards:\n  - id: a\n    question: Q\n    answer: A\n    tags: "
            + "[" * 20_000
            + "]" * 20_000
            + "\n"
        },
        status=1,
    ),
    Case("empty yaml", {"cards/a.yaml": ""}, status=1, codes=("E105",)),
    Case("yaml of comments only", {"cards/a.yaml": "# nothing\n# here\n"}, status=1, codes=("E105",)),
    Case("text file named .png", {"cards/a.md": PIC, "media/pic.png": "hello\n"}, status=1, codes=("E405",)),
    Case("empty .png", {"cards/a.md": PIC, "media/pic.png": b""}, status=1, codes=("E405",)),
    Case(
        "media link outside the project",
        {"cards/a.md": PIC},
        setup=_link("media/pic.png", "/etc/hostname"),
        status=1,
        codes=("E402",),
    ),
    Case("media is a folder", {"cards/a.md": PIC}, setup=_mkdir("media/pic.png"), status=1, codes=("E406",)),
    Case(
        "media links to itself", {"cards/a.md": PIC}, setup=_link("media/pic.png", "pic.png"), status=1, codes=("E406",)
    ),
    Case("missing image", {"cards/a.md": PIC}, status=1, codes=("E401",)),
    Case(
        "a 2 MB answer",
        {"cards/a.md": "## Q\n<!-- id: a -->\n\n" + ("Some $x_i$ text. " * (BIG // 17)) + "\n"},
        status=0,
    ),
    Case("ID in capitals", {"cards/a.md": "## Q\n<!-- ID: q2 -->\nA\n"}, status=1, codes=("E201",)),
    Case(
        "yaml escapes eat backslashes",
        {"cards/a.yaml": 'cards:\n  - id: a\n    question: "\\alpha \\beta"\n    answer: "\\frac12 \\nabla"\n'},
        status=1,
        codes=("E106",),
    ),
    Case(
        "unclosed double quote in yaml",
        {"cards/a.yaml": 'cards:\n  - id: a\n    question: "Q\n    answer: A\n'},
        status=1,
        codes=("E102",),
    ),
    # the file system
    Case("FIFO named like a card", {"cards/a.md": GOOD}, setup=_fifo("cards/pipe.md"), status=1, codes=("E107",)),
    Case("FIFO named like an image", {"cards/a.md": PIC}, setup=_fifo("media/pic.png"), status=1),
    Case("card links to /dev/zero", {"cards/a.md": GOOD}, setup=_link("cards/zero.md", "/dev/zero"), status=1),
    Case("image links to /dev/zero", {"cards/a.md": PIC}, setup=_link("media/pic.png", "/dev/zero"), status=1),
    Case(
        "card file unreadable (mode 000)",
        {"cards/a.md": GOOD, "cards/b.md": GOOD.replace("id: a", "id: b")},
        setup=_unreadable("cards/b.md"),
        status=None if ROOT_IS_ROOT else 1,
    ),
    Case(
        "folder named like a card", {"cards/a.md": GOOD, "cards/dir.md/b.md": GOOD.replace("id: a", "id: b")}, status=0
    ),
    Case("cards is a file", {"cards": GOOD}, status=1, codes=("E105",)),
    Case("no cards folder", {}, status=1),
    Case("cards folder empty", {}, setup=_mkdir("cards"), status=1),
    Case(
        "hidden files and editor droppings",
        {"cards/a.md": GOOD, "cards/.a.md.swp": b"\x00\x01binary", "cards/#a.md#": "junk", "cards/a.md~": "junk"},
        status=0,
    ),
    Case(
        "link to a card elsewhere in the project",
        {"notes/a.md": GOOD},
        setup=_link("cards/a.md", "../notes/a.md"),
        status=0,
    ),
    Case("deep folders", {"cards/" + "/".join(f"d{i}" for i in range(60)) + "/a.md": GOOD}, status=0),
    # encodings and bytes
    Case("card not UTF-8", {"cards/a.md": "## Caf\xe9?\n<!-- id: a -->\n\nA\n".encode("latin-1")}, status=1),
    Case("card in UTF-16", {"cards/a.md": GOOD.encode("utf-16")}, status=1),
    Case("NUL bytes in a card", {"cards/a.md": b"## Q\x00\n<!-- id: a -->\n\nA\x00B\n"}, status=1),
    Case("control characters", {"cards/a.md": "## Q\x07\n<!-- id: a -->\n\nA\x1bB\x0c\n"}, status=1),
    Case(
        "characters YAML refuses, each reported",
        {"cards/a.yaml": 'cards:\n  - id: a\n    question: "Q\x01"\n    answer: "A\x86 \ufffe"\n'},
        status=1,
        expect=["cards/a.yaml:3:17: E102", "cards/a.yaml:4:15: E102", "cards/a.yaml:4:17: E102"],
    ),
    Case("C1 control in an id comment", {"cards/a.md": "## Q\n<!-- id: a\x86 -->\nA\n"}, status=1, codes=("E104",)),
    Case(
        "control character in front matter, said once",
        {"cards/a.md": "---\ndeck: X\x02\n---\n## Q\n<!-- id: a -->\nA\n"},
        status=1,
        expect=["cards/a.md:2:8: E106"],
    ),
    Case("BOM and CRLF", {"cards/a.md": "\ufeff" + GOOD.replace("\n", "\r\n")}, status=0),
    Case("old Mac line ends", {"cards/a.md": GOOD.replace("\n", "\r")}),
    Case("lone surrogate escape", {"cards/a.md": b"## Q\n<!-- id: a -->\n\n\xed\xa0\x80\n"}, status=1),
    Case("bidi and zero-width characters", {"cards/a.md": "## Q\u202e?\n<!-- id: a\u200b -->\n\nA\u2066B\n"}),
    # YAML adversaries
    Case(
        "billion laughs",
        {
            "cards/a.yaml": "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
            "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\ncards: [*g]\n"
        },
        status=1,
    ),
    Case(
        "python object tag", {"cards/a.yaml": "cards:\n  - !!python/object/apply:os.system ['echo pwned']\n"}, status=1
    ),
    Case(
        "duplicate yaml keys", {"cards/a.yaml": "cards:\n  - id: a\n    question: Q\n    question: R\n    answer: A\n"}
    ),
    Case(
        "yaml answer is a mapping",
        {"cards/a.yaml": "cards:\n  - id: a\n    question: Q\n    answer: {x: 1}\n"},
        status=1,
    ),
    Case("yaml cards is a string", {"cards/a.yaml": "cards: lots\n"}, status=1),
    Case("yaml card is a number", {"cards/a.yaml": "cards:\n  - 3\n"}, status=1),
    Case("yaml id is a float", {"cards/a.yaml": "cards:\n  - id: 1.5\n    question: Q\n    answer: A\n"}),
    Case(
        "yaml huge integer id", {"cards/a.yaml": "cards:\n  - id: " + "9" * 5000 + "\n    question: Q\n    answer: A\n"}
    ),
    Case("yaml tab indentation", {"cards/a.yaml": "cards:\n\t- id: a\n"}, status=1),
    Case("yaml multi-document", {"cards/a.yaml": "cards: []\n---\ncards: []\n"}, status=1),
    Case(
        "yaml deep mapping",
        {
            "cards/a.yaml": "cards:\n  - id: a\n    question: Q\n    answer: A\n    context: "
            + "{a: " * 5_000
            + "1"
            + "}" * 5_000
            + "\n"
        },
        status=1,
    ),
    # Markdown adversaries
    Case("10,000 nested block quotes", {"cards/a.md": "## Q\n<!-- id: a -->\n\n" + ">" * 10_000 + " deep\n"}),
    Case(
        "5,000 nested list items",
        {"cards/a.md": "## Q\n<!-- id: a -->\n\n" + "".join("  " * i + "- x\n" for i in range(5_000))},
    ),
    Case("100,000 brackets", {"cards/a.md": "## Q\n<!-- id: a -->\n\n" + "[" * 100_000 + "\n"}),
    Case("100,000 emphasis markers", {"cards/a.md": "## Q\n<!-- id: a -->\n\n" + "*_" * 50_000 + "\n"}),
    Case("100,000 backticks", {"cards/a.md": "## Q\n<!-- id: a -->\n\n" + "`" * 100_000 + "\n"}),
    Case("50,000 dollars", {"cards/a.md": "## Q\n<!-- id: a -->\n\n" + "$a" * 50_000 + "\n"}),
    Case("unbalanced braces in math", {"cards/a.md": "## Q\n<!-- id: a -->\n\n$" + "{" * 50_000 + "$\n"}),
    Case(
        "10,000 nested clozes",
        {
            "cards/a.md": "## {{c1::" * 1
            + "x}}\n<!-- id: a, type: cloze -->\n\n"
            + "{{c1::" * 10_000
            + "x"
            + "}}" * 10_000
            + "\n"
        },
    ),
    Case("cloze number 10^9", {"cards/a.yaml": "cards:\n  - id: a\n    text: '{{c1000000000::x}}'\n"}),
    Case("unclosed comment at the end", {"cards/a.md": "## Q\n<!-- id: a -->\n\nA <!-- never closed\n"}),
    Case("comment never closed before the id", {"cards/a.md": "## Q\n<!-- id: a\n\nA\n"}, status=1),
    Case("front matter never closed", {"cards/a.md": "---\ndeck: X\n\n## Q\n<!-- id: a -->\nA\n"}, status=1),
    Case("front matter of binary junk", {"cards/a.md": "---\n\x01\x02: [\n---\n## Q\n<!-- id: a -->\nA\n"}, status=1),
    Case("one line of 2 MB", {"cards/a.md": "## Q\n<!-- id: a -->\n\n" + "x" * BIG + "\n"}, status=0),
    Case("5,000 cards in one file", {"cards/a.md": "".join(_card(i) for i in range(5_000))}, status=0),
    Case("the same id 1,000 times", {"cards/a.md": "".join(_card(0) for _ in range(1_000))}, status=1, codes=("E204",)),
    Case("an id of 10,000 characters", {"cards/a.md": "## Q\n<!-- id: " + "a" * 10_000 + " -->\n\nA\n"}),
    Case("id with spaces and slashes", {"cards/a.md": "## Q\n<!-- id: a b/c -->\n\nA\n"}, status=1),
    Case(
        "image path traversal",
        {"cards/a.md": "## Q\n<!-- id: a -->\n\n![x](../../../../etc/hostname)\n"},
        status=1,
        codes=("E402",),
    ),
    Case("absolute image path", {"cards/a.md": "## Q\n<!-- id: a -->\n\n![x](/etc/hostname)\n"}, status=1),
    Case("image as a data URL", {"cards/a.md": "## Q\n<!-- id: a -->\n\n![x](data:image/png;base64,iVBORw0=)\n"}),
    Case(
        "10,000 images of one file",
        {
            "cards/a.md": "## Q\n<!-- id: a -->\n\n" + "![x](pic.svg) " * 10_000 + "\n",
            "media/pic.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
        },
    ),
    Case("script and iframe", {"cards/a.md": "## Q\n<!-- id: a -->\n\n<script>alert(1)</script><iframe src=x>\n"}),
    Case("deck name injection", {"cards/a.md": "---\ndeck: 'A::::B::'\n---\n## Q\n<!-- id: a -->\nA\n"}),
    Case("tag with spaces and colons", {"cards/a.md": "## Q\n<!-- id: a, tags: ['a b', 'c::d', ''] -->\nA\n"}),
    Case("heading levels 1 to 6", {"cards/a.md": "# A\n## Q\n<!-- id: a -->\nA\n### B\n#### C\n##### D\n###### E\n"}),
    Case("only headings", {"cards/a.md": "## Q\n## R\n## S\n"}, status=1),
    Case("file of blank lines", {"cards/a.md": "\n" * 100_000}, status=1, codes=("E105",)),
]

CASES = _yaml_cases() + HOSTILE
DIAG = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[EW]\d{3}) \S")
SUMMARY = re.compile(r"Found (\d+) errors?, (\d+) warnings? in (\d+) files?\.|All checks passed in \d+ files?\.")


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            out[rel] = "-> " + os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if os.access(path, os.R_OK) else "unreadable"
            out[rel] += f" {st.st_mtime_ns} {stat.S_IMODE(st.st_mode):o}"
        else:
            out[rel] = f"{stat.S_IFMT(st.st_mode):o} {stat.S_IMODE(st.st_mode):o}"
    return out


def _write(case: Case, root: Path) -> None:
    root.mkdir(parents=True)
    if case.config:
        (root / "ankigen.toml").write_text('deck_name = "Test"\n', encoding="utf-8")
    for rel, content in case.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    if case.setup:
        case.setup(root)


COMMANDS = {
    "check": ["check", "--no-cache", "--mathjax", "off"],
    "check-json": ["check", "--no-cache", "--mathjax", "off", "--format", "json"],
    "build": ["build", "--no-cache", "--mathjax", "off", "--format", "json"],
    "stats": ["stats", "--format", "json"],
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case's four runs, with the project's snapshot before and after each."""
    base = tmp_path_factory.mktemp("bad-input")
    plan = []
    for i, case in enumerate(CASES):
        for command, argv in COMMANDS.items():
            root = base / f"{i:03d}-{command}"
            _write(case, root)
            args = [*argv, *case.build_args] if command == "build" else argv
            plan.append((case.name, command, root, args))
    before = {(name, command): _snapshot(root) for name, command, root, _ in plan}
    jobs = [{"root": str(root), "argv": args, "seconds": SECONDS, "megabytes": MEGABYTES} for _, _, root, args in plan]
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "ANKIGEN_DATA_DIR": str(tmp_path_factory.mktemp("data")),  # what builds record, kept out of the home
        "COLUMNS": "200",
    }
    proc = subprocess.run(
        [sys.executable, str(HERE / "bad_input_driver.py")],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = {}
    for (name, command, root, _), got in zip(plan, json.loads(proc.stdout), strict=True):
        got["changed"] = _snapshot(root) != before[(name, command)]
        got["before"], got["root"] = before[(name, command)], root
        out[(name, command)] = got
    return out


def _diagnostics(text: str) -> list[str]:
    return [line for line in text.splitlines() if DIAG.match(line)]


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, results: dict[str, Any]) -> None:
    runs = {command: results[(case.name, command)] for command in COMMANDS}
    for command, run in runs.items():
        where = f"{command}: {run['stdout'][-1500:]}{run['stderr'][-1500:]}"
        assert run["signal"] is None, f"{command} was killed by signal {run['signal']} after {run['seconds']} s"
        assert "Traceback" not in run["stderr"] + run["stdout"] and "internal error" not in run["stderr"], where
        assert run["rc"] in (0, 1, 2), where
        assert run["maxrss_mb"] < MAX_RSS_MB, f"{command} used {run['maxrss_mb']} MB"
    statuses = {command: run["rc"] for command, run in runs.items()}
    wanted = case.status if case.status is not None else runs["check"]["rc"]
    if case.status == 2:  # a usage error of build's options: the other commands are fine
        assert statuses["build"] == 2, runs["build"]["stderr"]
        assert "Error:" in runs["build"]["stderr"]
    else:  # stats renders nothing, so it finds only what reading and parsing find (checked below)
        assert {statuses[c] for c in ("check", "check-json", "build")} == {wanted}, statuses
        assert statuses["stats"] in (0, wanted), statuses

    # check: located diagnostics only, each once, counted right, and nothing written
    check = runs["check"]
    lines = check["stdout"].splitlines()
    assert lines == _diagnostics(check["stdout"]), "check printed something that is not a diagnostic"
    assert len(lines) == len(set(lines)), "a diagnostic reported twice"
    errors = [line for line in lines if DIAG.match(line)["code"].startswith("E")]  # type: ignore[index]
    assert (check["rc"] == 1) == bool(errors)
    summary = SUMMARY.search(check["stderr"])
    assert summary, check["stderr"]
    counted = (int(summary[1]), int(summary[2])) if summary[1] else (0, 0)
    assert counted == (len(errors), len(lines) - len(errors)), summary[0]
    shown = {rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for rel in check["before"]}
    for line in lines:  # a file of the project, or one its config names (a missing preamble), or a missing folder
        path = DIAG.match(line)["path"]  # type: ignore[index]
        assert any(rel == path or rel.startswith(path + "/") for rel in shown) or (
            not path.startswith(("/", "..")) and ":" not in path and ("E105" in line or "could not be read" in line)
        ), f"{line!r} names no file of the project"
    if case.expect is not None:
        assert [line.split(": ")[0] + ": " + line.split(": ")[1].split()[0] for line in lines] == sorted(
            case.expect, key=_place
        )
    for code in case.codes:
        assert any(f": {code} " in line for line in lines), (code, lines)
    located = [line.split(": ")[0] + ": " + line.split(": ")[1].split()[0] for line in lines]

    # machine-readable output: one JSON document, whose diagnostics are check's
    for command in ("check-json", "build", "stats"):
        run = runs[command]
        if run["rc"] == 2:
            assert run["stdout"] == "", run["stdout"]
            continue
        doc = json.loads(run["stdout"])
        found = doc if command == "check-json" else doc["diagnostics"]
        got = sorted(f"{d['path']}:{d['line']}:{d['col']}: {d['code']}" for d in found)
        assert len(got) == len(set(got)), f"{command} reported a diagnostic twice"
        if command == "stats":  # stats reads and parses but renders nothing: what it finds, check found
            assert set(got) <= set(located), (command, got, located)
            assert (run["rc"] == 1) == any(": E" in g for g in got), (command, run["rc"], got)
        else:
            assert got == sorted(located), command

    # nothing changed by check and stats, nor by a build that failed; a good build wrote its package
    for command in ("check", "check-json", "stats"):
        assert not runs[command]["changed"], f"{command} changed the project"
    if runs["build"]["rc"] != 0:
        assert not runs["build"]["changed"], "a failed build changed the project"
    else:
        assert json.loads(runs["build"]["stdout"])["written"] is True


def _place(located: str) -> tuple[str, int, int]:
    path, line, col, _ = located.split(":", 3)
    return path, int(line), int(col)
