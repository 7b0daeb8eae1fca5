"""Report emails: who gets which report, when, and handing each email to the delivery ledger.

Delivery (the floor below) sends one message to one address exactly once and knows nothing of
reports; what is a report's business lives here:

1. A recipient's scope is applied where the email is built (`recipient_scope`): a recipient
   linked to a user gets only the entities that user may see, within the entity or portfolio
   set on the recipient.
2. One email run is rendered per (persona, scope, day) (`reports.services.report_render`,
   stored once on its unique key) and shared by the recipients of that scope.
3. Each recipient's email is one Delivery keyed by (run, recipient): queueing it again — a task
   delivered twice, beat firing twice, "Send now" pressed twice — finds the first and sends
   nothing more. A ReportDelivery row ties it to the run (PROTECT) and the recipient.
4. Schedules are checked by one beat task every few minutes: each (schedule, recipient, local
   day) is claimed once by a unique row before anything is queued.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from crew.zones import zone_get
from delivery.models import Delivery
from delivery.services import DeliveryInputError, delivery_queue
from entities.models import Entity
from entities.selectors import entities_visible_to
from reports.models import (
    Cadence,
    Recipient,
    ReportDelivery,
    ReportRun,
    ReportSchedule,
    ReportView,
    ScheduledSend,
)
from reports.registry import REGISTRY
from reports.selectors import ReportScope, report_scope
from reports.services import report_render, report_request_for_scope

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "reports.unsubscribe"  # its own salt: a link token is nothing else's token
KIND = "report"
# A send due longer ago than this (beat was down) is skipped, not sent late.
SCHEDULE_GRACE = dt.timedelta(hours=12)


# --- Scope ---------------------------------------------------------------------------------------


def recipient_entities(*, recipient: Recipient) -> QuerySet[Entity]:
    """The entities a recipient's email may hold: the entity or the portfolio set on them,
    and, when they are a user, only what that user may see."""
    entities = Entity.objects.all()
    if recipient.entity_id is not None:
        entities = entities.filter(pk=recipient.entity_id)
    if recipient.user_id is not None:
        entities = entities.filter(pk__in=entities_visible_to(user=recipient.user).values("pk"))
    return entities


def recipient_scope(*, recipient: Recipient) -> ReportScope:
    return report_scope(entities=recipient_entities(recipient=recipient))


def recipient_gets_nothing(*, recipient: Recipient) -> str | None:
    """Why this recipient's email would hold no entity, in words, or None when it holds one:
    a user who may not see the entity set, or who is a member of none. The form refuses such
    a recipient, and every send (Send now, schedules, tests, previews) says so rather than
    claiming to queue an email that the worker then drops."""
    if recipient.user_id is None or recipient_entities(recipient=recipient).exists():
        return None
    user = recipient.user
    if recipient.entity_id is not None:
        return (f"{recipient.email}: its user {user} may not see {recipient.entity}, so the "
                "email would hold nothing; make them a member, or clear the user.")  # fmt: skip
    return (f"{recipient.email}: its user {user} is a member of no entity, so the email would "
            "hold nothing; make them a member, or clear the user.")  # fmt: skip


class RecipientGetsNothing(Exception):
    """The recipient's email would hold no entity (see recipient_gets_nothing)."""


# --- One email -----------------------------------------------------------------------------------


def report_subject(*, run: ReportRun, scope_name: str) -> str:
    return f"{run.persona.upper()} report · {scope_name} · {run.as_of.isoformat()}"


