"""The slug rule, once: the parser and the model accept exactly the same slugs."""

import pytest
from django.core.exceptions import ValidationError

from entities.handoff import parse_handoff
from entities.models import Entity
from entities.slugs import SLUG_MAX_LENGTH, slug_is_valid

CANDIDATES = [
    ("qos", True),
    ("3028-51st-st-rental", True),
    ("a" * SLUG_MAX_LENGTH, True),
    ("a" * (SLUG_MAX_LENGTH + 1), False),
    ("Qos", False),
    ("qos-", False),
    ("-qos", False),
    ("q--os", False),
    ("q_os", False),
    ("qos\n", False),
    ("", False),
]


@pytest.mark.parametrize(("slug", "valid"), CANDIDATES)
def test_the_rule_takes_lower_case_words_joined_by_single_hyphens(slug, valid):
    assert slug_is_valid(slug) is valid


@pytest.mark.parametrize(("slug", "valid"), [c for c in CANDIDATES if c[0].strip()])
def test_a_note_and_the_model_accept_the_same_slugs(slug, valid):
    note = parse_handoff(f'---\nslug: "{slug.strip()}"\n---\n# X\n', path="x.md")
    assert (note.slug == slug.strip()) is slug_is_valid(slug.strip())
    try:
        Entity(slug=slug, name="X").clean_fields()
        model_accepts = True
    except ValidationError:
        model_accepts = False
    assert model_accepts is valid
