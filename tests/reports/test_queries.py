"""Queries per page do not grow with the number of entities."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.registry import REGISTRY
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, item, kpi, mkt, note, rec

pytestmark = pytest.mark.django_db


def portfolio_of(size: int):
    user = UserFactory()
    for n in range(size):
        entity = EntityFactory()
        MembershipFactory(user=user, entity=entity)
        for month in ("2026-10", "2026-11"):
            note(
                entity, month,
                fin("Revenue", str(100 + n)), fin("Net", "-5"), kpi("Leads", "3", target="4"),
                mkt("Website sessions", "900"), item("risk", f"Risk {n}", "high"),
                item("tech_debt", f"MFA {n}", "low"), item("tech_stack", "AWS S3 and Stripe"),
                item("next_step", f"Step {n}"),
                rec(f"Client {n}", "50", dt.date(2026, 9, 1), "overdue"),
            )  # fmt: skip
    return user


def queries(client, url: str) -> tuple[int, int]:
    """(queries on a fresh render, queries when the stored rendering is reused)."""
    with CaptureQueriesContext(connection) as fresh:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).status_code == 200
    return len(fresh), len(again)


@pytest.mark.parametrize("persona", list(REGISTRY))
@pytest.mark.parametrize("view", ["", "?view=email"])
def test_queries_per_page_are_the_same_for_3_and_30_entities(client, persona, view):
    url = reverse("reports:portfolio", args=[persona]) + view
    client.force_login(portfolio_of(3))
    small = queries(client, url)
    client.force_login(portfolio_of(30))
    large = queries(client, url)

    assert small == large
    assert large[1] < large[0]  # reusing the stored rendering skips the build
