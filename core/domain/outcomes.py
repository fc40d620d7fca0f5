"""What a worker reports when a run ends, for finishing many runs in one call."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

REPLACEMENT = "\ufffd"


def storable_output(text: str) -> str:
    """A program's output as the store keeps it: NUL characters shown as U+FFFD (�).

    Programs print NUL (``find -print0``, a binary file sent to the terminal); PostgreSQL
    text cannot hold it, and refusing the chunk would lose the rest of the output with it,
    or leave a failed run unable to record why it failed. Typed text is refused instead
    (``commands.NUL_MESSAGE``): there a person can remove the character. U+FFFD is what the
    step's decoder already shows for bytes that are not UTF-8.
    """
    return text.replace("\x00", REPLACEMENT) if "\x00" in text else text


def _storable(text: str | None) -> str | None:
    return None if text is None else storable_output(text)


class RunOutcome(BaseModel):
    """How one run ended, as ``TaskEngine.finish_run`` takes it, for ``finish_runs``."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    token: str
    """The run's claim token: the finish is fenced by it."""
    success: bool
    summary: str | None = None
    exit_code: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    """A process's exit status (negative: the signal that ended it); a 32-bit integer."""
    error: str | None = None

    _output = field_validator("summary", "error")(_storable)
