"""Requests for any /api operation, built from the route table and a project's real things.

``Builder`` fills a route's path parameters with things of one ``Side`` (a fresh task for a
route that changes it, the same one for reads), its required query parameters, and a
minimal valid body from its OpenAPI schema, with reference fields (``project``,
``blocker``, ``refs``, a run's claim token ...) naming that side's things. A parameter or
field it cannot fill raises ``Unfillable`` naming it: the matrix then fails for that route
until ``KIND_BY_NAME``, ``KIND_BY_COLLECTION`` or ``Builder.provide`` learn it.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.domain.orchestrators import Orchestrator, OrchestratorCreate

from .route_table import MISSING, Operation, Param, Unfillable, minimal_value
from .world import SEARCH_WORD, WORKER, RunMade, Side, quick_run, token

KIND_BY_NAME = {
    "ref": "task",
    "task": "task",
    "task_ref": "task",
    "blocker": "blocker",
    "project": "project",
    "milestone": "milestone",
    "run_id": "run",
    "attachment_id": "attachment",
    "worker_id": "worker",
    "job_id": "import_job",
    "quick_run_id": "quick_run",
    "owner_id": "run",
    "project_id": "project",
    "task_id": "task",
    "vp_id": "orchestrator",
    "orchestrator": "orchestrator",
}
"""What a path parameter names, by its name."""

KIND_BY_COLLECTION = {
    "tasks": "task",
    "projects": "project",
    "milestones": "milestone",
    "runs": "run",
    "attachments": "attachment",
    "workers": "worker",
    "import": "import_job",
    "imports": "import_job",
    "jobs": "import_job",
    "quick-runs": "quick_run",
    "tokens": "token",
}
"""What a path parameter with a generic name (``{id}``) names, by the segment before it."""

PROJECT_KINDS = frozenset(
    {"project", "task", "blocker", "milestone", "run", "attachment", "orchestrator"}
)
"""Things that belong to one project: another project's are "not found" to a limited token.

Import jobs name their project too, but may also have none; quick runs, workers and enum
values (a board column) belong to no project.
"""

QUERY_TARGETS = frozenset({"prefix", "project", "ref", "task", "run_id"})
"""Required query parameters whose value names a thing of one project (a run id prefix)."""

NEEDS: dict[tuple[str, str], dict[str, bool]] = {
    ("task", "run"): {"command": True},
    ("task", "retry"): {"cancelled": True},
    ("quick_run", "promote"): {"finished": True},
}
"""What the thing of a ``POST .../{thing}/<action>`` must be, by kind and action, if not new."""

UNOWNED_KINDS = frozenset({"quick_run", "worker", "token"})
"""Things of no project: a route may hide them all from a token limited to some projects."""

OPTIONAL_FIELDS = frozenset({"project", "project_id", "title", "text"})
"""Optional body fields filled anyway: a request must say which project it is about (v1
says it as ``project_id``), and a PRD preview what to plan."""

SEARCH_PARAMS = ("q", "text", "search")
"""Query parameters that search text: the leak checks search for ``SEARCH_WORD``."""


def kind_of(op: Operation, param: Param) -> str:
    """What ``param`` of ``op`` names (``enum`` for a fixed set of values).

    Raises:
        Unfillable: nothing says what it is.
    """
    if param.name in KIND_BY_NAME:
        return KIND_BY_NAME[param.name]
    before = op.path.split("{" + param.name + "}")[0].rstrip("/").rsplit("/", 1)[-1]
    if before in KIND_BY_COLLECTION:
        return KIND_BY_COLLECTION[before]
    if param.schema.get("enum"):
        return "enum"
    raise Unfillable(
        f"{op.key}: path parameter {{{param.name}}} names something the matrix cannot make: "
        "add it to KIND_BY_NAME or KIND_BY_COLLECTION in tests/server/authz_calls.py"
    )


@dataclass
class Call:
    """One request, ready to send."""

    op: Operation
    url: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    values: dict[str, str] = field(default_factory=dict)
    """The path parameters' values, by name."""
    target: str | None = None
    """The first path or required query parameter that names a thing of one project."""

    def echo(self) -> str:
        """Everything the request says: an answer may repeat any of it without leaking."""
        return " ".join([self.url, json.dumps(self.query), json.dumps(self.body)])

    def value(self, name: str) -> str:
        """A path or query parameter's value."""
        return str(self.values[name] if name in self.values else self.query[name])

    def with_value(self, name: str, value: str) -> Call:
        """The same request with one path or query parameter replaced."""
        if name not in self.values:
            query = {**self.query, name: value}
            return Call(self.op, self.url, query, self.body, self.values, self.target)
        values = {**self.values, name: value}
        url = self.op.path
        for key, given in values.items():
            url = url.replace("{" + key + "}", given)
        return Call(self.op, url, dict(self.query), self.body, values, self.target)


