"""What a worker reports when a run ends, for finishing many runs in one call."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RunOutcome(BaseModel):
    """How one run ended, as ``TaskEngine.finish_run`` takes it, for ``finish_runs``."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    token: str
    """The run's claim token: the finish is fenced by it."""
    success: bool
    summary: str | None = None
    exit_code: int | None = None
    error: str | None = None
