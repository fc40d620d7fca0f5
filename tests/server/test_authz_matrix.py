"""The authorization matrix: every /api route × every kind of token, generated from the app.

The routes come from ``create_app(...)``'s own table (``route_table``), so a route added by
any module is in the matrix at once; the requests are built from its OpenAPI schema with
real things of a seeded database (``authz_calls``). A route the matrix cannot make a valid
request for fails ``test_the_matrix_can_exercise_every_route``, naming what to teach it.

Two projects: "mine", which the limited token may see, and "theirs", which it may not.
Both hold tasks in several states, an edge, a milestone, runs with steps and output,
attachments and an import job. Whatever the route, a limited token gets nothing of theirs:
a thing of theirs named in the path is "not found", word for word as a thing that never
existed; no answer mentions any of their ids, refs, names or titles; its requests change
nothing of theirs; and adding more to their project changes nothing it sees (counts and
totals included). One server per database; every token is made before it starts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.domain.access import TokenCreate, TokenScope
from tests.fixtures.servers import ServerProcess

from .authz_calls import (
    SEARCH_PARAMS,
    UNOWNED_KINDS,
    Answer,
    Builder,
    Call,
    absent_like,
    kind_of,
    leaks,
    send,
)
from .conftest import Served, database_url
from .route_table import Unfillable, api_operations
from .world import DATABASES, SEARCH_WORD, EngineThread, Side, snapshot_side

# Every route against every kind of token on both databases: left to `make slow`.
pytestmark = pytest.mark.slow

OPERATIONS = api_operations()

BAD_TOKENS = [
    (None, "needs an API token"),
    ("not-a-taskyard-token", "must be `Bearer ty_"),
    ("ty_" + "A" * 43, "not valid"),
    ("revoked", "was revoked"),
    ("expired", "was expired"),
]
"""Tokens refused with 401 (the token, or the name of one made so), and what the message says."""

READS_THAT_POST: dict[str, str] = {
    "POST /api/tasks/poll": "task-management-api.md polls with a POST body; it only reads",
}
"""Routes that take a method other than GET but need only a read token, with the reason."""

VOLATILE = frozenset(
    {
        "last_event_seq", "next_since", "last_heartbeat_at", "last_used_at", "at", "waiting",
        "cursor", "polledAt",
    }
)  # fmt: skip
"""Fields that move when anything anywhere happens, or with time: positions in the event log
(``cursor``: where a poll of task changes stands) and clocks (``at``, ``polledAt``: when an
answer was read; ``waiting``: a queued task's "retry backoff until 11:28:29" turns into
"waiting for a free worker slot" as the clock passes it). They say that something happened,
never what, in which project, or how much of it."""


@dataclass
class Matrix:
    """The server, its database's two projects, and request builders for each."""

    served: Served
    db: EngineThread
    mine: Side
    theirs: Side
    ours: Builder
    their: Builder


@pytest.fixture(scope="module", params=DATABASES)
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    """Two seeded projects, every token, then the server."""
    folder = tmp_path_factory.mktemp("matrix")
    db_url = database_url(request, folder)
    db = EngineThread(db_url)
    mine, theirs = Side.create(db, "mine", "MINE"), Side.create(db, "theirs", "THRS")
    db.worker()
    for side in (mine, theirs):
        side.grow()
    requests = [
        TokenCreate(name="admin", scope=TokenScope.ADMIN),
        TokenCreate(name="writer", scope=TokenScope.WRITE),
        TokenCreate(name="reader", scope=TokenScope.READ),
        TokenCreate(name="limited", scope=TokenScope.ADMIN, projects=[mine.project.slug]),
        TokenCreate(name="revoked", scope=TokenScope.ADMIN),
        TokenCreate(
            name="expired",
            scope=TokenScope.ADMIN,
            expires_at=datetime.now(UTC) + timedelta(milliseconds=1),
        ),
    ]
    tokens = {r.name: db.run(db.engine.create_token(r)).secret for r in requests}
    db.run(db.engine.revoke_token("revoked"))
    # The matrix's worker registers once and never beats: with the default lease (15 s) the
    # server would call it lost 30 s later, and a read taken either side of that moment
    # would differ for a reason that has nothing to do with who asks.
    config = folder / "taskyard.toml"
    config.write_text("[orchestrator]\nlease_seconds = 3600\nheartbeat_seconds = 60\n")
    server = ServerProcess(db_url, folder, config=config)
    served = Served(server=server, db_url=db_url, tokens=tokens)
    try:
        yield Matrix(served, db, mine, theirs, Builder(mine), Builder(theirs))
    finally:
        code = server.stop()
        db.close()
    assert code == 0, server.log_text()
    assert "Traceback" not in server.log_text(), server.log_text()


