"""The routes of ``core.api.endpoints``' table, each built by ``table_route`` from its entry.

A route's signature is made from its entry, so FastAPI reads, checks and documents it as it
would a route written out: the path's parameters, one query parameter per field of the
entry's query model (its default, description and bounds), the body model, the engine
acting as the token, and the token through the dependency of the entry's scope. The route
makes the entry's access checks, calls the engine method of the entry's name with the
arguments under the engine's names, and answers the wrapped result: the entry's status,
its ``Location``, and a task's ``ETag``. Routes that differ from this shape are written out
in the other modules here (``core.api.outside`` says which and why).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import annotated_types
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.responses import Response

from core.api.endpoint import Access, Endpoint
from core.api.endpoints import ENDPOINTS
from core.domain.access import TokenScope
from core.domain.models import Task
from core.engine import TaskEngine
from core.server.api_routes import api_router
from core.server.auth import Caller
from core.server.deps import CallerDep, EngineDep, TokenAdminDep, WriterDep
from core.server.errors import ErrorBody, error_responses
from core.server.responses import JSON_TYPE, model_response, task_response
from core.server.table_access import AFTER, CHECKS, AfterCheck, Check

_CALLER = {TokenScope.READ: CallerDep, TokenScope.WRITE: WriterDep, TokenScope.ADMIN: WriterDep}
"""The token's dependency by scope. An admin call (``Access.ADMIN``) is checked once the
request is read, so a bad body is a 422 for any writer."""

Q = TypeVar("Q", bound=BaseModel)

_BOUNDS = {
    annotated_types.Ge: "ge",
    annotated_types.Gt: "gt",
    annotated_types.Le: "le",
    annotated_types.Lt: "lt",
    annotated_types.MinLen: "min_length",
    annotated_types.MaxLen: "max_length",
}


def table_router() -> APIRouter:
    """Every entry's route, in the table's order."""
    router = api_router(tags=[])
    for entry in ENDPOINTS:
        responses = error_responses(*entry.errors)
        for status, note in entry.error_notes.items():
            responses[status] = {"model": ErrorBody, "description": note}
        router.add_api_route(
            entry.path,
            table_route(entry),
            methods=[entry.http],
            name=entry.method,
            status_code=entry.status,
            response_model=entry.answer,
            responses=responses,
            summary=entry.summary,
            description=inspect.cleandoc(entry.doc),
            tags=[entry.tag],
        )
    return router


def table_route(entry: Endpoint) -> Callable[..., Awaitable[Response]]:
    """The endpoint function for ``entry``, with the signature FastAPI reads."""
    checks = [CHECKS[a] for a in entry.access if a in CHECKS]
    after = [AFTER[a] for a in entry.access if a in AFTER]
    method_name = entry.method
    if entry.json_method is not None:
        return _json_route(entry, checks, after)

    async def endpoint(
        request: Request, engine: TaskEngine, caller: Caller, **values: Any
    ) -> Response:
        body = values.pop("body", None)
        path = {name: values.pop(name) for name in entry.path_params}
        args = entry.arguments(path, values, body)
        asked = dict(args)
        for check in checks:
            await check(entry, engine, caller, args)
        result = await getattr(engine, method_name)(**entry.assembled(args))
        for check_answer in after:
            result = await check_answer(request, engine, caller, asked, result)
        return _answer(entry, result)

    endpoint.__name__ = entry.method
    endpoint.__signature__ = inspect.Signature(_parameters(entry))  # type: ignore[attr-defined]
    return endpoint


def _json_route(
    entry: Endpoint, checks: list[Check], after: list[AfterCheck]
) -> Callable[..., Awaitable[Response]]:
    """The endpoint of an entry whose engine method has a JSON twin: it sends the twin's text.

    The answer around the list is written once, here, by the answer model itself.
    """
    json_method = entry.json_method
    if json_method is None or after or entry.answer is None or entry.answer_field is None:
        raise TypeError(f"{entry.method}: only a list in an answer's field is sent as text")
    if entry.location is not None:
        raise TypeError(f"{entry.method}: an answer sent as text names no Location")
    empty = entry.answer.model_validate({entry.answer_field: []}).model_dump_json()
    head, tail = empty.split(f'"{entry.answer_field}":[]')
    head += f'"{entry.answer_field}":'
    headers = dict(entry.headers) or None

    async def endpoint(
        request: Request, engine: TaskEngine, caller: Caller, **values: Any
    ) -> Response:
        path = {name: values.pop(name) for name in entry.path_params}
        args = entry.arguments(path, values, None)
        for check in checks:
            await check(entry, engine, caller, args)
        text: str = await getattr(engine, json_method)(**entry.assembled(args))
        return Response(
            (head + text + tail).encode(),
            status_code=entry.status,
            headers=headers,
            media_type=JSON_TYPE,
        )

    endpoint.__name__ = entry.method
    endpoint.__signature__ = inspect.Signature(_parameters(entry))  # type: ignore[attr-defined]
    return endpoint


def _parameters(entry: Endpoint) -> list[inspect.Parameter]:
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter(
            name, keyword, annotation=Annotated[entry.path_types.get(name, str), Path()]
        )
        for name in entry.path_params
    ]
    if entry.query is not None:
        params += [
            _query_parameter(name, field) for name, field in entry.query.model_fields.items()
        ]
    if entry.body is not None:
        params.append(inspect.Parameter("body", keyword, annotation=entry.body))
    token = TokenAdminDep if Access.TOKEN_ADMIN in entry.access else _CALLER[entry.scope]
    params.append(inspect.Parameter("request", keyword, annotation=Request))
    params.append(inspect.Parameter("engine", keyword, annotation=EngineDep))
    params.append(inspect.Parameter("caller", keyword, annotation=token))
    return params


def query_dependency(model: type[Q]) -> Callable[..., Awaitable[Q]]:
    """A dependency reading ``model``'s fields from the query string, as table routes do."""

    async def dependency(**values: Any) -> Q:
        return model.model_validate(values)

    params = [_query_parameter(name, field) for name, field in model.model_fields.items()]
    dependency.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return dependency


def _query_parameter(name: str, field: FieldInfo) -> inspect.Parameter:
    """A query parameter as the query model's field declares it."""
    bounds: dict[str, Any] = {}
    for item in field.metadata:
        for kind, keyword in _BOUNDS.items():
            if isinstance(item, kind):
                bounds[keyword] = getattr(item, keyword)
    query = Query(description=field.description, **bounds)
    default = inspect.Parameter.empty if field.is_required() else field.default
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[field.annotation, query],
    )


def _answer(entry: Endpoint, result: Any) -> Response:
    answer = entry.wrap(result)
    if answer is None:
        return Response(status_code=entry.status)
    location = entry.location_of(answer)
    headers = {**entry.headers, **({"Location": location} if location is not None else {})}
    if isinstance(answer, Task):
        return task_response(answer, status=entry.status, headers=headers or None)
    return model_response(answer, status=entry.status, headers=headers or None)
