"""One ``Idempotency-Key`` per write, however many times its caller sends it.

The remote transport already resends a POST with the same key when its connection drops.
A caller that retries a whole write itself (a worker's ``persist`` while its server restarts)
must send the same key again too: with a new one the server cannot tell the retry from a new
request, and a change whose answer was lost with the server is made twice (a step started
twice, a log chunk written twice). ``same_keys`` marks each try of such a write: the n-th
POST sent inside it gets the same key on every try.

A context variable, so the engine's signatures stay as they are: a local engine never reads
it. A task started inside the block inherits it (and so its keys); nothing in a write does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class _Try:
    """The keys of one try of a write: ``write``'s own, numbered in the order they are sent."""

    def __init__(self, write: str) -> None:
        self.write = write
        self.sent = 0

    def next_key(self) -> str:
        self.sent += 1
        return f"{self.write}.{self.sent}"


_CURRENT: ContextVar[_Try | None] = ContextVar("taskyard_request_keys", default=None)


def new_write() -> str:
    """A name for one write, to pass to ``same_keys`` on each of its tries."""
    return uuid.uuid4().hex


@contextmanager
def same_keys(write: str) -> Iterator[None]:
    """Inside: the POSTs sent get ``write``'s keys, the same ones on every try."""
    reset = _CURRENT.set(_Try(write))
    try:
        yield
    finally:
        _CURRENT.reset(reset)


def next_key() -> str:
    """The key for the next POST: the current write's next one, or a new random key."""
    current = _CURRENT.get()
    return uuid.uuid4().hex if current is None else current.next_key()
