"""``TableCalls`` and ``table_method``: ``TaskEngine`` methods made from the API table.

Most of the Protocol travels exactly as its entry in ``core.api.endpoints`` says, so
``HttpTaskEngine`` does not spell those calls out: ``table_method(TaskEngine.get_run)`` is
``get_run`` with the Protocol's signature, defaults and docstring, sending the engine's
arguments through the entry and reading its answer back into the engine's result. A method
whose call needs more (paging past the route's limit, narrowing an answer, a route outside
the table) is written out and calls ``_api`` itself.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection, Coroutine, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

from core.api.endpoints import ENDPOINTS_BY_METHOD
from core.remote.transport import Transport

P = ParamSpec("P")
R = TypeVar("R")


class TableCalls:
    """The calls of ``core.api.endpoints``' entries, over ``self.transport``."""

    transport: Transport

    async def _api(self, method: str, **args: Any) -> Any:
        """Call the engine method ``method`` through its entry in the API table."""
        entry = ENDPOINTS_BY_METHOD[method]
        call = entry.call(args)
        data = await self.transport.json(call.method, call.url, params=call.params, json=call.json)
        return entry.result(data)


def table_method(
    method: Callable[Concatenate[Any, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[TableCalls, P], Coroutine[Any, Any, R]]:
    """The Protocol's ``method`` as the call of its entry (``TaskEngine.get_run``, say).

    The arguments are bound to the Protocol's signature, its defaults filled in, and sent
    under the engine's names; a collection travels as a list and a mapping as an object.
    """
    entry = ENDPOINTS_BY_METHOD[method.__name__]  # a method outside the table fails here
    signature = inspect.signature(method)

    @functools.wraps(method)
    async def call(self: TableCalls, /, *args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        del bound.arguments["self"]
        sent = {arg: _as_sent(value) for arg, value in bound.arguments.items()}
        result: R = await self._api(entry.method, **sent)
        return result

    return call


def _as_sent(value: Any) -> Any:
    """``value`` as the entry's model reads it: any mapping as a dict, collections as lists."""
    if isinstance(value, Mapping) and not isinstance(value, dict):
        return dict(value)
    if isinstance(value, Collection) and not isinstance(value, (str, bytes, list, dict)):
        return list(value)
    return value
