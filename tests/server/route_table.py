"""The app's own route table, read for tests: every /api operation, what it needs, a body.

The authorization matrix and the schema fuzzing are generated from this, never from a list
written by hand: a route another module adds tomorrow is in the table the moment it is in
``create_app(...)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from core.domain.access import TokenScope
from core.server.app import create_app

READS = frozenset({"GET", "HEAD"})

API_PREFIXES = ("/api/", "/v1/")
"""Where the routes that need a token live: v2, the compatibility APIs' ``/api/tasks`` and
``/api/orchestrators``, and ``/v1``."""


@dataclass(frozen=True)
class Param:
    """A path or query parameter as OpenAPI declares it."""

    name: str
    required: bool
    schema: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """One method on one /api path."""

    method: str
    path: str
    """The template, e.g. ``/api/v2/tasks/{ref}``."""
    path_params: tuple[Param, ...]
    query_params: tuple[Param, ...]
    body: dict[str, Any] | None
    """The JSON schema of the request body (``None``: the route takes none)."""
    scope: TokenScope
    """The least token scope the route's dependencies demand."""
    streams: bool
    """It answers with a stream (``text/event-stream``) that a client closes."""

    @property
    def key(self) -> str:
        """``METHOD /path``: how failures name the route."""
        return f"{self.method} {self.path}"

    @property
    def writes(self) -> bool:
        """Whether the method changes things (anything but GET)."""
        return self.method not in READS


def _scope_of(dependant: Any) -> TokenScope:
    """The highest ``require_<scope>`` dependency anywhere under ``dependant``."""
    needed = TokenScope.READ
    pending = [dependant]
    while pending:
        node = pending.pop()
        for dependency in node.dependencies:
            name = getattr(dependency.call, "__name__", "")
            word = name.removeprefix("require_")
            if name.startswith("require_") and word in set(TokenScope):
                scope = TokenScope(word)
                if scope.allows(needed):
                    needed = scope
            pending.append(dependency)
    return needed


def api_operations() -> list[Operation]:
    """Every operation under ``API_PREFIXES``, in the app's order, with its OpenAPI description.

    Raises:
        AssertionError: a route is left out of the OpenAPI document (nothing could be
            generated for it).
    """
    app = create_app(_never_opened)
    spec = app.openapi()
    operations = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        path = str(route.path_format)
        if not path.startswith(API_PREFIXES):
            continue
        for method in sorted(route.methods or ()):
            described = spec["paths"].get(path, {}).get(method.lower())
            assert described is not None, f"{method} {path} is not in /openapi.json"
            operations.append(_operation(spec, method, path, described, route.dependant))
    return operations


async def _never_opened() -> Any:
    raise AssertionError("the route table is read without starting the app")


def _operation(
    spec: dict[str, Any], method: str, path: str, described: dict[str, Any], dependant: Any
) -> Operation:
    params: dict[str, list[Param]] = {"path": [], "query": []}
    for p in described.get("parameters", []):
        if p["in"] in params:
            params[p["in"]].append(
                Param(p["name"], bool(p.get("required")), resolve(spec, p.get("schema", {})))
            )
    content = described.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    answers = described.get("responses", {})
    streams = any(
        "text/event-stream" in answer.get("content", {})
        for status, answer in answers.items()
        if status.startswith("2")
    )
    return Operation(
        method=method,
        path=path,
        path_params=tuple(params["path"]),
        query_params=tuple(params["query"]),
        body=None if body is None else resolve(spec, body),
        scope=_scope_of(dependant),
        streams=streams,
    )


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every ``$ref`` in it replaced by what it names (recursively)."""

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen:  # a recursive model: stop at the second visit
                return {}
            target: Any = spec
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            return walk(target, (*seen, ref))
        return {key: walk(value, seen) for key, value in node.items()}

    resolved: dict[str, Any] = walk(schema, ())
    return resolved


class Unfillable(Exception):
    """A value the generator cannot make: the message says where."""


MISSING = object()
"""What a provider returns for a field it has no value for."""

Provider = Callable[[str, dict[str, Any]], Any]
"""``(field name, its schema) -> value``, or ``MISSING`` to let the schema decide."""


def minimal_value(
    schema: dict[str, Any],
    provide: Provider,
    name: str = "",
    *,
    optional: frozenset[str] = frozenset(),
) -> Any:
    """The smallest value ``schema`` accepts, with named fields from ``provide``.

    Objects get their required properties, and those of ``optional`` that ``provide``
    knows (a task's ``project``: a request must say which project it is about). A named
    field's value comes from ``provide`` first (a task reference must name a real task),
    then from the schema's examples, constraints and types.

    Raises:
        Unfillable: a required value the schema says too little about (a free-form string
            with a pattern, say): ``provide`` must know it.
    """
    if name:
        given = provide(name, schema)
        if given is not MISSING:
            return given
    for key in ("examples", "example"):
        if key in schema:
            example = schema[key]
            return example[0] if key == "examples" and isinstance(example, list) else example
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key, []) if o.get("type") != "null"]
        if options:
            return minimal_value(options[0], provide, name, optional=optional)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        value = {
            field: minimal_value(properties.get(field, {}), provide, field, optional=optional)
            for field in schema.get("required", [])
        }
        for field in sorted(optional & set(properties) - set(value)):
            given = provide(field, properties[field])
            if given is not MISSING:
                value[field] = given
        return value
    if kind == "array":
        count = int(schema.get("minItems", 0))
        item = schema.get("items", {})
        return [minimal_value(item, provide, name, optional=optional) for _ in range(count)]
    if kind == "string":
        return _string(schema, name)
    if kind in {"integer", "number"}:
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "boolean":
        return False
    raise Unfillable(f"field {name or '(body)'!r}: nothing to go on in {schema}")


def _string(schema: dict[str, Any], name: str) -> str:
    formats = {
        "date": "2031-01-02",
        "date-time": "2031-01-02T03:04:05Z",
        "uuid": str(uuid.UUID(int=1)),
    }
    if schema.get("format") in formats:
        return formats[schema["format"]]
    if "pattern" in schema:
        raise Unfillable(f"field {name!r} must match {schema['pattern']!r}")
    return "x" * max(int(schema.get("minLength", 1)), 1)
