"""``ankigen preview`` without a browser: what it refuses (E600, E601), what an export holds, the selection the
page's tag filter uses, the last good cards of a broken file, and which saves the watcher passes on.
(The page itself is tested in a real Chromium: tests/e2e/test_preview.py.)"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from ankigen.config import load_config
from ankigen.pipeline import Options, preview, select, tag_index
from ankigen.preview.live import Session
from ankigen.watch import relevant

CARDS = {
    "cards/a.md": """
        ---
        tags: [DL/Diffusion]
        ---
        ## What is $x$?
        <!-- id: a-x -->
        An unknown $y$.

        ## What is {{c1::z}} and {{c2::w}}?
        <!-- id: a-zw -->
    """,
    "cards/b.md": """
        ---
        tags: [dl/basics, Stats]
        ---
        ## What is $b$?
        <!-- id: b-b -->
        A letter.
    """,
}


def test_preview_port_in_use_is_e600(sample_copy: Path, run_cli: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(["preview", "--port", str(port), "--mathjax", "off"], exit_code=2, cwd=sample_copy)
    assert result.stderr.splitlines()[-1] == (
        f"Error: E600 port {port} on 127.0.0.1 is in use; choose another with --port (0 picks a free one)"
    )
    assert result.stdout == ""  # no URL: nothing is served


def test_preview_export_writes_a_site_and_replaces_only_its_own(sample_copy: Path, run_cli: Any) -> None:
    site = sample_copy / "site"
    result = run_cli(["preview", "--export", "site", "--mathjax", "off"], cwd=sample_copy)
    assert result.stdout.strip() == "site/index.html"
    names = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert {"index.html", "cards.js", "assets/preview.js", "mathjax/tex-chtml-full.js", ".ankigen-preview"} <= names
    assert any(n.startswith("media/curve-") for n in names)  # the packaged name of the card's figure
    assert "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff" in names
    assert "sample-relu" in (site / "cards.js").read_text(encoding="utf-8")
    (site / "stale.txt").write_text("from an earlier export", encoding="utf-8")
    run_cli(["preview", "--export", "site", "--mathjax", "off"], cwd=sample_copy)
    assert not (site / "stale.txt").exists()  # an export of ours is replaced whole

    mine = sample_copy / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("mine", encoding="utf-8")
    result = run_cli(["preview", "--export", "notes", "--mathjax", "off"], exit_code=2, cwd=sample_copy)
    assert "E601 cannot export into 'notes': it is not empty and is not an earlier export" in result.stderr
    assert (mine / "todo.txt").read_text(encoding="utf-8") == "mine"
    result = run_cli(["preview", "--export", "cards/x", "--mathjax", "off"], exit_code=2, cwd=sample_copy)
    assert "E601" in result.stderr and not (sample_copy / "cards" / "x").exists()


def test_preview_export_of_a_broken_deck_writes_nothing(project: Any, run_cli: Any) -> None:
    root = project({**CARDS, "cards/c.md": "## Broken $\\frac{1}{2$ here\n<!-- id: c -->\nAnswer.\n"})
    result = run_cli(["preview", "--export", "site", "--mathjax", "off"], exit_code=1, cwd=root)
    assert "E30" in result.stderr and "Nothing written." in result.stderr
    assert not (root / "site").exists()


def test_preview_unknown_tag_is_a_usage_error(project: Any, run_cli: Any) -> None:
    root = project(CARDS)
    result = run_cli(["preview", "--tag", "DL/Difusion", "--export", "site"], exit_code=2, cwd=root)
    assert "no card has the tag 'DL/Difusion'; did you mean 'DL/Diffusion'?" in result.stderr


def test_tag_index_is_the_selection_of_tag(project: Any) -> None:
    config, _ = load_config(project(CARDS), {})
    result = preview(config, Options(mathjax=False))
    index = tag_index([(c.id, n.tags) for c, n in zip(result.cards, result.notes, strict=True)])
    assert index["dl"] == ("DL", ("a-x", "a-zw", "b-b"))  # "dl::basics" and "DL::Diffusion" are one tree
    for key, (name, notes) in index.items():
        chosen, problems = select(result.cards, [name], [])
        assert not problems and [c.id for c in chosen] == list(notes), key
    chosen, _ = select(result.cards, ["DL"], ["Stats"])
    assert {c.id for c in chosen} == set(index["dl"][1]) - set(index["stats"][1])


def test_session_keeps_the_last_good_cards_of_a_broken_file(project: Any) -> None:
    root = project(CARDS)
    config, _ = load_config(root, {})
    session = Session(config, Options(mathjax=False))
    doc = session.rebuild()
    assert [c["key"] for c in doc["cards"]] == ["a-x", "a-zw.c1", "a-zw.c2", "b-b"]
    zw = doc["cards"][1]
    assert zw["kind"] == "cloze" and "[...]" in zw["front"] and 'data-ordinal="2"' in zw["front"]
    before = {c["key"]: c["hash"] for c in doc["cards"]}

    (root / "cards/a.md").write_text("## What is \\(x?\n<!-- id: a-x -->\nAn unknown.\n", encoding="utf-8")
    doc = session.rebuild("change")
    assert doc["errors"] >= 1 and doc["status"]["stale"] == ["cards/a.md"]
    assert doc["status"]["compiled"] == 1  # b.md came from the cache
    shown = {c["key"]: c for c in doc["cards"]}
    assert set(shown) == set(before) and all(shown[k]["stale"] for k in ("a-x", "a-zw.c1", "a-zw.c2"))
    [problem] = [d for d in doc["diagnostics"] if d["severity"] == "error"]
    assert problem["path"] == "cards/a.md" and problem["card"] == "a-x"

    (root / "cards/a.md").write_text("## What is $x$?\n<!-- id: a-x -->\nNow known.\n", encoding="utf-8")
    doc = session.rebuild("change")
    assert [c["key"] for c in doc["cards"]] == ["a-x", "b-b"] and doc["errors"] == 0
    assert not any(c["stale"] for c in doc["cards"]) and "Now known." in doc["cards"][0]["back"]


@pytest.mark.parametrize(
    ("rel", "wanted"),
    [
        ("cards/a.md", True),
        ("cards/deep/b.yaml", True),
        ("cards/notes.txt", False),
        ("cards/.a.md.swp", False),
        ("cards/a.md~", False),
        ("media/figure.svg", True),
        ("ankigen.toml", True),
        ("ankigen.lock", False),
        ("dist/deck.apkg", False),
        (".ankigen-cache/units/x.json", False),
    ],
)
def test_watch_passes_on_only_saves_that_change_the_build(project: Any, rel: str, wanted: bool) -> None:
    config, _ = load_config(project(CARDS), {})
    assert relevant(config, config.root / rel) is wanted
