from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import ankigen.render as render_module
from ankigen.cache import CACHE_DIR, MATH_FILE, UNITS_DIR, Cache, renderer_stamp, unwrap, wrap
from ankigen.config import load_config
from ankigen.pipeline import Options, compile_notes


def _compile(root: Path, **kw):
    config, _ = load_config(root, {})
    return compile_notes(config, Options(mathjax=False, **kw))


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = render_module.render_markdown

    def counting(converter, source, *, inline=False, **options):
        calls.append(source)
        return real(converter, source, inline=inline, **options)

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


def _units(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR / UNITS_DIR).glob("*.json"))


def test_cache_holds_one_entry_per_file_and_an_edit_rewrites_only_that_entry(project) -> None:
    root = project(FILES)
    _compile(root)
    before = {p.name: p.stat().st_mtime_ns for p in _units(root)}
    assert len(before) == len(FILES)
    (root / "cards" / "c3.md").write_text("## Question 3\n<!-- id: c3 -->\n\nEdited $x$.\n", encoding="utf-8")
    _compile(root)
    after = {p.name: p.stat().st_mtime_ns for p in _units(root)}
    assert len(after) == len(FILES)  # the old entry of c3.md is gone
    assert len(set(after) - set(before)) == 1
    assert all(after[name] == before[name] for name in set(after) & set(before))  # untouched


def test_cache_partial_build_keeps_entries_of_files_it_did_not_read(project) -> None:
    root = project(FILES)
    _compile(root)
    _compile(root, paths=(root / "cards" / "c1.md",))
    assert len(_units(root)) == len(FILES)


def test_cache_corrupted_entry_is_detected_and_never_serves_stale_html(project, monkeypatch) -> None:
    root = project(FILES)
    first = _compile(root)
    path = _units(root)[0]
    text = path.read_text("utf-8")
    assert "<p>Answer" in text
    path.write_text(text.replace("<p>Answer", "<p>STALE"), encoding="utf-8")  # checksum now wrong
    calls = _count_renders(monkeypatch)
    again = _compile(root)
    assert len(calls) == 2  # that file's question and answer, nothing else
    assert [n[2].fields for n in again.notes] == [n[2].fields for n in first.notes]
    for broken in ("{ not json", "", "\x00" * 10):
        path.write_text(broken, encoding="utf-8")
        assert [n[2].fields for n in _compile(root).notes] == [n[2].fields for n in first.notes]
    path.write_bytes(b"\xff\xfe")
    assert [n[2].fields for n in _compile(root).notes] == [n[2].fields for n in first.notes]


def test_cache_entry_with_a_valid_checksum_but_wrong_shape_is_recompiled(project, monkeypatch) -> None:
    root = project(FILES)
    first = _compile(root)
    for path in _units(root):
        path.write_text(wrap(json.dumps({"path": 3, "cards": [[1, 2]]}) + "\n"), encoding="utf-8")
    calls = _count_renders(monkeypatch)
    again = _compile(root)
    assert len(calls) == 10
    assert [n[2].fields for n in again.notes] == [n[2].fields for n in first.notes]


def test_cache_no_cache_option_neither_reads_nor_writes(project) -> None:
    root = project(FILES)
    _compile(root, use_cache=False)
    assert not (root / CACHE_DIR).exists()


def test_cache_wrap_unwrap_round_trip_and_stamps() -> None:
    assert unwrap(wrap('{"a": 1}')) == '{"a": 1}'
    with pytest.raises(ValueError, match="checksum"):
        unwrap(wrap('{"a": 1}').replace("1}", "2}"))
    with pytest.raises(ValueError, match="format"):
        unwrap('{"format": 1, "checksum": ""}\n{}')
    assert len(renderer_stamp()) == 16
    a, b = Cache(None, "r1"), Cache(None, "r2")
    assert a.unit_key("p.md", ("S",), "x") != b.unit_key("p.md", ("S",), "x")  # a version change misses
    assert a.unit_key("p.md", ("S",), "x") != a.unit_key("p.md", ("S",), "y")
    assert a.unit_key("p.md", ("S",), "x") != a.unit_key("p.md", ("T",), "x")
    assert a.unit_key("p.md", ("S",), "x").split("-")[0] == a.unit_key("p.md", ("S",), "y").split("-")[0]
    m1, m2 = Cache(None, "r", "m1"), Cache(None, "r", "m2")
    assert m1.math_key("x", True) != m2.math_key("x", True) != m2.math_key("x", False)


def test_cache_legacy_single_file_cache_is_removed(project) -> None:
    root = project(FILES)
    (root / CACHE_DIR).mkdir()
    (root / CACHE_DIR / "cache.json").write_text("{}", encoding="utf-8")
    _compile(root)
    assert not (root / CACHE_DIR / "cache.json").exists()
    assert not (root / CACHE_DIR / MATH_FILE).exists()  # MathJax off: no verdicts to keep


