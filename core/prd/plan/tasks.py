"""Units → ``PlannedTask``s, and the warnings about the tasks' sizes and titles.

The priority, type, criteria, labels and files rules of ``core.prd.plan``'s docstring are
applied here, to each unit the builder found.
"""

from __future__ import annotations

from core.domain.models import Priority
from core.prd.models import Granularity, PlannedTask
from core.prd.plan.builder import Builder
from core.prd.plan.items import label_term, labelled_term, paren_term, segment_term
from core.prd.plan.scan import Meta
from core.prd.plan.units import Unit
from core.prd.plan.vocab import (
    TITLE_MAX,
    TOO_BIG,
    abbreviation_mark,
    item_line,
    legend_mark,
    legend_tag,
    marked_level,
    priority_in_title,
    stated_priority,
    type_of,
    without_board_tail,
    without_priority_marks,
)


def to_task(builder: Builder, unit: Unit, doc_meta: Meta) -> PlannedTask:
    """The task a unit becomes; ``doc_meta`` holds the document-wide settings (labels)."""
    meta, inh = unit.meta, unit.inherited
    granularity = builder.options.granularity
    if unit.origin == "step" and unit.item is not None:
        priority = (
            meta.priority
            or meta.severity
            or meta.text_priority
            or (unit.parent and _unit_priority(unit.parent))
            or Priority.MEDIUM
        )
        task_type = meta.task_type or type_of(unit.title) or _unit_type(unit.parent)
        criteria: list[str] = [item_line(i.text) for s in unit.item.lists for i in s.items]
    else:
        priority = _unit_priority(unit)
        task_type = _unit_type(unit)
        if meta.criteria:
            criteria = list(meta.criteria)
        elif granularity is Granularity.COARSE:
            criteria = list(meta.open_checks)
        elif granularity is Granularity.BALANCED or unit.origin in ("item", "row"):
            criteria = [*meta.plain_items, *meta.open_checks]
        else:
            ordered = _ordered_texts(meta)
            criteria = [t for t in meta.plain_items if t not in ordered]
    labels: list[str] = []
    below_top = unit.origin != "section" or (
        unit.section is not None and unit.section.level > builder.top
    )
    for label in (inh.area if below_top else None, *doc_meta.labels, *meta.labels):
        if label and label not in labels:
            labels.append(label)
    files: list[str] = []
    for f in meta.files:
        if f not in files:
            files.append(f)
    if unit.milestone is not None:
        milestone: str | None = unit.milestone
    elif meta.milestone and (unit.origin != "row" or inh.milestone is None):
        # A row's week or phase column is schedule detail under a milestone heading.
        milestone = builder.milestones.from_text(meta.milestone)
    else:
        milestone = inh.milestone or builder.milestones.mentioned(unit.title)
    # The key keeps the title as written (re-imports match on it); the title shown does not
    # repeat the priority the task carries.
    title = unit.title
    if builder.legend:
        title, marked = legend_mark(title, builder.legend)
        if marked is not None and not meta.priority:
            priority = marked
    if builder.abbreviations:
        title, abbreviated = abbreviation_mark(title, builder.abbreviations)
        if abbreviated is not None and not meta.priority:
            priority = abbreviated
    if builder.term_legend and unit.origin == "item":
        # "- [ ] **String freeze** (Ola) — important." under "**blocker** (…), **important**
        # (…), **if time** (…)": the legend's rank, not the word's usual level.
        first = unit.description.split("\n", 1)[0]
        if (ranked := segment_term(first, builder.term_legend)) is not None:
            priority = ranked
        elif (ranked := paren_term(first, builder.term_legend)) is not None:
            priority = ranked  # "… ergänzen (wichtig) – @Jonas" under a ranked list of words
    if builder.term_legend and not meta.priority:
        # "M1 – Ausschreibung (Dringlichkeit A)" under "**A** (…, muss …), **B** (…), **C** (…)"
        first = unit.description.split("\n", 1)[0]
        if (labelled := labelled_term(f"{unit.title}\n{first}", builder.term_legend)) is not None:
            priority = labelled
        elif (
            level := label_term(first or _own_text(builder, unit), builder.term_legend)
        ) is not None:
            # "Niveau : impératif." under "un niveau : **impératif** (…), **important** (…)"
            priority = level
    if builder.mark_legend and not meta.priority and unit.origin == "item":
        # "- **Neue Beitragsordnung** (Jens) (!!) — …" under "(!!) = dringend · (!) = wichtig"
        first = unit.description.split("\n", 1)[0]
        if (level := marked_level(first, builder.mark_legend)) is not None:
            priority = level
    if builder.tag_legend and not meta.priority:
        # "Tags: **[slice]** — the showcase fails without it; …" over a "| Tag |" column
        text = unit.description if unit.origin == "row" else title
        if unit.origin == "section" and unit.section is not None and "[" not in text:
            # "**A1. Confirm the scope** [EMPG] — Lead: …": the tag stays on its heading line
            start = unit.section.line_start
            text = builder.doc.raw(start, start)
            if text.count("**") % 2:  # the bold name wraps: its tag is on the next line
                text = builder.doc.raw(start, start + 1)
        if (tagged := legend_tag(text, builder.tag_legend)) is not None:
            priority = tagged
    if builder.priority_terms and not meta.priority:
        # "Caractère : obligatoire", the legend having said what "caractère" ranks
        said = stated_priority(_own_text(builder, unit), builder.priority_terms)
        priority = said or priority
    title, description = without_priority_marks(title), unit.description
    if unit.origin in ("item", "row") and (card := without_board_tail(title)) != title:
        if title not in description:  # the owner and the date stay in the task's text
            description = f"{title}\n\n{description}".strip()
        title = card
    if len(title) > TITLE_MAX:
        description = f"{title}\n\n{description}".strip()
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    return PlannedTask(
        key=unit.key,
        title=title,
        description=description,
        task_type=task_type,
        priority=priority,
        labels=labels[:20],
        acceptance_criteria=[c for c in criteria if c],
        context_files=files,
        milestone_key=milestone,
        parent_key=unit.parent.key if unit.parent else None,
        # A dict: validated by PlannedTask's own (compiled) validator, one model __init__ less.
        source={
            "section_path": unit.path,
            "line_start": unit.line_start,
            "line_end": unit.line_end,
            "kind": unit.origin,
        },
    )


