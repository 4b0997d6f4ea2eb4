"""The two note types ankigen writes. Their names, ids, fields and templates are FROZEN once released.

Anki matches an imported note type by id; if its fields or templates differ from the collection's copy, Anki
makes a new type "Name+" and stops updating every existing note. ``tests/test_notetypes.py`` pins the fields
and templates so they cannot drift. The CSS and the template *text* may change (Anki updates those in place).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from ankigen.model import NoteKind


@dataclass(frozen=True, slots=True)
class NoteType:
    id: int
    name: str
    kind: NoteKind
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]  # (name, question format, answer format)


_FRONT = """<div class="ag-breadcrumb">{{Breadcrumb}}</div>
{{#Context}}<div class="ag-context">{{Context}}</div>{{/Context}}
<div class="ag-question">%s</div>"""

_BACK = """%s
<hr id="answer">
%s{{#Extra}}<div class="ag-extra">{{Extra}}</div>{{/Extra}}
<div class="ag-source">{{Source}} · <span class="ag-id">{{Id}}</span></div>"""

BASIC = NoteType(
    id=1741927301,
    name="ankigen Basic",
    kind=NoteKind.BASIC,
    fields=("Front", "Back", "Extra", "Context", "Breadcrumb", "Source", "Id"),
    templates=(
        (
            "Card 1",
            _FRONT % "{{Front}}",
            _BACK % ("{{FrontSide}}", '<div class="ag-answer">{{Back}}</div>\n'),
        ),
    ),
)

CLOZE = NoteType(
    id=1741927302,
    name="ankigen Cloze",
    kind=NoteKind.CLOZE,
    fields=("Text", "Extra", "Context", "Breadcrumb", "Source", "Id"),
    templates=(
        (
            "Cloze",
            _FRONT % "{{cloze:Text}}",
            _BACK
            % (
                """<div class="ag-breadcrumb">{{Breadcrumb}}</div>
{{#Context}}<div class="ag-context">{{Context}}</div>{{/Context}}
<div class="ag-question">{{cloze:Text}}</div>""",
                "",
            ),
        ),
    ),
)

NOTE_TYPES = {NoteKind.BASIC: BASIC, NoteKind.CLOZE: CLOZE}


def css() -> str:
    return files("ankigen").joinpath("notetype.css").read_text(encoding="utf-8")
