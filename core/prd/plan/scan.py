"""The meta scan: what a run of blocks declares (settings, criteria, references, files, steps).

A section's own blocks are scanned once; the builder decides what the result means for the
section (its task, or settings inherited by the tasks below it). Label lines are read in every
language of ``core.prd.plan.lexicon``, several to a line when separated by ``·`` or ``|``
(``Type: Story · Priority: Highest``); dependencies stated anywhere in a sentence come from
``core.prd.plan.prose``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.domain.models import Priority
from core.prd.parse import Block, CodeBlock, ListBlock, ListItem, Paragraph, Table
from core.prd.plan.items import item_priority
from core.prd.plan.lexicon import (
    COLON_OPTIONAL,
    FIELD_SEPARATOR,
    LABEL_LINE,
    LABEL_WORDS,
    LEADING_FIELD,
    MOSCOW_LEAD,
    MUST_ANSWERS,
    PRIORITY_AFTER_DASH,
    PRIORITY_INLINE,
    PRIORITY_INLINE_HINT,
    PRIORITY_WORDS,
    TASKS_LABEL,
)
from core.prd.plan.prose import DepRef, find_dependencies
from core.prd.plan.vocab import (
    cell_priority,
    flat_blocks,
    item_line,
    iter_items,
    looks_like_path,
    norm_plain,
    priority_in_text,
    priority_of,
    slug,
    tags_in,
    tail_priority,
    type_name,
)


@dataclass
class Meta:
    """What a run of blocks declares: settings, criteria, references, files, list items."""

    priority: Priority | None = None
    text_priority: Priority | None = None
    severity: Priority | None = None
    """A finding's ``Severity:``: its priority when no priority is stated."""
    task_type: str | None = None
    milestone: str | None = None
    status: str | None = None
    labels: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    plain_items: list[str] = field(default_factory=list)
    open_checks: list[str] = field(default_factory=list)
    deps: list[DepRef] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    steps: list[tuple[ListBlock, list[ListItem]]] = field(default_factory=list)
    """Per list: the items that become tasks at fine (open checkboxes, numbered steps)."""
    item_count: int = 0
    declared_id: str | None = None
    prose: list[str] = field(default_factory=list)
    """The paragraphs' text, for statements about the section's order."""

    def add_text_priority(self, found: Priority | None) -> None:
        """Keep the strongest priority the text states."""
        if found is not None and (
            self.text_priority is None or found.rank < self.text_priority.rank
        ):
            self.text_priority = found


def label_fields(line: str) -> list[tuple[str, str]]:
    """The (field, value) pairs a line's labels set, or ``[]`` when it is not a label line.

    A line may hold several labels separated by ``·`` or ``|``; it is a label line when its
    first part is one.
    """
    line = line.strip()
    if not line:
        return []
    parts = FIELD_SEPARATOR.split(line) if ("·" in line or "|" in line or "•" in line) else [line]
    out: list[tuple[str, str]] = []
    for index, part in enumerate(parts):
        found = _label(part)
        if found is None:
            # A field the planner does not read (an owner) may lead the labels it does.
            if index == 0 and (len(parts) == 1 or not LEADING_FIELD.match(part)):
                return []
            continue
        out.append(found)
    return out


def _label(text: str) -> tuple[str, str] | None:
    first = text[:1]
    if first.isdigit() or first in "([-#>|`":
        return None  # cannot start a label: skip the regex
    m = LABEL_LINE.match(text)
    if not m:
        return None
    word = " ".join(m.group("word").casefold().replace("-", " ").split())
    if m.group("colon") is None and word not in COLON_OPTIONAL:
        return None
    return LABEL_WORDS[word], m.group("value").strip()


_SENTENCE_END = re.compile(r"(?<=[^\d\s])\.\s+(?=[A-ZÀ-ÖØ-Þ])")


def _after_label(fields: list[tuple[str, str]]) -> str:
    """The sentences a label line goes on with after its last label's value, as prose.

    "Priorität: hoch. Setzt Schritt 1 voraus." sets the priority and states a dependency.
    The rest of a dependency or acceptance label is that label's own (``_apply_label``).
    """
    name, value = fields[-1]
    if name in ("depends", "blocks", "acceptance"):
        return ""
    parts = _SENTENCE_END.split(value, 1)
    return parts[1] if len(parts) == 2 else ""


