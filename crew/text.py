"""What crew text may hold, wherever it is written from (the API's bodies, the admin's forms):
text a reader can see, that does not turn the text around it."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Unicode's Bidi_Control characters: each reorders the text after it, so "\u202eevil" reads
# backwards in an email or a page, and a label can pretend to be another.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")  # fmt: skip


def text_problem(value: str) -> str | None:
    """Why this text may not be a title, name or label, or None. A title of spaces gives a
    link with nothing to click and an email subject "1 open item before , …"; bidi controls
    turn the text around them in emails and pages. (NUL is refused before: by the schema's
    _no_nul in the API, by Django's form fields in the admin.)"""
    if any(c in BIDI_CONTROLS for c in value):
        return ("must not contain Unicode bidirectional control characters (U+061C, U+200E, "
                "U+200F, U+202A to U+202E, U+2066 to U+2069)")  # fmt: skip
    # White space, and invisible format characters (a zero-width space) with it.
    if all(c.isspace() or unicodedata.category(c) == "Cf" for c in value):
        return "must not be blank (only white space or invisible characters)"
    return None


def validate_visible_text(value: str) -> None:
    """The models' validator (the admin's forms run it), as the API's schema checks."""
    if (problem := text_problem(value)) is not None:
        raise ValidationError(f"The text {problem}.", code="text")
