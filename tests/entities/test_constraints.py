"""The database itself refuses a choice field's unknown value and a second metric of one name,
whatever wrote it (CI runs these on SQLite and on PostgreSQL)."""

from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction

from entities.models import Item, Metric, SourceFile
from tests.factories import (
    EntityFactory,
    ItemFactory,
    MembershipFactory,
    MetricFactory,
    SnapshotFactory,
)

pytestmark = pytest.mark.django_db


def _source_file(status: str) -> SourceFile:
    return SourceFile.objects.create(path="/notes/qos.md", display_path="qos.md", status=status)


BAD_VALUES: list[tuple[str, Callable[[], object]]] = [
    ("entity kind", lambda: EntityFactory(kind="subsidiary")),
    ("persona", lambda: MembershipFactory(persona="cio")),
    ("metric section", lambda: MetricFactory(section="ops")),
    ("metric better", lambda: MetricFactory(better="down")),
    ("item kind", lambda: ItemFactory(kind="idea")),
    ("severity", lambda: ItemFactory(severity="urgent")),
    ("source-file status", lambda: _source_file("fine")),
    ("blank source-file status", lambda: _source_file("")),
]


@pytest.mark.parametrize(("field", "make"), BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_the_database_refuses_a_value_outside_the_choices(field, make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_every_choice_and_a_blank_severity_are_stored():
    snapshot = SnapshotFactory()
    for kind in Item._meta.get_field("kind").choices:
        for severity in ["", "critical", "high", "medium", "low"]:
            ItemFactory(snapshot=snapshot, kind=kind[0], severity=severity)
    for status in ("ok", "warnings", "error"):
        SourceFile.objects.create(path=f"/notes/{status}.md", status=status)
    assert Item.objects.count() == 4 * 5 and SourceFile.objects.count() == 3


def test_every_direction_a_metric_can_be_better_and_a_blank_one_are_stored():
    snapshot = SnapshotFactory()
    for better in ["", "lower", "higher"]:
        MetricFactory(snapshot=snapshot, better=better)
    assert sorted(Metric.objects.values_list("better", flat=True)) == ["", "higher", "lower"]


def test_the_database_refuses_a_second_metric_of_one_name_in_a_section():
    snapshot = SnapshotFactory()
    MetricFactory(snapshot=snapshot, section="kpis", name="Leads")

    with pytest.raises(IntegrityError), transaction.atomic():
        MetricFactory(snapshot=snapshot, section="kpis", name="Leads")
    with pytest.raises(IntegrityError), transaction.atomic():
        Metric.objects.bulk_create(
            [Metric(snapshot=snapshot, section="kpis", name="Leads", line=9)]
        )

    # The same name in another section or another snapshot is another metric.
    MetricFactory(snapshot=snapshot, section="marketing", name="Leads")
    MetricFactory(snapshot=SnapshotFactory(entity=snapshot.entity), section="kpis", name="Leads")
    assert Metric.objects.filter(name="Leads").count() == 3
