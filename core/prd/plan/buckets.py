"""Sections whose list items or table rows are the tasks (at balanced and fine granularity).

Which items: in a *bucket* (a heading like ``Launch checklist``, ``Tareas técnicas``, a week or
a release stage, a milestone heading) its open checkboxes, else its other open items; in any
section, a list whose items mostly carry a mark of their own (an id, a priority, an owner, a
dependency), and a list announced by ``Tasks:``; and the rows of a requirements table. Items
under ``Acceptance criteria:`` or ``Depends on:`` stay criteria and dependencies, and checked
or struck-through items are left out. The section itself is then not a task.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.domain.models import Priority
from core.prd.parse import ListBlock, ListItem, Paragraph, Section, Table
from core.prd.plan.classify import Verdict, is_bucket_title, is_work_title
from core.prd.plan.items import (
    TaskTable,
    backlog_item,
    cell,
    id_mark,
    is_label_item,
    item_priority,
    item_title,
    mostly,
    row_done,
    struck,
    task_table,
)
from core.prd.plan.lexicon import (
    DATE_IN_TITLE,
    MILESTONE_HEADING,
    NOTES_LABEL,
    STAGE_HEADING,
    TASKS_LABEL,
    TRUNK_BRANCH,
)
from core.prd.plan.prose import DepRef, find_dependencies, states_sequence
from core.prd.plan.scan import Meta, label_fields, scan_list, scan_text
from core.prd.plan.units import Inherited, Unit
from core.prd.plan.vocab import (
    ID_PATTERN,
    cell_priority,
    clean_title,
    flat_blocks,
    ident_of,
    norm,
    norm_plain,
    slug,
    tag_priority,
)

if TYPE_CHECKING:
    from core.prd.plan.builder import Builder

_LIST_MARKER = "-*+0123456789.) \t[]xX"
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"\w")
"""A cell that says something (not ``—``)."""


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One list item or table row that is a task."""

    block: ListBlock | Table
    item: ListItem | None = None
    row: tuple[str, ...] | None = None
    row_index: int = 0
    spec: TaskTable | None = None
    group: str | None = None
    notes: tuple[ListItem, ...] = ()
    """Items below the table that describe this row (``- **SAML SP** — metadata, ACS…``)."""
    line: int = 0
    """The row's line when it is not the table's (a record of a YAML-like list)."""
    line_end: int = 0
    """Its last line, when it spans several (a record's ``key: value`` lines)."""

    @property
    def ordered(self) -> bool:
        """Whether it is a step of a numbered list (the document may say they run in order)."""
        return isinstance(self.block, ListBlock) and self.block.ordered

    def unit(self, builder: Builder, path: list[str], inh: Inherited) -> Unit:
        """The task this item or row becomes."""
        if self.item is not None:
            assert isinstance(self.block, ListBlock)
            unit = _item_unit(builder, self.item, path, inh, self.block)
            if self.group is not None and unit.meta.milestone is None:
                unit.meta.milestone = self.group
            return unit
        assert self.row is not None
        assert self.spec is not None
        assert isinstance(self.block, Table)
        return _row_unit(builder, self, path, inh)


