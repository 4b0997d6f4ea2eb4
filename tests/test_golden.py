"""The sample project's built deck, dumped canonically, against tests/golden/sample.deck.json.

Regenerate with ``pytest --update-golden`` and review the diff like code.
"""

from __future__ import annotations

import json
from pathlib import Path

from ankigen.config import load_config
from ankigen.pipeline import build
from apkg_dump import dump_apkg

GOLDEN = Path(__file__).parent / "golden" / "sample.deck.json"


def _build(root: Path, out: Path) -> dict:
    config, problems = load_config(root, {"output": str(out)})
    assert problems == ()
    result = build(config, 1_700_000_000)
    assert result.written, [d.concise() for d in result.diagnostics]
    assert result.diagnostics == ()
    return dump_apkg(out)


def test_golden_sample_deck_matches(sample_copy: Path, tmp_path: Path, update_golden: bool) -> None:
    dump = _build(sample_copy, tmp_path / "s.apkg")
    text = json.dumps(dump, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if update_golden:
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_golden_two_builds_give_identical_dumps(sample_copy: Path, tmp_path: Path) -> None:
    assert _build(sample_copy, tmp_path / "a.apkg") == _build(sample_copy, tmp_path / "b.apkg")
