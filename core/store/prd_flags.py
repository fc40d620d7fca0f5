"""The labels a PRD import puts on a task it keeps but cannot follow, and their warnings.

An import never changes a started task and never deletes one the document dropped: it keeps
them and says so. Saying it only in the import's report would leave no trace where people
look, so the task itself carries a label, seen on the board, in its detail and in every list,
and found with ``--label``: ``not-in-document`` (the document no longer lists it) or
``changed-in-document`` (the document changed it after work began). An import that finds the
task back in the document, unchanged and not started, takes ``not-in-document`` off again;
``changed-in-document`` stays until a person has looked (they remove it like any label).

Re-imports compare labels without these two, so a flag alone never makes a task "changed".
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping

from core.domain.models import TaskStatus
from core.prd.models import PlanWarning, TaskDiff
from core.store.graph_ops import ref_of

NOT_IN_DOCUMENT = "not-in-document"
CHANGED_IN_DOCUMENT = "changed-in-document"
FLAGS = frozenset({NOT_IN_DOCUMENT, CHANGED_IN_DOCUMENT})


def without_flags(labels: Sequence[str] | None) -> list[str]:
    """The task's own labels: the import's flags left out."""
    return [label for label in labels or () if label not in FLAGS]


def started_warning(d: TaskDiff, row: RowMapping) -> PlanWarning:
    """A started task that the document changed: kept as it is, labelled."""
    return PlanWarning(
        code="started_task_kept",
        message=f"{ref_of(row)} {row['title']!r} is {TaskStatus(row['status']).value}: the "
        f"document changed its {', '.join(d.changed_fields)}, but a started task is never "
        f"changed by an import. It is labelled {CHANGED_IN_DOCUMENT}; edit it by hand if the "
        "change still applies, then remove the label.",
        task_key=d.key,
        details={"ref": ref_of(row), "status": row["status"], "changed_fields": d.changed_fields},
    )


def removed_warning(d: TaskDiff, row: RowMapping) -> PlanWarning:
    """A task the document no longer lists: kept as it is, labelled."""
    return PlanWarning(
        code="removed_task_kept",
        message=f"{ref_of(row)} {row['title']!r} is no longer in the document; it was kept as it "
        f"is ({TaskStatus(row['status']).value}) and labelled {NOT_IN_DOCUMENT}, because an "
        "import never deletes work. Cancel or delete it yourself if it is obsolete.",
        task_key=d.key,
        details={"ref": ref_of(row), "status": row["status"], "started": d.started},
    )
