"""The v2 HTTP API as one table: each ``TaskEngine`` method the generic routes serve.

A client makes a call from an entry (``ENDPOINTS_BY_METHOD[name]``)::

    entry = ENDPOINTS_BY_METHOD["claim_tasks"]
    call = entry.call({"worker_id": "w1", "limit": 2})   # the engine's arguments by name
    answer = http.request(call.method, base_url + call.url, params=call.params, json=call.json)
    claims = entry.result(answer.json())                 # list[Claim], as the engine returns

``call`` fills the path template, puts the query model's fields in the query string and the
body model's fields (or the ``body_arg`` model itself) in the JSON body, each from the
engine argument of the same name unless ``renamed`` says otherwise. ``result`` validates
the answer with ``answer`` and returns its ``answer_field`` (``Items[Run]`` gives the
list) or the model itself. An error answer is ``{"error": {code, message, hint,
details}}`` with one of ``errors`` (or 400, 401, 403, 422, 429, 503 on any route); its
``code`` names the ``TaskyardError`` class to raise again.

The server (``core.server.routes.table``) builds one route per entry, in this order (it
matters: ``/tasks/ready`` before ``/tasks/{ref}``): the signature from the path, the query
model's fields and the body model for OpenAPI, the scope's dependency, the ``access``
checks, the engine call with ``arguments(...)``, and the answer ``wrap``-ped with its
status, ``Location`` and, for a ``Task``, its ``ETag``.

The methods this table leaves out are in ``core.api.outside``: ``HAND_WRITTEN`` (served by a
route written out, with the reason) or ``NOT_SERVED`` (not an HTTP call at all, with the
reason); a test keeps the three covering the whole Protocol.

The module is long because it is the API's one description: an entry per method, each with
its words for OpenAPI. Split, the entries would be harder to find and compare.
"""

from __future__ import annotations

from core.api.board_schemas import BoardColumnParams, BoardParams
from core.api.endpoint import Access, Endpoint
from core.api.quick_run_schemas import Appended, FinishBody, LogBody, QuickRunList
from core.api.run_schemas import (
    AdoptBody,
    ApproveBody,
    CancelBody,
    ClaimBody,
    ExpiredTasks,
    HeartbeatBody,
    LeaseSweep,
    LogAppend,
    LogSeq,
    LostOutput,
    OverviewQuery,
    Renewed,
    RunBlock,
    RunFinish,
    RunInterrupt,
    RunsFinish,
    StepFinish,
    StepStart,
    WorkerRegistration,
)
from core.api.schemas import Deleted, DependencyBody, Items, MilestoneSearch, ReadyQuery
from core.domain.access import ApiToken, IssuedToken, TokenCreate, TokenScope
from core.domain.commands import MilestonePatch, ProjectCreate, ProjectPatch
from core.domain.models import Milestone, Project, Task, TaskCard, TaskStatus
from core.domain.runs import (
    Claim,
    ExecutionOverview,
    QuickRun,
    QuickRunCreate,
    Run,
    RunStep,
    Worker,
)
from core.domain.views import BoardColumn, BoardView

READ, WRITE, ADMIN = TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN

FENCED_409 = (
    "lease_lost: the claim token no longer holds the run's task (lease expired, run "
    "cancelled or finished, task moved by hand); nothing was written, stop working on it. "
    "invalid_transition: no such step is running."
)
"""What a 409 means for a worker's write to a claimed run."""


