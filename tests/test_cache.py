from __future__ import annotations

import json
from pathlib import Path

import pytest

import ankigen.render as render_module
from ankigen.cache import dump_cache, load_cache, renderer_stamp
from ankigen.config import load_config
from ankigen.pipeline import CACHE_FILE, Options, compile_notes


def _compile(root: Path, **kw):
    config, _ = load_config(root, {})
    return compile_notes(config, Options(mathjax=False, **kw))


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = render_module.render_markdown

    def counting(converter, source, *, inline=False):
        calls.append(source)
        return real(converter, source, inline=inline)

    monkeypatch.setattr(render_module, "render_markdown", counting)
    return calls


FILES = {f"cards/c{i}.md": f"## Question {i}\n<!-- id: c{i} -->\n\nAnswer ${i}^2$.\n" for i in range(5)}


def test_cache_second_build_renders_nothing_and_one_edit_renders_one_field(project, monkeypatch) -> None:
    root = project(FILES)
    calls = _count_renders(monkeypatch)
    first = _compile(root)
    assert len(calls) == 10  # question and answer of 5 cards
    calls.clear()
    again = _compile(root)
    assert calls == []
    assert [n[2].fields for n in again.notes] == [n[2].fields for n in first.notes]
    (root / "cards" / "c3.md").write_text("## Question 3\n<!-- id: c3 -->\n\nEdited $x$.\n", encoding="utf-8")
    _compile(root)
    assert calls == ["Edited $x$."]


def test_cache_renderer_version_bump_invalidates_everything(project, monkeypatch) -> None:
    root = project(FILES)
    _compile(root)
    monkeypatch.setattr(render_module, "RENDERER_VERSION", "999")
    import ankigen.cache as cache_module

    monkeypatch.setattr(cache_module, "RENDERER_VERSION", "999")
    calls = _count_renders(monkeypatch)
    _compile(root)
    assert len(calls) == 10


def test_cache_corrupted_file_is_detected_and_never_serves_stale_html(project, monkeypatch) -> None:
    root = project(FILES)
    first = _compile(root)
    path = root / CACHE_FILE
    header, body_text = path.read_text("utf-8").split("\n", 1)
    body = json.loads(body_text)
    key = next(iter(body["html"]))
    body["html"][key] = "<p>STALE</p>"  # tampered entry, checksum now wrong
    path.write_text(header + "\n" + json.dumps(body), encoding="utf-8")
    calls = _count_renders(monkeypatch)
    again = _compile(root)
    assert len(calls) == 10
    assert [n[2].fields for n in again.notes] == [n[2].fields for n in first.notes]
    path.write_text("{ not json", encoding="utf-8")
    assert [n[2].fields for n in _compile(root).notes] == [n[2].fields for n in first.notes]


def test_cache_no_cache_option_neither_reads_nor_writes(project) -> None:
    root = project(FILES)
    _compile(root, use_cache=False)
    assert not (root / CACHE_FILE).exists()


def test_cache_round_trip_and_stamp_mismatch() -> None:
    cache = load_cache(None, "r1", "m1")
    cache.put_html("x", False, "<p>x</p>")
    text = dump_cache(cache)
    assert load_cache(text, "r1", "m1").get_html("x", False) == "<p>x</p>"
    assert load_cache(text, "r2", "m1").get_html("x", False) is None
    assert len(renderer_stamp()) == 16


def test_parallel_cold_render_gives_the_same_html_as_serial(project, monkeypatch) -> None:
    import ankigen.pipeline as pipeline

    files = {f"cards/p{i}.md": f"## Q{i}\n<!-- id: p{i} -->\n\n$a_{i} * b$ and `code {i}`\n" for i in range(40)}
    root = project(files)
    serial = _compile(root, use_cache=False, jobs=1)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_FIELDS", 10)
    parallel = _compile(root, use_cache=False, jobs=2)
    assert [n[2].fields for n in parallel.notes] == [n[2].fields for n in serial.notes]


def test_cache_warm_build_still_reports_a_new_problem_and_keeps_old_ones(project) -> None:
    files = {**FILES, "cards/bad.md": "## Bad\n<!-- id: bad -->\n\nsee \\(x\n"}
    root = project(files)
    codes = [d.check_tuple() for d in _compile(root).diagnostics]
    assert codes == [("E301", 4, 5)]
    assert [d.check_tuple() for d in _compile(root).diagnostics] == codes  # from the cache, same answer
    (root / "cards" / "c1.md").write_text("## Question 1\n<!-- id: c1 -->\n\nNow $$x broken.\n", encoding="utf-8")
    assert sorted(d.check_tuple() for d in _compile(root).diagnostics) == [("E301", 4, 5), ("E301", 4, 5)]
    assert sorted(d.span.path for d in _compile(root).diagnostics) == ["cards/bad.md", "cards/c1.md"]
