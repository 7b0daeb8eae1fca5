"""The slug rule: an entity's id in URLs, notes and the API. Pure, so the parser (which runs
without a database for `--dry-run`) and the model share it."""

from __future__ import annotations

import re

SLUG_MAX_LENGTH = 50
#: Lower-case letters and digits, in words joined by single hyphens.
# \Z, not $: "$" would also let a trailing newline through.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
_SLUG_RE = re.compile(SLUG_PATTERN)


def slug_is_valid(text: str) -> bool:
    return len(text) <= SLUG_MAX_LENGTH and _SLUG_RE.match(text) is not None
