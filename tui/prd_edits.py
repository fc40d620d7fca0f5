"""``PlanEdits``: the edits made to a PRD import preview, kept so a new preview can redo them.

A preview is planned again from the document whenever the user asks (ctrl+r) or changes an
option after previewing. The edits they made by hand (a task or a dependency left out, a
priority or a type changed, a left-out section made a task) are not in the document; they
are recorded here by the keys the planner gives (stable for the same document) and applied
again to the new plan. An edit whose
task or dependency the new plan no longer has is dropped, and counted so the screen can say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.domain.models import Priority
from core.errors import TaskyardError
from core.prd.edit import (
    drop_command,
    drop_edge,
    drop_task,
    make_task,
    set_priority,
    set_task_type,
)
from core.prd.models import ImportPlan

Edit = Callable[[ImportPlan], ImportPlan]


@dataclass
class PlanEdits:
    """The edits made to the current preview, oldest first."""

    edits: list[tuple[str, Edit]] = field(default_factory=list)
    """Each edit as ``(identity, function)``; a later edit of the same identity (the same
    task's priority) replaces the earlier one."""

    def _record(self, identity: str, edit: Edit, plan: ImportPlan) -> ImportPlan:
        """Apply ``edit`` to ``plan`` and remember it.

        Raises:
            TaskyardError: the plan has no such task or dependency, or the value is refused.
        """
        edited = edit(plan)
        self.edits = [(i, e) for i, e in self.edits if i != identity]
        self.edits.append((identity, edit))
        return edited

    def drop_task(self, plan: ImportPlan, key: str) -> ImportPlan:
        return self._record(f"drop-task {key}", lambda p: drop_task(p, key), plan)

    def drop_command(self, plan: ImportPlan, key: str) -> ImportPlan:
        return self._record(f"drop-command {key}", lambda p: drop_command(p, key), plan)

    def drop_edge(self, plan: ImportPlan, key: str, blocker: str) -> ImportPlan:
        edit: Edit = lambda p: drop_edge(p, key, blocker)  # noqa: E731
        return self._record(f"drop-edge {key} {blocker}", edit, plan)

    def set_priority(self, plan: ImportPlan, key: str, priority: Priority) -> ImportPlan:
        return self._record(f"priority {key}", lambda p: set_priority(p, key, priority), plan)

    def set_task_type(self, plan: ImportPlan, key: str, task_type: str) -> ImportPlan:
        return self._record(f"type {key}", lambda p: set_task_type(p, key, task_type), plan)

    def make_task(self, plan: ImportPlan, line_start: int) -> ImportPlan:
        return self._record(f"make-task {line_start}", lambda p: make_task(p, line_start), plan)

    def replay(self, plan: ImportPlan) -> tuple[ImportPlan, int, int]:
        """``plan`` with every recorded edit that still applies; returns the plan and how
        many edits were kept and dropped (those are forgotten)."""
        kept: list[tuple[str, Edit]] = []
        for identity, edit in self.edits:
            try:
                plan = edit(plan)
            except TaskyardError:
                continue
            kept.append((identity, edit))
        dropped = len(self.edits) - len(kept)
        self.edits = kept
        return plan, len(kept), dropped

    def clear(self) -> None:
        self.edits = []
