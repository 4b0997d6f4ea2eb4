"""Note type fields and templates are frozen once released: Anki makes a copy "Name+" and stops updating
every existing note if they change under the same id. These tests fail on any such change."""

from __future__ import annotations

import hashlib

from ankigen.notetypes import BASIC, CLOZE, css


def test_notetypes_ids_names_and_fields_are_frozen() -> None:
    assert (BASIC.id, BASIC.name) == (1741927301, "ankigen Basic")
    assert BASIC.fields == ("Front", "Back", "Extra", "Context", "Breadcrumb", "Source", "Id")
    assert (CLOZE.id, CLOZE.name) == (1741927302, "ankigen Cloze")
    assert CLOZE.fields == ("Text", "Extra", "Context", "Breadcrumb", "Source", "Id")


def test_notetypes_template_names_and_count_are_frozen() -> None:
    assert [t[0] for t in BASIC.templates] == ["Card 1"]
    assert [t[0] for t in CLOZE.templates] == ["Cloze"]


def test_notetypes_template_text_is_pinned() -> None:
    # Template *text* may change (Anki updates it in place), but only on purpose: update this hash with care.
    digest = hashlib.sha256(repr((BASIC.templates, CLOZE.templates)).encode()).hexdigest()[:16]
    assert digest == "a06e8139b32eed9c"  # the id in the source line is a nowrap span


def test_notetypes_templates_show_breadcrumb_source_and_reference_only_known_fields() -> None:
    import re

    for nt in (BASIC, CLOZE):
        for _name, q, a in nt.templates:
            assert "{{Breadcrumb}}" in q
            assert "{{Source}}" in a and "{{Id}}" in a
            used = set(re.findall(r"\{\{[#/^]?(?:cloze:)?([A-Za-z]+)\}\}", q + a)) - {"FrontSide"}
            assert used <= set(nt.fields), used - set(nt.fields)


def test_notetype_css_has_night_mode_and_no_network_or_script() -> None:
    style = css()
    assert ".nightMode" in style and ".night_mode" in style
    for forbidden in ("http://", "https://", "@import", "url(", "<script", "javascript:"):
        assert forbidden not in style
