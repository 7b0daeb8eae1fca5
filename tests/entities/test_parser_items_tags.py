"""A leading tag in an item that is not a severity: kept in the text, and said."""

from entities.handoff import parse_handoff

NOTE = """---
slug: qos
period: 2026-11
---
## Risks
- [severe] Hull survey overdue
- [high] Insurance renewal
- (soon) Dock lease talks
"""


def test_a_bracketed_tag_that_is_no_severity_is_a_warning_on_its_line_and_stays_in_the_text():
    parsed = parse_handoff(NOTE, path="qos.md")
    risks = [(i.text, i.severity) for i in parsed.risks]
    assert risks == [("[severe] Hull survey overdue", None), ("Insurance renewal", "high"),
                     ("(soon) Dock lease talks", None)]  # fmt: skip
    warnings = [(p.line, p.message) for p in parsed.problems if p.severity == "warning"]
    assert warnings == [
        (6, "'[severe]' is not a severity (critical, high, medium or low): the item has none, "
            "and the tag stays in its text"),
    ]  # fmt: skip