PROJECTS = (
    Endpoint(
        "create_project",
        "POST",
        "/projects",
        "Create a project",
        "projects",
        """A new project; its slug and key come from the name unless given.

        A token limited to some projects cannot create one (403).
        """,
        scope=WRITE,
        access=(Access.EVERY_PROJECT,),
        body=ProjectCreate,
        body_arg="request",
        answer=Project,
        status=201,
        errors=(409, 422),
        location="/projects/{slug}",
    ),
    Endpoint(
        "list_projects",
        "GET",
        "/projects",
        "List projects",
        "projects",
        "Every project the token may see, by slug.",
        access=(Access.VISIBLE_ITEMS,),
        answer=Items[Project],
        answer_field="items",
    ),
    Endpoint(
        "get_project",
        "GET",
        "/projects/{project}",
        "Read a project by id, slug or key",
        "projects",
        "One project (case-insensitive slug or key, or its id).",
        access=(Access.PROJECT,),
        renamed={"project": "ref"},
        answer=Project,
        errors=(404,),
    ),
    Endpoint(
        "update_project",
        "PATCH",
        "/projects/{project}",
        "Rename a project or change its description",
        "projects",
        """The fields given (not ``null``) change; the slug and key stay, so refs and URLs
        keep working. Writes ``project.updated`` when something changed.
        """,
        scope=WRITE,
        access=(Access.PROJECT,),
        renamed={"project": "ref"},
        body=ProjectPatch,
        body_arg="patch",
        answer=Project,
        errors=(404,),
    ),
    Endpoint(
        "list_milestones",
        "GET",
        "/projects/{project}/milestones",
        "List a project's milestones",
        "milestones",
        "The project's milestones by due date.",
        access=(Access.PROJECT,),
        answer=Items[Milestone],
        answer_field="items",
        errors=(404,),
    ),
    Endpoint(
        "update_milestone",
        "PATCH",
        "/projects/{project}/milestones/{milestone:path}",
        "Rename a milestone",
        "milestones",
        """The milestone is named by id, slug or name; its slug stays. A name another
        milestone of the project has is refused (409). Writes ``milestone.updated`` when
        something changed.
        """,
        scope=WRITE,
        access=(Access.PROJECT,),
        body=MilestonePatch,
        body_arg="patch",
        answer=Milestone,
        errors=(404, 409),
    ),
    Endpoint(
        "find_milestones",
        "GET",
        "/projects/{project}/milestones/search",
        "Find a project's milestones by slug or name",
        "milestones",
        "Milestones whose slug or name matches, case-insensitively; an empty list for none.",
        access=(Access.PROJECT,),
        query=MilestoneSearch,
        answer=Items[Milestone],
        answer_field="items",
        errors=(404,),
    ),
)

TASKS = (
    Endpoint(
        "board",
        "GET",
        "/tasks/board",
        "The board: counts and the first cards of each column",
        "board",
        """Per-state counts and up to ``per_column`` cards of each column, in scheduler order.

        ``last_event_seq`` is where to follow the event log from to keep the board current.
        """,
        access=(Access.PROJECT, Access.IN_PROJECTS),
        query=BoardParams,
        answer=BoardView,
        errors=(404, 422),
    ),
    Endpoint(
        "board_column",
        "GET",
        "/tasks/board/{column}",
        "A window of one board column",
        "board",
        "The column's count and ``limit`` cards from ``offset`` (a deep offset costs no more).",
        access=(Access.PROJECT, Access.IN_PROJECTS),
        query=BoardColumnParams,
        path_types={"column": TaskStatus},
        renamed={"column": "status"},
        answer=BoardColumn,
        errors=(404, 422),
    ),
    Endpoint(
        "ready_tasks",
        "GET",
        "/tasks/ready",
        "The ready queue, in the order workers claim it",
        "board",
        "Ready tasks by priority, then age: what a worker claims next comes first.",
        access=(Access.PROJECT, Access.IN_PROJECTS),
        query=ReadyQuery,
        answer=Items[TaskCard],
        answer_field="items",
        json_method="ready_tasks_json",
        errors=(404, 422),
    ),
    Endpoint(
        "approve_commands",
        "POST",
        "/tasks/approve",
        "Approve tasks' commands (admin)",
        "runs",
        """Approve the current command text of each task, all or none, so workers may run it.

        ``expected_hashes`` (by ref as given) refuses (409) a task whose command changed since
        the approver read it, as ``taskyard approve REF --expect HASH``. Needs an admin token;
        the approval names the token.
        """,
        scope=ADMIN,
        access=(Access.ADMIN, Access.TASKS),
        body=ApproveBody,
        answer=Items[Task],
        answer_field="items",
        errors=(404, 409, 422),
    ),
    Endpoint(
        "runs_of",
        "GET",
        "/tasks/{ref}/runs",
        "A task's runs",
        "runs",
        "Every run of the task, oldest first.",
        access=(Access.TASK,),
        answer=Items[Run],
        answer_field="items",
        errors=(404,),
    ),
    Endpoint(
        "retry",
        "POST",
        "/tasks/{ref}/retry",
        "Retry a failed or cancelled task",
        "runs",
        "Put a task blocked by a failure, or cancelled, back in ready (one more attempt).",
        scope=WRITE,
        access=(Access.TASK,),
        answer=Task,
        errors=(404, 409),
    ),
    Endpoint(
        "cancel",
        "POST",
        "/tasks/{ref}/cancel",
        "Cancel a task (and its running run)",
        "runs",
        """Cancel the task; its active run ends ``cancelled`` with the reason, its worker stops.

        Cancelling a cancelled task is a 409 saying so; a retry of the same request with the
        same ``Idempotency-Key`` gets the first answer instead.
        """,
        scope=WRITE,
        access=(Access.TASK,),
        body=CancelBody,
        answer=Task,
        errors=(404, 409, 422),
    ),
    Endpoint(
        "add_dependency",
        "POST",
        "/tasks/{ref}/dependencies",
        "Make a task wait for another",
        "tasks",
        "``ref`` waits for ``blocker`` (same project; a cycle is refused with its path).",
        scope=WRITE,
        access=(Access.TASK, Access.BLOCKER),
        body=DependencyBody,
        answer=Task,
        errors=(404, 409, 422),
    ),
    Endpoint(
        "remove_dependency",
        "DELETE",
        "/tasks/{ref}/dependencies/{blocker}",
        "Stop a task waiting for another",
        "tasks",
        "Remove the edge; a task parked for its blockers becomes ready when this was the last.",
        scope=WRITE,
        access=(Access.TASK, Access.BLOCKER),
        answer=Task,
        errors=(404,),
    ),
    Endpoint(
        "delete_task",
        "DELETE",
        "/tasks/{ref}",
        "Delete a task",
        "tasks",
        "Delete the task (not while it runs); its dependents stop waiting for it.",
        scope=WRITE,
        access=(Access.TASK,),
        answer=Deleted,
        answer_field="ref",
        errors=(404, 409),
    ),
)

