"""The table-driven corpus in tests/cases/diagnostics.yml: exact codes and locations, no tracebacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ankigen.config import load_config
from ankigen.pipeline import Options, check

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases" / "diagnostics.yml").read_text("utf-8"))


def _write_case(case: dict[str, Any], tmp_path: Path) -> Path:
    """The case's files in a fresh project with root deck "Test"; bytes are written as they are."""
    root = tmp_path / "proj"
    (root / "cards").mkdir(parents=True)
    (root / "ankigen.toml").write_text('deck_name = "Test"\n', encoding="utf-8")
    for rel, content in case["files"].items():
        if isinstance(content, str):  # a nesting too deep to write out in the YAML of the corpus
            content = content.replace("PLACEHOLDER_DEEP", "[" * 20_000 + "]" * 20_000)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_corpus_case_reports_exactly_the_expected_diagnostics(case: dict[str, Any], tmp_path: Path) -> None:
    root = _write_case(case, tmp_path)
    config, problems = load_config(root, {})
    assert problems == ()
    result = check(config, Options(mathjax=False))  # MathJax cases: test_mathjax_check.py
    got = [f"{d.span.path}:{d.span.line}:{d.span.col}: {d.code}" for d in result.diagnostics]
    assert got == case["expect"], [d.concise() for d in result.diagnostics]
    concise = [d.concise() for d in result.diagnostics]
    for message in case.get("messages", []):
        assert message in concise


def test_corpus_covers_every_documented_code_or_says_where_it_is_tested() -> None:
    from ankigen.diagnostics import CODES

    in_corpus = {e.split(": ")[1] for c in CASES for e in c["expect"]}
    elsewhere = {
        "E107": "unreadable file: test_cli.py",
        "E108": "config: test_cli.py",
        "E109": "output cannot be written: test_cli.py",
        "E115": "unreadable config: test_inputs.py",
        "E116": "unreadable lock: test_inputs.py",
        "E117": "file name not UTF-8: test_inputs.py",
        "E406": "unreadable image: test_inputs.py",
        "E303": "MathJax: test_mathjax_check.py",
        "W310": "formula width (MathJax): test_width_lint.py",
        "W311": "formula width (MathJax): test_width_lint.py",
        "E320": "MathJax required but cannot run: test_mathjax_mode.py",
        "E501": "lock file: test_lock.py",
        "E215": "identity: test_identity.py",
        "E216": "identity: test_identity.py",
        "W210": "identity: test_identity.py",
        "E600": "preview: test_preview.py",
        "E601": "preview export: test_preview.py",
        "E602": "preview export: test_preview.py",
    }
    missing = set(CODES) - in_corpus - set(elsewhere)
    assert not missing, f"codes with no test case: {sorted(missing)}"


def test_every_code_has_its_entry_in_docs_diagnostics_md() -> None:
    import re

    from ankigen.diagnostics import CODES

    doc = (Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md").read_text("utf-8")
    headings = dict(re.findall(r"^## ([EW]\d{3}) (.*)$", doc, re.MULTILINE))
    assert headings == CODES


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_corpus_case_through_the_cli_never_shows_a_traceback(case: dict[str, Any], tmp_path: Path, run_cli) -> None:
    root = _write_case(case, tmp_path)
    errors = any(e.split(": ")[1].startswith("E") for e in case["expect"])
    # run_cli re-raises any exception and asserts no "Traceback" on stderr
    run_cli(["check"], exit_code=1 if errors else 0, cwd=root, env={"ANKIGEN_NODE": str(tmp_path / "none")})
    result = run_cli(["build"], exit_code=1 if errors else 0, cwd=root, env={"ANKIGEN_NODE": str(tmp_path / "none")})
    assert (root / "dist").exists() is not errors
    assert "Traceback" not in result.stdout
