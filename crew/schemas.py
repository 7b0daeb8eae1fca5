"""The crew API's bodies, validated strictly by pydantic (through django-ninja).

pydantic by default ignores unknown fields, turns "5" into 5 and accepts NaN: here every input
schema forbids unknown fields, is strict, and refuses NaN and infinities. Times are ISO-8601
strings with an offset, nothing else (no numbers, no naive times), within crew.zones' limits.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from crew.text import text_problem
from crew.zones import TIME_LIMITS, TIME_ZONES, time_within_limits

MAX_STRING = 500
MAX_PARTICIPANTS = 100
MAX_CHECKLIST = 200
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:~-]{0,99}$"  # it appears in URLs: no slashes, no spaces


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; refuse it here, with the field's name, not at the INSERT.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _visible(value: str) -> str:
    # The rule the admin holds too (crew.text).
    if (problem := text_problem(value)) is not None:
        raise ValueError(problem)
    return value


def _iso_datetime(value: object) -> object:
    """An ISO-8601 string with an offset becomes an aware datetime; anything else is refused
    (pydantic's lax mode would also take numbers as Unix times)."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("must be an ISO-8601 date-time string with an offset")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO-8601 date-time string with an offset") from None
    offset = parsed.utcoffset()
    if offset is None:
        raise ValueError("must have an offset, e.g. 2026-12-01T09:00:00-08:00 or ...Z")
    # Python reads "+05:30:17" (and fractions of a second) too; ISO-8601's and RFC 3339's
    # offsets, which the docs promise, are whole minutes.
    if offset % dt.timedelta(minutes=1):
        raise ValueError("must have an offset of whole minutes: Z or ±hh:mm, e.g. +05:30")
    return parsed


def _within_limits(value: dt.datetime) -> dt.datetime:
    # The same span as the models' validator (crew.zones), so the admin cannot store a time
    # the API would refuse.
    if not time_within_limits(value):
        raise ValueError(TIME_LIMITS)
    return value


def _time_zone(value: str) -> str:
    if value not in TIME_ZONES:
        raise ValueError("must be an IANA time zone name, e.g. America/Los_Angeles")
    return value


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("must be an email address") from None
    return value


Text = Annotated[
    str, Field(min_length=1, max_length=MAX_STRING), AfterValidator(_no_nul),
    AfterValidator(_visible),
]  # fmt: skip
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=100)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime), AfterValidator(_within_limits)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_time_zone)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_no_nul), AfterValidator(_email)]
Role = Literal["captain", "crew", "owner"]


class StrictSchema(BaseModel):
    # Plain pydantic: ninja's Schema wraps each nested object to read Django attributes, which
    # a parsed body never has.
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class ParticipantIn(StrictSchema):
    user_id: Id
    name: Text
    email: Email
    role: Role


class ChecklistItemIn(StrictSchema):
    item_id: Id
    label: Text
    assignee: Id = Field(description="The user_id of one of the event's participants.")
    due_at: IsoDateTime | None = None


class EventIn(StrictSchema):
    """An event as a crew app posts it. There is no created_by: the poster is the token's
    subject, and a body that names one is refused as an unknown field."""

    event_id: Id
    title: Text
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    time_zone: TimeZone
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)
    checklist: list[ChecklistItemIn] = Field(default_factory=list, max_length=MAX_CHECKLIST)

    # The rules that join fields are field validators of the later field, reading the earlier
    # ones already validated (info.data): each error names its field, and they are reported
    # together with every other field's errors, not one at a time after them.
    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: dt.datetime, info: ValidationInfo) -> dt.datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError("ends_at must be after starts_at")
        return ends_at

    @field_validator("participants")
    @classmethod
    def _people_once(cls, participants: list[ParticipantIn]) -> list[ParticipantIn]:
        _once("participants", "user_id", [p.user_id for p in participants])
        return participants

    @field_validator("checklist")
    @classmethod
    def _items_of_participants(
        cls, checklist: list[ChecklistItemIn], info: ValidationInfo
    ) -> list[ChecklistItemIn]:
        _once("checklist", "item_id", [i.item_id for i in checklist])
        participants = info.data.get("participants")
        if participants is None:  # refused itself: whose they are cannot be told
            return checklist
        user_ids = {p.user_id for p in participants}
        strangers = [
            f"checklist[{n}].assignee {item.assignee!r}"
            for n, item in enumerate(checklist)
            if item.assignee not in user_ids
        ]
        if strangers:
            more = f" (and {len(strangers) - 10} more)" if len(strangers) > 10 else ""
            raise ValueError(f"{', '.join(strangers[:10])}: not a participant{more}")
        return checklist


def _once(field: str, key: str, values: list[str]) -> None:
    repeated = sorted(v for v, times in Counter(values).items() if times > 1)
    if repeated:
        shown = ", ".join(repr(v) for v in repeated[:10])
        raise ValueError(f"{field}: each {key} may appear once ({shown} more than once)")


class ChecklistPatchIn(StrictSchema):
    done: bool


class EventsQuery(StrictSchema):
    # Query strings are text: the times are read from ISO strings, as in bodies.
    from_: IsoDateTime | None = Field(default=None, alias="from")
    to: IsoDateTime | None = None


# Answers too: plain pydantic, built from our own dicts.
class ParticipantOut(BaseModel):
    user_id: str
    name: str
    email: str
    role: str


class ChecklistItemOut(BaseModel):
    item_id: str
    label: str
    assignee: str
    due_at: dt.datetime | None
    done: bool
    done_by: str
    done_at: dt.datetime | None


class EventOut(BaseModel):
    event_id: str
    entity: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    participants: list[ParticipantOut]
    checklist: list[ChecklistItemOut]


class ErrorOut(BaseModel):
    detail: str | list[dict]