def test_parallel_cold_render_gives_the_same_html_as_serial(project, monkeypatch) -> None:
    import ankigen.pipeline as pipeline

    files = {f"cards/p{i}.md": f"## Q{i}\n<!-- id: p{i} -->\n\n$a_{i} * b$ and `code {i}`\n" for i in range(40)}
    files["cards/bad.md"] = "## Bad\n<!-- id: p1 -->\n\nsee \\(x\n"
    root = project(files)
    serial = _compile(root, use_cache=False, jobs=1)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_CHARS", 10)
    parallel = _compile(root, jobs=2)
    assert [n[2].fields for n in parallel.notes] == [n[2].fields for n in serial.notes]
    assert sorted(d.check_tuple() for d in parallel.diagnostics) == sorted(d.check_tuple() for d in serial.diagnostics)
    assert {d.code for d in serial.diagnostics} == {"E204", "E301"}
    warm = _compile(root, jobs=2)  # every unit from the cache the parallel build wrote
    assert [n[2].fields for n in warm.notes] == [n[2].fields for n in serial.notes]


def test_cache_warm_build_still_reports_a_new_problem_and_keeps_old_ones(project) -> None:
    files = {**FILES, "cards/bad.md": "## Bad\n<!-- id: bad -->\n\nsee \\(x\n"}
    root = project(files)
    codes = [d.check_tuple() for d in _compile(root).diagnostics]
    assert codes == [("E301", 4, 5)]
    assert [d.check_tuple() for d in _compile(root).diagnostics] == codes  # from the cache, same answer
    (root / "cards" / "c1.md").write_text("## Question 1\n<!-- id: c1 -->\n\nNow $$x broken.\n", encoding="utf-8")
    assert sorted(d.check_tuple() for d in _compile(root).diagnostics) == [("E301", 4, 5), ("E301", 4, 5)]
    assert sorted(d.span.path for d in _compile(root).diagnostics) == ["cards/bad.md", "cards/c1.md"]


@pytest.mark.parametrize(
    "meta",
    [
        {"path": "p.md", "diagnostics": [], "lengths": [1, 0, 0, 0], "cards": []},  # lengths disagree
        {"path": "p.md", "diagnostics": [], "lengths": [], "cards": [["x"]]},
        {"path": "p.md", "diagnostics": [["E999"]], "lengths": [], "cards": []},
        {"path": "p.md", "lengths": [], "cards": []},
    ],
)
def test_cache_malformed_entries_are_rejected(meta) -> None:
    from ankigen.unit import load_unit

    with pytest.raises((KeyError, TypeError, ValueError, IndexError)):
        load_unit(json.dumps(meta) + "\nx")


def test_cache_unit_round_trips_through_its_text(project) -> None:
    from ankigen.unit import dump_unit, load_unit

    files = {
        "cards/a.md": "## Q $x$\n<!-- id: a -->\n\n![fig](f.svg) and\r $$x\n",
        "cards/b.yaml": "- id: b\n  q: Ünïcode \u2028 line\n  a: |\n    ```python\n    print('\\n')\n    ```\n",
    }
    root = project({**files, "media/f.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    first = _compile(root)
    again = _compile(root)
    assert all(c.formulas is None for c in again.cards)  # a build without MathJax does not load them
    assert again.cards == tuple(replace(c, formulas=None) for c in first.cards)
    assert first.cards[0].formulas == (("x", False, 1, 6, 0),)
    assert [d.check_tuple() for d in again.diagnostics] == [d.check_tuple() for d in first.diagnostics]
    for path in _units(root):
        with open(path, encoding="utf-8", newline="") as fh:
            body = unwrap(fh.read())
        assert dump_unit(load_unit(body)) == body


def test_a_no_op_build_leaves_the_package_as_it_is_and_anything_else_rebuilds_it(
    project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package is built only when its notes, media or code changed, or the file is not the one recorded."""
    import ankigen.pipeline as pipeline_module
    from ankigen.pipeline import build

    root = project(
        {
            "cards/a.md": "## One\n<!-- id: one -->\n\nFirst $x$.\n\n## Two\n<!-- id: two -->\n\nSecond.\n",
            "cards/b.md": "## Three\n<!-- id: three -->\n\nThird.\n",
        }
    )
    config, _ = load_config(root, {})
    calls: list[int] = []
    real = pipeline_module.build_package

    def counting(notes, media, model_mod):  # type: ignore[no-untyped-def]
        calls.append(len(notes))
        return real(notes, media, model_mod=model_mod)

    monkeypatch.setattr(pipeline_module, "build_package", counting)
    opts = Options(mathjax=False)
    assert build(config, 1_800_000_000, opts).written
    out = config.output
    first = out.read_bytes()
    inode = out.stat().st_ino
    assert calls == [3]
    assert build(config, 1_800_000_100, opts).written  # nothing changed: the same notes, the same times
    assert calls == [3] and out.stat().st_ino == inode and out.read_bytes() == first
    out.write_bytes(first[:-10] + b"0123456789")  # someone else's bytes at the same size
    assert build(config, 1_800_000_200, opts).written
    assert calls == [3, 3] and out.read_bytes() == first
    out.unlink()
    assert build(config, 1_800_000_300, opts).written
    assert calls == [3, 3, 3] and out.read_bytes() == first
    (root / "cards" / "b.md").write_text("## Three\n<!-- id: three -->\n\nThird, edited.\n", "utf-8")
    assert build(config, 1_800_000_400, opts).written
    assert calls == [3, 3, 3, 3] and out.read_bytes() != first
    edited = out.read_bytes()
    assert build(config, 1_800_000_500, Options(mathjax=False, use_cache=False)).written  # --no-cache: always built
    assert calls == [3, 3, 3, 3, 3] and out.read_bytes() == edited