def work_items(builder: Builder, section: Section, verdict: Verdict) -> list[WorkItem]:
    """The items and rows of the section that are tasks (empty: the section is one task)."""
    info = builder.title(section)
    bucket = (
        verdict.kind == "milestone"
        or info.stage
        or info.names_priority
        or (verdict.kind == "task" and info.kind is not None and info.kind[0] == "milestone-list")
        or (section.level <= builder.top and is_bucket_title(info.kind_words))
        or bool(DATE_IN_TITLE.search(info.clean))
        or (builder.rules.checklist and not section.children)
        or is_work_title(info.kind_words)
        or id(section) in builder.enumerated
    )
    lines = builder.doc.lines
    lists: list[ListBlock] = []
    forced: list[ListBlock] = []
    noted: list[ListBlock] = []
    rows: list[WorkItem] = []
    role: str | None = None
    for block in flat_blocks(section.blocks):
        if id(block) in builder.milestones.blocks:
            role = None  # "- **Jalon 1 — …** : A1, A2": names milestones, not work
            continue
        if isinstance(block, Paragraph):
            role = _announced(block.text.rsplit("\n", 1)[-1]) or _bold_notes(block, lines)
        elif isinstance(block, ListBlock) and (records := record_rows(block, lines)):
            rows.extend(records)  # "- id: EX-01 / tâche: … / après: [EX-02]": a table's rows
            role = None
        elif isinstance(block, ListBlock):
            if role == "tasks":
                forced.append(block)
            elif role == "notes":
                noted.append(block)
            elif role is None:
                lists.append(block)
            role = None
        elif isinstance(block, Table):
            spec = task_table(block)
            if spec is not None:
                rows.extend(_table_rows(block, spec))
            role = None
        else:
            role = None
    if not bucket and any(b.ordered for b in lists) and _says_in_order(section):
        forced.extend(b for b in lists if b.ordered)
        lists = [b for b in lists if not b.ordered]
    chosen: list[WorkItem] = []
    for block in forced:
        chosen.extend(WorkItem(block, item=i) for i in _open(block, lines))
    if bucket:
        candidates = [(b, _open(b, lines)) for b in lists]
        if any(i.checked is False for _, items in candidates for i in items):
            candidates = [(b, [i for i in items if i.checked is False]) for b, items in candidates]
        for block, items in candidates:
            for item in items:
                steps = outline_steps(item, lines)
                if steps is not None:
                    # "1. **Captación**" over "1.1. …", "1.2. …": a heading of the outline.
                    chosen.extend(WorkItem(steps, item=i) for i in _open(steps, lines))
                    continue
                phase = _phase_of(item, lines)
                if phase is None:
                    chosen.append(WorkItem(block, item=item))
                    continue
                # "- **Phase 1 — Measurement**" over its tasks: a milestone, not a task.
                for sub in item.lists:
                    chosen.extend(WorkItem(sub, item=i, group=phase) for i in _open(sub, lines))
    else:
        for block in lists:
            items = _open(block, lines)
            outline = [(i, outline_steps(i, lines)) for i in items]
            if items and sum(o is not None for _, o in outline) * 2 > len(items):
                # A numbered outline anywhere (1. over 1.1., 1.2.): its entries are the work
                # (an item without entries is one of its own).
                for item, steps in outline:
                    if steps is None:
                        chosen.append(WorkItem(block, item=item))
                    else:
                        chosen.extend(WorkItem(steps, item=i) for i in _open(steps, lines))
                continue
            if _backlog(items) or (
                len(items) == 1
                and (
                    ident_of(items[0].text.split("\n", 1)[0]) is not None
                    or (_entry(items[0]) and _siblings_hold_backlogs(builder, section))
                )
            ):  # one item left of an epic's list is still its own task when it has an id,
                # or when the sections beside it list their work the same way
                chosen.extend(WorkItem(block, item=i) for i in items)
    if rows:
        # Notes below a task table ("Remarques sur les enchaînements :") remark on its rows;
        # a note that names no row is the section's prose, never a task.
        remarks = [WorkItem(b, item=i) for b in noted for i in _open(b, lines)]
        chosen, rows = _notes_on_rows(builder, [*chosen, *remarks], rows)
        unnamed = {id(w.item) for w in remarks}
        chosen = [w for w in chosen if id(w.item) not in unnamed]
    chosen.extend(rows)
    return chosen


def _backlog(items: Sequence[ListItem]) -> bool:
    """Whether two or more items are mostly backlog entries (``items.backlog_item``)."""
    return mostly(items, lambda i: backlog_item(i.text))


_FIELD_LEAD = re.compile(
    r"\s*(?:\*\*|__)[^*_\n]{1,40}?:\s*(?:\*\*|__)|\s*(?:\*\*|__)[^*_\n]{1,40}?(?:\*\*|__)\s*:"
)
"""A field line's bold label: ``**Links:** blocks PAY-101``, ``**Type**: Story``."""


def _entry(item: ListItem) -> bool:
    """A backlog entry that is no field line (``- **Links:** blocks PAY-101`` is a field)."""
    first = item.text.split("\n", 1)[0]
    return backlog_item(item.text) and not is_label_item(first) and _FIELD_LEAD.match(first) is None


