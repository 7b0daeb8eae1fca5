"""The Ship-Captain-Crew API: JSON under /api/crew/, bearer JWTs, strict bodies.

Every answer is JSON, and no request of any shape is a 500: the content type and size are
checked before anything is read, the body is parsed by our parser (which refuses NaN and
numbers Python cannot read), validated by pydantic, and a last handler answers any exception
left with a logged JSON 500 (tests show none occurs). A path or method the API does not have is
a JSON 404 or 405 too (CrewApi's URL patterns), not one of Django's HTML pages.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.utils import timezone
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Query, Router, Status, Swagger
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer

from crew import selectors, services
from crew.models import ChecklistItem, CrewEvent, Participant
from crew.schemas import (
    ID_PATTERN,
    ChecklistItemOut,
    ChecklistPatchIn,
    ErrorOut,
    EventIn,
    EventOut,
    EventsQuery,
)
from crew.tokens import TokenClaims, TokenInvalid, token_verify
from entities.models import Entity

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
_ID = re.compile(ID_PATTERN)


# --- Auth -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrewCaller:
    """Who is calling, from the token only: never from the body."""

    claims: TokenClaims
    entity: Entity

    @property
    def user_id(self) -> str:
        return self.claims.sub


class CrewBearer(HttpBearer):
    """A crew token in `Authorization: Bearer …`. Anything wrong is None (a 401), never an
    exception: one escaping an auth class would be a 500."""

    def __call__(self, request: HttpRequest) -> CrewCaller | None:
        # ninja's own __call__ logs the whole header on a wrong scheme in DEBUG: a token in
        # the log. Read the header here instead.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        request.crew_token_presented = True  # type: ignore[attr-defined]
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> CrewCaller | None:
        try:
            claims = token_verify(token=token)
        except TokenInvalid as exc:
            logger.info("crew token refused: %s", exc)
            return None
        # Both from the database on every request, in one query: a revocation counts from the
        # next request on.
        try:
            entity = selectors.token_entity_get(slug=claims.entity, jti=claims.jti)
        except Entity.DoesNotExist:
            logger.info("crew token refused: no entity jti=%s sub=%s", claims.jti, claims.sub)
            return None
        if entity.token_revoked:
            logger.info("crew token refused: revoked jti=%s sub=%s", claims.jti, claims.sub)
            return None
        return CrewCaller(claims=claims, entity=entity)


# --- Body parsing ---------------------------------------------------------------------------


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


NOT_UTF8 = (
    "Cannot parse request body: it is not UTF-8. Send JSON encoded as UTF-8, without a byte "
    "order mark (UTF-16, UTF-32 and a BOM are refused)."
)


def _utf8_text(body: bytes) -> str | None:
    """The body as text, if it can be JSON in UTF-8: strictly decoded, no byte order mark, and
    no NUL byte (JSON has none outside escapes; UTF-16 and UTF-32 are full of them, and their
    ASCII text would otherwise decode as "UTF-8"). None otherwise."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff") or "\x00" in text:
        return None
    return text


class StrictJsonParser(Parser):
    """json.loads of UTF-8 text, minus what Python accepts beyond JSON (NaN, Infinity). Given
    bytes, json.loads would guess UTF-16 or UTF-32 and skip a BOM: it is given text decoded
    strictly instead (_json_body has already answered such a body with a clear 400). A
    5,000-digit integer raises a plain ValueError and deep nesting a RecursionError: ninja
    turns any exception here into a 400."""

    def parse_body(self, request: HttpRequest) -> Any:
        text = _utf8_text(request.body)
        if text is None:
            raise ValueError(NOT_UTF8)
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise ValueError("nested too deeply") from None