class Builder:
    """Makes calls about the things of one side (fresh ones for routes that change them)."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self._stable: dict[str, Any] = {}

    def call(self, op: Operation, *, fresh: bool | None = None, **query: Any) -> Call:
        """A valid request for ``op`` about this side's things (fresh ones if it writes).

        Raises:
            Unfillable: a parameter or body field the matrix cannot make.
        """
        fresh = op.writes if fresh is None else fresh
        made: dict[str, Any] = {}
        values = {p.name: self._path_value(op, p, fresh, made) for p in op.path_params}
        url = op.path
        for name, value in values.items():
            url = url.replace("{" + name + "}", value)
        targets = [p.name for p in op.path_params if kind_of(op, p) in PROJECT_KINDS]
        for param in op.query_params:
            if param.required and param.name not in query:
                query[param.name] = self._filled(op, param.schema, param.name, made)
                targets += [param.name] if param.name in QUERY_TARGETS else []
        body = None
        if op.body is not None:
            body = self._filled(op, op.body, "", made)
        return Call(op, url, query, body, values, next(iter(targets), None))

    def _filled(
        self, op: Operation, schema: dict[str, Any], name: str, made: dict[str, Any]
    ) -> Any:
        try:
            return minimal_value(
                schema, lambda n, s: self.provide(n, s, made), name, optional=OPTIONAL_FIELDS
            )
        except Unfillable as exc:
            raise Unfillable(
                f"{op.key}: {exc}; teach Builder.provide in tests/server/authz_calls.py"
            ) from None

    def _path_value(self, op: Operation, param: Param, fresh: bool, made: dict[str, Any]) -> str:
        kind = kind_of(op, param)
        if kind == "enum":
            return str(param.schema["enum"][0])
        if kind == "blocker":
            return str(made["blocker"].ref)
        if kind == "task" and any(kind_of(op, p) == "blocker" for p in op.path_params):
            waiting, blocker = self._thing("edge", fresh, self.side.edge)
            made["blocker"] = blocker
            return str(waiting.ref)
        action = op.path.rsplit("/", 1)[-1]
        needs = NEEDS.get((kind, action)) if op.path.endswith("}/" + action) else None
        if needs is not None:
            made[kind] = self.side.task(**needs).ref if kind == "task" else None
            made[kind] = made[kind] or quick_run(self.side.db, **needs)
            return str(made[kind])
        value = self._thing(kind, fresh, lambda: self._make(kind))
        if isinstance(value, RunMade):
            made["run"] = value
            return value.run_id
        made[kind] = value
        return str(value)

    def _thing(self, kind: str, fresh: bool, make: Callable[[], Any]) -> Any:
        if fresh:
            return make()
        if kind not in self._stable:
            self._stable[kind] = make()
        return self._stable[kind]

    def _make(self, kind: str) -> Any:
        side = self.side
        makers: dict[str, Callable[[], Any]] = {
            "project": lambda: side.project.slug,
            "task": lambda: side.task().ref,
            "milestone": lambda: side.milestone().id,
            "run": side.run,
            "attachment": side.attachment,
            "worker": lambda: WORKER,
            "import_job": side.import_job,
            "quick_run": lambda: quick_run(side.db),
            "token": lambda: token(side.db),
            "orchestrator": lambda: self._orchestrator(fresh=True).id,
        }
        return makers[kind]()

    def _orchestrator(self, *, fresh: bool = False) -> Orchestrator:
        """An orchestrator of this side (the same one unless ``fresh``), its names marked."""
        if fresh or "vp" not in self._stable:
            side = self.side
            request = OrchestratorCreate(
                project=side.project.id, name=f"{side.word}-{uuid.uuid4().hex[:6]}"
            )
            made = side.db.run(side.db.engine.create_orchestrator(request))
            side.mark(made.id, made.name)
            if fresh:
                return made
            self._stable["vp"] = made
        vp: Orchestrator = self._stable["vp"]
        return vp

    def provide(self, name: str, schema: dict[str, Any], made: dict[str, Any]) -> Any:
        """A body field's or query parameter's value, by its name; ``MISSING`` if unknown."""
        side = self.side
        run = made.get("run")
        simple: dict[str, Any] = {
            "to": "ready",
            "step": "shell",
            "host": "localhost",
            "assignee": "ann",
            "reason": "matrix",
            "prompt": "echo matrix",
            "text": f"# {side.word}\n\n## {SEARCH_WORD} {side.word}\n\nBuild it.\n",
            "worker_id": WORKER,
            "worker": WORKER,
            "content_base64": base64.b64encode(b"matrix").decode(),
        }
        if name in simple:
            return simple[name]
        if name == "project":
            return side.project.slug
        if name in {"project_id", "workspaceId"}:
            return side.project.id
        if name in {"vpId", "assigneeId"}:
            return self._orchestrator().id
        if name == "taskIds":
            return [side.task().id]
        if name == "title":
            return f"{SEARCH_WORD} {side.word} made"
        if name in {"name", "slug"}:
            return f"{side.word}-{uuid.uuid4().hex[:8]}"
        if name == "id":  # a worker's: workers belong to no project
            return f"w-{uuid.uuid4().hex[:12]}"
        if name in {"blocker", "ref", "task", "parent"}:
            return side.task().ref
        if name in {"refs", "blocked_by"}:
            return [side.task(command=True).ref]
        if name in {"token", "claim_token", "run_id", "prefix"}:
            run = run or side.run()
            made["run"] = run
            return run.claim_token if name in {"token", "claim_token"} else run.run_id
        return MISSING


@dataclass(frozen=True)
class Answer:
    """What a request got: status, headers and the body as text (a stream: what came)."""

    status: int
    headers: httpx.Headers
    text: str

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.text)

    def frames(self) -> list[Any]:
        """A stream's events (``data:`` lines as JSON), heartbeats left out."""
        return [
            json.loads(line[5:].strip())
            for line in self.text.splitlines()
            if line.startswith("data:") and line[5:].strip().startswith(("{", "["))
        ]