class Report:
    """Every failure of a test, said together at its end (one run shows them all)."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, call: Call, what: str, answer: Answer | None = None) -> None:
        """Record ``what`` for ``call`` unless ``ok``."""
        if not ok:
            said = "" if answer is None else f" -> {answer.status} {answer.text[:300]}"
            self.failures.append(f"{call.op.key} ({call.url}): {what}{said}")

    def error_body(self, call: Call, answer: Answer, status: int, code: str) -> dict[str, Any]:
        """Check ``answer`` is the error body with ``status`` and ``code``; its ``error``."""
        error: dict[str, Any] = {}
        try:
            error, shaped = as_v2_error(call, answer.json())
        except (ValueError, KeyError, TypeError, IndexError):
            shaped = False
        self.check(answer.status == status, call, f"expected {status}", answer)
        self.check(shaped, call, "not the error body", answer)
        self.check(error.get("code") == code, call, f"expected code {code}", answer)
        return error

    def done(self) -> None:
        """Fail with every recorded failure."""
        assert not self.failures, f"{len(self.failures)} failures:\n" + "\n".join(self.failures)


LEGACY_NOT_FOUND = frozenset(
    {"NOT_FOUND", "VP_NOT_FOUND", "WORKSPACE_NOT_FOUND", "ASSIGNEE_NOT_FOUND"}
)


def as_v2_error(call: Call, body: Any) -> tuple[dict[str, Any], bool]:
    """An error answer in v2's terms (``code``, ``message``, ``details``), and whether it has
    its API's shape: v2's, /v1's ``{ok, status, detail[]}`` or /api/tasks' ``{error, code,
    details}`` (docs/api-compat.md)."""
    if call.op.path.startswith("/v1/"):
        item = body["detail"][0]
        shaped = set(body) == {"ok", "status", "detail"} and body["ok"] is False
        details = item.get("ctx") or {}
        return {"code": item["type"], "message": item["msg"], "details": details}, shaped
    if not call.op.path.startswith("/api/v2/"):
        code = body["code"]
        shaped = set(body) == {"error", "code", "details"}
        code = "not_found" if code in LEGACY_NOT_FOUND else code.lower()
        return {"code": code, "message": body["error"], "details": body["details"]}, shaped
    error = body["error"]
    return error, set(body) == {"error"} and set(error) == {"code", "message", "hint", "details"}


def each_call(builder: Builder, report: list[str]) -> Iterator[Call]:
    """A call for every operation; one the matrix cannot make is reported, not skipped."""
    for op in OPERATIONS:
        try:
            yield builder.call(op)
        except Unfillable as exc:
            report.append(str(exc))


def test_the_matrix_can_exercise_every_route(matrix: Matrix) -> None:
    """Each route gets a request it accepts (2xx for an admin): the matrix covers it for real.

    A new route whose parameters or body the matrix cannot make fails here, saying what to
    add, instead of passing every other test by being refused for a bad request.
    """
    report = Report()
    assert len(OPERATIONS) >= 18, [op.key for op in OPERATIONS]
    with matrix.served.client("admin") as admin:
        for call in each_call(matrix.ours, report.failures):
            answer = send(admin, call)
            report.check(200 <= answer.status < 300, call, "an admin's valid request", answer)
    report.done()


@pytest.mark.parametrize(("token", "reason"), BAD_TOKENS, ids=lambda v: str(v)[:12])
def test_every_route_refuses_a_missing_or_invalid_token(
    matrix: Matrix, token: str | None, reason: str
) -> None:
    """Missing, malformed, unknown, revoked, expired: 401 with the error body, nothing else."""
    report = Report()
    markers = matrix.mine.markers | matrix.theirs.markers
    with matrix.served.client(token) as api:
        for call in each_call(matrix.ours, report.failures):
            answer = send(api, call)
            error = report.error_body(call, answer, 401, "unauthorized")
            report.check(reason in str(error.get("message")), call, f"says {reason!r}", answer)
            challenge = answer.headers.get("WWW-Authenticate", "")
            report.check(challenge.startswith("Bearer"), call, "WWW-Authenticate", answer)
            report.check(not leaks(answer, call, markers), call, "leaks", answer)
    report.done()


def test_a_token_below_a_routes_scope_is_forbidden(matrix: Matrix) -> None:
    """Read tokens cannot change anything, write tokens cannot do an admin's part: 403.

    The scope a route needs is the one its dependencies demand (``WriterDep``); a route
    may demand more in its body (admin for approvals), and its 403 then says which.
    """
    report = Report()
    for op in OPERATIONS:
        if op.writes and op.scope is TokenScope.READ and op.key not in READS_THAT_POST:
            report.failures.append(f"{op.key} changes things but needs only a read token")
    for token, scope in (("reader", TokenScope.READ), ("writer", TokenScope.WRITE)):
        with matrix.served.client(token) as api:
            for call in each_call(matrix.ours, report.failures):
                answer = send(api, call)
                if scope.allows(call.op.scope) and answer.status < 300:
                    continue
                error = report.error_body(call, answer, 403, "forbidden")
                needed = str(error.get("details", {}).get("needed"))
                higher = needed in set(TokenScope) and not scope.allows(TokenScope(needed))
                if not scope.allows(call.op.scope):
                    higher = higher and needed == call.op.scope.value
                report.check(higher, call, f"refused {token} for its scope", answer)
                wanted = {"scope": scope.value, "needed": needed}
                report.check(error.get("details") == wanted, call, f"details {wanted}", answer)
    report.done()


def test_another_projects_things_are_not_found(matrix: Matrix) -> None:
    """A path (or a run id prefix) naming a thing of theirs: 404, word for word as for a thing
    that never existed (or a read's empty 200, if that is what a missing thing gets).

    Their project is unchanged afterwards, whatever each request tried (the requests are
    valid: a thing of ours in the same place would be changed).
    """
    report = Report()
    calls = [c for c in each_call(matrix.their, report.failures) if c.target is not None]
    before = snapshot_side(matrix.db, matrix.theirs)
    with matrix.served.client("limited") as api:
        for call in calls:
            answer = send(api, call)
            if answer.status != 200 or call.op.writes:  # a read may answer "nothing" as 200
                error = report.error_body(call, answer, 404, "not_found")
                hints = error.get("details", {}).get("suggestions")
                report.check(hints in (None, []), call, "near matches", answer)
            report.check(not leaks(answer, call, matrix.theirs.markers), call, "leaks", answer)
            assert call.target is not None
            real = call.value(call.target)
            nothing = call.with_value(call.target, absent_like(real))
            other = send(api, nothing)
            same = (other.status, other.text.replace(nothing.value(call.target), real)) == (
                answer.status,
                answer.text,
            )
            report.check(same, call, f"answers unlike a missing one ({other.text})", answer)
    report.check(snapshot_side(matrix.db, matrix.theirs) == before, calls[0], "changed theirs")
    report.done()


def test_a_limited_token_works_in_its_project_and_sees_nothing_else(matrix: Matrix) -> None:
    """In its own project every route answers (or refuses a limited token, 403, or hides a
    thing of no project, 404); no answer names a thing of theirs, and requests whose body
    names theirs change nothing there."""
    report = Report()
    ours = list(each_call(matrix.ours, report.failures))
    aimed = [c for c in each_call(matrix.their, report.failures) if c.target is None]
    before = snapshot_side(matrix.db, matrix.theirs)
    with matrix.served.client("limited") as api:
        for call in ours:
            answer = send(api, call)
            unowned = any(kind_of(call.op, p) in UNOWNED_KINDS for p in call.op.path_params)
            if answer.status == 403:
                error = report.error_body(call, answer, 403, "forbidden")
                refused = "limited to" in str(error.get("message"))
                report.check(refused, call, "refused for another reason than its limit", answer)
            elif answer.status == 404 and unowned:
                report.error_body(call, answer, 404, "not_found")
            else:
                report.check(200 <= answer.status < 300, call, "works in its project", answer)
            report.check(not leaks(answer, call, matrix.theirs.markers), call, "leaks", answer)
        for call in aimed:
            answer = send(api, call)
            report.check(answer.status in {200, 201, 403, 404}, call, "an answer", answer)
            report.check(not leaks(answer, call, matrix.theirs.markers), call, "leaks", answer)
    after = snapshot_side(matrix.db, matrix.theirs)
    report.check(after == before, aimed[0], f"changed theirs: {before} -> {after}")
    report.done()


def reads(builder: Builder, report: list[str]) -> Iterator[Call]:
    """Every GET about our things, once plain and once searching and counting if it can."""
    for op in OPERATIONS:
        if op.writes:
            continue
        names = {p.name for p in op.query_params}
        extra: dict[str, Any] = {n: True for n in ("total", "include_completed") if n in names}
        extra.update({n: 0 for n in ("since",) if n in names})
        try:
            yield builder.call(op, **extra)
            for search in (n for n in SEARCH_PARAMS if n in names):
                yield builder.call(op, **{**extra, search: SEARCH_WORD})
        except Unfillable as exc:
            report.append(str(exc))


def seen(answer: Answer) -> Any:
    """An answer as compared across time: its status and body, less the volatile fields."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in VOLATILE}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    try:
        body = (
            answer.frames()
            if "text/event-stream" in answer.headers.get("content-type", "")
            else answer.json()
        )
    except ValueError:
        body = answer.text
    return answer.status, strip(body)


def test_growing_another_project_changes_nothing_a_limited_token_sees(matrix: Matrix) -> None:
    """Every read (lists, searches, counts, board, queue, events, runs, logs, files) answers
    exactly the same before and after their project gets more of everything."""
    report = Report()
    calls = list(reads(matrix.ours, report.failures))
    with matrix.served.client("limited") as api:
        before = [seen(send(api, call)) for call in calls]
        matrix.theirs.grow()
        after = [seen(send(api, call)) for call in calls]
    for call, old, new in zip(calls, before, after, strict=True):
        report.check(old == new, call, f"changed: {_diff(old, new)}")
    report.done()


def _diff(old: Any, new: Any) -> str:
    """Where two answers first differ, with some context either side."""
    a = json.dumps(old, sort_keys=True, default=str)
    b = json.dumps(new, sort_keys=True, default=str)
    start = next((i for i, pair in enumerate(zip(a, b, strict=False)) if len(set(pair)) > 1), 0)
    where = slice(max(0, start - 80), start + 120)
    return f"...{a[where]} -> ...{b[where]}"


def test_searches_totals_and_counts_leave_other_projects_out(matrix: Matrix) -> None:
    """A limited token's search, total, board counts and queue are an admin's for its project."""
    mine = matrix.mine.project.slug
    wanted: dict[str, str | int] = {
        "q": SEARCH_WORD,
        "total": "true",
        "include_completed": "true",
        "limit": 200,
    }
    with matrix.served.client("limited") as limited, matrix.served.client("admin") as admin:
        found = limited.get("/api/v2/tasks", params=wanted).json()
        own = admin.get("/api/v2/tasks", params={**wanted, "project": mine}).json()
        everyone = admin.get("/api/v2/tasks", params=wanted).json()
        board = limited.get("/api/v2/tasks/board", params={"q": SEARCH_WORD}).json()
        own_board = admin.get("/api/v2/tasks/board", params={"q": SEARCH_WORD, "project": mine})
        ready = limited.get("/api/v2/tasks/ready").json()
        own_ready = admin.get("/api/v2/tasks/ready", params={"project": mine}).json()
    assert found["total"] == own["total"] > 0
    assert len(found["items"]) == min(found["total"], 200)  # one page of a long list
    assert everyone["total"] > found["total"]
    assert [t["id"] for t in found["items"]] == [t["id"] for t in own["items"]]
    assert {t["project_id"] for t in found["items"]} == {matrix.mine.project.id}
    counts = {c["status"]: c["count"] for c in board["columns"]}
    assert counts == {c["status"]: c["count"] for c in own_board.json()["columns"]}
    assert sum(counts.values()) > 0
    assert ready["items"] == own_ready["items"] != []
