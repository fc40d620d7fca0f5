"""``DescriptionPanel``: a task's description (Markdown), acceptance criteria and context files."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static

from core.domain.models import Task


class DescriptionPanel(Vertical):
    """The task's own words: what it is about, when it is done, which files matter."""

    DEFAULT_CSS = """
    DescriptionPanel { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._source: str | None = None
        """The Markdown shown: an unchanged description is not parsed and laid out again."""

    def compose(self) -> ComposeResult:
        yield Static("Description", classes="detail-section")
        yield Markdown("", id="detail-description")
        yield Static("Acceptance criteria", classes="detail-section")
        yield Static(id="detail-criteria", markup=False)
        yield Static("Context files", classes="detail-section")
        yield Static(id="detail-context", markup=False)

    async def show(self, task: Task) -> None:
        """Show ``task``'s description, criteria and context files."""
        source = task.description.strip() or "_No description._"
        if source != self._source:
            self._source = source
            await self.query_one("#detail-description", Markdown).update(source)
        criteria = "\n".join(f"☐ {c}" for c in task.acceptance_criteria) or "None."
        self.query_one("#detail-criteria", Static).update(criteria)
        files = "\n".join(task.context_files) or "None."
        self.query_one("#detail-context", Static).update(files)
