from __future__ import annotations

import json
import re

from ankigen.config import load_config
from ankigen.pipeline import parse_all, select

FILES = {
    "cards/dl.md": """
        ---
        deck: DL::Diffusion
        ---
        ## Q1
        <!-- id: d1 -->
        A

        ## Q2
        <!-- id: d2, tags: [needs-review] -->
        A
        """,
    "cards/gans.md": """
        ---
        deck: DL::GANs
        ---
        ## Q3
        <!-- id: g1 -->
        A
        """,
    "cards/stats.md": """
        ---
        deck: Classical::Statistics
        tags: [DL/Diffusion/Related]
        ---
        ## Q4
        <!-- id: s1 -->
        A
        """,
}


def _cards(project):
    root = project(FILES)
    config, _ = load_config(root, {})
    return parse_all(config)[0]


def ids(cards) -> list[str]:
    return sorted(c.id for c in cards)


def test_select_tag_selects_descendants_in_either_spelling(project) -> None:
    cards = _cards(project)
    assert ids(select(cards, ["DL"], [])[0]) == ["d1", "d2", "g1", "s1"]
    assert ids(select(cards, ["DL/Diffusion"], [])[0]) == ["d1", "d2", "s1"]
    assert ids(select(cards, ["DL::Diffusion"], [])[0]) == ["d1", "d2", "s1"]
    assert ids(select(cards, ["dl/gans"], [])[0]) == ["g1"]  # Anki tags are case-insensitive


def test_select_several_tags_combine_and_exclusion_wins(project) -> None:
    cards = _cards(project)
    assert ids(select(cards, ["DL/GANs", "Classical"], [])[0]) == ["g1", "s1"]
    assert ids(select(cards, ["DL"], ["needs-review", "Classical"])[0]) == ["d1", "g1"]
    assert ids(select(cards, ["DL/Diffusion"], ["DL"])[0]) == []
    assert ids(select(cards, [], ["DL/Diffusion"])[0]) == ["g1"]


def test_select_unknown_tag_is_an_error_with_did_you_mean(project) -> None:
    cards = _cards(project)
    chosen, errors = select(cards, ["DL/Difusion"], ["needs-reviw"])
    assert chosen == []
    assert errors == [
        "--tag: no card has the tag 'DL/Difusion'; did you mean 'DL/Diffusion'?",
        "--exclude-tag: no card has the tag 'needs-reviw'; did you mean 'needs-review'?",
    ]


def test_cli_unknown_tag_exits_2_without_writing(run_cli, project) -> None:
    root = project(FILES)
    result = run_cli(["build", "--tag", "DL/Difusion"], exit_code=2, cwd=root)
    assert "Error: --tag: no card has the tag 'DL/Difusion'; did you mean 'DL/Diffusion'?" in result.stderr
    assert not (root / "dist").exists()


def test_cli_tag_filtered_build_writes_its_own_package(run_cli, project) -> None:
    root = project(FILES)
    result = run_cli(["build", "--tag", "DL/GANs"], cwd=root)
    assert result.stdout.strip() == "dist/test--dl-gans.apkg"


def test_cli_stats_table_and_json(run_cli, project) -> None:
    root = project({**FILES, "cards/noid.md": "---\ndeck: DL::GANs\n---\n## Q5\n\nA\n"})
    table = run_cli(["stats"], cwd=root).stdout
    assert re.search(r"^Test::DL::Diffusion +2$", table, re.MULTILINE)
    assert "5 cards (5 basic, 0 cloze) in 4 files, 3 decks" in table
    assert "cards/noid.md:4" in table
    data = json.loads(run_cli(["stats", "--format", "json"], cwd=root).stdout)
    assert data["decks"] == [
        {"deck": "Test::Classical::Statistics", "cards": 1},
        {"deck": "Test::DL::Diffusion", "cards": 2},
        {"deck": "Test::DL::GANs", "cards": 2},
    ]
    assert {"tag": "DL/Diffusion/Related", "cards": 1} in data["tags"]
    assert data["without_id"] == ["cards/noid.md:4"]
    assert data["totals"]["cards"] == 5
    filtered = json.loads(run_cli(["stats", "--format", "json", "--tag", "DL/GANs"], cwd=root).stdout)
    assert filtered["totals"]["cards"] == 2
