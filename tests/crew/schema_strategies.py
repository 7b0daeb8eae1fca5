"""Hypothesis strategies from the JSON Schema that the API's OpenAPI document gives for a body.

Only what pydantic emits for our schemas: $ref, anyOf, objects, arrays, strings (lengths,
pattern, date-time), booleans, enums. Lists are kept short: the limits have their own tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

# Any offset Python allows, to the minute, besides the IANA zones' own.
_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
_zones = st.one_of(st.timezones(), _offsets)
# Times anywhere in datetime's range, and often at its very ends, where converting to UTC
# leaves the range (9999-12-31T23:00-14:00) and a uniform draw almost never goes.
iso_datetimes = st.one_of(
    st.datetimes(timezones=_zones),
    st.datetimes(min_value=dt.datetime(9999, 12, 31), timezones=_zones),
    st.datetimes(max_value=dt.datetime(1, 1, 1, 23, 59, 59), timezones=_zones),
    st.datetimes(min_value=dt.datetime(2999, 12, 31), max_value=dt.datetime(3000, 1, 1, 23),
                 timezones=_zones),
    st.datetimes(min_value=dt.datetime(1899, 12, 31), max_value=dt.datetime(1900, 1, 1, 23),
                 timezones=_zones),
).map(lambda d: d.isoformat())  # fmt: skip


def from_openapi(schema: dict[str, Any], components: dict[str, Any]) -> st.SearchStrategy:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: from_openapi(components[name], components))
    if "anyOf" in schema:
        return st.one_of([from_openapi(s, components) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: from_openapi(v, components) for k, v in properties.items() if k in required},
            optional={k: from_openapi(v, components) for k, v in properties.items()
                      if k not in required},
        )  # fmt: skip
    if kind == "array":
        return st.lists(from_openapi(schema.get("items", {}), components),
                        min_size=schema.get("minItems", 0),
                        max_size=min(schema.get("maxItems", 5), 5))  # fmt: skip
    if kind == "string":
        if schema.get("format") == "date-time":
            return iso_datetimes
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda s: len(s) <= schema.get("maxLength", 10_000)
            )
        return st.text(min_size=schema.get("minLength", 0),
                       max_size=min(schema.get("maxLength", 50), 50))  # fmt: skip
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers()
    if kind == "null":
        return st.none()
    return st.nothing()
