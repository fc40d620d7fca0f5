"""A board card in words: its glyphs and markers, and the one sentence a screen reader hears.

Every state a card is in is said in words and glyphs as well as colour (R3); the sentence form
(``spoken_card``) is what the screen-reader board shows, one card per line.
"""

from __future__ import annotations

from rich.cells import cell_len

from core.domain.models import Priority, TaskCard, TaskStatus

PRIORITY_GLYPH = {
    Priority.CRITICAL: "‼",
    Priority.HIGH: "▲",
    Priority.MEDIUM: "■",
    Priority.LOW: "▽",
}


def blocked_words(count: int) -> str:
    """``blocked by 1 task`` / ``blocked by 3 tasks``."""
    return f"blocked by {count} task" + ("" if count == 1 else "s")


NOTHING_TO_RUN_MARK = "∅ nothing to run"
"""A ready card no worker would claim: no command, and no pipeline for its type (the
execution monitor and `taskyard ready` say why and how to fix it)."""


COMMAND_PENDING_MARK = "⚠ command awaits approval"
"""A card whose command no worker runs until someone approves it (the detail's ``A``)."""

COMMAND_PENDING_WORDS = "command awaits approval"


def command_pending(card: TaskCard) -> bool:
    """Whether the card shows that its command awaits approval (work not yet over)."""
    return card.command_pending and card.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)


def spoken_card(
    card: TaskCard,
    index: int,
    total: int,
    *,
    nothing_to_run: bool = False,
    running: str | None = None,
    marked: bool = False,
) -> str:
    """A card as one plain sentence for screen readers.

    ``"1 of 3: TY-12 Fix login, priority high, labels ui, assigned to ana, blocked by 1 task"``
    """
    parts = [f"{index + 1} of {total}: {card.ref} {card.title}", f"priority {card.priority}"]
    if marked:
        parts.insert(1, "marked")
    if running:
        parts.append(running)
    if card.task_type != "feature":
        parts.append(f"type {card.task_type}")
    if card.labels:
        parts.append("labels " + ", ".join(card.labels))
    if card.assignee:
        parts.append(f"assigned to {card.assignee}")
    if card.unresolved_blocker_count:
        parts.append(blocked_words(card.unresolved_blocker_count))
    if command_pending(card):
        parts.append(COMMAND_PENDING_WORDS)
    elif nothing_to_run:
        parts.append("nothing to run")
    return ", ".join(parts)


def shorten_sentence(sentence: str, width: int) -> str:
    """``sentence`` if it fits in ``width`` cells, else its whole clauses that fit and "…".

    A screen reader or braille line must never get half a word ("blocked b…"): the sentence
    loses whole clauses from the end (", …" says more follows), or whole words when even the
    first clause is too long. The task's detail (Enter) still says every field.
    """
    if cell_len(sentence) <= width:
        return sentence
    clauses = sentence.split(", ")
    for keep in range(len(clauses) - 1, 0, -1):
        short = ", ".join(clauses[:keep]) + ", …"
        if cell_len(short) <= width:
            return short
    words = clauses[0].split(" ")
    for keep in range(len(words) - 1, 0, -1):
        short = " ".join(words[:keep]) + " …"
        if cell_len(short) <= width:
            return short
    return "…"  # not even one word fits: say only that something is there
