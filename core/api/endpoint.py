"""``Endpoint``: one ``TaskEngine`` method as an HTTP call, described as data.

An entry says where each argument of the method travels (the path, the query string or
the JSON body, under which name), which answer carries the method's result, who may call
it and what is checked for a token limited to some projects. ``core.api.endpoints`` lists
the entries; the server builds its routes from them and a remote client makes its calls
from them, so the two read one description and cannot disagree.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast
from urllib.parse import quote

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from core.domain.access import TokenScope

API_PREFIX = "/api/v2"
"""Every path of the table is under this prefix."""

HttpMethod = Literal["GET", "POST", "PATCH", "DELETE"]

_PATH_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


class Access(enum.StrEnum):
    """A check the server makes before (or, for answers, after) the engine call.

    Most concern a token limited to some projects: for it, something of another project is
    "not found" (404, never a 403 that would confirm it exists). Arguments are named as a
    request carries them (``get_project``'s ``project`` is the engine's ``ref``).
    """

    EVERY_PROJECT = "every_project"
    """Only a token for every project may call it (403 otherwise)."""
    TOKEN_ADMIN = "token_admin"
    """An admin token for every project, checked with the token before the request is read
    (403): any other token could issue itself a wider one."""
    ADMIN = "admin"
    """Scope admin, checked once the request is read (a bad body is a 422 for anyone)."""
    PROJECT = "project"
    """``project``, when given, names a project the token sees."""
    TASK = "task"
    """``ref`` names a task of a project the token sees."""
    BLOCKER = "blocker"
    """``blocker`` names a task of a project the token sees."""
    TASKS = "tasks"
    """Every ref in ``refs`` names a task of a project the token sees."""
    RUN = "run"
    """``run_id`` names a run of a task the token sees."""
    QUICK_RUN = "quick_run"
    """``quick_run_id`` names a quick run the token sees (a limited token: its own)."""
    NAMED_LEASES = "named_leases"
    """A limited token names the ``leases`` it renews (403 for ``null``: every lease)."""
    IN_PROJECTS = "in_projects"
    """``in_projects`` is narrowed to the token's projects (its projects when ``None``)."""
    VISIBLE_OUTCOMES = "visible_outcomes"
    """``outcomes`` keeps those of runs the token sees; the others are left out, as lost."""
    SERVER_CLOCK = "server_clock"
    """``now`` may not be later than the server's clock (422): leases end by its time."""
    VISIBLE_ITEMS = "visible_items"
    """After the call: the answer's items (projects) keep only those the token sees."""
    VISIBLE_REFS = "visible_refs"
    """After the call: the answer's task refs keep only those the token sees."""
    FORGET_TOKENS = "forget_tokens"
    """After the call: the server stops trusting the tokens it checked (so a revoked one is
    refused from the next request on)."""
    OWN_ITEMS = "own_items"
    """A limited token's list holds only what it made (its name is their ``actor``), the
    newest ``limit`` among as many as the engine lists at most."""


class ArgumentQuery(Protocol):
    """A query model whose fields stand for engine arguments of another shape.

    ``core.api.board_schemas.BoardFilters``: the board's filters are one ``BoardQuery``.
    """

    @classmethod
    def engine_arguments(cls, values: dict[str, Any]) -> dict[str, Any]:
        """The engine's arguments from a request's values, after the server's checks."""

    @classmethod
    def query_values(cls, args: Mapping[str, Any]) -> dict[str, Any]:
        """The query values (by field) a client sends for the engine's ``args``."""


@dataclass(frozen=True)
class HttpCall:
    """What a client sends for one engine call: method, URL path, query string and body."""

    method: HttpMethod
    url: str
    """Under ``API_PREFIX``, path parameters filled in and percent-encoded."""
    params: dict[str, Any]
    """The query string (``None`` values left out; lists repeat the parameter)."""
    json: Any
    """The JSON body (``None``: no body)."""


