"""Ready tasks that no worker would run: no command, no pipeline, and no pipeline for their type.

Pure and standard library only: ``taskyard ready`` says it of each card, and its cold read
through a server (``core.cli.session.run_light``) imports no models to say it.
"""

from __future__ import annotations

from collections.abc import Collection

NOTHING_TO_RUN = "nothing to run: no command, and {task_type} tasks have no pipeline"
"""Why no worker claims a ready task (the claim's ``claims.filters.may_run``, in Python)."""


def idle_card(
    status: str,
    has_command_or_pipeline: bool | None,
    task_type: str,
    pipelines: Collection[str] | None,
) -> bool:
    """Whether no worker with ``pipelines`` would run this ready card (``None``: unknown).

    The card says whether it carries a command or a pipeline (``has_command_or_pipeline``);
    a card read without that says nothing.
    """
    return (
        pipelines is not None
        and status == "ready"
        and has_command_or_pipeline is False
        and task_type not in pipelines
    )
