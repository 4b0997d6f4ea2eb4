"""One studied collection (real Anki backend, desktop default import options) through a chain of scenarios, each
a git commit, a build and an import. After every import: no duplicate note, no card lost its review history,
every source change arrived, every edit made inside Anki that the README promises to keep was kept, and the
build's printed forecast equals the import log.

The project has no ``deck_name`` in its config, so its identity comes from its folder's name once and from
``ankigen.lock`` after that. Build times run ahead of the real clock (Anki stamps edits made inside it with the
real time), one step at a time.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from anki_helpers import history, import_package, new_collection, study
from ankigen.cli import cli
from apkg_dump import dump_apkg
from conftest import SAMPLE

pytestmark = pytest.mark.e2e

_FORECAST_RE = re.compile(r"Re-import: (\d+) new(?:, (\d+) changed, (\d+) unchanged)?")
_ELSEWHERE_RE = re.compile(r"(\d+) of the changed notes have times that ankigen.lock brought from a build")
_EARLIER_RE = re.compile(r"if the last package was not imported .*?: (\d+) new, (\d+) changed, (\d+) unchanged")


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-01-01T00:00:00", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00"}
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0 or args[0] == "merge", proc.stderr
    return proc.stdout + proc.stderr


class Chain:
    """The long-lived collection, the project, the clock, and the checks run after each import."""

    def __init__(self, root: Path, col: Any) -> None:
        self.root, self.col = root, col
        self.clock = int(time.time()) + 86_400
        self.studied: list[int] = []
        self.before: dict[int, Any] = {}
        self.steps: list[str] = []
        self.kept: dict[str, dict[str, str]] = {}  # fields edited inside Anki, kept until the note is updated

    def edit(self, rel: str, old: str, new: str, root: Path | None = None) -> None:
        path = (root or self.root) / rel
        text = path.read_text("utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def commit(self, message: str, root: Path | None = None) -> None:
        git(root or self.root, "add", "-A")
        git(root or self.root, "commit", "-q", "--allow-empty", "-m", message)

    def build(self, *args: str, root: Path | None = None, data: Path | None = None, code: int = 0) -> tuple[Path, str]:
        self.clock += 100
        env = {"SOURCE_DATE_EPOCH": str(self.clock)}
        if data is not None:
            env["ANKIGEN_DATA_DIR"] = str(data)
        result = CliRunner().invoke(cli, ["build", "--root", str(root or self.root), *args], env=env)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        if code:
            return Path(), result.stderr
        return (root or self.root) / result.stdout.splitlines()[0], result.stderr

    def forecast(self, stderr: str, *, earlier: bool = False) -> tuple[int, int, int]:
        m = (_EARLIER_RE if earlier else _FORECAST_RE).search(stderr)
        assert m, stderr
        new, changed, unchanged = m.groups()
        return int(new), int(changed or 0), int(unchanged or 0)

    def anki_edit(self, note: Any) -> None:
        """Save an edit made inside Anki, stamped as made just after the last build (the real clock is behind)."""
        self.col.update_note(note)
        self.col.db.execute("update notes set mod = ? where id = ?", self.clock + 10, note.id)

    def notes(self, col: Any | None = None) -> dict[str, Any]:
        col = col or self.col
        return {n.guid: n for n in (col.get_note(nid) for nid in col.find_notes(""))}

    def step(
        self,
        name: str,
        apkg: Path,
        stderr: str,
        *,
        kept: dict[str, dict[str, str]] | None = None,
        anki_newer: frozenset[str] = frozenset(),
        earlier: bool = False,
        full: bool = True,
        imported_elsewhere: bool = False,
    ) -> Any:
        """Import ``apkg`` and check the invariants. ``kept``: fields (by card id) edited inside Anki that must
        survive; ``anki_newer``: card ids edited inside Anki after the build (their source change waits)."""
        self.steps.append(name)
        package = dump_apkg(apkg)
        before = {g: (dict(n.items()), n.mod) for g, n in self.notes().items()}
        log = import_package(self.col, apkg).log
        new, changed, unchanged = self.forecast(stderr, earlier=earlier)
        m = _ELSEWHERE_RE.search(stderr)
        if m and imported_elsewhere:  # that package was imported into this collection
            changed, unchanged = changed - int(m[1]), unchanged + int(m[1])
        assert (new, changed, unchanged) == (
            len(log.new),
            len(log.updated) + len(anki_newer),
            len(log.duplicate) - len(anki_newer),
        ), (name, stderr, len(log.new), len(log.updated), len(log.duplicate))
        notes = self.notes()
        self.kept.update(kept or {})
        for updated in log.updated:
            self.kept.pop(self.col.get_note(updated.id.nid)["Id"], None)
        ids = [n["Id"] for n in notes.values()]
        assert len(ids) == len(set(ids)), (name, "duplicate notes", sorted(ids))
        assert history(self.col, self.studied) == self.before, (name, "review history lost")
        for pkg_note in package["notes"]:
            note = notes[pkg_note["guid"]]
            card_id = pkg_note["fields"]["Id"]
            if card_id in anki_newer:
                assert dict(note.items()) == before[pkg_note["guid"]][0], (name, card_id)
                self.kept[card_id] = dict(note.items())  # until the card changes again
                continue
            expected = {**pkg_note["fields"], **self.kept.get(card_id, {})}
            assert dict(note.items()) == expected, (name, card_id)
        if full:
            assert {n["guid"] for n in package["notes"]} <= set(notes)
        return log


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "deck"
    shutil.copytree(SAMPLE, root)
    (root / "ankigen.toml").unlink()  # identity from the folder's name, then from the lock
    (root / ".gitignore").write_text("/dist/\n/.ankigen-cache/\n*.apkg\n", encoding="utf-8")
    git(root, "init", "-q")
    return root


def test_e2e_chain_of_builds_and_imports_never_duplicates_and_forecasts_the_import(tmp_path: Path) -> None:
    root = _project(tmp_path)
    col = new_collection(tmp_path)
    c = Chain(root, col)
    est, acts = "cards/stats/estimators.md", "cards/dl/activations.yaml"
    try:
        _chain(c, tmp_path, est, acts)
    finally:
        col.close()
    assert len(c.steps) >= 25, c.steps


def _chain(c: Chain, tmp_path: Path, est: str, acts: str) -> None:
    root = c.root
    # 1 first build: the identity comes from the folder (W210) and is recorded
    c.commit("start")
    apkg, err = c.build()
    assert "W210" in err and "first build of this deck" in err
    c.step("first build", apkg, err)
    c.commit("lock")
    c.studied = study(c.col, "deck", 3)
    c.before = history(c.col, c.studied)

    # 2 no change: the same bytes
    first = apkg.read_bytes()
    apkg, err = c.build()
    assert apkg.read_bytes() == first
    c.step("no change", apkg, err)

    # 3-5 edit an answer, a question, tags
    c.edit(est, "with Bessel's correction", "with Bessel's correction (divide by n-1)")
    c.commit("answer")
    c.step("edit answer", *c.build())
    c.edit(est, "## Which is which: bias, variance, and", "## Bias, variance, and")
    c.commit("question")
    c.step("edit question", *c.build())
    c.edit(acts, "  - id: sample-relu\n", "  - id: sample-relu\n    tags: [Activation]\n")
    c.commit("tags")
    c.step("edit tags", *c.build())

    # 6 add cards: one with an id, one without (its id is derived from the question)
    (root / "cards" / "extra").mkdir()
    (root / "cards" / "extra" / "more.md").write_text(
        "## What is a new card?\n<!-- id: x-new -->\nNew.\n\n## What has no id?\nNo id.\n", encoding="utf-8"
    )
    c.commit("add")
    c.step("add cards", *c.build())

    # 7 remove a card: reported, and still in Anki
    c.edit("cards/extra/more.md", "## What is a new card?\n<!-- id: x-new -->\nNew.\n\n", "")
    c.commit("remove")
    apkg, err = c.build()
    assert "1 note(s) removed from the sources stay in Anki" in err
    c.step("remove a card", apkg, err)

    # 8 move a card to another file (same section)
    text = (root / acts).read_text("utf-8")
    start, end = text.index("  - id: sample-relu"), text.index("  - id: sample-sigmoid-cloze")
    (root / acts).write_text(text[:start] + text[end:], encoding="utf-8")
    (root / "cards" / "dl" / "relu.yaml").write_text(
        "deck: DL::Activations\ntags: [DL/Basics]\ncards:\n" + text[start:end], encoding="utf-8"
    )
    c.commit("move file")
    c.step("move between files", *c.build())

    # 9 move a card to another section: reported as a deck move; Anki keeps the card in its deck
    c.edit("cards/dl/relu.yaml", "deck: DL::Activations", "deck: DL::Basics")
    c.commit("move section")
    apkg, err = c.build()
    assert "sample-relu: deck::DL::Activations -> deck::DL::Basics" in err
    c.step("move between sections", apkg, err)

    # 10 rename a section folder: the card without an id keeps its note
    git(root, "mv", "cards/extra", "cards/misc")
    c.commit("rename folder")
    apkg, err = c.build()
    assert "0 new" in err
    c.step("rename a section folder", apkg, err)

    # 11 new image bytes under the same name
    svg = root / "media" / "curve.svg"
    svg.write_text(svg.read_text("utf-8").replace('stroke="#000"', 'stroke="#333"'), encoding="utf-8")
    c.commit("image")
    c.step("new image bytes", *c.build())
    assert len(list(Path(c.col.media.dir()).iterdir())) == 2  # the new bytes arrived under their own name

    # 12 a new cloze number
    c.edit(
        acts,
        "{{c2::\\(\\sigma(x)\\,(1-\\sigma(x))\\)}}.",
        "{{c2::\\(\\sigma(x)\\,(1-\\sigma(x))\\)}} ({{c3::smooth}}).",
    )
    c.commit("cloze")
    c.step("new cloze number", *c.build())
    cloze = next(n for n in c.notes().values() if n["Id"] == "sample-sigmoid-cloze")
    assert len(cloze.cards()) == 3

    # 13 edits inside Anki on notes whose source does not change are kept
    by_id = {n["Id"]: n for n in c.notes().values()}
    by_id["sample-unbiased-variance"].add_tag("mine")
    c.anki_edit(by_id["sample-unbiased-variance"])
    by_id["sample-table"]["Extra"] = "my own note"
    c.anki_edit(by_id["sample-table"])
    c.edit(acts, "Cloze deletions may hold whole formulas.", "Deletions may hold whole formulas.")
    c.commit("edit with anki edits elsewhere")
    c.step("user edits on untouched notes", *c.build(), kept={"sample-table": {"Extra": "my own note"}})
    assert "mine" in c.col.get_note(by_id["sample-unbiased-variance"].id).tags

    # 14 a conflicting edit: inside Anki, then in the source and built after it: the source wins
    relu = c.col.get_note(by_id["sample-relu"].id)
    relu["Extra"] = "edited in Anki"
    c.anki_edit(relu)
    c.edit("cards/dl/relu.yaml", "frameworks use $0$ there.", "frameworks use $0$ there (a subgradient).")
    c.commit("conflict, source wins")
    c.step("conflicting edit, built later", *c.build())

    # 15 a conflicting edit made inside Anki after the build: Anki keeps it (the forecast says it cannot know)
    c.edit("cards/dl/relu.yaml", "(a subgradient)", "(any subgradient)")
    c.commit("conflict, anki wins")
    apkg, err = c.build()
    relu = c.col.get_note(relu.id)
    relu["Extra"] = "edited in Anki after the build"
    c.anki_edit(relu)
    assert "keeps your edit" in err
    c.step("conflicting edit after the build", apkg, err, anki_newer=frozenset({"sample-relu"}))
    c.clock += 100  # the next build is newer than that edit

    # 16 a lost lock: nothing is rewritten, and the lock comes back the same
    lock = (root / "ankigen.lock").read_bytes()
    (root / "ankigen.lock").unlink()
    apkg, err = c.build()
    assert (root / "ankigen.lock").read_bytes() == lock
    c.step("lost lock", apkg, err)

    # 17 --tag: a part of the deck, the lock untouched; the next full build is forecast right
    c.edit(acts, "Deletions may hold", "Deletions can hold")
    c.commit("tag build")
    apkg, err = c.build("--tag", "DL")
    assert (root / "ankigen.lock").read_bytes() == lock
    c.step("--tag build", apkg, err, full=False)
    c.step("full build after --tag", *c.build())
    c.commit("lock after tag")

    # 18 --split: the lock is the full build's
    c.edit(est, "(divide by n-1)", "(divide by $n-1$)")
    c.commit("split")
    apkg, err = c.build("--split")
    assert (root / "dist" / "deck-classical.apkg").is_file()
    c.step("--split build", apkg, err)
    c.commit("lock after split")

    # 19 --deck-name: a separate deck for another collection; our lock and collection are untouched
    lock = (root / "ankigen.lock").read_bytes()
    other, err = c.build("--deck-name", "Other", "-o", str(tmp_path / "other.apkg"))
    assert "a separate deck 'Other'" in err and (root / "ankigen.lock").read_bytes() == lock
    second = new_collection(tmp_path / "second")
    try:
        log = import_package(second, other).log
        assert c.forecast(err)[0] == len(log.new) == len(dump_apkg(other)["notes"])
    finally:
        second.close()
    c.steps.append("--deck-name build")
    c.step("full build after --deck-name", *c.build())

    # 20 PATHS: one file of cards/, and a file outside it: the lock untouched
    c.edit(est, "removes the bias", "removes the downward bias")
    (root / "notes.md").write_text("## Outside the cards folder?\n<!-- id: outside -->\nYes.\n", encoding="utf-8")
    c.commit("paths")
    apkg, err = c.build(str(root / est))
    assert (root / "ankigen.lock").read_bytes() == lock
    c.step("PATHS build", apkg, err, full=False)
    c.build(str(root / "notes.md"), "-o", str(tmp_path / "notes.apkg"))
    assert (root / "ankigen.lock").read_bytes() == lock
    c.step("full build after PATHS", *c.build())
    c.commit("lock after paths")

    # 21 a merge whose lock conflicts, resolved with `ankigen lock --rebuild`
    git(root, "checkout", "-q", "-b", "feature")
    c.edit(est, "the downward bias", "the bias")
    c.commit("feature edit")
    c.step("feature branch", *c.build())
    c.commit("feature lock")
    git(root, "checkout", "-q", "main")
    c.edit(est, "are not math", "are never math")
    c.commit("main edit")
    c.step("main branch", *c.build())
    c.commit("main lock")
    out = git(root, "merge", "feature", "-m", "merge")
    if "CONFLICT" in out:
        assert "ankigen.lock" in out, out
        _, err = c.build(code=1)
        assert "E501" in err
        rebuilt = CliRunner().invoke(cli, ["lock", "--rebuild", "--root", str(root)], env={"SOURCE_DATE_EPOCH": "1"})
        assert rebuilt.exit_code == 0, rebuilt.stderr
        c.commit("merge")
    c.step("after a merge", *c.build())
    c.commit("lock after merge")

    # 22 two builds, one import: the second forecast line says what the import does
    c.edit(est, "are never math", "are not math")
    c.commit("first of two")
    c.build()
    c.edit(acts, "Deletions can hold", "Deletions hold")
    apkg, err = c.build()
    c.step("two builds, one import", apkg, err, earlier=True)
    c.commit("second of two, with its lock")

    # 23 git revert of a commit with its lock: the old text comes back, with a newer time
    git(root, "revert", "--no-edit", "HEAD")
    assert "Deletions can hold" in (root / acts).read_text("utf-8")
    c.step("revert", *c.build())
    c.commit("lock after revert")

    # 24-25 switch to an older branch and back
    git(root, "checkout", "-q", "-b", "old", "HEAD~6")
    c.step("switch to an older branch", *c.build())
    git(root, "checkout", "-q", "-f", "main")
    c.step("switch back", *c.build())
    c.commit("lock after switch")

    # 26 git reset
    git(root, "reset", "-q", "--hard", "HEAD~3")
    c.step("reset", *c.build())
    c.commit("lock after reset")

    # 27 a clone under another folder name (same machine)
    clone = tmp_path / "my-deck"
    git(tmp_path, "clone", "-q", str(root), str(clone))
    apkg, err = c.build(root=clone)
    assert "W210" not in err
    c.step("clone under another folder name", apkg, err)

    # 28 another machine: its own record of issued times, a clock behind ours; then an edit made there
    laptop, data = tmp_path / "laptop", tmp_path / "laptop-data"
    git(tmp_path, "clone", "-q", str(root), str(laptop))
    c.clock -= 1000
    apkg, err = c.build(root=laptop, data=data)
    assert "recorded in ankigen.lock" in err
    c.step("another machine", apkg, err)
    c.edit(acts, "whole formulas", "entire formulas", root=laptop)
    c.commit("laptop edit", root=laptop)
    c.step("an edit on another machine", *c.build(root=laptop, data=data))
    c.commit("laptop lock", root=laptop)
    c.clock += 1000
    git(root, "pull", "-q", "--ff-only", str(laptop), "main")
    apkg, err = c.build()
    assert "1 of the changed notes have times that ankigen.lock brought" in err
    c.step("back on the first machine, after a pull", apkg, err, imported_elsewhere=True)

    # 29 an upgrade from the first release of the lock format (no @namespace / @deck), on a fresh machine
    old_lock = "".join(
        line for line in (root / "ankigen.lock").read_text("utf-8").splitlines(True) if not line.startswith("@n")
    )
    (root / "ankigen.lock").write_text(old_lock.replace("@deck deck\n", ""), encoding="utf-8")
    c.commit("first-release lock")
    apkg, err = c.build(data=tmp_path / "upgrade-data")
    assert "@namespace deck" in (root / "ankigen.lock").read_text("utf-8")
    c.step("upgrade from the first lock format", apkg, err)
