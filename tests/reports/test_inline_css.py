from reports.inline_css import inline, parse

CSS = """
/* a comment */
td { padding: 5px; }
.num { text-align: right; }
td.tile { border: 1px solid #ddd; }
.tag.good { color: green; }
.tag { color: grey; font-family: 'Segoe UI', Arial; }
a:hover { color: red; }
.cards .ecard { margin: 0; }
@media (prefers-color-scheme: dark) { td { color: #fff !important; } }
"""


def test_simple_rules_are_inlined_by_specificity_then_order():
    html = inline('<td class="num tile">1</td><span class="tag good">ok</span>', CSS)
    assert (
        '<td class="num tile" style="padding: 5px;text-align: right;border: 1px solid #ddd">'
        in html
    )
    # .tag.good (two classes) wins over .tag, which comes later in the file
    assert "color: grey;font-family: 'Segoe UI', Arial;color: green" in html


def test_an_elements_own_style_comes_last_and_wins():
    html = inline('<td style="padding:0">x</td>', CSS)
    assert 'style="padding: 5px;padding:0"' in html


def test_rules_that_cannot_be_inlined_are_left_out_and_media_blocks_are_kept():
    sheet = parse(CSS)
    assert "hover" not in str([r.declarations for r in sheet.rules])
    assert "margin: 0" not in str([r.declarations for r in sheet.rules])
    assert sheet.kept.startswith("@media (prefers-color-scheme: dark)")


def test_elements_without_matching_rules_are_untouched():
    assert inline("<p>plain</p>", CSS) == "<p>plain</p>"