QUICK_RUNS = (
    Endpoint(
        "list_quick_runs",
        "GET",
        "/quick-runs",
        "List recent quick runs",
        "quick runs",
        "Newest first; a token limited to projects lists only its own.",
        access=(Access.OWN_ITEMS,),
        query=QuickRunList,
        answer=Items[QuickRun],
        answer_field="items",
    ),
    Endpoint(
        "create_quick_run",
        "POST",
        "/quick-runs",
        "Record a quick action about to run",
        "quick runs",
        "A new quick run, ``running``, made by the token (event ``quick_run.started``).",
        scope=WRITE,
        body=QuickRunCreate,
        body_arg="request",
        answer=QuickRun,
        status=201,
        errors=(413,),
        location="/quick-runs/{id}",
    ),
    Endpoint(
        "get_quick_run",
        "GET",
        "/quick-runs/{quick_run_id}",
        "Read a quick run",
        "quick runs",
        "The quick run: prompt, profile, status, exit code, summary, promoted task.",
        access=(Access.QUICK_RUN,),
        answer=QuickRun,
        errors=(404,),
    ),
    Endpoint(
        "append_quick_log",
        "POST",
        "/quick-runs/{quick_run_id}/log",
        "Append output to a running quick run",
        "quick runs",
        "The chunk's ``seq``; 409 once the quick run has finished.",
        scope=WRITE,
        access=(Access.QUICK_RUN,),
        body=LogBody,
        answer=Appended,
        answer_field="seq",
        errors=(404, 409, 413),
    ),
    Endpoint(
        "finish_quick_run",
        "POST",
        "/quick-runs/{quick_run_id}/finish",
        "Record how a quick run ended",
        "quick runs",
        "Succeeded, failed or cancelled (``success: null``); 409 if it had already ended.",
        scope=WRITE,
        access=(Access.QUICK_RUN,),
        body=FinishBody,
        answer=QuickRun,
        errors=(404, 409),
    ),
)