def _siblings_hold_backlogs(builder: Builder, section: Section) -> bool:
    """Whether a section beside this one lists backlog entries as its work.

    "## Sommer" down to one entry ("- **Ausstellung im Flur** – Pflicht. …") after an edit
    beside "## Herbst" and "## Frühling" listing several: the one entry is still a task, so a
    re-import does not turn it into the section. Read once per group of sections.
    """
    group = builder.siblings.get(id(section))
    if group is None:
        return False
    held = builder.group_backlogs.get(id(group))
    if held is None:
        held = builder.group_backlogs[id(group)] = any(
            isinstance(b, ListBlock) and mostly(b.items, _entry)
            for other in group
            for b in flat_blocks(other.blocks)
        )
    return held


_OUTLINE_NUMBER = re.compile(r"\s*(\d{1,3}(?:\.\d{1,3})+)\.?\s+\S")
"""A line of a numbered outline below its heading item: ``1.1. Pasar el formulario …``."""


def outline_steps(item: ListItem, lines: list[str]) -> ListBlock | None:
    """The numbered lines an item holds under its title, as a list (``None``: it holds none).

    A numbered outline written as ``1. **Captación**`` with ``1.1. …``, ``1.2. …`` indented
    below it parses as one item whose text goes on over those lines, as Markdown knows no
    ``1.1.`` marker. A reader sees a heading over its numbered entries: each is an item of
    its own (a line that carries no number goes on the entry before it).
    """
    if item.lists:
        # The same outline as a real sub-list: "- 1.1. …", "- 1.2. …" under the heading item.
        subs = [i for sub in item.lists for i in sub.items]
        # Half of them numbered: an entry added or renamed without its number stays one.
        count = sum(1 for i in subs if _OUTLINE_NUMBER.match(i.text))
        numbered = len(subs) >= 2 and count > 0 and count * 2 >= len(subs)
        return (
            ListBlock(True, 1, tuple(subs), subs[0].line_start, subs[-1].line_end)
            if numbered
            else None
        )
    if "\n" not in item.text:
        return None
    parts = item.text.split("\n")
    if "." not in parts[1][:6]:
        return None
    first = item.line_start
    steps: list[ListItem] = []
    for offset, text in enumerate(parts[1:], start=1):
        number = first + offset
        raw = lines[number - 1] if number <= len(lines) else ""
        if _OUTLINE_NUMBER.match(text) and raw.strip().startswith(text.strip()[:12]):
            steps.append(ListItem(text.strip(), None, (), (), number, number))
        elif steps and text.strip():
            last = steps[-1]
            steps[-1] = ListItem(
                f"{last.text}\n{text.strip()}", None, (), (), last.line_start, number
            )
        elif text.strip():
            return None  # the item's own prose, not an outline
    if not steps or (len(steps) == 1 and not _extends(lines[first - 1], steps[0].text)):
        return None
    return ListBlock(True, 1, tuple(steps), steps[0].line_start, steps[-1].line_end)


_OWN_NUMBER = re.compile(r"\s*(\d{1,3})[.)]\s")


def _extends(heading_line: str, step: str) -> bool:
    """Whether a lone entry's number continues its heading item's (``5.1.`` under ``5.``).

    An outline's chapter down to one entry (the others done or dropped) is still a chapter
    over its entry; any other line below an item is the item's own text.
    """
    own = _OWN_NUMBER.match(heading_line)
    entry = _OUTLINE_NUMBER.match(step)
    return own is not None and entry is not None and entry.group(1).split(".")[0] == own.group(1)


def _phase_of(item: ListItem, lines: list[str]) -> str | None:
    """The milestone an item names when it is a phase over sub-items (``Phase 1 — …``)."""
    if not item.lists or item.line_start > len(lines):
        return None
    lead = bold_lead(lines[item.line_start - 1])
    name = lead[0] if lead else item_title(item.text.split("\n", 1)[0])
    if not (MILESTONE_HEADING.match(name) or STAGE_HEADING.fullmatch(name)):
        return None
    return name if any(_open(sub, lines) for sub in item.lists) else None


