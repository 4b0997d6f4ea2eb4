"""The flagship deck in cards/: it builds cleanly, covers its seed questions, and its code answers run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ankigen.config import load_config
from ankigen.parse import section_tag
from ankigen.pipeline import Options, check, parse_all

REPO = Path(__file__).resolve().parents[1]
SEEDS = json.loads((Path(__file__).parent / "data" / "seed_questions.json").read_text("utf-8"))
#: batches whose cards have landed; a batch is added here when its cards are in cards/
DONE_BATCHES = {"B1", "B2", "B3", "B4", "B5", "B6", "B7"}


def _cards():
    config, problems = load_config(REPO, {})
    assert problems == ()
    cards, diagnostics, _files = parse_all(config)
    return config, cards, diagnostics


def test_flagship_checks_clean() -> None:
    """Not one error or warning, with MathJax required: every formula typesets, and nothing is wider than a
    phone's column (the width lint W310-W313 measures formulas with MathJax itself)."""
    config = _cards()[0]
    result = check(config, Options(mathjax_mode="require"))
    assert [d.concise() for d in result.diagnostics] == []


def test_flagship_covers_every_seed_question_of_landed_batches() -> None:
    _config, cards, _d = _cards()
    refs = {ref for card in cards for ref in card.refs}
    wanted = {q["uid"]: q for q in SEEDS if q["batch"] in DONE_BATCHES}
    missing = sorted(f"{q['batch']} line {q['line']}: {q['question'][:60]}" for u, q in wanted.items() if u not in refs)
    assert missing == []


def test_flagship_cards_sit_in_their_seed_deck_and_tag() -> None:
    _config, cards, _d = _cards()
    by_uid = {q["uid"]: q for q in SEEDS}
    wrong = []
    for card in cards:
        for ref in card.refs:
            q = by_uid.get(ref)
            assert q is not None, f"{card.id}: unknown ref {ref!r}"
            deck = "::".join(("ML Interview", *card.section))
            tag = section_tag(card.section).replace("::", "/")
            if deck != q["deck"] or tag != q["tag"]:
                wrong.append((card.id, deck, q["deck"], tag, q["tag"]))
    assert wrong == []


def test_flagship_ids_are_readable() -> None:
    _config, cards, _d = _cards()
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.id) for c in cards), [c.id for c in cards]


_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})python[ \t]*\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def _code_blocks() -> list[tuple[str, str]]:
    _config, cards, _d = _cards()
    blocks = []
    for card in cards:
        texts = [t.value for t in (card.front, card.back, card.extra, card.context) if t is not None]
        n = 0
        for text in texts:
            for m in _FENCE.finditer(text):
                n += 1
                indent = m.group("indent")
                body = "\n".join(line[len(indent) :] for line in m.group("body").split("\n"))
                blocks.append((f"{card.id}-{n}", body))
    return blocks


BLOCKS = _code_blocks()


def test_flagship_has_runnable_code_blocks() -> None:
    assert len(BLOCKS) >= 20


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_flagship_code_block_runs(name: str, code: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"{name} failed:\n{proc.stderr[-3000:]}"


def test_flagship_deck_counts_are_what_the_sources_say() -> None:
    _config, cards, _d = _cards()
    counts = Counter("::".join(c.section) for c in cards)
    assert all(n > 0 for n in counts.values())
    assert sum(counts.values()) == len(cards)