def unsubscribe_token(*, recipient: Recipient) -> str:
    return signing.dumps({"r": recipient.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def recipient_from_token(token: str) -> Recipient:
    """The recipient of an unsubscribe link; Recipient.DoesNotExist for a bad or stale one.
    The link has no expiry: RFC 8058 asks that it keep working."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise Recipient.DoesNotExist("bad unsubscribe link") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("r"), int):
        raise Recipient.DoesNotExist("bad unsubscribe link")
    return Recipient.objects.get(pk=payload["r"])


def recipient_unsubscribe(*, recipient: Recipient) -> bool:
    """Stop every report email to this recipient's address and persona; False when it was
    already stopped (a second POST changes nothing)."""
    updated = Recipient.objects.filter(pk=recipient.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )
    if updated:
        logger.info("recipient %s unsubscribed (%s)", recipient.pk, recipient.persona)
    return bool(updated)


def _email_parts(
    *, run: ReportRun, recipient: Recipient | None
) -> tuple[str, str, dict[str, str]]:
    """The html, text and headers of one recipient's email: the run as stored, and, for a
    recipient, their unsubscribe link in the footer and in the List-Unsubscribe headers."""
    if recipient is None:
        return run.html, run.text, {}
    token = unsubscribe_token(recipient=recipient)
    url = settings.SITE_URL + reverse("reports:unsubscribe", args=[token])
    context = {"url": url, "recipient": recipient}
    footer = render_to_string("emails/report-unsubscribe.html", context)
    # The footer goes inside the stored rendering, before its closing body tag: the run is
    # shared by every recipient of its scope, the link is this recipient's own.
    html = run.html.replace("</body>", f"{footer}</body>", 1)
    text = run.text + render_to_string("emails/report-unsubscribe.txt", context)
    headers = {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",  # RFC 8058 one-click
    }
    return html, text, headers


def report_email_queue(
    *,
    run: ReportRun,
    scope_name: str,
    to: str,
    recipient: Recipient | None = None,
    scheduled: ScheduledSend | None = None,
    key: str | None = None,
) -> tuple[Delivery, bool]:
    """Queue one report email (the run, to one address, the audit BCC with it), once per
    key: by default (what the run says, recipient), or (what it says, address) for an address
    given by hand.

    What the run says is its persona, scope, day and content hash, not the run itself: a run
    is drawn again whenever anything its entities have changes (a crew checklist ticked moves
    every report's fingerprint), and an email that would say the same again is not sent again.
    """
    said = f"report:{run.persona}:{run.scope}:{run.as_of}:content={run.content_hash}"
    key = key or (
        f"{said}:recipient={recipient.pk}" if recipient is not None else f"{said}:to={to.lower()}"
    )
    html, text, headers = _email_parts(run=run, recipient=recipient)
    bcc = [settings.ADMIN_BCC_ADDRESS] if settings.ADMIN_BCC_ADDRESS else []
    with transaction.atomic():
        delivery, created = delivery_queue(
            key=key, kind=KIND, to=to, subject=report_subject(run=run, scope_name=scope_name),
            body_text=text, body_html=html, headers=headers, bcc=bcc,
        )  # fmt: skip
        if created:
            ReportDelivery.objects.create(
                run=run, recipient=recipient, delivery=delivery, scheduled=scheduled
            )
    return delivery, created


# --- Many emails ---------------------------------------------------------------------------------


@dataclass
class SendSummary:
    """What a send did, for the admin's message and the command's summary line."""

    queued: int = 0
    already: int = 0  # queued before from the same run: nothing new
    refused: int = 0  # suppressed, or SES cannot send to the address from its sandbox
    skipped: list[str] = field(default_factory=list)  # recipients with nothing to send
    stale: set[str] = field(default_factory=set)  # entities whose newest note was stale
    deliveries: list[int] = field(default_factory=list)

    def add(self, other: SendSummary) -> None:
        self.queued += other.queued
        self.already += other.already
        self.refused += other.refused
        self.skipped += other.skipped
        self.stale |= other.stale
        self.deliveries += other.deliveries

    def __str__(self) -> str:
        parts = [f"{self.queued} queued", f"{self.already} already sent from the same run"]
        if self.refused:
            parts.append(f"{self.refused} refused (see the deliveries)")
        if self.skipped:
            parts.append(f"{len(self.skipped)} with nothing to send")
        if self.stale:
            parts.append(f"stale notes: {', '.join(sorted(self.stale))}")
        return ", ".join(parts)


def _scope_of(recipient: Recipient) -> tuple[int | None, int | None]:
    # Recipients with the same entity and user see the same entities: one run serves them.
    return recipient.entity_id, recipient.user_id


def recipients_group(recipients: Iterable[Recipient]) -> list[list[Recipient]]:
    """Recipients in groups that share one scope, so each group's report is rendered once."""
    groups: dict[tuple[int | None, int | None], list[Recipient]] = defaultdict(list)
    for recipient in recipients:
        groups[_scope_of(recipient)].append(recipient)
    return list(groups.values())


def report_send_to_recipients(
    *,
    persona: str,
    recipients: Sequence[Recipient],
    today: dt.date | None = None,
    scheduled: dict[int, ScheduledSend] | None = None,
) -> SendSummary:
    """Render the persona's email once for these recipients (who share one scope) and queue
    each one's email. A recipient who no longer receives, or whose scope holds no entity, is
    skipped."""
    summary = SendSummary()
    receiving = [r for r in recipients if r.receives]
    summary.skipped += [r.email for r in recipients if not r.receives]
    if not receiving:
        return summary
    first = receiving[0]
    scope = recipient_scope(recipient=first)
    if not scope.entities:
        summary.skipped += [r.email for r in receiving]
        logger.warning("report %s: no entity to report for %s", persona, first)
        return summary
    run, scope_name = _email_run(persona=persona, scope=scope, entity=first.entity, today=today)
    summary.stale |= set(run.stale)
    for recipient in receiving:
        try:
            delivery, created = report_email_queue(
                run=run, scope_name=scope_name, to=recipient.email,
                recipient=recipient, scheduled=(scheduled or {}).get(recipient.pk),
            )  # fmt: skip
        except DeliveryInputError as exc:
            logger.warning("report %s to recipient %s not queued: %s", persona, recipient.pk, exc)
            summary.skipped.append(recipient.email)
            continue
        summary.deliveries.append(delivery.pk)
        if not created:
            summary.already += 1
        elif delivery.status == "queued":
            summary.queued += 1
        else:
            summary.refused += 1
    if run.stale:
        report_stale_notice(run=run)
    logger.info(
        "report %s run %s (%s, %s): %s", persona, run.pk, run.scope, run.as_of, summary
    )
    return summary


def report_stale_notice(*, run: ReportRun) -> None:
    """Tell the owner, once a day per report, that a report went out on stale notes: the
    email says so at its top; this says so to whoever keeps the notes."""
    owners = {settings.ADMIN_BCC_ADDRESS} - {""} or set(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    context = {"run": run, "report": REGISTRY[run.persona], "names": run.stale}
    for owner in sorted(owners):
        try:
            delivery_queue(
                key=f"report-stale:{run.as_of}:{run.persona}:{run.scope}:{owner.lower()}",
                kind="report-stale",
                to=owner,
                subject=render_to_string("emails/stale-subject.txt", context).strip(),
                body_text=render_to_string("emails/stale-body-text.txt", context),
            )
        except DeliveryInputError as exc:
            logger.warning("stale notice to %s not queued: %s", owner, exc)


def report_send_now(
    *, persona: str, recipients: Iterable[Recipient], today: dt.date | None = None
) -> int:
    """Queue the persona's report for these recipients, one render task per scope; returns at
    once (a worker renders and sends). Answers how many tasks were queued."""
    from reports.tasks import send_report_to_recipients

    groups = recipients_group(recipients)
    day = (today or timezone.localdate()).isoformat()
    for group in groups:
        send_report_to_recipients.delay_on_commit(persona, [r.pk for r in group], day)
    return len(groups)


# --- Schedules -----------------------------------------------------------------------------------


def schedule_slot(*, schedule: ReportSchedule, now: dt.datetime, zone: str) -> dt.datetime:
    """The latest moment at or before `now` the schedule was due, in that time zone."""
    local = now.astimezone(zone_get(zone) or dt.UTC)
    day = local.date()
    for _ in range(62):
        slot = dt.datetime.combine(day, schedule.at, tzinfo=local.tzinfo)
        due_today = (
            schedule.cadence == Cadence.DAILY
            or (schedule.cadence == Cadence.WEEKLY and day.weekday() == schedule.weekday)
            or (schedule.cadence == Cadence.MONTHLY and day.day == schedule.day_of_month)
        )
        if due_today and slot <= local:
            return slot
        day -= dt.timedelta(days=1)
    raise ValueError(f"schedule {schedule.pk} is never due")


def schedule_recipients(*, schedule: ReportSchedule) -> tuple[list[Recipient], list[str]]:
    """Whom a schedule goes to — its recipient, or else every recipient of its persona, but
    only while the schedule is enabled and the recipient receives and gets this persona's
    report — and a line in words for each left out. Beat and the admin's "Send now" ask here."""
    if not schedule.enabled:
        return [], [f"“{schedule}” is disabled, so beat does not send it: enable it first."]
    if schedule.recipient is not None:
        named = [schedule.recipient]
    else:
        named = list(Recipient.objects.filter(persona=schedule.persona).select_related("user"))
    sending: list[Recipient] = []
    skipped: list[str] = []
    for recipient in named:
        if recipient.persona != schedule.persona:
            skipped.append(
                f"“{schedule}”: {recipient.email} gets the {recipient.get_persona_display()} "
                f"report, not this schedule's {schedule.get_persona_display()} report, so beat "
                "never sends it: choose a recipient of the same persona."
            )
        elif not recipient.receives:
            why = "unsubscribed" if recipient.unsubscribed_at else "inactive"
            skipped.append(f"“{schedule}”: {recipient.email} is {why}, so beat does not send it.")
        elif (nothing := recipient_gets_nothing(recipient=recipient)) is not None:
            skipped.append(f"“{schedule}”: {nothing}")
        else:
            sending.append(recipient)
    if not named:
        skipped.append(f"“{schedule}” has no {schedule.get_persona_display()} recipient.")
    return sending, skipped


def schedules_claim(*, now: dt.datetime | None = None) -> list[ScheduledSend]:
    """Claim every scheduled send that is due and not yet claimed: one row per (schedule,
    recipient, local day), unique, so a second claim — beat firing twice, two workers at
    once — finds nothing. A send due more than SCHEDULE_GRACE ago is not sent late."""
    now = now or timezone.now()
    claimed: list[ScheduledSend] = []
    for schedule in ReportSchedule.objects.filter(enabled=True).select_related(
        "recipient__user"
    ):
        for recipient in schedule_recipients(schedule=schedule)[0]:
            slot = schedule_slot(schedule=schedule, now=now, zone=recipient.time_zone)
            if now - slot > SCHEDULE_GRACE or slot < schedule.created_at:
                continue
            try:
                with transaction.atomic():
                    send = ScheduledSend.objects.create(
                        schedule=schedule, recipient=recipient, period=slot.date()
                    )
            except IntegrityError:
                continue  # claimed already: sent or being sent
            claimed.append(send)
    return claimed


def schedules_send_due(*, now: dt.datetime | None = None) -> int:
    """Claim the due sends and queue one render task per (persona, scope); how many sends."""
    from reports.tasks import send_report_to_recipients

    claimed = schedules_claim(now=now)
    by_persona: dict[str, list[ScheduledSend]] = defaultdict(list)
    for send in claimed:
        by_persona[send.schedule.persona].append(send)
    for persona, sends in by_persona.items():
        recipients = {send.recipient.pk: send for send in sends}
        for group in recipients_group(send.recipient for send in sends):
            ids = [r.pk for r in group]
            send_report_to_recipients.delay_on_commit(
                persona, ids, recipients[ids[0]].period.isoformat(),
                [recipients[pk].pk for pk in ids],
            )  # fmt: skip
    return len(claimed)


# --- REPORT_RECIPIENTS ---------------------------------------------------------------------------


@dataclass
class RecipientsSync:
    created: int = 0
    kept: int = 0
    deactivated: int = 0
    problems: list[str] = field(default_factory=list)


def recipients_sync(*, entries: Iterable[str]) -> RecipientsSync:
    """Keep the recipients seeded from REPORT_RECIPIENTS in step with it, as the old scripts
    read it: a plain `email` gets all five persona reports for the portfolio, `persona:email`
    that persona's only. Seeded recipients no longer listed are deactivated, never deleted
    (their deliveries stay in the ledger); recipients made in the admin are left alone."""
    result = RecipientsSync()
    wanted: set[tuple[str, str]] = set()
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        persona, _, email = entry.rpartition(":")
        personas = [persona.lower()] if persona else list(REGISTRY)
        if persona and persona.lower() not in REGISTRY:
            known = ", ".join(REGISTRY)
            result.problems.append(f"{entry}: unknown persona {persona!r} (one of {known})")
            continue
        if "@" not in email or " " in email.strip():
            result.problems.append(f"{entry}: not an email address")
            continue
        wanted |= {(email.strip().lower(), p) for p in personas}
    with transaction.atomic():
        for email, persona in sorted(wanted):
            recipient, created = Recipient.objects.get_or_create(
                email=email, persona=persona, entity=None, defaults={"from_env": True}
            )
            if created:
                result.created += 1
            else:
                result.kept += 1
                if recipient.from_env and not recipient.active:
                    Recipient.objects.filter(pk=recipient.pk).update(active=True)
        for recipient in Recipient.objects.filter(from_env=True, active=True, entity=None):
            if (recipient.email.lower(), recipient.persona) not in wanted:
                Recipient.objects.filter(pk=recipient.pk).update(active=False)
                result.deactivated += 1
    return result


def scope_label(*, recipient: Recipient) -> str:
    return _scope_name(recipient.entity if recipient.entity_id else None)


def _scope_name(entity: Entity | None) -> str:
    return entity.name if entity is not None else "Portfolio"


def _email_run(
    *, persona: str, scope: ReportScope, entity: Entity | None, today: dt.date | None = None
) -> tuple[ReportRun, str]:
    """The email run of a persona's report over a scope — the one entity, or the portfolio of
    the scope's entities — stored once on its key, and the scope's name."""
    asked = report_request_for_scope(
        persona=persona, scope=scope, entity_slug=entity.slug if entity else None,
        view=ReportView.EMAIL, today=today,
    )  # fmt: skip
    return report_render(asked), _scope_name(entity)


def _recipient_run(
    *, recipient: Recipient, today: dt.date | None = None
) -> tuple[ReportRun, str]:
    """The email run this recipient would get now, scope applied, and its scope's name."""
    return _email_run(
        persona=recipient.persona, scope=recipient_scope(recipient=recipient),
        entity=recipient.entity if recipient.entity_id else None, today=today,
    )  # fmt: skip


def report_send_to_address(
    *, persona: str, to: str, entity_slug: str | None = None, today: dt.date | None = None
) -> tuple[Delivery, bool]:
    """One persona's email for the whole portfolio, or one entity, to an address given by
    hand (`send_reports --to`), with the audit BCC; once per run and address. Entity.DoesNotExist
    for an unknown slug."""
    entities = Entity.objects.all()
    entity = None
    if entity_slug:
        entity = Entity.objects.get(slug=entity_slug)
        entities = entities.filter(pk=entity.pk)
    run, scope_name = _email_run(
        persona=persona, scope=report_scope(entities=entities), entity=entity, today=today
    )
    return report_email_queue(run=run, scope_name=scope_name, to=to)


def report_test_send(*, recipient: Recipient, to: str) -> tuple[Delivery, bool]:
    """This recipient's email, exactly as they would get it, to another address (the admin's
    "Send a test to me"); once per run, recipient and address. RecipientGetsNothing when
    their email would hold no entity."""
    if (nothing := recipient_gets_nothing(recipient=recipient)) is not None:
        raise RecipientGetsNothing(nothing)
    run, scope_name = _recipient_run(recipient=recipient)
    return report_email_queue(
        run=run, scope_name=scope_name, to=to,
        key=f"report-test:run={run.pk}:recipient={recipient.pk}:to={to.lower()}",
    )  # fmt: skip


# Gmail shows the first 102 KB of a message and clips the rest behind a link, unsubscribe
# footer included: the preview says when an email is past it.
GMAIL_CLIPS_AFTER = 102 * 1024


def preview_for(
    *, recipient: Recipient, today: dt.date | None = None
) -> tuple[str, str, str]:
    """Exactly what this recipient would get now — subject, html, text — with their scope
    applied; the run is rendered (and stored) as a send would, nothing is queued.
    RecipientGetsNothing when their email would hold no entity."""
    if (nothing := recipient_gets_nothing(recipient=recipient)) is not None:
        raise RecipientGetsNothing(nothing)
    run, scope_name = _recipient_run(recipient=recipient, today=today)
    html, text, _ = _email_parts(run=run, recipient=recipient)
    return report_subject(run=run, scope_name=scope_name), mark_safe(html), text


# --- The demo ------------------------------------------------------------------------------------

DEMO_SCHEDULES = [
    # (persona, cadence, weekday, day of month, local time)
    ("ceo", Cadence.WEEKLY, 0, 1, dt.time(7, 0)),
    ("cto", Cadence.WEEKLY, 0, 1, dt.time(8, 0)),
    ("cfo", Cadence.MONTHLY, 0, 1, dt.time(8, 0)),
    ("cmo", Cadence.WEEKLY, 2, 1, dt.time(8, 0)),
    ("cao", Cadence.MONTHLY, 0, 2, dt.time(8, 0)),
]


def demo_recipients_seed() -> int:
    """The demo's recipients — one per persona for the portfolio, and one for a single entity
    — and the default schedules, made once (an admin's edits are kept). Answers how many
    recipients it made."""
    made = 0
    for persona in REGISTRY:
        _, created = Recipient.objects.get_or_create(
            email=f"{persona}@quarterdeck.localhost", persona=persona, entity=None,
            defaults={"name": f"Demo {persona.upper()}"},
        )  # fmt: skip
        made += created
    entity = Entity.objects.order_by("kind", "name").first()
    if entity is not None:
        _, created = Recipient.objects.get_or_create(
            email=f"{entity.slug}-owner@quarterdeck.localhost", persona="ceo", entity=entity,
            defaults={"name": f"{entity.name} owner"},
        )  # fmt: skip
        made += created
    for persona, cadence, weekday, day, at in DEMO_SCHEDULES:
        label = {Cadence.WEEKLY: "weekly", Cadence.MONTHLY: "monthly"}[cadence]
        ReportSchedule.objects.get_or_create(
            persona=persona, recipient=None,
            defaults={"name": f"{persona.upper()} {label}", "cadence": cadence,
                      "weekday": weekday, "day_of_month": day, "at": at},
        )  # fmt: skip
    return made