def _notes_on_rows(
    builder: Builder, chosen: list[WorkItem], rows: list[WorkItem]
) -> tuple[list[WorkItem], list[WorkItem]]:
    """Items named like a row of the section's task table, or led by its id, are notes on it.

    A plan that lists its workstreams in a table often explains some of them below it, each
    in an item led by the row's name (``**Home-realm discovery** — the login page…``). Those
    are the row's description, not a second task of the same name.
    """
    names: list[str] = []
    idents: dict[str, int] = {}
    for n, row in enumerate(rows):
        assert row.row is not None
        assert row.spec is not None
        names.append(_row_name(cell(row.row, row.spec.title)))
        if ident := cell(row.row, row.spec.ident):
            idents.setdefault(ident.casefold(), n)
    notes: dict[int, list[ListItem]] = {}
    kept: list[WorkItem] = []
    lines = builder.doc.lines
    for work in chosen:
        item = work.item
        if item is not None and item.line_start <= len(lines):
            first = item.text.split("\n", 1)[0]
            lead = bold_lead(lines[item.line_start - 1])
            name = lead[0] if lead else item_title(first)
            row_index = _row_named(names, _row_name(name))
            if row_index is None and idents and (led := ident_of(first)) is not None:
                row_index = idents.get(led.casefold())  # "**C6**: 14 instances. We do…"
            if row_index is None and idents and (named := _SUBJECT_ID.match(first)):
                # "La recette du plafonnement (A5) utilise les premiers fichiers…"
                row_index = idents.get(named.group(1).casefold())
            if row_index is not None:
                notes.setdefault(row_index, []).append(item)
                continue
        kept.append(work)
    if not notes:
        return chosen, rows
    return kept, [
        dataclasses.replace(row, notes=tuple(notes[n])) if n in notes else row
        for n, row in enumerate(rows)
    ]


_NOTE_LEAD = re.compile(
    rf"\s*(?:[-*+]|\d+[.)])\s+(?:(?:\*\*|__)({ID_PATTERN})(?:\*\*|__)\s*[:—–-]?|({ID_PATTERN})\s*:)"
)
"""An item led by an id alone, bold or before a colon (``- **A4** : on ne peut …``)."""


def notes_on_tasks(builder: Builder, section: Section) -> list[tuple[Unit, ListItem]] | None:
    """The section's items as notes on tasks the plan already has, when it is such a list.

    "Précisions sur certaines actions" under a table of actions: ``- **A4** : on ne peut
    désigner personne tant que …``, ``- **A12** se fait quand …``. When most items of its
    lists lead with the id of a task above (the id alone, bold or before a colon), the
    section remarks on those tasks: each such item is its task's note, the others are
    commentary, and the section is no task.
    """
    if section.children:
        return None
    lists = [b for b in flat_blocks(section.blocks) if isinstance(b, ListBlock)]
    if not lists or any(isinstance(b, Table) for b in flat_blocks(section.blocks)):
        return None
    lines = builder.doc.lines
    items = [i for b in lists for i in b.items]
    leads: list[tuple[str, ListItem]] = []
    for item in items:
        m = _NOTE_LEAD.match(lines[item.line_start - 1]) if item.line_start <= len(lines) else None
        if m is not None:
            leads.append(((m.group(1) or m.group(2)).casefold(), item))
    if len(leads) < 2 or len(leads) * 2 <= len(items):
        return None  # most lists: no need to look at the tasks so far
    known: dict[str, list[Unit]] = {}
    for unit in builder.units:
        if unit.ident:
            known.setdefault(unit.ident.casefold(), []).append(unit)
    notes = [(led[0], item) for ident, item in leads if len(led := known.get(ident, [])) == 1]
    return notes if len(notes) >= 2 and len(notes) * 2 > len(items) else None


_SUBJECT_ID = re.compile(rf"(?:\S+\s+){{0,6}}?\S+\s+\(({ID_PATTERN})\)\s+\S+\s+\S+")
"""A sentence whose subject names a row by its id in parentheses, right after the words that
describe it (``TramCheck (A7) ne peut être testée…``): a remark on that row."""


def _row_named(names: list[str], name: str) -> int | None:
    """The row an item's name names.

    The same name, else the one row whose name holds it (or that it holds) word for word: a
    row renamed "Revised …" keeps its notes.
    """
    if not name:
        return None
    if name in names:
        return names.index(name)
    padded = f" {name} "
    holding = [
        n for n, row in enumerate(names) if row and (padded in f" {row} " or f" {row} " in padded)
    ]
    return holding[0] if len(holding) == 1 else None


