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

import sys

# ``import httpx`` also imports httpx's command-line client whenever its extras happen to be
# installed (click, rich and pygments are, for uvicorn and Textual): a third of httpx's import
# time, which no taskyard process uses. A ``None`` entry in ``sys.modules`` makes that one
# import fail (Python's documented way to block a module), and httpx falls back to its stub
# ``httpx.main``; every other part of httpx is untouched. Nothing to do once httpx is loaded.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