@dataclass(frozen=True, eq=False)
class Endpoint:
    """One ``TaskEngine`` method over HTTP.

    Arguments keep the engine's names on the wire unless ``renamed`` says otherwise. The
    path template's ``{name}`` parameters come first, then the fields of ``query`` (the
    query string) and of ``body`` (the JSON object); ``body_arg`` names the one argument
    that is the whole body instead (``create_project(request)`` sends its ``ProjectCreate``).
    """

    method: str
    """The ``TaskEngine`` method's name (also the route's name and OpenAPI operation)."""
    http: HttpMethod
    path: str
    """Template under ``API_PREFIX``: ``/runs/{run_id}/steps``; ``{name:path}`` may hold ``/``."""
    summary: str
    tag: str
    doc: str
    """What the call does, for people: the route's OpenAPI description."""
    scope: TokenScope = TokenScope.READ
    access: tuple[Access, ...] = ()
    """Checked in this order (those on the answer after the call)."""
    query: type[BaseModel] | None = None
    """The query string's fields (an ``ArgumentQuery`` builds the arguments they stand for)."""
    path_types: Mapping[str, type] = field(default_factory=dict)
    """A path parameter's type, where it is not ``str``."""
    body: type[BaseModel] | None = None
    body_arg: str | None = None
    renamed: Mapping[str, str] = field(default_factory=dict)
    """Wire name to engine argument name, where they differ."""
    answer: type[BaseModel] | None = None
    """The JSON answer's model (``None``: no body)."""
    answer_field: str | None = None
    """The answer's field holding the method's result (``None``: the answer is the result)."""
    json_method: str | None = None
    """A ``TaskEngine`` method taking the same arguments that gives the result already as
    the JSON text of a list (``ready_tasks_json``): the server sends that text in the answer's
    ``answer_field`` as it is, with no model built or serialized."""
    status: int = 200
    errors: tuple[int, ...] = ()
    """Error statuses besides those every route may answer (400, 401, 403, 422, 429, 503)."""
    error_notes: Mapping[int, str] = field(default_factory=dict)
    """What an error status means here, where the general description says too little."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Headers every successful answer carries."""
    location: str | None = None
    """``Location`` of a created thing, under ``API_PREFIX``, filled from the answer's fields."""

    @property
    def path_params(self) -> tuple[str, ...]:
        """The path template's parameters, in order."""
        return tuple(m.group(1) for m in _PATH_PARAM.finditer(self.path))

    def argument(self, wire: str) -> str:
        """The engine argument a path, query or body name carries."""
        return self.renamed.get(wire, wire)

    def call(self, args: Mapping[str, Any]) -> HttpCall:
        """The request for a call with ``args`` (the engine's arguments by name).

        Arguments left out take the server's defaults; values are sent as JSON (models,
        dates and enums included) and checked by the server.
        """

        def fill(match: re.Match[str]) -> str:
            value = str(args[self.argument(match.group(1))])
            return quote(value, safe="/" if match.group(2) == "path" else "")

        url = API_PREFIX + _PATH_PARAM.sub(fill, self.path)
        return HttpCall(self.http, url, self._query_string(args), self._json_body(args))

    def _query_string(self, args: Mapping[str, Any]) -> dict[str, Any]:
        if self.query is None:
            return {}
        builder = self._argument_query()
        if builder is not None:
            values = builder.query_values(args)
            given = {wire: value for wire, value in values.items() if value is not None}
        else:
            given = {
                wire: args[self.argument(wire)]
                for wire in self.query.model_fields
                if args.get(self.argument(wire)) is not None
            }
        # Serialized by the model: a field may say how its value is written in a URL.
        return self.query.model_construct(**given).model_dump(mode="json", include=set(given))

    def _json_body(self, args: Mapping[str, Any]) -> Any:
        if self.body_arg is not None:
            return to_jsonable_python(args[self.body_arg])
        if self.body is None:
            return None
        return {
            wire: to_jsonable_python(args[self.argument(wire)])
            for wire in self.body.model_fields
            if self.argument(wire) in args
        }

    def arguments(
        self, path: Mapping[str, str], query: Mapping[str, Any], body: BaseModel | None
    ) -> dict[str, Any]:
        """The engine's arguments from a request's path values, query values and body.

        The server's side of ``call``: the query values go through the query model (its
        fields may say how a URL writes a value), body fields keep their parsed values
        (models stay models).
        """
        wire: dict[str, Any] = dict(path)
        if self.query is not None:
            parsed = self.query.model_validate(query)
            wire.update({name: getattr(parsed, name) for name in type(parsed).model_fields})
        if body is not None and self.body_arg is None:
            wire.update({name: getattr(body, name) for name in type(body).model_fields})
        args = {self.argument(name): value for name, value in wire.items()}
        if self.body_arg is not None:
            args[self.body_arg] = body
        return args

    def assembled(self, args: dict[str, Any]) -> dict[str, Any]:
        """The arguments as the engine takes them, once the server has checked ``args``.

        They are ``args`` unless the query model is an ``ArgumentQuery``, which builds them.
        """
        builder = self._argument_query()
        return args if builder is None else builder.engine_arguments(args)

    def _argument_query(self) -> type[ArgumentQuery] | None:
        if self.query is None or not hasattr(self.query, "engine_arguments"):
            return None
        return cast("type[ArgumentQuery]", self.query)

    def wrap(self, result: Any) -> BaseModel | None:
        """The answer carrying the engine's ``result`` (the server's side)."""
        if self.answer is None:
            return None
        if self.answer_field is None:
            assert isinstance(result, BaseModel)
            return result
        return self.answer.model_validate({self.answer_field: result})

    def result(self, data: Any) -> Any:
        """The engine's result from the JSON answer ``data`` (the client's side)."""
        if self.answer is None:
            return None
        answer = self.answer.model_validate(data)
        return answer if self.answer_field is None else getattr(answer, self.answer_field)

    def location_of(self, answer: BaseModel) -> str | None:
        """The ``Location`` header for ``answer`` (``None`` when the entry sets none)."""
        if self.location is None:
            return None
        filled = re.sub(r"\{(\w+)\}", lambda m: str(getattr(answer, m.group(1))), self.location)
        return API_PREFIX + filled