def _row_name(title: str) -> str:
    """A row's or item's name as compared: without a parenthesis (``(login routing)``)."""
    return norm(_PARENTHESIS.sub(" ", title))


_PARENTHESIS = re.compile(r"\([^()]*\)")


_ITEM_START = r"\s*(?:[-*+]|\d+[.)]|\(?[a-z]\))\s+(?:(?:\[[ xX]\]|[\u2610-\u2612])\s+)?"
"""A list item's marker and its checkbox, ``[ ]`` or a ballot-box glyph (``☐``, ``☑``, ``☒``)."""

_BOLD_LEAD = re.compile(
    _ITEM_START + r"(?:\[[^\]\n]{1,24}\]\s*|`[^`\n]{1,24}`\s*)*"
    r"(\*\*|__)(?P<name>(?:(?!\1)[^\n])+?)\1\s*"
    r"(?P<tags>(?:\[[^\]\n]{1,40}\]\s*|`~[^`\n]{1,40}`\s*)*)(?P<mark>[^\w\s\[\]()*_:—–·|.,;!?'\"-]{1,3}\s*)?"
    r"(?P<after>[:—–·|-]\s|\(|[*_]\(|[:.]$|$)"
)
"""An item led by a bold name, maybe after a tag (``- [P1] **Search API** — …``) and before
labels in brackets or scoped labels in code (``**Borrar legacy** `~prioridad::baja` —``), a
symbol a legend defines (``**Cast Nell** ★ — …``), a dash, a colon or a
parenthesis. The name holds anything but its own
delimiter: ``**Dual write behind `attachments.dual_write`.**`` keeps its underscores."""


_BOLD_SENTENCE = re.compile(
    _ITEM_START + r"(\*\*|__)(?P<name>(?:(?!\1)[^\n])+?)[.:]\1"
    r"(?P<tags>)\s+\S"
)
"""An item led by a bold sentence of its own (``1. **Backfill existing files.** A batch job…``):
the bold sentence is its name."""


def bold_lead(raw: str) -> tuple[str, list[str]] | None:
    """The name a list item leads with in bold, and the labels in brackets after it.

    ``- **Referral links** — a link per customer`` → ``Referral links``; a card exported
    from a board, ``- **CMS setup** [platform] — Storyblok…``, gives the label ``platform``
    too. An id alone (``**MOB-201** Register…``) is no name.
    """
    m = _BOLD_LEAD.match(raw) or _BOLD_SENTENCE.match(raw)
    if m is None or ident_of(m.group("name").strip()) == m.group("name").strip():
        return None
    tags = re.findall(r"\[([^\]\n]+)\]", m.group("tags"))
    name = m.group("name").strip(" :")
    if mark := (m.groupdict().get("mark") or "").strip():
        name = f"{name} {mark}"  # "**Cast Nell** ★ — …": the mark stays for the legend
    return name, [t for tag in tags if (t := slug(tag, 40))]


def _names_a_person(name: str, block: ListBlock, builder: Builder) -> bool:
    """Whether a list's bold leads are owners (meeting actions), not the items' names.

    A name (one or two capitalised words) that leads two items of the list, or that the
    document's head lists (``**Attendees:** Lucía, Marcos``), is a person.
    """
    words = name.split()
    if not 1 <= len(words) <= 2 or not all(w[:1].isupper() and w.isalpha() for w in words):
        return False
    lines = builder.doc.lines
    leads = [
        lead[0]
        for item in block.items
        if item.line_start <= len(lines) and (lead := bold_lead(lines[item.line_start - 1]))
    ]
    if leads.count(name) >= 2:
        return True
    first_heading = builder.doc.sections[0].line_start if builder.doc.sections else 1
    head = lines[: max(first_heading - 1, 0)]
    if builder.doc.sections and builder.doc.sections[0].level == 1:
        head = lines[: builder.doc.sections[0].body_line_end]
    return re.search(rf"\b{re.escape(name)}\b", "\n".join(head)) is not None


def _says_in_order(section: Section) -> bool:
    return any(
        isinstance(b, Paragraph) and states_sequence(b.text) for b in flat_blocks(section.blocks)
    )