def _apply_label(meta: Meta, name: str, value: str, line: int, said: str = "") -> None:
    """Set what a label says; ``said`` is the line as written (why an edge exists)."""
    if name in ("depends", "blocks"):
        value = _SENTENCE_END.split(value, 1)[0].rstrip(". ")
        if value:
            word = "Blocks" if name == "blocks" else "Depends on"
            phrase = said.strip() or f"{word}: {value}"
            meta.deps.append(DepRef(value, line, name == "blocks", "label", phrase=phrase))
    elif name == "priority":
        # "Priorité : ★★★", "Prioridad: 1": a star rating or a level, as a priority column.
        meta.priority = priority_of(value) or cell_priority(value) or meta.priority
    elif name == "must":
        # "Must land: yes" / "Pflicht: nein": a yes-or-no answer ranks the task.
        answer = MUST_ANSWERS.get(norm_plain(value))
        meta.priority = meta.priority or answer
    elif name == "severity":
        # Read its first words only (``Severity: High. The service connects as …``).
        first = " ".join(_SENTENCE_END.split(value, 1)[0].split()[:3])
        meta.severity = priority_of(first) or meta.severity
    elif name == "type":
        meta.task_type = type_name(value) or meta.task_type
    elif name == "labels":
        meta.labels.extend(
            s for part in re.split(r"[,\s]+", value) if (s := slug(part.lstrip("#"), 40))
        )
    elif name == "milestone" and value.strip():
        meta.milestone = value.strip()
    elif name == "status":
        meta.status = value


_MARK_IN_PARENS = re.compile(r"\(([^()\n]{2,24})\)")


def _defines_marks(prose: str) -> bool:
    """Whether a paragraph is a legend of priority marks in parentheses.

    "*(dringend)* heißt …; *(wichtig)* muss vor der Umstellung fertig sein; *(kann warten)*
    darf …" says what each mark means: its "vor der Umstellung" is no dependency.
    """
    if prose.count("(") < 2:
        return False
    marks = [m for m in _MARK_IN_PARENS.findall(prose) if norm_plain(m) in PRIORITY_WORDS]
    return len(set(marks)) >= 2


def scan_text(meta: Meta, text: str, spans: Iterable[str], line: int) -> str | None:
    """Scan a paragraph: label lines, dependency phrases, priorities, tags, files.

    Returns the role its last line announces for a list that follows (``ac``, ``deps``,
    ``tasks``), if any.
    """
    pending: str | None = None
    prose_lines: list[str] = []
    for offset, raw in enumerate(text.split("\n")):
        pending = None
        fields = label_fields(raw)
        if fields:
            prose_lines.append(_after_label(fields))
            for name, value in fields:
                if name == "acceptance":
                    if value:
                        meta.criteria.append(value)
                    else:
                        pending = "ac"
                elif name == "depends" and not value:
                    pending = "deps"
                else:
                    _apply_label(meta, name, value, line + offset, raw)
        else:
            prose_lines.append(raw)
            if TASKS_LABEL.fullmatch(raw.strip()):
                pending = "tasks"
        if ":" in raw:
            # upper() maps each character on its own, so the prefix's upper case is enough.
            head = raw.strip()[:7].upper()
            if head.startswith(("ID:", "PRD-ID:")):
                meta.declared_id = raw.split(":", 1)[1].strip() or meta.declared_id
        if "#" in raw:
            meta.labels.extend(slug(tag, 40) for tag in tags_in(raw))
    prose = "\n".join(prose_lines)
    if prose.strip():
        meta.prose.append(prose)
        if not _defines_marks(prose):
            meta.deps.extend(find_dependencies(prose, line))
    _prose_priority(meta, text)
    meta.files.extend(s.strip() for s in spans if looks_like_path(s))
    return pending


def _prose_priority(meta: Meta, prose: str) -> None:
    if meta.priority is None and PRIORITY_INLINE_HINT.search(prose):
        inline = PRIORITY_INLINE.search(prose)
        if inline is not None:
            meta.priority = priority_of(inline.group("value"))
    lead = MOSCOW_LEAD.match(prose.lstrip())
    if lead is not None:
        meta.add_text_priority(PRIORITY_WORDS.get(lead.group(1).casefold()))
    dashed = PRIORITY_AFTER_DASH.match(prose)
    if dashed is not None:
        meta.add_text_priority(PRIORITY_WORDS.get(norm_plain(dashed.group("words"))))
    meta.add_text_priority(priority_in_text(prose))
    meta.add_text_priority(tail_priority(prose))


