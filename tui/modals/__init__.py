"""Dialogs (``ModalScreen[T]``), each returning a typed result (loaded on first use)."""

from __future__ import annotations

from tui.lazy import lazy_attributes

_WHERE = {
    "AttachFileModal": "tui.modals.attach_file",
    "AttachmentViewModal": "tui.modals.attachments",
    "BulkMoveModal": "tui.modals.bulk_move",
    "CancelModal": "tui.modals.cancel",
    "ConfirmModal": "tui.modals.confirm",
    "ConflictModal": "tui.modals.conflict",
    "DependencyPickerModal": "tui.modals.dependency_picker",
    "DiscardModal": "tui.modals.conflict",
    "FilterModal": "tui.modals.filters",
    "HelpModal": "tui.modals.help",
    "MessageLogModal": "tui.modals.message_log",
    "MoveModal": "tui.modals.move",
    "NameModal": "tui.modals.name_prompt",
    "ProjectPickerModal": "tui.modals.project_picker",
    "ReloginModal": "tui.modals.relogin",
    "SaveAttachmentModal": "tui.modals.attachments",
    "TaskFormModal": "tui.modals.task_form",
}
__all__ = sorted(_WHERE)

__getattr__ = lazy_attributes(_WHERE)