def _json_body(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Before auth and parsing: 413 for a body over 256 KB (Django's own limit would answer
    400, and later), 415 for a body not sent as JSON in UTF-8, 400 for one that says so but
    is not UTF-8 (here, as ninja's own 400 for a parser's error names no reason)."""

    @functools.wraps(run)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty, too
        if length > MAX_BODY_BYTES:
            return JsonResponse(
                {"detail": f"The body is larger than {MAX_BODY_BYTES // 1024} KB."}, status=413
            )
        # An empty body has no type to check: it goes on to be a 422 naming the missing body.
        charset = (request.encoding or "utf-8").lower().replace("-", "")
        if length and (request.content_type != "application/json" or charset != "utf8"):
            return JsonResponse(
                {"detail": "Send the body as application/json (UTF-8)."}, status=415
            )
        if length and _utf8_text(request.body) is None:
            return JsonResponse({"detail": NOT_UTF8}, status=400)
        return run(request, *args, **kwargs)

    return checked


# --- Answers in JSON, whatever the path or method --------------------------------------------

# The views under /api/crew/ that are not operations: the schema and its page are read only.
_READ_ONLY = {"openapi-json", "openapi-view"}


def _not_found() -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


def _json_answers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view under /api/crew/ whose every refusal is JSON. Ninja answers a method no operation
    takes with its own text/html 405, and its root view (and the docs views) raise Http404 or
    answer outside its exception handlers, so Django's HTML pages would answer them."""

    @functools.wraps(view)
    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _not_found()
        except Exception as exc:  # ninja's operations have their own net; this is the others'
            logger.exception("crew API: unhandled %s on %s %s", type(exc).__name__,
                             request.method, request.path)  # fmt: skip
            return JsonResponse({"detail": "Internal error; it has been logged."}, status=500)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        if response.status_code == 405:
            detail = f"Method {request.method} not allowed; allowed: {response.get('Allow')}."
        else:
            detail = response.reason_phrase
        refusal = JsonResponse({"detail": detail}, status=response.status_code)
        if response.has_header("Allow"):
            refusal["Allow"] = response["Allow"]
        return refusal

    # Bearer tokens, never cookies, authenticate here: Django's CSRF check (a 403 page before
    # the view) has nothing to protect, and would answer a POST to an unknown path in HTML.
    answered.csrf_exempt = True  # type: ignore[attr-defined]
    return answered


def _no_route(request: HttpRequest) -> HttpResponse:
    # Any path under /api/crew/ that no operation has, for any method: Django's own 404 is
    # an HTML page.
    return _not_found()


class CrewApi(NinjaAPI):
    """The crew API, whose URL patterns (what config/urls.py includes as `api.urls`) answer in
    JSON: each of ninja's views wrapped by _json_answers, and a last pattern for every other
    path under the API's prefix, for any method."""

    @property
    def urls(self) -> tuple[list[URLPattern | URLResolver], str, str]:
        ninja_patterns, app_name, namespace = super().urls
        patterns: list[URLPattern | URLResolver] = []
        for pattern in ninja_patterns:
            if isinstance(pattern, URLPattern):
                view = pattern.callback
                if pattern.name in _READ_ONLY:
                    view = require_safe(view)
                pattern = URLPattern(pattern.pattern, _json_answers(view),
                                     pattern.default_args, pattern.name)  # fmt: skip
            patterns.append(pattern)
        patterns.append(re_path(r"^", _json_answers(_no_route), name="no-route"))
        return patterns, app_name, namespace


# --- The API --------------------------------------------------------------------------------


class TimesToTheMicrosecond(NinjaJSONEncoder):
    """ninja's encoder, writing times as they are stored: Django's own cuts them to the
    millisecond, and an event read back and posted again would then be another body (409)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):  # every time in an answer is in UTC (_utc)
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class CrewJsonRenderer(JSONRenderer):
    encoder_class = TimesToTheMicrosecond


api = CrewApi(
    title="Quarterdeck crew API",
    version="1",
    description="Charter events, participants and checklists from the Ship-Captain-Crew apps.",
    urls_namespace="crew-api",
    auth=CrewBearer(),
    parser=StrictJsonParser(),
    renderer=CrewJsonRenderer(),
    # Swagger UI from our own static files ("ninja" is an installed app); no validator badge,
    # which would call a server outside.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
router = Router(tags=["events"])
# The refusals every operation may answer, so the schema documents them.
REFUSALS = {401: ErrorOut, 422: ErrorOut}
BODY_REFUSALS = {**REFUSALS, 400: ErrorOut, 413: ErrorOut, 415: ErrorOut}


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = JsonResponse({"detail": "A valid crew bearer token is required."}, status=401)
    challenge = 'Bearer realm="crew"'
    if getattr(request, "crew_token_presented", False):
        challenge += ', error="invalid_token"'
    response["WWW-Authenticate"] = challenge
    return response


@api.exception_handler(Exception)
def _last_net(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Tests show no request reaches here; if one does, it is logged and still JSON.
    logger.exception("crew API: unhandled %s on %s %s", type(exc).__name__, request.method,
                     request.path)  # fmt: skip
    return JsonResponse({"detail": "Internal error; it has been logged."}, status=500)


def _caller(request: HttpRequest) -> CrewCaller:
    return request.auth  # type: ignore[attr-defined, return-value]


def _checked_id(value: str) -> str:
    # Not one of our ids (a NUL, a slash, 5 KB): no such event, without asking the database.
    if not _ID.match(value):
        raise Http404
    return value


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    # One form for every answer: a just-posted row keeps the offset it was posted with.
    return value.astimezone(dt.UTC) if value is not None else None


def _item_out(item: ChecklistItem) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "label": item.label,
        "assignee": item.assignee,
        "due_at": _utc(item.due_at),
        "done": item.done,
        "done_by": item.done_by,
        "done_at": _utc(item.done_at),
    }


def _event_out(
    event: CrewEvent,
    participants: list[Participant] | None = None,
    checklist: list[ChecklistItem] | None = None,
) -> dict[str, Any]:
    """An event as the API shows it; its rows as given, or as prefetched."""
    if participants is None:
        participants = list(event.participants.all())
    if checklist is None:
        checklist = list(event.checklist.all())
    return {
        "event_id": event.event_id,
        "entity": event.entity.slug,
        "title": event.title,
        "starts_at": _utc(event.starts_at),
        "ends_at": _utc(event.ends_at),
        "time_zone": event.time_zone,
        "created_by": event.created_by,
        "created_at": _utc(event.created_at),
        "updated_at": _utc(event.updated_at),
        "participants": [
            {"user_id": p.user_id, "name": p.name, "email": p.email, "role": p.role}
            for p in participants
        ],
        "checklist": [_item_out(i) for i in checklist],
    }


def _rows_out(found: selectors.EventWithRows) -> dict[str, Any]:
    return _event_out(found.event, found.participants, found.checklist)


@router.post(
    "/events",
    response={200: EventOut, 201: EventOut, 409: ErrorOut, **BODY_REFUSALS},
    summary="Create an event (idempotent on event_id)",
    description="201 on creation; the same body again answers 200 with the stored event; "
    "another body under the same event_id is 409. The poster is the token's subject.",
)
@decorate_view(_json_body)
def event_create(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    caller = _caller(request)
    try:
        posted, created = services.event_post(
            entity=caller.entity, created_by=caller.user_id, data=payload
        )
    except services.EventConflict:
        return Status(409, {"detail": "Another body was already posted under this event_id."})
    if created:
        logger.info("crew event created event_id=%s entity=%s jti=%s sub=%s", posted.event.event_id,
                    caller.entity.slug, caller.claims.jti, caller.user_id)  # fmt: skip
    return Status(201 if created else 200, _rows_out(posted))


@router.get("/events", response={200: list[EventOut], **REFUSALS},
            summary="The token's entity's events")  # fmt: skip
def event_list(request: HttpRequest, filters: Query[EventsQuery]) -> list[dict[str, Any]]:
    events = selectors.events_list(
        entity=_caller(request).entity, starts_from=filters.from_, starts_to=filters.to
    )
    return [_event_out(e) for e in events]


@router.get("/events/{event_id}", response={200: EventOut, 404: ErrorOut, **REFUSALS},
            summary="One event")  # fmt: skip
def event_detail(request: HttpRequest, event_id: str) -> dict[str, Any]:
    try:
        found = selectors.event_get(entity=_caller(request).entity, event_id=_checked_id(event_id))
    except CrewEvent.DoesNotExist:
        raise Http404 from None
    return _rows_out(found)


@router.patch(
    "/events/{event_id}/checklist/{item_id}",
    response={200: ChecklistItemOut, 404: ErrorOut, **BODY_REFUSALS},
    summary="Mark a checklist item done or open",
    description="done_by is the token's subject; marking a done item done again keeps the "
    "first done_by and done_at.",
)
@decorate_view(_json_body)
def checklist_item_update(
    request: HttpRequest, event_id: str, item_id: str, payload: ChecklistPatchIn
) -> dict[str, Any]:
    caller = _caller(request)
    try:
        item = services.checklist_item_set(
            entity=caller.entity,
            event_id=_checked_id(event_id),
            item_id=_checked_id(item_id),
            done=payload.done,
            by=caller.user_id,
            now=timezone.now(),
        )
    except ChecklistItem.DoesNotExist:
        raise Http404 from None
    return _item_out(item)


api.add_router("/", router)


def _json_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _not_found()


api.add_exception_handler(Http404, _json_404)