STREAM_IDLE = 0.4
"""Seconds without a byte after which a stream's answer is taken as complete."""


def send(client: httpx.Client, call: Call) -> Answer:
    """Send ``call``; a stream is read until it stays quiet for ``STREAM_IDLE`` seconds."""
    kwargs: dict[str, Any] = {"params": call.query}
    if call.body is not None:
        kwargs["json"] = call.body
    if not call.op.streams:
        response = client.request(call.op.method, call.url, **kwargs)
        return Answer(response.status_code, response.headers, response.text)
    timeout = httpx.Timeout(30.0, read=STREAM_IDLE)
    chunks: list[bytes] = []
    with client.stream(call.op.method, call.url, timeout=timeout, **kwargs) as response:
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
        except httpx.ReadTimeout:
            pass
    return Answer(response.status_code, response.headers, b"".join(chunks).decode())


def leaks(answer: Answer, call: Call, markers: set[str]) -> list[str]:
    """The markers in ``answer`` that the request itself did not say."""
    said = call.echo()
    text = answer.text + " ".join(f"{k}: {v}" for k, v in answer.headers.items())
    return sorted(m for m in markers if m in text and m not in said)


def absent_like(value: str) -> str:
    """A value of the same form as ``value`` that names nothing."""
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value):
        return value[:-1] + ("0" if value[-1] != "0" else "1")
    if value[-1:].isdigit():
        return value + "9999"
    return value + "-absent"
