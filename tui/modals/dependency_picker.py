"""``DependencyPickerModal``: find a task by ref or title, fuzzily, and choose it as a blocker.

The engine does the coarse search (``list_tasks`` with ``text=``, per word, as the user types,
debounced); the ranking is done here, over what came back: a ref prefix first, then a title
prefix, a substring, and last a subsequence ("lgnapi" finds "Build the login API").
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from core.domain.commands import TaskQuery
from core.domain.models import Task, TaskLink
from core.errors import TaskyardError
from tui.context import taskyard_app
from tui.widgets.choice_list import ChoiceList
from tui.widgets.footer import KeyFooter

SEARCH_DELAY = 0.15
"""Seconds of typing pause before the engine is asked."""
LIMIT = 20


def fuzzy_score(query: str, ref: str, title: str) -> int | None:
    """How well ``query`` matches a task (higher is better), or ``None`` for no match.

    Ref prefix > title prefix > ref or title substring > every word a substring >
    subsequence of the title (letters in order, gaps allowed).
    """
    q = query.strip().lower()
    if not q:
        return 0
    r, t = ref.lower(), title.lower()
    if r.startswith(q):
        return 500 - len(r)
    if t.startswith(q):
        return 400
    if q in r or q in t:
        return 300 - t.find(q) if q in t else 290
    words = q.split()
    if len(words) > 1 and all(w in t or w in r for w in words):
        return 200
    compact = q.replace(" ", "")
    position, gaps = -1, 0
    for char in compact:
        found = t.find(char, position + 1)
        if found < 0:
            return None
        gaps += found - position - 1
        position = found
    return max(1, 100 - gaps)


def rank(query: str, tasks: list[Task], exclude: set[str]) -> list[Task]:
    """The tasks that match ``query``, best first, without the refs in ``exclude``."""
    scored: list[tuple[int, int, Task]] = []
    seen: set[str] = set()
    for index, task in enumerate(tasks):
        if task.ref in exclude or task.ref in seen:
            continue
        seen.add(task.ref)
        score = fuzzy_score(query, task.ref, task.title)
        if score is not None:
            scored.append((-score, index, task))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [task for _, _, task in scored][:LIMIT]


class DependencyPickerModal(ModalScreen[TaskLink | None]):
    """Choose a task this one waits for.

    | Key | Action |
    | :- | :- |
    | (type) | Search refs and titles |
    | down / tab | To the results |
    | up / down | Move in the results |
    | enter | Add the highlighted task (from the search box: the first result) |
    | 1 … 9 | Add a result by number (in the results) |
    | (type, in the results) | Back to the search, narrowing it |
    | escape | Cancel, back to the form |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="picker.cancel",
            tooltip="Close without adding a dependency",
        ),
        Binding(
            "down",
            "to_results",
            "Results",
            show=False,
            id="picker.results",
            tooltip="Move from the search box to the results",
        ),
    ]

    HELP = """
## Add a dependency

Type part of a ref (WEB-1) or a title; letters in order are enough ("lgn api").
The results are numbered: press **down** to reach them, then **enter** or the number.
The task you are editing and its current blockers are not offered.
"""

    DEFAULT_CSS = """
    DependencyPickerModal {
        align: center middle;
        & > Vertical {
            width: 84;
            height: auto;
            max-height: 90%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #picker-status { color: $text-muted; }
        &.-screen-reader > Vertical { border: none; padding: 0; }
        &.-screen-reader Input { border: none; height: 1; }
    }
    """

    def __init__(self, *, project: str | None, exclude: set[str], spoken: bool = False) -> None:
        super().__init__()
        self.project = project
        self.exclude = exclude
        self.spoken = spoken
        self.results: list[Task] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Add a dependency: this task waits for the one you choose.")
            yield Label("Search refs and titles")
            # Not select-all on focus: a letter typed in the results comes back here to be added.
            yield Input(
                placeholder="ref or part of a title", id="picker-query", select_on_focus=False
            )
            yield Static("Searching…", id="picker-status")
            yield ChoiceList(id="picker-results")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_class(self.spoken, "-screen-reader")
        self.query_one("#picker-query", Input).focus()
        self.load_matches("")

    @on(Input.Changed, "#picker-query")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_DELAY, lambda: self.load_matches(event.value))

    @work(exclusive=True, group="load_matches", exit_on_error=False)
    async def load_matches(self, text: str) -> None:
        engine = await taskyard_app(self).engine()
        text = text.strip()
        queries = [text] if text else [""]
        words = text.split()
        if len(words) > 1:
            queries += words[:3]
        found: list[Task] = []
        try:
            for q in queries:
                page = await engine.list_tasks(
                    TaskQuery(
                        text=q or None, include_completed=True, limit=LIMIT, project=self.project
                    )
                )
                found.extend(page.items)
            if text and len(found) < LIMIT and " " not in text and len(text) > 1:
                # Letters in order ("lgnapi") match no substring: widen to the first letters.
                page = await engine.list_tasks(
                    TaskQuery(
                        text=text[:2], include_completed=True, limit=100, project=self.project
                    )
                )
                found.extend(page.items)
        except TaskyardError as exc:
            self._status(f"Error: {exc.message} {exc.hint or ''}".strip())
            return
        self.show_results(text, rank(text, found, self.exclude))

    def show_results(self, text: str, results: list[Task]) -> None:
        self.results = results
        choices = self.query_one("#picker-results", ChoiceList)
        choices.clear_options()
        choices.add_options(
            [
                Option(f"{n}. {t.ref} {t.title} ({t.status.label})", id=t.ref)
                for n, t in enumerate(results, start=1)
            ]
        )
        if results:
            choices.highlighted = 0
        count = len(results)
        if count:
            self._status(
                f"{count} match{'es' if count != 1 else ''}"
                + (f" for “{text}”" if text else "")
                + ". Down to choose, enter adds the first."
            )
        else:
            self._status(f"No task matches “{text}”." if text else "No tasks to choose from.")

    def _status(self, text: str) -> None:
        self.query_one("#picker-status", Static).update(text)

    def on_key(self, event: events.Key) -> None:
        """A letter typed in the results narrows the search further: back to the search box
        with it (digits still choose by number)."""
        query = self.query_one("#picker-query", Input)
        character = event.character
        if self.focused is query or not character or not character.isprintable():
            return
        if not character.isdigit():
            event.stop()
            event.prevent_default()
            query.focus()
            query.insert_text_at_cursor(character)

    def action_to_results(self) -> None:
        choices = self.query_one("#picker-results", ChoiceList)
        if self.focused is self.query_one("#picker-query") and choices.option_count:
            choices.focus()
        elif self.focused is choices:
            choices.action_cursor_down()

    @on(Input.Submitted, "#picker-query")
    def _submitted(self) -> None:
        choices = self.query_one("#picker-results", ChoiceList)
        index = choices.highlighted
        if self.results and index is not None:
            self._choose(self.results[index])

    @on(OptionList.OptionSelected, "#picker-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((t for t in self.results if t.ref == event.option.id), None)
        if chosen is not None:
            self._choose(chosen)

    def _choose(self, task: Task) -> None:
        self.dismiss(task.link())

    def action_cancel(self) -> None:
        self.dismiss(None)
