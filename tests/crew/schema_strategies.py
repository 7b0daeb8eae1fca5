"""Hypothesis strategies from the JSON Schema that the API's OpenAPI document gives for a body.

Only what pydantic emits for our schemas: $ref, anyOf, objects, arrays, strings (lengths,
pattern, date-time), booleans, enums. Lists are kept short: the limits have their own tests.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


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
            return st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
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
