"""``PlanTree``: a PRD import's planned tasks as a tree, each with its command and the tasks
it waits for, then the sections that are not tasks with the reason; the highlight survives a
refill and the terminal cursor follows it (R1)."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Offset
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from core.prd.models import DiffKind, ImportPlan, PlannedTask, TaskDiff
from tui.widgets.card_words import PRIORITY_GLYPH

NodeData = tuple[str, str, str]
"""``("task", key, "")``, ``("edge", task key, blocker key)``, ``("command", key, "")``, or a
section the planner left out, ``("skipped", its first line, "")`` (under ``("skipped-group",
"", "")``)."""

DIFF_WORDS = {
    DiffKind.NEW: "new",
    DiffKind.CHANGED: "changed",
    DiffKind.UNCHANGED: "unchanged",
    DiffKind.RENAMED: "renamed",
    DiffKind.REMOVED: "no longer in the document",
}


class PlanTree(Tree[NodeData]):
    """The planned tasks and their dependencies; the terminal cursor follows the highlight."""

    def watch_cursor_line(self, previous_line: int, line: int) -> None:
        super().watch_cursor_line(previous_line, line)
        self.call_after_refresh(self.place_cursor)

    def place_cursor(self) -> None:
        if not self.has_focus or self.cursor_line < 0:
            return
        region = self.content_region
        y = self.cursor_line - int(self.scroll_y)
        node = self.cursor_node
        if 0 <= y < region.height and node is not None:
            depth = 0
            while node.parent is not None and node.parent is not self.root:
                node, depth = node.parent, depth + 1
            # Each level is indented by the guide (4 cells); the label starts after it.
            x = min(region.x + 4 * depth + 4, region.right - 1)
            self.app.cursor_position = Offset(x, region.y + y)
            self.app.refresh()

    def fill(self, plan: ImportPlan, diff: dict[str, TaskDiff]) -> None:
        """Show ``plan``'s tasks (with ``diff``'s words), each with its command and the tasks
        it waits for; the highlight stays on the line it was on, else goes to the first."""
        highlighted = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        self.display = True
        titles = {t.key: t.title for t in plan.tasks}
        children: dict[str | None, list[PlannedTask]] = {}
        for task in plan.tasks:
            parent = task.parent_key if task.parent_key in titles else None
            children.setdefault(parent, []).append(task)
        blockers: dict[str, list[str]] = {}
        because: dict[tuple[str, str], str] = {}
        for edge in plan.edges:
            blockers.setdefault(edge.task_key, []).append(edge.blocker_key)
            because[(edge.task_key, edge.blocker_key)] = edge.because
        target: TreeNode[NodeData] | None = None

        def add(node: TreeNode[NodeData], task: PlannedTask) -> None:
            nonlocal target
            kind = diff.get(task.key)
            label = (
                f"[{DIFF_WORDS[kind.kind] if kind else 'new'}] {task.title} · {task.task_type} · "
                f"{PRIORITY_GLYPH[task.priority]} {task.priority}"
                f" · lines {task.source.line_start}-{task.source.line_end}"
            )
            waits = blockers.get(task.key, [])
            if waits:
                label += f" · waits for {len(waits)}"
            if task.command is not None:
                label += " · runs a command once approved"
            # Text, not a markup string: "[new]" and titles with brackets must show as typed.
            branch = node.add(Text(label), data=("task", task.key, ""), expand=True)
            if highlighted == ("task", task.key, ""):
                target = branch
            if task.command is not None:
                leaf = branch.add_leaf(
                    Text("command, once approved: " + " ⏎ ".join(task.command.splitlines())),
                    data=("command", task.key, ""),
                )
                if highlighted == ("command", task.key, ""):
                    target = leaf
            for blocker in waits:
                why = because.get((task.key, blocker), "")
                leaf = branch.add_leaf(
                    Text(
                        f"waits for: {titles.get(blocker, blocker)}" + (f" ({why})" if why else "")
                    ),
                    data=("edge", task.key, blocker),
                )
                if highlighted == ("edge", task.key, blocker):
                    target = leaf
            for child in children.get(task.key, []):
                add(branch, child)

        for task in children.get(None, []):
            add(self.root, task)
        if plan.not_tasks:
            left_out = self.root.add(
                Text(f"Not tasks ({len(plan.not_tasks)}), each with why: m makes one a task"),
                data=("skipped-group", "", ""),
                expand=True,
            )
            for skipped in plan.not_tasks:
                data: NodeData = ("skipped", str(skipped.line_start), "")
                leaf = left_out.add_leaf(
                    Text(
                        f"{' > '.join(skipped.section_path)} · {skipped.reason}"
                        f" · line {skipped.line_start}"
                    ),
                    data=data,
                )
                if highlighted == data:
                    target = leaf
        self.root.expand()
        # New nodes have no line until the tree lays its lines out, and ``move_cursor`` on
        # such a node moves nowhere: find the highlighted one's line through the laid-out tree.
        line = next((n for n in range(self.last_line + 1) if self.get_node_at_line(n) is target), 0)
        if self.root.children:
            self.move_cursor_to_line(line)
