"""The ``TaskEngine`` methods outside ``core.api.endpoints``' table, each with the reason.

A remote client implements these by hand (``HAND_WRITTEN``: the route is named) or not at
all over HTTP (``NOT_SERVED``). ``tests/server/test_api_table.py`` checks that the table and
these two lists hold every method of the Protocol, so a new engine method cannot be left out
unnoticed.
"""

from __future__ import annotations

HAND_WRITTEN: dict[str, str] = {
    "create_task": "POST /tasks: 201 or 200 as the task is new or found by external_id, "
    "its project settled for a limited token, blockers and parent checked one by one.",
    "get_task": "GET /tasks/{ref}: If-None-Match answers 304 from the task's version.",
    "update_task": "PATCH /tasks/{ref}: If-Match, and a stale version is a 412 listing "
    "what changed (core.server.versions).",
    "transition_task": "POST /tasks/{ref}/transition: If-Match or if_version, as update_task.",
    "list_tasks_keyset": "GET /tasks: the query string is a TaskQuery under other names "
    "(status, priority, label, q, order), narrowed to the caller's projects.",
    "assign_tasks": "POST /tasks/assign: tasks a limited token cannot see fail alone, in "
    "place, as missing ones do.",
    "ready_tasks_json": "GET /tasks/ready, the route of ready_tasks: it sends this text "
    "(its entry's json_method); a client reads the cards and writes them again.",
    "card_position": "GET /tasks/{ref}/card-position: the board's filters, and a pair "
    "answered as CardPosition.",
    "run_now": "POST /tasks/{ref}/run: 201 for a run it started, 200 for the active run.",
    "promote_quick_run": "POST /quick-runs/{id}/promote: the project settled for a limited "
    "token, and an 'already promoted' error that may not name a task it cannot see.",
    "read_log": "GET /logs/{owner_id} (and GET /quick-runs/{id}/log): a run a limited token "
    "cannot see has an empty log, and the page's next_since is computed.",
    "follow_log": "GET /logs/{owner_id}/stream: a Server-Sent Events stream.",
    "resolve_run_id": "GET /runs/resolve: a prefix resolves among the runs the caller sees.",
    "add_attachment": "POST /tasks/{ref}/attachments: the file is the raw request body.",
    "get_attachment": "GET /attachments/{id} and .../content: metadata and the raw file, "
    "visible by the attachment's task.",
    "create_milestone": "POST /projects/{project}/milestones: the body names dates due and "
    "start, the project comes from the path as its id.",
    "import_tasks": "POST /import/tasks: JSON Lines or a JSON list, answered per item.",
    "preview_import": "POST /import/prd/preview (with text): core.prd models, project "
    "settled for a limited token.",
    "preview_plan": "POST /import/prd/preview (with plan): as preview_import.",
    "commit_import": "POST /import/prd/commit: admin-only approve_commands, and core.prd models.",
    "get_import": "GET /import/{job_id}: visible by the job's project (core.prd models).",
    "list_imports": "GET /import: a limited token sees its projects' jobs only.",
    "events": "GET /events: pages of the event log within the caller's projects.",
    "follow_events": "GET /events/stream: a Server-Sent Events stream (core.server.event_hub).",
    "latest_event_seq": "GET /events: a page's next_since is where the log ends.",
    "state_machine": "GET /state-machine: a plain JSON object, from a method that does not await.",
    "check_ready": "GET /readyz: outside /api/v2, with no token.",
    "create_orchestrator": "POST /orchestrators (core.server.compat.orchestrators): the "
    "project is settled for a limited token before the engine names it.",
    "list_orchestrators": "GET /orchestrators?project=: narrowed to the caller's projects.",
    "get_orchestrator": "GET /orchestrators/{orchestrator}?project=: a name is looked up in "
    "a limited token's one project; another project's is not found.",
    "remove_orchestrator": "DELETE /orchestrators/{orchestrator}?project=: as get.",
    "changed_tasks": "GET /task-changes?since=: the task list's filters under the list's "
    "names, narrowed to the caller's projects.",
    "change_task": "POST /tasks/{ref}/changes: If-Match, as update_task.",
}
"""Methods served by routes written out in ``core.server.routes``, and why."""

NOT_SERVED: dict[str, str] = {
    "close": "Each side closes its own engine.",
    "schema_revision": "The server's own database; /readyz answers whether it is current.",
    "acting_as": "The bearer token is the actor over HTTP.",
    "authenticate_token": "The server checks the bearer token of every request itself.",
    "reserve_idempotency_key": "The server's Idempotency-Key middleware, for any POST.",
    "complete_idempotency_key": "The server's Idempotency-Key middleware.",
    "renew_idempotency_key": "The server's Idempotency-Key middleware.",
    "release_idempotency_key": "The server's Idempotency-Key middleware.",
    "list_tasks": "Offset pages; clients page with list_tasks_keyset (GET /tasks).",
}
"""``TaskEngine`` methods that are no HTTP call, and why."""
