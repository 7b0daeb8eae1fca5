"""The sweeper and the pruning: the ledger, not the broker, says what is still to send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from delivery.models import Delivery, DeliveryStatus
from delivery.services import deliveries_sweep, delivery_bodies_prune
from tests.delivery.factories import queue

pytestmark = pytest.mark.django_db


def test_beat_sweeps_every_minute_and_prunes_daily_from_editable_schedules():
    sweep = PeriodicTask.objects.get(task="delivery.sweep")
    prune = PeriodicTask.objects.get(task="delivery.prune_bodies")
    assert sweep.enabled and (sweep.interval.every, sweep.interval.period) == (1, "minutes")
    assert prune.enabled and (prune.interval.every, prune.interval.period) == (1, "days")


def test_a_delivery_left_queued_is_queued_again_once_and_not_again_at_the_next_sweep(
    django_capture_on_commit_callbacks, settings
):
    old, _ = queue(key="old")
    queue(key="fresh")
    late = timedelta(seconds=settings.DELIVERY_SWEEP_AFTER_SECONDS + 5)
    Delivery.objects.filter(pk=old.pk).update(next_attempt_at=timezone.now() - late)
    with django_capture_on_commit_callbacks() as callbacks:
        first = deliveries_sweep()
        second = deliveries_sweep()
    assert (first.requeued, second.requeued) == (1, 0) and len(callbacks) == 1


def test_an_interrupted_send_becomes_uncertain_and_is_never_queued_again(
    django_capture_on_commit_callbacks, settings
):
    stuck, _ = queue(key="stuck")
    sent_long_ago, _ = queue(key="sent")
    long_ago = timezone.now() - timedelta(seconds=settings.DELIVERY_SEND_TIME_LIMIT + 5)
    Delivery.objects.filter(pk=stuck.pk).update(status=DeliveryStatus.SENDING, claimed_at=long_ago)
    Delivery.objects.filter(pk=sent_long_ago.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=long_ago, ses_message_id="ses-1"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        result = deliveries_sweep(now=timezone.now() + timedelta(hours=1))
    stuck.refresh_from_db()
    assert result.uncertain == 1 and stuck.status == DeliveryStatus.UNCERTAIN
    assert "may or may not have sent it" in stuck.last_error
    assert len(callbacks) == 0  # neither is queued again


def test_a_send_still_within_its_time_limit_is_left_sending():
    delivery, _ = queue()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )
    assert deliveries_sweep().uncertain == 0


def test_pruning_empties_old_finished_bodies_and_keeps_the_ledger_row(settings):
    old, _ = queue(key="old")
    old_queued, _ = queue(key="old-queued")
    recent, _ = queue(key="recent")
    long_ago = timezone.now() - timedelta(days=settings.DELIVERY_BODIES_KEEP_DAYS + 1)
    Delivery.objects.filter(pk__in=[old.pk, recent.pk]).update(status=DeliveryStatus.SENT)
    Delivery.objects.filter(pk__in=[old.pk, old_queued.pk]).update(queued_at=long_ago)

    assert delivery_bodies_prune() == 1
    assert delivery_bodies_prune() == 0

    old.refresh_from_db()
    assert (old.body_text, old.body_html, old.headers) == ("", "", {})
    assert old.subject and old.to and old.status == DeliveryStatus.SENT and old.bodies_pruned_at
    for kept in (old_queued, recent):  # still to send, or still recent
        kept.refresh_from_db()
        assert kept.body_text and kept.bodies_pruned_at is None
