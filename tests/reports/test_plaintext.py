from reports.plaintext import html_to_text


def test_headings_are_underlined_and_lists_are_dashed():
    text = html_to_text(
        "<h1>Where is the money?</h1><h2>By entity</h2><ul><li>One</li><li>Two</li></ul>"
    )
    lines = text.splitlines()
    assert lines[0] == "Where is the money?"
    assert lines[1] == "=" * len("Where is the money?")
    assert "By entity" in lines and "-" * len("By entity") in lines
    assert "- One" in lines and "- Two" in lines


def test_tables_become_aligned_columns_with_numbers_on_the_right():
    text = html_to_text(
        "<table><thead><tr><th>Line</th><th>Amount</th></tr></thead>"
        "<tbody><tr><td>Revenue</td><td>$118,300</td></tr><tr><td>Net</td><td>\u2212$910</td></tr>"
        "</tbody></table>"
    )
    lines = text.strip().splitlines()
    assert lines[0].startswith("Line") and lines[1].startswith("----")
    assert lines[2].endswith("$118,300") and lines[3].endswith("\u2212$910")
    assert len(lines[2]) == len(lines[3])  # aligned


def test_a_row_of_tiles_becomes_one_line_per_tile():
    text = html_to_text(
        '<table class="tiles"><tr><td><div>Revenue</div><div>$10</div></td>'
        "<td><div>Net</div><div>$2</div></td></tr></table>"
    )
    assert text.strip().splitlines() == ["Revenue · $10", "Net · $2"]


def test_charts_and_styles_are_left_out_and_badges_are_bracketed():
    text = html_to_text(
        "<style>p{color:red}</style><svg><text>9</text></svg>"
        '<p><span class="sev">high</span><span>Roof</span></p>'
    )
    assert text.strip() == "[high] Roof"
