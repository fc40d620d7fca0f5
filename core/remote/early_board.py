"""A server's first board, asked for in a thread while the app starts (``core.early_board``'s twin).

Against a database the board is read by a forked helper while Textual imports. Against a
server the work is the server's, so a thread is enough: it sends the board's request with
the standard-library client (``core.remote.light``) before Textual is imported, and the app
opens its ``HttpTaskEngine`` (httpx, the API table, the event stream) only once that board is
painted, as it opens its own engine after a local early read (``TaskyardApp._open_after``).

The read is a head start, never a second opinion: it is tried once, and any failure (no
token, the server down, a refusal, a proxy only httpx would use) leaves ``result()`` ``None``,
so the app reads the board through its engine and reports what went wrong the usual way.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

from core.domain.commands import BoardQuery
from core.domain.views import BoardView
from core.errors import TaskyardError


class EarlyRemoteBoard:
    """The board being asked of a server; ``result()`` hands it over (or ``None``)."""

    def __init__(self, query: BoardQuery, answer: concurrent.futures.Future[Any]) -> None:
        self.query = query
        """What was asked for; the answer is only good for the same query."""
        self._answer = answer

    async def result(self) -> BoardView | None:
        """The board the server sent, or ``None`` if the early read did not get one."""
        try:
            data = await asyncio.wrap_future(self._answer)
            return BoardView.model_validate(data)
        except Exception:  # whatever it was, the engine's own read meets it and says it
            return None


def read_board_early_remote(
    server: str, token: str | None, query: BoardQuery
) -> EarlyRemoteBoard | None:
    """Start asking ``server`` for the board of ``query``; ``None`` when it cannot be asked.

    The request is the one ``HttpTaskEngine.board`` sends (the API table's entry).
    """
    from core.remote import light
    from core.remote.basics import normalize_server
    from core.remote.credentials import resolve_token

    if not light.usable():
        return None
    try:
        url = normalize_server(server)
        client = light.LightClient(url, resolve_token(url, token), attempts=1)
    except TaskyardError:
        return None  # the engine says it in the app: no token, a bad URL
    from core.api.endpoints import ENDPOINTS_BY_METHOD

    call = ENDPOINTS_BY_METHOD["board"].call({"query": query})
    answer: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def ask() -> None:
        try:
            answer.set_result(client.get(call.url, call.params))
        except BaseException as exc:  # handed to result(), which reads the board itself
            answer.set_exception(exc)
        finally:
            client.close()

    threading.Thread(target=ask, name="taskyard-early-board", daemon=True).start()
    return EarlyRemoteBoard(query, answer)