WORKERS = (
    Endpoint(
        "register_worker",
        "POST",
        "/workers",
        "Register a worker process",
        "workers",
        "Record the worker (again after a restart: same id, a fresh start time).",
        scope=WRITE,
        body=WorkerRegistration,
        renamed={"id": "worker_id"},
        answer=Worker,
        errors=(422,),
    ),
    Endpoint(
        "list_workers",
        "GET",
        "/workers",
        "List workers",
        "workers",
        """Every registered worker; one silent for two of its own lease periods is ``lost``.

        A worker's lease is the ``lease_seconds`` it registered or last heartbeat with (the
        server's lease for one that named none).

        Workers are shared by every project (they claim from all the projects their tokens
        see), so every token sees them.
        """,
        answer=Items[Worker],
        answer_field="items",
    ),
    Endpoint(
        "heartbeat",
        "POST",
        "/workers/{worker_id:path}/heartbeat",
        "Renew a worker's leases",
        "workers",
        """Renew the leases named (run id to claim token); the answer lists those renewed.

        A run missing from ``renewed`` was lost (expired, cancelled, moved by hand): stop its
        work, nothing more it writes will be accepted. ``leases: null`` renews every run of the
        worker; a token limited to some projects must name its leases.
        """,
        scope=WRITE,
        access=(Access.NAMED_LEASES,),
        body=HeartbeatBody,
        answer=Renewed,
        answer_field="renewed",
        errors=(404, 422),
    ),
    Endpoint(
        "stop_worker",
        "POST",
        "/workers/{worker_id:path}/stop",
        "Say a worker's goodbye",
        "workers",
        "Mark the worker stopped (the monitor shows it stopped, not lost); runs are left alone.",
        scope=WRITE,
        answer=Worker,
        errors=(404,),
    ),
    Endpoint(
        "claim_tasks",
        "POST",
        "/workers/{worker_id:path}/claims",
        "Claim ready tasks",
        "workers",
        """Atomically claim up to ``limit`` ready tasks in scheduler order (maybe none).

        Each claim opens a run with its own claim token and lease: keep the token, every write
        to the run must carry it. Two workers never get the same task. A token limited to some
        projects claims only their tasks.
        """,
        scope=WRITE,
        access=(Access.PROJECT, Access.IN_PROJECTS),
        body=ClaimBody,
        answer=Items[Claim],
        answer_field="items",
        errors=(404, 422),
    ),
    Endpoint(
        "adopt_forced_runs",
        "POST",
        "/workers/{worker_id:path}/adoptions",
        "Take over queued Run Now runs",
        "workers",
        """Adopt queued Run Now runs, oldest first, each with a fresh claim token and lease.

        Workers ask before claiming; ``run_id`` adopts that run only. A token limited to some
        projects adopts only their runs.
        """,
        scope=WRITE,
        access=(Access.IN_PROJECTS,),
        body=AdoptBody,
        answer=Items[Claim],
        answer_field="items",
        errors=(404, 422),  # a worker id no route can hold (a newline) matches no route
    ),
)

RUNS = (
    Endpoint(
        "get_run",
        "GET",
        "/runs/{run_id}",
        "Read a run",
        "runs",
        "One run: its state, worker, step, lease and how it ended.",
        access=(Access.RUN,),
        answer=Run,
        errors=(404,),
    ),
    Endpoint(
        "run_steps",
        "GET",
        "/runs/{run_id}/steps",
        "A run's steps",
        "runs",
        "The run's steps in pipeline order (a step left running by an ended run reads as ended).",
        access=(Access.RUN,),
        answer=Items[RunStep],
        answer_field="items",
        errors=(404,),
    ),
    Endpoint(
        "start_step",
        "POST",
        "/runs/{run_id}/steps",
        "Start a step of a claimed run",
        "runs",
        "The run begins ``step`` (event ``task.step_started``).",
        scope=WRITE,
        access=(Access.RUN,),
        body=StepStart,
        answer=Run,
        errors=(404, 409, 422),
        error_notes={409: FENCED_409},
    ),
    Endpoint(
        "finish_step",
        "POST",
        "/runs/{run_id}/steps/finish",
        "Finish the running step",
        "runs",
        "How the running step ``step`` ended (event ``task.step_completed``); the run goes on.",
        scope=WRITE,
        access=(Access.RUN,),
        body=StepFinish,
        answer=Run,
        errors=(404, 409, 422),
        error_notes={409: FENCED_409},
    ),
    Endpoint(
        "append_log",
        "POST",
        "/runs/{run_id}/log",
        "Append output to a run's log",
        "runs",
        """Add a chunk of output; the answer is its number in the log (per run, from 1).

        Send an ``Idempotency-Key`` with each chunk: a retry after a timeout then cannot write
        the same output twice.
        """,
        scope=WRITE,
        access=(Access.RUN,),
        body=LogAppend,
        answer=LogSeq,
        answer_field="seq",
        errors=(404, 409, 422),
        error_notes={409: FENCED_409},
    ),
    Endpoint(
        "record_lost_output",
        "POST",
        "/runs/{run_id}/lost-output",
        "Record output that could not be stored",
        "runs",
        "Mark in the log where ``lost_bytes`` of output are missing, and why; the marker's number.",
        scope=WRITE,
        access=(Access.RUN,),
        body=LostOutput,
        answer=LogSeq,
        answer_field="seq",
        errors=(404, 409, 422),
        error_notes={409: FENCED_409},
    ),
    Endpoint(
        "block_run",
        "POST",
        "/runs/{run_id}/block",
        "End a run and block its task",
        "runs",
        "End the run failed without a retry (the task cannot run as configured); task blocked.",
        scope=WRITE,
        access=(Access.RUN,),
        body=RunBlock,
        answer=Run,
        errors=(404, 409, 422),
        error_notes={409: FENCED_409},
    ),
    Endpoint(
        "interrupt_run",
        "POST",
        "/runs/{run_id}/interrupt",
        "End a run interrupted",
        "runs",
        "The worker stopped on purpose: the task goes back to ready without using an attempt.",
        scope=WRITE,
        access=(Access.RUN,),
        body=RunInterrupt,
        answer=Run,
        errors=(404, 409, 422),
        error_notes={409: FENCED_409},
    ),
    Endpoint(
        "finish_run",
        "POST",
        "/runs/{run_id}/finish",
        "Finish a run",
        "runs",
        """End the run and move its task on: in review (or done) on success, else the retry policy.

        ``step`` names the running step, finished with the run in one transaction.
        """,
        scope=WRITE,
        access=(Access.RUN,),
        body=RunFinish,
        answer=Run,
        errors=(404, 409, 422),
        error_notes={409: FENCED_409},
    ),
)

