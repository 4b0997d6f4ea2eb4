from __future__ import annotations

import pytest

from ankigen.render import new_converter, render_markdown, scan_math


def render(src: str, inline: bool = False) -> str:
    return render_markdown(new_converter(), src, inline=inline)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Python-Markdown alone turns this into "(\pi r_1^2 * a_2<em>)": math must be protected first
        (r"\(\pi r_1^2 * a_2*\)", r'<span class="arithmatex">\(\pi r_1^2 * a_2*\)</span>'),
        (r"$a_1 * b_2 * c$", r'<span class="arithmatex">\(a_1 * b_2 * c\)</span>'),
        (r"$x < y \& z > 0$", r'<span class="arithmatex">\(x &lt; y \&amp; z &gt; 0\)</span>'),
        ("$5 and $10", "$5 and $10"),
        ("`$x$` and `\\(y\\)`", "<code>$x$</code> and <code>\\(y\\)</code>"),
        (r"\$x\$", r"$x$"),
    ],
)
def test_render_inline_math_is_protected_and_emitted_as_paren_delimiters(source: str, expected: str) -> None:
    assert render(source, inline=True) == expected


def test_render_display_dollars_become_bracket_delimiters() -> None:
    html = render("Before\n\n$$\n\\sum_i x_i^2 * w_i\n$$\n\nAfter")
    assert '<div class="arithmatex">\\[\n\\sum_i x_i^2 * w_i\n\\]</div>' in html
    assert "$" not in html


def test_render_bare_environment_becomes_display_math() -> None:
    html = render("\\begin{aligned}\na &= b_1 \\\\\nc &< d_2\n\\end{aligned}")
    assert (
        html
        == '<div class="arithmatex">\\[\\begin{aligned}\na &amp;= b_1 \\\\\nc &amp;&lt; d_2\n\\end{aligned}\\]</div>'
    )


def test_render_fenced_code_is_untouched_and_highlighted_with_classes() -> None:
    html = render("```python\nx = '$a_1*b$'  # \\(not math\\)\n```")
    assert 'class="highlight"' in html
    assert "arithmatex" not in html
    assert "$a_1*b$" in html
    assert "\\(not math\\)" in html


def test_render_cloze_with_nested_braces_keeps_deletion_whole() -> None:
    html = render(r"{{c1::\(\frac{1}{x^{2}}\)}} and {{c2::$\frac{a}{b^{2}}$}}", inline=True)
    # Anki ends a deletion at the first "}}": none may remain inside a deletion
    assert html == (
        r'{{c1::<span class="arithmatex">\(\frac{1}{x^{2} }\)</span>}} and '
        r'{{c2::<span class="arithmatex">\(\frac{a}{b^{2} }\)</span>}}'
    )


def test_render_cloze_inside_math_keeps_its_closing_braces_apart() -> None:
    html = render(r"$x = {{c1::\frac{1}{2}}}$", inline=True)
    assert html == r'<span class="arithmatex">\(x = \class{ag-c1}{ {{c1::\frac{1}{2} }} }\)</span>'


def test_render_cloze_inside_math_is_classed_for_its_card_and_its_hint_is_text() -> None:
    # Anki strips the cloze span inside math; the class survives as TeX, the hint is upright text with its spaces
    html = render(r"$a + {{c1,2::b_1::first term_1}} + {{c3::c {{c4::d}} }}$", inline=True)
    assert html == (
        r'<span class="arithmatex">\(a + \class{ag-c1}{ \class{ag-c2}{ {{c1,2::b_1::\text{first term\_1} }} } }'
        r" + \class{ag-c3}{ {{c3::c \class{ag-c4}{ {{c4::d}} } }} }\)</span>"
    )


def test_render_table_with_math_cells() -> None:
    html = render("| a | b |\n|---|---|\n| $x_1$ | $\\lVert y\\rVert$ |")
    assert "<table>" in html
    assert r'<td><span class="arithmatex">\(x_1\)</span></td>' in html


@pytest.mark.parametrize(
    ("source", "unclosed"),
    [
        ("a \\(x", ["\\("]),
        ("$$x", ["$$"]),
        ("\\[x", ["\\["]),
        ("\\begin{align}x", ["\\begin{align}"]),
        ("$5 and $10", []),
    ],
)
def test_scan_math_finds_unclosed_openers(source: str, unclosed: list[str]) -> None:
    assert [u.opener for u in scan_math(source)[1]] == unclosed


def test_scan_math_skips_code() -> None:
    spans, unclosed = scan_math("`\\(` and\n```\n$$\n```\n$x$")
    assert unclosed == ()
    assert len(spans) == 1


def test_brace_problem_fast_path_agrees_with_the_exact_scan() -> None:
    import random

    from ankigen.render import _balanced

    def exact(body: str) -> bool:
        depth, i = 0, 0
        while i < len(body):
            if body[i] == "\\":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(body[i], 0)
            if depth < 0:
                return False
            i += 1
        return depth == 0

    rng = random.Random(7)
    for _ in range(20000):
        body = "".join(rng.choice("{}\\ab") for _ in range(rng.randint(0, 12)))
        assert _balanced(body) is exact(body), body


@pytest.mark.parametrize(
    "source",
    [r"written \\(x\\) here", r"and \\[y\\] too", r"- item \\(a\\)", r"| a | \\[b\\] |" "\n| --- | --- |\n| 1 | 2 |"],
)
def test_render_escaped_delimiters_are_broken_so_anki_does_not_typeset_them(source: str) -> None:
    out = render(source)
    assert "\\(" not in out and "\\[" not in out  # MathJax would find these in Anki
    assert "\\<span></span>" in out


def test_render_literal_delimiters_in_code_stay_as_written() -> None:
    assert render(r"`\(x\)` and \\(y\\)", inline=True) == r"<code>\(x\)</code> and \<span></span>(y\)"