def _announced(line: str) -> str | None:
    """The role a paragraph's last line gives the list after it."""
    if TASKS_LABEL.fullmatch(line.strip()):
        return "tasks"
    if ":" in line and NOTES_LABEL.fullmatch(line.strip()):
        return "notes"  # "Notas de la fase 2:" over remarks on the tasks above
    fields = label_fields(line)
    if fields and not fields[-1][1]:
        return (
            "ac"
            if fields[-1][0] == "acceptance"
            else "deps"
            if fields[-1][0] == "depends"
            else None
        )
    return None


def _bold_notes(block: Paragraph, lines: list[str]) -> str | None:
    """``"notes"`` for a bold line alone that names notes (``**Notas al cronograma**``)."""
    if block.line_start != block.line_end or block.line_start > len(lines):
        return None
    raw = lines[block.line_start - 1].strip()
    if not raw.startswith(("**", "__")) or not raw.rstrip(":").endswith(("**", "__")):
        return None
    return "notes" if NOTES_LABEL.fullmatch(f"{raw.strip('*_: ')}:") else None


def _open(block: ListBlock, lines: list[str]) -> list[ListItem]:
    """The list's items still to do: not checked, not struck through, not a label line."""
    out = []
    for item in block.items:
        first = item.text.split("\n", 1)[0]
        if item.checked is True or not first.strip() or is_label_item(first):
            continue
        raw = lines[item.line_start - 1] if item.line_start <= len(lines) else ""
        if struck(raw.lstrip(_LIST_MARKER)):
            continue
        out.append(item)
    return out


_BOLD_START = re.compile(_ITEM_START + r"(\*\*|__)(?:(?!\1).)+\1\s*[^\W\d_]")
"""An item whose bold start runs on in plain words (``**Revisiones pendientes** de los…``)."""


def _item_unit(
    builder: Builder, item: ListItem, path: list[str], inh: Inherited, block: ListBlock
) -> Unit:
    first = item.text.split("\n", 1)[0]
    lines = builder.doc.lines
    raw = lines[item.line_start - 1] if item.line_start <= len(lines) else ""
    stated = item.text
    if raw.count("**") % 2 and item.line_end > item.line_start and item.line_start < len(lines):
        # "1. **Betriebsvereinbarung … verhandeln und\n   unterschreiben** *(dringend)*": the
        # bold name wraps onto the item's next line, and what marks it with it.
        raw = f"{raw.rstrip()} {lines[item.line_start].strip()}"
        stated = stated.replace("\n", " ", 1)
    lead = bold_lead(raw)
    if lead and _names_a_person(lead[0], block, builder):
        # "**Marcos** — Terminar la API": the work is what follows the owner's name.
        rest = first.split(lead[0], 1)[-1].lstrip(" :—–-")
        lead = (item_title(rest), lead[1]) if rest else lead
    if lead is None and _BOLD_START.match(raw) and " — " in first:
        # "4) **Revisiones pendientes** de los camiones 2 y 5 — en el taller de Lorca. …":
        # a name begun in bold runs to its dash; what follows is where, who and how.
        first = first.split(" — ", 1)[0]
    title = clean_title(lead[0] if lead else item_title(first)) or "(untitled item)"
    meta = Meta()
    scan_text(meta, item.text, item.code_spans, item.line_start)
    if lead:
        meta.labels.extend(label for label in lead[1] if label not in meta.labels)
    for sub in item.lists:
        scan_list(sub, meta, None)
    if meta.priority is None:
        meta.priority = item_priority(stated)
    return Unit(
        key=builder.unique_key(f"{builder.path_key(path)}/{slug(title, 48) or 'item'}"),
        title=title,
        path=path,
        line_start=item.line_start,
        line_end=item.line_end,
        description=builder.doc.raw(item.line_start, item.line_end),
        meta=meta,
        section=None,
        inherited=inh,
        item=item,
        origin="item",
        ident=ident_of(first) or _issue_in_parentheses(first),
        number=_written_number(raw, block),
    )


_ISSUE_IN_PARENS = re.compile(r"\((#\d+)\)")