RUN_BATCHES = (
    Endpoint(
        "finish_runs",
        "POST",
        "/runs/finish",
        "Finish many runs at once",
        "runs",
        """Finish each run as ``POST /runs/{id}/finish`` would, each fenced by its own token.

        The answer lists the runs finished, in the order given; a run that no longer holds its
        task (lease lost, cancelled, finished, unknown, or not the token's to see) is left out
        and nothing is written for it.
        """,
        scope=WRITE,
        access=(Access.VISIBLE_OUTCOMES,),
        body=RunsFinish,
        answer=Items[Run],
        answer_field="items",
        errors=(422,),
    ),
    Endpoint(
        "expire_leases",
        "POST",
        "/runs/expire-leases",
        "Expire the leases that ended",
        "runs",
        """Expire runs whose lease ended by ``now`` (the server's clock when ``null``).

        Workers call it on every heartbeat, so a crashed worker's tasks go back to ready
        without a separate daemon. ``now`` may not be later than the server's clock: leases end
        by the server's time, not a client's. The answer names the tasks concerned (for a
        limited token, only those of its projects).
        """,
        scope=WRITE,
        access=(Access.SERVER_CLOCK, Access.VISIBLE_REFS),
        body=LeaseSweep,
        answer=ExpiredTasks,
        answer_field="refs",
        errors=(422,),
    ),
)

EXECUTION = (
    Endpoint(
        "execution_overview",
        "GET",
        "/execution/overview",
        "The execution monitor's snapshot",
        "runs",
        """The queue in scheduler order, runs, workers and rates, as ``taskyard monitor`` shows.

        ``pipeline`` (the workers' pipelines) and ``approved_by`` (the approvers they accept)
        explain which ready tasks no worker would take, as the workers would decide.
        """,
        access=(Access.IN_PROJECTS,),
        query=OverviewQuery,
        renamed={"pipeline": "pipelines", "in_project": "in_projects"},
        answer=ExecutionOverview,
        errors=(422,),
    ),
)

TOKENS = (
    Endpoint(
        "create_token",
        "POST",
        "/tokens",
        "Issue a token (its secret is in this answer only)",
        "tokens",
        """The token and its secret; keep the secret, it is stored only as a hash.

        ``expires_at`` null means it never expires (``taskyard token create`` defaults to 90
        days). 409 if a token, even a revoked one, has the name.
        """,
        scope=ADMIN,
        access=(Access.TOKEN_ADMIN,),
        body=TokenCreate,
        body_arg="request",
        answer=IssuedToken,
        status=201,
        errors=(404, 409),
        headers={"Cache-Control": "no-store"},
    ),
    Endpoint(
        "list_tokens",
        "GET",
        "/tokens",
        "List tokens (never their secrets)",
        "tokens",
        "Every token by name, revoked and expired ones too.",
        scope=ADMIN,
        access=(Access.TOKEN_ADMIN,),
        answer=Items[ApiToken],
        answer_field="items",
    ),
    Endpoint(
        "revoke_token",
        "DELETE",
        "/tokens/{name}",
        "Revoke a token",
        "tokens",
        """Refused from now on; revoking it again changes nothing.

        This process forgets every token it trusted at once; other ``--workers`` processes stop
        trusting it within their cache's 2 seconds.
        """,
        scope=ADMIN,
        access=(Access.TOKEN_ADMIN, Access.FORGET_TOKENS),
        answer=ApiToken,
        errors=(404,),
    ),
)

ENDPOINTS: tuple[Endpoint, ...] = (
    PROJECTS + TASKS + QUICK_RUNS + WORKERS + RUNS + RUN_BATCHES + EXECUTION + TOKENS
)
"""Every entry, in the order the server adds their routes."""

ENDPOINTS_BY_METHOD = {entry.method: entry for entry in ENDPOINTS}
