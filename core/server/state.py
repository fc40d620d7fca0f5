"""What the app holds between requests: the engine it opened in its lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette

from core.engine import TaskEngine
from core.server.auth import TokenCache


@dataclass
class ServerState:
    """The app's long-lived resources, set up in the lifespan and kept on ``app.state``."""

    engine: TaskEngine
    """The engine opened at start; requests use views of it (``TaskEngine.acting_as``)."""
    tokens: TokenCache = field(default_factory=TokenCache)
    """Tokens that passed recently (``auth.TokenCache``)."""


def server_state(app: Starlette) -> ServerState:
    """The app's ``ServerState`` (set by the lifespan before any request is served)."""
    state: ServerState = app.state.taskyard
    return state