def _issue_in_parentheses(first_line: str) -> str | None:
    """An issue number in parentheses on an item's first line: the item's id.

    ``Migration guide (#150), needs #131`` is issue #150 (the issues it needs come after).
    """
    m = _ISSUE_IN_PARENS.search(first_line)
    return m.group(1) if m else None


_ITEM_NUMBER = re.compile(r"\s*(\d{1,3}(?:\.\d{1,3})*)[.)]?\s")


_TITLE_NUMBER = re.compile(_ITEM_START + r"(?:\*\*|__)(\d{1,3})[.)]\s")
"""A bulleted item whose bold title starts with its number (``- [ ] **3. Cubierta**``)."""


def _written_number(raw: str, block: ListBlock) -> str | None:
    """A numbered item's number as written (``7.``): "(needs 3)" names item 3."""
    if not block.ordered:
        # "- [ ] **3. Diseño de cubierta** — …": a bulleted checklist that numbers its titles
        m = _TITLE_NUMBER.match(raw)
        return m.group(1) if m else None
    m = _ITEM_NUMBER.match(raw)
    return m.group(1) if m else None


_RECORD_FIELD = re.compile(
    r"\s*(?:[-*+]\s+)?(?P<key>[^\W\d_][\w'·-]{0,23}?)\s*:(?:\s+(?P<value>.*))?"
)
"""One ``key: value`` line of a YAML-like record (``  après: [EX-04, EX-05]``)."""


def record_rows(block: ListBlock, lines: list[str]) -> list[WorkItem]:
    """The task rows of a list of YAML-like records, read as a table (empty: not such a list).

    A tracker exported as YAML and pasted without a code fence (``- id: EX-01`` /
    ``tâche: …`` / ``après: [EX-01]``) is a table written sideways: every line of every item is
    ``key: value``, the keys are its columns. Reading it as one lets the table's rules find the
    titles, ids, priorities, dependencies and milestones.
    """
    if block.ordered or len(block.items) < 2 or ":" not in lines[block.line_start - 1]:
        return []
    keys: list[str] = []
    records: list[dict[str, str]] = []
    for item in block.items:
        fields: dict[str, str] = {}
        for raw in lines[item.line_start - 1 : item.line_end]:
            if not raw.strip():
                continue
            m = _RECORD_FIELD.fullmatch(raw)
            if m is None:
                return []
            key = m.group("key").strip()
            fields[key] = (m.group("value") or "").strip().strip("[]").strip()
            if key not in keys:
                keys.append(key)
        if len(fields) < 3:
            return []
        records.append(fields)
    table = Table(
        header=tuple(keys),
        rows=tuple(tuple(r.get(k, "") for k in keys) for r in records),
        code_spans=(),
        line_start=block.line_start,
        line_end=block.line_end,
    )
    spec = task_table(table)
    if spec is None:
        return []
    return [
        dataclasses.replace(
            w,
            line=block.items[w.row_index].line_start,
            line_end=block.items[w.row_index].line_end,
        )
        for w in _table_rows(table, spec)
    ]


def _table_rows(table: Table, spec: TaskTable) -> list[WorkItem]:
    """The task rows of a task table, each with the group row above it (if any)."""
    rows: list[WorkItem] = []
    group: str | None = None
    for n, row in enumerate(table.rows):
        if (heading := _group_heading(row, spec)) is not None:
            group = heading
        elif cell(row, spec.title) and not row_done(row, spec):
            rows.append(WorkItem(table, row=row, row_index=n, spec=spec, group=group))
    return rows


_BOLD_CELL = re.compile(r"(\*\*|__)(?P<text>.+?)\1")


def _group_heading(row: tuple[str, ...], spec: TaskTable) -> str | None:
    """The name of a row that heads the rows below it (``| **Phase 1 — Travaux** | | |``).

    Schedules group their rows so: one filled cell, in bold or naming a stage (phase, lot,
    sprint…), and no title of its own. The rows below belong to it as to a milestone.
    """
    filled = [c.strip() for c in row if c.strip()]
    if len(filled) != 1 or (cell(row, spec.title) and spec.title != row.index(filled[0])):
        return None
    text = filled[0]
    bold = _BOLD_CELL.fullmatch(text)
    name = bold.group("text").strip() if bold else text
    if bold or MILESTONE_HEADING.match(name) or STAGE_HEADING.match(name):
        return name
    return None


