"""The taskyard server: the v2 HTTP API over one ``TaskEngine``, started by ``taskyard serve``.

How it fits together:

* ``app.create_app(open_engine)`` builds the FastAPI app. Its lifespan awaits
  ``open_engine()`` and closes the engine at exit; ``state.server_state(app).engine`` holds
  it. The server never touches SQL: every route calls ``TaskEngine`` methods, so the rules
  are the engine's, the same for the CLI, the TUI and remote clients.
* Middleware, outermost first: ``middleware.RequestContextMiddleware`` (an ``X-Request-ID``
  on every response, the access-log line, a 500 with the error body instead of a
  traceback), ``rate_limit.RateLimitMiddleware`` (a token bucket per token, the
  ``RateLimit-*`` headers, 429), ``body_limit.BodyLimitMiddleware`` (413 for a body over
  its limit, before or while it is read) and ``idempotency.IdempotencyMiddleware``
  (``Idempotency-Key`` on every ``POST /api/...``). ``settings.ServerSettings`` holds the
  limits (taskyard.toml ``[server]``, the environment, ``serve``'s options).
* ``auth``: the bearer token of a request, checked once (``Caller``: its name, scope and
  project limit). ``deps`` has the ``Annotated`` parameters routes take: ``CallerDep``,
  ``WriterDep`` (scope write or admin), and ``EngineDep``, the engine acting as the token
  (``TaskEngine.acting_as``), so events and history name the token.
* ``access``: a token limited to some projects sees nothing of the others. Reads list with
  ``in_projects=caller.visible()``; a single thing elsewhere is "not found" (never a 403
  that would confirm it exists), and ``errors.conceal`` strips near-match suggestions.
* ``errors``: every failure answers ``{"error": {"code", "message", "hint", "details"}}``
  with the CLI's codes and the status of its ``TaskyardError`` class; ``error_responses``
  declares them in OpenAPI. ``responses`` sends models as JSON and tasks with their ETag;
  ``versions.guarded`` turns a stale ``If-Match`` into a 412 saying what changed.
* ``routes/``: ``table`` builds the routes of ``core.api.endpoints``' table (most
  ``TaskEngine`` methods: path, query and body, scope, access checks, answer, all declared
  there once, for the server and remote clients alike); the other modules are the routes
  that differ from that shape (streams, raw file bodies, ETag preconditions, answers a
  limited token sees filtered), one router per resource, each ``api_routes.api_router(prefix)``.

Adding an engine method: add its ``Endpoint`` to ``core.api.endpoints`` (a new ``Access``
check goes in ``table_access``); the route, its OpenAPI description and a remote client's
call all follow from the entry. A route that cannot be an entry goes in
``routes/<resource>.py`` with ``router = api_router("/prefix", tags=[...])``, routes that take
``EngineDep`` and ``CallerDep``/``WriterDep``, declare their answer and errors with
``**errors.documented(Model, 404, summary=...)``, make one engine call and return
``model_response(...)`` (name a request body parameter ``body``); add the module to the
tuple in ``app.api_routers`` and the method to ``core.api.outside.HAND_WRITTEN`` with the
reason. Every route there needs a token, and POSTs get ``Idempotency-Key`` handling without
doing anything. Check what a limited token may see with ``access`` (by project id), and keep
lists keyset-paged with a ``next_cursor``.
``tests/server/test_authz_matrix.py`` and ``test_schema_fuzz.py`` cover every route the app
has; a path parameter or body field the matrix cannot fill fails it, naming what to teach
``tests/server/authz_calls.py``.

``mcp_mount`` serves the MCP server (``core.mcp``) at ``/mcp``: the same tokens, scopes,
project limits and rate limits, its tools checked by the functions in ``access``.

``core.cli.commands.serve`` adds ``taskyard serve`` and ``taskyard token ...`` to the CLI;
``serve`` runs uvicorn (one process on the CLI's engine, or ``--workers N`` on PostgreSQL).
"""