def scan_blocks(
    blocks: Iterable[Block],
    meta: Meta,
    *,
    ac_section: bool = False,
    pending: str | None = None,
    skip: frozenset[int] = frozenset(),
) -> str | None:
    """Add what the blocks declare to ``meta``; return the list role pending after the last one.

    ``pending`` continues a scan: scanning ``a`` then ``b`` with the pending role of ``a`` gives
    the same ``meta`` as scanning ``a + b`` at once. Lists and tables whose ``id`` is in
    ``skip`` are left out (their items or rows are tasks of their own).
    """
    for block in flat_blocks(blocks):
        if id(block) in skip:
            pending = None
            continue
        if isinstance(block, Paragraph):
            pending = scan_text(meta, block.text, block.code_spans, block.line_start)
        elif isinstance(block, ListBlock):
            scan_list(block, meta, "ac" if ac_section else pending)
            pending = None
        elif isinstance(block, Table):
            meta.files.extend(s for s in block.code_spans if looks_like_path(s))
            if len(block.header) == 2:
                for row in (block.header, *block.rows):
                    if len(row) == 2 and (found := _label(f"{row[0]}: {row[1]}")):
                        _apply_label(meta, *found, block.line_start)
            else:
                for name, value in field_row(block):
                    _apply_label(meta, name, value, block.line_start)
            pending = None
        elif isinstance(block, CodeBlock):
            pending = None
    return pending


def field_row(table: Table) -> list[tuple[str, str]]:
    """The labels a one-row table of fields gives (``[]`` for any other table).

    ``| Owner | Priority | Waits for | Milestone |`` over one row under a task's heading is
    that task's fields laid out sideways: two or more known labels in the header make it one,
    and each cell is its label's value.
    """
    if len(table.rows) != 1 or len(table.header) < 3:
        return []
    row = table.rows[0]
    found = [
        (name, value)
        for header, cell in zip(table.header, row, strict=False)
        if (named := _label(f"{header.strip()}: {cell.strip()}")) is not None
        for name, value in [named]
    ]
    labelled = sum(1 for h in table.header if _label(f"{h.strip()}: x") is not None)
    return found if labelled >= 2 else []


def scan_list(block: ListBlock, meta: Meta, role: str | None) -> None:
    """Add what a list declares to ``meta``.

    ``role`` is what the line before the list announced: ``"ac"`` (its items are criteria),
    ``"deps"`` (its items are dependencies) or ``None`` (each item speaks for itself).
    """
    steps: list[ListItem] = []
    for item in block.items:
        meta.item_count += 1
        first_line = item.text.split("\n", 1)[0]
        if item.code_spans:
            meta.files.extend(s for s in item.code_spans if looks_like_path(s))
        for sub in item.lists:
            for nested in iter_items(sub):
                meta.item_count += 1
                meta.files.extend(s for s in nested.code_spans if looks_like_path(s))
        if role == "deps":
            _apply_label(meta, "depends", first_line, item.line_start)
            continue
        if role == "ac":
            meta.criteria.append(item_line(item.text))
            continue
        fields = label_fields(first_line)
        if fields:
            scan_item_fields(meta, item, fields)
            continue
        if "#" in item.text:
            meta.labels.extend(slug(tag, 40) for tag in tags_in(item.text))
        text = item_line(item.text)
        if item.checked is False:
            meta.open_checks.append(text)
            steps.append(item)
        elif item.checked is None and block.ordered:
            steps.append(item)
            meta.plain_items.append(text)
        elif item.checked is None:
            meta.plain_items.append(text)
        if item.checked is not True:
            meta.deps.extend(d for d in find_dependencies(item.text, item.line_start))
            meta.add_text_priority(item_priority(item.text))
    if steps:
        meta.steps.append((block, steps))


def scan_item_fields(meta: Meta, item: ListItem, fields: list[tuple[str, str]]) -> None:
    """A list item that is a label line: its fields, and what its sub-items list.

    Under a label without a value, the sub-items are criteria or dependencies.
    """
    for name, value in fields:
        if name == "acceptance":
            if value:
                meta.criteria.append(value)
            for sub in item.lists:
                meta.criteria.extend(item_line(i.text) for i in iter_items(sub))
        elif name == "depends" and not value:
            for sub in item.lists:
                for i in iter_items(sub):
                    _apply_label(meta, "depends", i.text, i.line_start)
        else:
            _apply_label(meta, name, value, item.line_start, item.text.split("\n", 1)[0])