_PAGE_PATH = re.compile(r"\s*\((?:[^()\s]*%20[^()\s]*|[^()\s]+\.md)\)")
"""The page path a Notion export writes after a relation's title (``(Write%20the%20po….md)``)."""


_LABEL_SPLIT = re.compile(r"[`,;\s]+")


def _tagged_level(text: str, legend: dict[str, Priority]) -> Priority | None:
    """The strongest level a labels cell's labels name, or a legend ranks.

    ``release-blocker`` names one; ```needs-4.0` should be in 4.0`` ranks another.
    """
    levels = [
        level
        for label in _LABEL_SPLIT.split(text)
        if label and (level := tag_priority(label) or legend.get(norm_plain(label)))
    ]
    return min(levels, key=lambda level: level.rank) if levels else None


def _legend_column(table: Table, legend: dict[str, Priority]) -> int | None:
    """The column whose every filled cell (two or more) is a term the legend ranks, if one."""
    for column in range(len(table.header)):
        cells = [norm_plain(r[column]) for r in table.rows if column < len(r) and r[column].strip()]
        if len(cells) >= 2 and all(c in legend for c in cells):
            return column
    return None


def _row_unit(builder: Builder, work: WorkItem, path: list[str], inh: Inherited) -> Unit:
    table, row, index, spec = work.block, work.row, work.row_index, work.spec
    assert isinstance(table, Table)
    assert row is not None
    assert spec is not None
    bare, marked_level = id_mark(cell(row, spec.ident))
    ident = bare or None
    text = cell(row, spec.title)
    # A number column ("#") only counts rows: it is no name to keep in the title.
    named = ident is not None and not ident.isdigit() and not text.startswith(ident)
    title = clean_title(f"{ident} {text}" if named else text)
    line = work.line or table.line_start + 2 + index
    meta = Meta()
    meta.priority = cell_priority(cell(row, spec.priority)) if spec.priority is not None else None
    if meta.priority is None and spec.priority is not None and builder.term_legend:
        meta.priority = builder.term_legend.get(norm_plain(cell(row, spec.priority)))
    if spec.priority is None and builder.term_legend:
        # "| Call |" over SS, PRV, if time under "**SS** = show-stopper; **PRV** = …"
        if id(table) not in builder.legend_columns:
            builder.legend_columns[id(table)] = _legend_column(table, builder.term_legend)
        if (column := builder.legend_columns[id(table)]) is not None:
            meta.priority = builder.term_legend.get(norm_plain(cell(row, column)))
    meta.priority = meta.priority or marked_level
    if meta.priority is None and spec.tags is not None:
        meta.priority = _tagged_level(cell(row, spec.tags), builder.label_legend)
    if (deps := cell(row, spec.deps)) and not TRUNK_BRANCH.fullmatch(norm_plain(deps)):
        if "%20" in deps or ".md)" in deps:
            deps = _PAGE_PATH.sub("", deps)
        meta.deps.append(DepRef(deps, line, strength="label"))
    if (successors := cell(row, spec.blocks)) and _WORD.search(successors):
        meta.deps.append(DepRef(successors, line, reverse=True, strength="label"))
    if notes := cell(row, spec.notes):
        meta.deps.extend(find_dependencies(notes, line))
    if stage := cell(row, spec.milestone):
        header = table.header[spec.milestone] if spec.milestone is not None else ""
        meta.milestone = stage if _LETTER.search(stage) else f"{header} {stage}"
    elif work.group:
        meta.milestone = work.group
    description = "\n".join(
        f"{h}: {c}" for h, c in zip(table.header, row, strict=False) if c.strip()
    )
    for note in work.notes:
        description += "\n\n" + builder.doc.raw(note.line_start, note.line_end)
        meta.deps.extend(find_dependencies(note.text, note.line_start))
    return Unit(
        key=builder.unique_key(f"{builder.path_key(path)}/{slug(title, 48) or 'row'}"),
        title=title or "(untitled row)",
        path=path,
        line_start=line,
        line_end=max(line, work.line_end),
        description=description,
        meta=meta,
        section=None,
        inherited=inh,
        origin="row",
        ident=ident or ident_of(text),
    )
