"""The orchestrator settings as the command line reads them from taskyard.toml.

Only the worker refuses to start on a bad config file; the commands that merely describe
what a worker would do (``task show``, ``ready``) say less instead.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from core.errors import TaskyardError

if TYPE_CHECKING:
    from core.orchestrator.config import OrchestratorConfig


def load_orchestrator_config() -> OrchestratorConfig:
    """The orchestrator settings in force (taskyard.toml, or the defaults).

    Raises:
        ValidationError: the config file is bad (the key and the fix are named).
    """
    from core.config_file import load_config
    from core.orchestrator.config import OrchestratorConfig

    return OrchestratorConfig.from_config(load_config())


def configured_pipelines() -> Collection[str] | None:
    """The pipelines taskyard.toml configures, or ``None`` when it cannot be read."""
    from core.config_file import load_config
    from core.orchestrator.config import pipeline_names

    try:
        return pipeline_names(load_config())
    except TaskyardError:
        return None
