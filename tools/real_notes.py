"""Compile a real Markdown note collection with ankigen and check what reaches Anki.

Usage: python tools/real_notes.py NOTES_FOLDER [--keep DIR]

Takes a folder of Markdown notes as people keep them (an Obsidian vault, a folder of course notes), converts
only their card separators (each note becomes one card titled by its file name; its own '#'/'##' headings
become '###' so they stay headings of that card), builds the deck, imports it into a fresh collection with the
real `anki` backend, and reports, per card:

- whether ankigen reported a genuine error for it (those cards are left out, as a build would refuse them);
- text lost: words of the source (outside math, code and markup) that are not visible on the card;
- formulas: how many the source has (by ankigen's scanner) against how many Anki's MathJax receives, and
  every formula Anki receives typeset by MathJax 3.2.2 with Anki's settings;
- raw '$' signs visible on the card that the source did not escape or write as money.

The note collection's content is never copied into this repository; only the numbers are reported.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from anki_helpers import import_package, new_collection
from ankigen.config import load_config
from ankigen.mathjax import MathJaxUnavailable, validate
from ankigen.pipeline import Options, build, check
from ankigen.scan import scan

_HEADING = re.compile(r"(?m)^(#{1,6})(?=\s)")
_WORD = re.compile(r"[A-Za-z]{4,}")
_MATH_RE = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(?:p|div|br|li|ul|ol|tr|td|th|h\d|pre|blockquote)\b[^>]*>")


def convert(folder: Path, project: Path) -> dict[str, Path]:
    """One card file per note; returns card file (project-relative) -> note path."""
    (project / "cards").mkdir(parents=True)
    (project / "ankigen.toml").write_text('deck_name = "Real notes"\nid_namespace = "real-notes"\n', "utf-8")
    made: dict[str, Path] = {}
    for i, note in enumerate(sorted(folder.rglob("*.md"))):
        if any(part.startswith(".") for part in note.relative_to(folder).parts):
            continue
        try:
            body = note.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if body.startswith("---\n") and "\n---" in body[4:]:
            body = body[body.index("\n---", 4) + 4 :]  # Obsidian properties: not card content
        if not body.strip():
            continue
        body = _HEADING.sub(lambda m: "###" if len(m.group(1)) <= 3 else m.group(1), body)
        title = re.sub(r"\s+", " ", note.stem).strip()
        rel = f"cards/n{i:04d}.md"
        (project / rel).write_text(f"## {title}\n<!-- id: n{i:04d} -->\n\n{body}\n", "utf-8")
        made[rel] = note
    return made


def visible(card_html: str) -> tuple[str, list[str]]:
    body = re.sub(r"<style>.*?</style>", "", card_html, flags=re.DOTALL)
    outside = re.sub(r"<(pre|code)\b.*?</\1>", " ", body, flags=re.DOTALL)
    formulas = [html.unescape(_TAG.sub("", a or b)) for a, b in _MATH_RE.findall(outside)]
    text = _TAG.sub("", _BLOCK.sub(" ", _MATH_RE.sub(" ", body)))
    return html.unescape(text), formulas


def source_words(text: str) -> set[str]:
    found = scan(text)
    masked = list(found.masked)
    for m in found.math:
        masked[m.start : m.end] = " " * (m.end - m.start)
    return set(_WORD.findall("".join(masked)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notes", type=Path)
    parser.add_argument("--keep", type=Path, help="write the converted project here instead of a temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp()) if args.keep is None else args.keep
    project = work / "project"
    if project.exists():
        shutil.rmtree(project)
    made = convert(args.notes, project)
    config, problems = load_config(project, {})
    assert problems == (), problems
    checked = check(config, Options(mathjax=False))
    errors: dict[str, list[str]] = {}
    flagged: dict[str, list[str]] = {}  # warned about a '$' that is not math (W301): the author's typo, reported
    for d in checked.diagnostics:
        if d.severity == "error":
            errors.setdefault(d.span.path, []).append(d.concise())
        elif d.code == "W301":
            flagged.setdefault(d.span.path, []).append(d.concise())
    for rel in errors:
        (project / rel).unlink()  # a build refuses them; the rest must reach Anki whole
    result = build(config, 1_700_000_000, Options(mathjax=False))
    assert not [d for d in result.diagnostics if d.severity == "error"], "errors left after removing their files"
    col = new_collection(work / "collection")
    lost: dict[str, set[str]] = {}
    dollars: dict[str, int] = {}
    short: dict[str, int] = {}  # formulas of the source that Anki's MathJax does not receive
    counts = {"cards": 0, "formulas_source": 0, "formulas_anki": 0}
    all_formulas: set[str] = set()
    try:
        import_package(col, config.output)
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            rel = card.note()["Source"]
            text, formulas = visible(card.answer())
            source = (project / rel).read_text("utf-8")
            counts["cards"] += 1
            counts["formulas_source"] += len(scan(source).math)
            counts["formulas_anki"] += len(formulas)
            if len(formulas) < len(scan(source).math):
                short[rel] = len(scan(source).math) - len(formulas)
            all_formulas.update(formulas)
            missing = {w for w in source_words(source) if w not in text}
            if missing:
                lost[rel] = missing
            shown = text.count("$")
            money = len(re.findall(r"(?<!\\)\$(?=\d)", scan(source).masked)) + len(scan(source).escaped_dollars)
            code_dollars = sum(1 for a, b in zip(source, scan(source).masked, strict=True) if a == "$" and b == " ")
            if shown > money + code_dollars and rel not in flagged:
                dollars[rel] = shown - money - code_dollars
    finally:
        col.close()
    verdicts = validate([(f, False) for f in sorted(all_formulas)], Path(__file__).resolve().parents[1])
    rejected = [] if isinstance(verdicts, MathJaxUnavailable) else [v for v in verdicts if v is not None]
    print(f"notes converted: {len(made)}; with a genuine error (left out): {len(errors)}")
    for rel, found in sorted(errors.items())[:20]:
        print(f"  {made[rel].name}: {found[0]}")
    print(f"cards in Anki: {counts['cards']}")
    print(
        f"formulas in the sources: {counts['formulas_source']}; received by Anki's MathJax: {counts['formulas_anki']}"
    )
    if isinstance(verdicts, MathJaxUnavailable):
        print(f"MathJax unavailable: {verdicts.reason}")
    else:
        print(f"distinct formulas typeset by MathJax 3.2.2: {len(all_formulas)}; rejected: {len(rejected)}")
        for v in rejected[:10]:
            print(f"  {v}")
    for rel, n in sorted(short.items()):
        print(f"  {made[rel].name}: {n} formula(s) not received")
    print(f"cards with source words not visible: {len(lost)}")
    for rel, words in sorted(lost.items())[:10]:
        print(f"  {made[rel].name}: {sorted(words)[:8]}")
    print(f"cards with a '$' that is not math, reported as W301: {len(flagged)}")
    for rel, found in sorted(flagged.items())[:10]:
        print(f"  {made[rel].name}: {found[0]}")
    print(f"cards showing raw '$' without a warning: {len(dollars)}")
    for rel, n in sorted(dollars.items())[:10]:
        print(f"  {made[rel].name}: {n}")
    bad = len(lost) + len(dollars) + len(rejected) + (counts["formulas_source"] != counts["formulas_anki"])
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
