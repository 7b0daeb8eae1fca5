"""The Crew pages (signed-in: upcoming events, one event's checklist) and the confirm page a
nudge email's link opens (no sign-in: the signed link is the proof)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from crew import selectors, services
from crew.links import LinkExpired, LinkInvalid, link_token_read
from crew.models import ChecklistItem, CrewEvent
from entities.selectors import entities_visible_to

# An owner's events and people: no cache keeps them.
private = cache_control(private=True, no_store=True)


@private
@login_required
def crew_index(request: HttpRequest) -> HttpResponse:
    entities = list(entities_visible_to(user=request.user))
    upcoming = selectors.events_upcoming(entity_ids=[e.pk for e in entities], now=timezone.now())
    by_entity = {e.pk: [] for e in entities}
    for readiness in upcoming:
        by_entity[readiness.event.entity_id].append(readiness)
    rows = [(e, by_entity[e.pk]) for e in entities]
    return render(request, "crew/index.html", {"rows": rows, "any_events": bool(upcoming)})


@private
@login_required
def event_page(request: HttpRequest, entity_slug: str, event_id: str) -> HttpResponse:
    visible = entities_visible_to(user=request.user).values_list("pk", flat=True)
    try:
        event = selectors.event_visible_get(
            entity_ids=visible, entity_slug=entity_slug, event_id=event_id
        )
    except CrewEvent.DoesNotExist:
        raise Http404("No such event.") from None
    # People by name where the id is a participant's, from the rows already read.
    names = {p.user_id: p.name for p in event.participants.all()}
    items = [
        (item, names.get(item.assignee, item.assignee), names.get(item.done_by, item.done_by))
        for item in event.checklist.all()
    ]
    return render(request, "crew/event.html", {"event": event, "items": items,
                                               "now": timezone.now()})  # fmt: skip


@require_http_methods(["GET", "POST"])
@private
def item_done(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the item and a button, and changes nothing: mail scanners open links. The
    button's POST marks the item done, once."""
    try:
        target = link_token_read(token=token)
    except LinkExpired:
        return render(request, "crew/link_problem.html", {"expired": True}, status=410)
    except LinkInvalid:
        return render(request, "crew/link_problem.html", {"expired": False}, status=400)
    outcome = None
    if request.method == "POST":
        # An item that is gone matches no row, as a done one does; the read below tells them
        # apart. Read after the write, so the page names whoever did it, as it is now.
        marked = services.checklist_item_done_by_link(
            item_pk=target.item_pk, user_id=target.user_id, now=timezone.now()
        )
        outcome = "marked" if marked else "already"
    try:
        item = selectors.checklist_item_get(item_pk=target.item_pk)
    except ChecklistItem.DoesNotExist:
        return render(request, "crew/link_problem.html", {"gone": True}, status=404)
    return render(request, "crew/item_done.html", {"item": item, "event": item.event,
                                                   "outcome": outcome})  # fmt: skip