def _ordered_texts(meta: Meta) -> set[str]:
    return {item_line(i.text) for b, items in meta.steps for i in items}


def _own_text(builder: Builder, unit: Unit) -> str:
    """The text a task was made from: its section's own blocks, or its item or row."""
    if unit.section is not None:
        return builder.doc.raw(unit.section.line_start, unit.section.body_line_end)
    return unit.description


def _unit_priority(unit: Unit) -> Priority:
    meta = unit.meta
    if unit.section is not None:
        titled = priority_in_title(unit.section.title)
    else:
        titled = priority_in_title(unit.title) if unit.origin == "document" else None
    return (
        meta.priority
        or titled
        or meta.severity
        or meta.text_priority
        or unit.inherited.priority
        or Priority.MEDIUM
    )


def _unit_type(unit: Unit | None) -> str:
    if unit is None:
        return "feature"
    return unit.meta.task_type or type_of(unit.title) or unit.inherited.task_type or "feature"


def size_warnings(builder: Builder, tasks: list[PlannedTask]) -> None:
    """Warn about empty sections, tasks too big for the granularity and repeated titles."""
    max_items, max_words = TOO_BIG[builder.options.granularity]
    titles: dict[str, list[PlannedTask]] = {}
    for unit, task in zip(builder.units, tasks, strict=True):
        titles.setdefault(task.title.casefold(), []).append(task)
        if unit.empty and unit.origin == "section":
            builder.warn(
                code="empty_section",
                message=f"“{task.title}” has a heading and nothing under it.",
                line=unit.line_start,
                task_key=unit.key,
            )
        if unit.origin not in ("section", "document"):
            continue
        items = unit.meta.item_count
        if (max_items is not None and items > max_items) or unit.words > max_words:
            builder.warn(
                code="too_big",
                message=f"“{task.title}” is large for {builder.options.granularity.value} "
                f"granularity ({items} list items, {unit.words} words); consider splitting "
                "it or a finer granularity.",
                line=unit.line_start,
                task_key=unit.key,
                details={"items": items, "words": unit.words},
            )
    for same in titles.values():
        if len(same) > 1:
            builder.warn(
                code="duplicate_title",
                message=f"{len(same)} tasks are titled “{same[0].title}”.",
                line=same[1].source.line_start,
                task_key=same[1].key,
                details={"keys": [t.key for t in same]},
            )
