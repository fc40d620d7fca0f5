"""Remote mode: ``HttpTaskEngine``, the ``TaskEngine`` of a taskyard server, and its helpers.

* ``transport``: one ``httpx.AsyncClient`` per server and token (keep-alive, timeouts, safe
  retries with ``Idempotency-Key``), errors mapped back by ``errors``.
* ``engine`` and ``runs``: the Protocol's methods, made from ``core.api.endpoints``' table
  where it has the method, by hand (the route named in ``core.api.outside``) where not.
* ``stream`` and ``logs``: the SSE followers, reconnecting with backoff and resuming with
  ``Last-Event-ID``; ``stream`` reports the connection's state for a status line.
* ``credentials`` and ``meta``: which server and token to use, ``taskyard login`` storage,
  and what ``taskyard status`` asks a server.

Nothing here imports SQLAlchemy, alembic, the store or the server (an import-linter
contract), so a remote command starts without them.
"""
