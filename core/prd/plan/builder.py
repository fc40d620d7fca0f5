"""The builder: walks the sections and turns each would-be task into a ``Unit``.

A unit is everything the later steps need about one task: its key, title, source lines, the
meta scan of its text and the settings inherited from the sections above it. Units become
``PlannedTask``s in ``core.prd.plan.tasks``, and their references become edges in
``core.prd.plan.edges``. What each section is (work, a group, not work and why) comes from
``core.prd.plan.classify``; which list items and table rows are tasks from
``core.prd.plan.buckets``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from core.domain.models import Priority
from core.prd.models import (
    Granularity,
    ImportOptions,
    PlanWarning,
    SkippedSection,
    WarningCode,
)
from core.prd.parse import Block, CodeBlock, Document, ListBlock, Paragraph, Section, Table
from core.prd.plan.buckets import WorkItem, notes_on_tasks, work_items
from core.prd.plan.classify import SectionRules, Title
from core.prd.plan.items import GanttLine, gantt_lines, item_title, task_table
from core.prd.plan.lexicon import STAGE_HEADING
from core.prd.plan.milestones import Milestones
from core.prd.plan.outline import Outline
from core.prd.plan.prose import (
    PHASE_HEADING,
    DepRef,
    find_dependencies,
    phase_exceptions,
    phase_order_exempt,
    says_phases_in_order,
    sequence_subject,
    states_sequence,
)
from core.prd.plan.scan import Meta, scan_blocks, scan_list, scan_text
from core.prd.plan.units import Inherited, Unit
from core.prd.plan.vocab import (
    TOO_BIG,
    WORDS,
    clean_title,
    flat_blocks,
    ident_of,
    slug,
    source_stem,
    strongest,
)


@dataclass
class Builder:
    """One plan's walk: the units, keys, milestones and warnings found so far.

    Per plan and never shared, so its caches need no invalidation.
    """

    doc: Document
    source_key: str
    options: ImportOptions
    top: int
    title_section: Section | None
    outline: Outline
    rules: SectionRules
    milestones: Milestones
    units: list[Unit] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    warnings: list[PlanWarning] = field(default_factory=list)
    skipped: list[SkippedSection] = field(default_factory=list)
    section_units: dict[int, list[Unit]] = field(default_factory=dict)
    numbers: dict[str, Section] = field(default_factory=dict)
    section_titles: dict[str, list[Section]] = field(default_factory=dict)
    group_deps: list[tuple[list[Unit], DepRef]] = field(default_factory=list)
    """Dependencies a section states for every task below it."""
    sequences: list[tuple[list[list[Unit]], int]] = field(default_factory=list)
    """Groups of tasks the document says run in order (each waits for the one before)."""
    listed_members: dict[str, list[Unit]] = field(default_factory=dict)
    """Milestone key → the tasks of the sections its heading lists (``Fase 1`` over ``3.2, 3.3
    y 3.4``), filled when the listed numbers are resolved."""
    dep_sections: list[Section] = field(default_factory=list)
    milestone_prose: list[Section] = field(default_factory=list)
    """Milestone sections, whose prose may order the milestones ("Phase 3 starts only when
    Phase 2 is closed")."""
    gantt: list[GanttLine] = field(default_factory=list)
    path_slugs: dict[str, str] = field(default_factory=dict)
    """Heading → its piece of a key: every task below a heading repeats it."""
    legend: dict[str, Priority] = field(default_factory=dict)
    """The document's legend: the priority each of its marks stands for (``🔥 must-have``)."""
    tag_legend: dict[str, Priority] = field(default_factory=dict)
    """The priority each ``[tag]`` a legend ranks stands for (``[slice]`` → high)."""
    abbreviations: dict[str, Priority] = field(default_factory=dict)
    """A legend's letters in parentheses (``(P) = Pflicht``) → the level each stands for."""
    mark_legend: dict[str, Priority] = field(default_factory=dict)
    """The priority each sign of an ``=`` legend stands for (``(!!) = dringend``)."""
    siblings: dict[int, list[Section]] = field(default_factory=dict)
    """A section (by identity) → the sections of its level under the same heading, itself
    included: a section down to one item reads like its siblings (``buckets.work_items``)."""
    group_backlogs: dict[int, bool] = field(default_factory=dict)
    """A group of sibling sections (by identity) → whether one of them lists backlog entries."""
    term_legend: dict[str, Priority] = field(default_factory=dict)
    """The priority each bold term of a legend stands for (``**Core** items …`` → medium)."""
    legend_columns: dict[int, int | None] = field(default_factory=dict)
    """A task table (by identity) → its column of the legend's terms, if it has one."""
    label_legend: dict[str, Priority] = field(default_factory=dict)
    """The priority a sentence gives each label in code (```can-slip` is fine …``)."""
    priority_terms: frozenset[str] = frozenset()
    """The document's own word for priority (``Caractère : obligatoire``)."""
    enumerated: set[int] = field(default_factory=set)
    """Sections whose numbered list continues a sibling's numbering: each item is a task."""
    _phases_in_order: bool | None = None
    _phase_order_exempt: frozenset[str] | None = None

    def phases_in_order(self) -> bool:
        """Whether the document says anywhere that its phases run one after the other."""
        if self._phases_in_order is None:
            self._phases_in_order = says_phases_in_order("\n".join(self.doc.lines))
        return self._phases_in_order

    def phase_order_exempt(self) -> frozenset[str]:
        """The tasks (ids, numbers) the statement that the phases run in order leaves out."""
        if self._phase_order_exempt is None:
            self._phase_order_exempt = phase_order_exempt("\n".join(self.doc.lines))
        return self._phase_order_exempt

    def _without(self, groups: list[list[Unit]], names: frozenset[str]) -> list[list[Unit]]:
        """The groups less the tasks ``names`` names (those a phase order leaves out)."""
        return [[u for u in g if not self._named_in(u, names)] for g in groups]

    def _named_in(self, unit: Unit, names: frozenset[str]) -> bool:
        """Whether the task's id, item number or heading number is one of ``names``."""
        held = unit.section if unit.origin == "section" else None
        number = self.title(held).number if held is not None else None
        return bool({unit.ident, (unit.number or "").rstrip(".)"), number} & names)

    def warn(
        self,
        *,
        code: WarningCode,
        message: str,
        line: int | None,
        task_key: str | None,
        details: dict[str, object] | None = None,
    ) -> None:
        """Add a warning for the author: the import is still possible."""
        self.warnings.append(
            PlanWarning(
                code=code, message=message, line=line, task_key=task_key, details=details or {}
            )
        )

    def title(self, section: Section) -> Title:
        """What the rules read from the section's heading (cached per heading text)."""
        return self.rules.title(section)

    # ------------------------------------------------------------ keys

    def unique_key(self, base: str) -> str:
        """``base``, or ``base~2``, ``~3``… when taken; a very long base is cut and hashed."""
        if len(base) > 200:
            base = f"{base[:180]}-{hashlib.sha1(base.encode()).hexdigest()[:10]}"
        key, n = base, 1
        while key in self.keys:
            n += 1
            key = f"{base}~{n}"
        self.keys.add(key)
        return key

    def path_key(self, path: list[str]) -> str:
        """The key of a section path (before ``unique_key`` makes it unique)."""
        slugs = self.path_slugs
        pieces = []
        for heading in path:
            piece = slugs.get(heading)
            if piece is None:
                piece = slugs[heading] = slug(heading) or "section"
            pieces.append(piece)
        return f"{self.source_key}:{'/'.join(pieces)}"

    # ------------------------------------------------------------ walking

    def walk(self, sections: list[Section], path: list[str], inh: Inherited) -> None:
        """Add the units of ``sections`` and everything below them, in document order."""
        self.enumerated.update(continued_numbering(sections))
        for section in sections:
            self.siblings[id(section)] = sections
            verdict = self.rules.verdict(section)
            info = self.title(section)
            if info.number:
                self.numbers.setdefault(info.number, section)
            self.index_title(section)
            sub_path = path if section is self.title_section else [*path, info.clean]
            self._read_gantt(section)
            if verdict.kind in ("info", "deps", "milestone-list"):
                self.skip(section, sub_path, verdict.reason)
                if verdict.kind == "deps":
                    self.dep_sections.append(section)
                elif verdict.kind == "milestone-list":
                    self.milestone_prose.append(section)
                    self.walk(self.rules.walked_milestones(section), sub_path, inh)
                continue
            if verdict.kind == "ac":
                continue  # read by the enclosing task
            holds_work = any(self.rules.has_work(c) for c in section.children)
            # A milestone heading over task sections is transparent at every granularity.
            container = verdict.kind == "container" or (verdict.kind == "milestone" and holds_work)
            coarse = self.options.granularity is Granularity.COARSE
            leaf = not container and (coarse or not holds_work)
            if leaf:
                # "### Sequencing notes" below a backlog table: its sentences are read for
                # dependencies. (A list of notes led by the items' names is their text.)
                for child in section.children:
                    kind = self.title(child).kind
                    if (
                        kind is not None
                        and kind[0] == "deps"
                        and not any(isinstance(b, ListBlock) for b in flat_blocks(child.blocks))
                    ):
                        self.dep_sections.append(child)
            if leaf and not coarse and (notes := notes_on_tasks(self, section)) is not None:
                # "- **A4** : on ne peut désigner personne tant que …" below the actions: each
                # item remarks on the task its id names; the section is no task.
                for unit, item in notes:
                    unit.description += "\n\n" + self.doc.raw(item.line_start, item.line_end)
                    unit.meta.deps.extend(find_dependencies(item.text, item.line_start))
                self.skip(section, sub_path, "notes on tasks listed above, not work")
                continue
            items = work_items(self, section, verdict) if leaf and not coarse else []
            if not leaf and not container and not coarse and _has_task_table(section):
                # "Cronograma de tareas" over its table of tasks and a "Notas" sub-section:
                # the rows are tasks besides whatever the sub-sections hold.
                items = [w for w in work_items(self, section, verdict) if w.row is not None]
            own = Meta()
            own_pending = scan_blocks(
                section.blocks, own, skip=frozenset(id(w.block) for w in items)
            )
            if leaf and not items and not holds_work and self._names_milestones_only(section):
                self.skip(section, sub_path, "lists milestones")
                # Its prose may order them ("Phase 3 does not start until Phase 2 is in").
                self.milestone_prose.append(section)
                continue
            local = self.inherit(inh, own, section, sub_path)
            # A dated day that is one task of a dated phase ("### Day 1 — Thu 18 Jan" under
            # "## Shoot (18–20 January)") belongs to the phase, not to a milestone of its own.
            one_task = (
                leaf
                and not items
                and not holds_work
                and inh.milestone is not None
                and info.milestone is None  # "M1: Start", "Phase 2" name a milestone
                and not STAGE_HEADING.fullmatch(info.clean)  # so do "Alpha", "Beta"
            )
            if verdict.kind == "milestone" and not one_task:
                key = self.rules.heading_milestone(section)
                local = replace(local, milestone=key)
                listed = self.rules.scheduled_sections(section)
                if listed:
                    # The phase holds the sections it lists, known once references are
                    # resolved (``resolve_edges``), besides any tasks of its own.
                    self.listed_members[key] = self.section_units.setdefault(id(section), [])
                    for number in listed:
                        self.milestones.members.append((key, number, section.line_start))
                    if not items and not holds_work:
                        continue  # nothing but the list: not a task of its own
            if container:
                self._add_group(section, sub_path, local, own, inh, criteria=False)
                continue
            if items:
                self._add_items(section, sub_path, local, own, items)
                if not leaf:
                    self._add_group(section, sub_path, local, own, inh)
            elif leaf:
                # ``own`` is not used again here: the task's scan continues from it.
                self.add_section_unit(section, sub_path, local, own, own_pending)
            else:
                self._add_group(section, sub_path, local, own, inh)

    def _names_milestones_only(self, section: Section) -> bool:
        """Whether the section's only list or table names milestones (``| Lot | Exigences |``).

        Around it there is prose at most: the section is a schedule of tasks defined
        elsewhere, not a task of its own.
        """
        named = self.milestones.blocks
        if not named or section.children:
            return False
        blocks = list(flat_blocks(section.blocks))
        return any(id(b) in named for b in blocks) and all(
            id(b) in named or isinstance(b, Paragraph) for b in blocks
        )

    def index_title(self, section: Section) -> None:
        """Make the section findable by its title (and its title without a parenthesis)."""
        info = self.title(section)
        self.section_titles.setdefault(info.norm, []).append(section)
        bare = info.clean.split(" (", 1)[0]
        if bare != info.clean:
            self.section_titles.setdefault(self.rules.title_of(bare).norm, []).append(section)
        if info.milestone is not None:
            ident = self.rules.title_of(info.milestone.group("id")).norm
            self.section_titles.setdefault(ident, []).append(section)

    def skip(self, section: Section, path: list[str], reason: str) -> None:
        """Record a section that is not a task, with the reason the preview gives."""
        if reason:
            self.skipped.append(
                SkippedSection(
                    section_path=path,
                    line_start=section.line_start,
                    reason=reason,
                    line_end=section.line_end,
                    text=self.doc.raw(section.line_start + 1, section.body_line_end),
                )
            )

    def _read_gantt(self, section: Section) -> None:
        for block in flat_blocks(section.blocks):
            if isinstance(block, CodeBlock) and "gantt" in block.code[:40]:
                self.gantt.extend(gantt_lines(block.code.strip(), block.line_start))

    def _add_group(
        self,
        section: Section,
        path: list[str],
        local: Inherited,
        own: Meta,
        inh: Inherited,
        *,
        criteria: bool = True,
    ) -> None:
        """Walk a section whose sub-sections are the tasks; they get its deps and criteria.

        A grouping heading (``criteria=False``) passes its deps but not its criteria; the
        document's title passes neither. Its prose may say the sub-sections run in order.
        """
        start = len(self.units)
        self.walk(section.children, path, replace(local, deps=()))
        below = [u for u in self.units[start:] if u.parent is None]
        self.section_units.setdefault(id(section), []).extend(below)
        if criteria:
            group_ac = [*own.criteria, *self._ac_meta(section, deep=False).criteria]
            for unit in below:
                unit.meta.criteria.extend(group_ac)
        if section is not self.title_section:
            for dep in (*inh.deps, *own.deps):
                self.group_deps.append((below, dep))
        staged = [c for c in section.children if PHASE_HEADING.match(clean_title(c.title))]
        phases = len(staged) > 1 and len(staged) == len(section.children)
        ordered = any(states_sequence(p) for p in own.prose)
        if ordered or (phases and self.phases_in_order()):
            # A phase that lists its sections is empty until references are resolved: the
            # edges skip the groups still empty then.
            groups = [
                g for c in section.children if (g := self.section_units.get(id(c))) is not None
            ]
            if not ordered and (exempt := self.phase_order_exempt()):
                # "… except the till (2.2) and social media (3.3)": they wait for no phase.
                groups = self._without(groups, exempt)
            if len(groups) > 1:
                self.sequences.append((groups, section.line_start))
        elif len(staged) > 1 and says_phases_in_order(around := self._beside(section, staged)):
            # "Stages run in order" over "Stage 0 — Smoke test", "Stage 1 — Boot" beside an
            # overview and a reading guide that says so: the stages run in order, the rest is
            # no step. A stage said to start early waits for what that sentence names.
            early = phase_exceptions(around)
            chain: list[list[Unit]] = []
            for child in staged:
                group = self.section_units.get(id(child))
                if group is None:
                    continue
                m = PHASE_HEADING.match(clean_title(child.title))
                if m is not None and " ".join(m.group(0).casefold().split()) in early:
                    after = staged[staged.index(child) + 1 :]
                    nxt = next((g for c in after if (g := self.section_units.get(id(c)))), None)
                    if nxt is not None:
                        self.sequences.append(([group, nxt], section.line_start))
                    continue
                chain.append(group)
            if exempt := phase_order_exempt(around):
                # "… except the till (2.2) and social media (3.3)": they wait for no phase.
                chain = self._without(chain, exempt)
            if len(chain) > 1:
                self.sequences.append((chain, section.line_start))

    def _beside(self, section: Section, staged: list[Section]) -> str:
        """The section's own text and that of its sub-sections other than ``staged``."""
        lines = self.doc.lines
        parts = [section, *(c for c in section.children if c not in staged)]
        return "\n".join("\n".join(lines[p.line_start - 1 : p.body_line_end]) for p in parts)

    def _add_items(
        self, section: Section, path: list[str], local: Inherited, own: Meta, items: list[WorkItem]
    ) -> None:
        """Add a task per work item of a bucket section; they inherit its settings and deps."""
        start = len(self.units)
        for work in items:
            self.units.append(work.unit(self, path, local))
        below = self.units[start:]
        self.section_units.setdefault(id(section), []).extend(below)
        for dep in (*local.deps, *own.deps):
            self.group_deps.append((below, dep))
        saying = (
            next((p for p in own.prose if states_sequence(p)), None) if len(below) > 1 else None
        )
        if saying is not None:
            # The items of a list, or the rows of a step table, run in the order written.
            with_deps_column = {
                id(w.block)
                for w in items
                if isinstance(w.block, Table)
                and (found := task_table(w.block)) is not None
                and found.deps is not None
            }
            for block in dict.fromkeys(id(w.block) for w in items):
                listed = [u for u, w in zip(below, items, strict=True) if id(w.block) == block]
                if block in with_deps_column and sum(bool(u.meta.deps) for u in listed) > 1:
                    continue  # its "Prerequisites" column says what each row waits for
                listed = named_by_noun(listed, sequence_subject(saying))
                if len(listed) > 1:
                    self.sequences.append(([[u] for u in listed], section.line_start))

    def inherit(self, inh: Inherited, own: Meta, section: Section, path: list[str]) -> Inherited:
        """What the section passes down: its own settings, else its title's, else ``inh``'s."""
        area = inh.area
        if area is None and section.level >= self.top and path:
            area = slug(path[0], 40)
        info = self.title(section)
        titled = section is not self.title_section
        return Inherited(
            priority=own.priority or (info.priority if titled else None) or inh.priority,
            task_type=own.task_type or (info.task_type if titled else None) or inh.task_type,
            milestone=self.milestones.from_text(own.milestone) if own.milestone else inh.milestone,
            area=area,
            deps=inh.deps,
        )

    # ------------------------------------------------------------ units

    def subtree_blocks(self, section: Section) -> Iterator[Block]:
        """The blocks of the section's task sub-sections, depth first (what coarse adds)."""
        for child in section.children:
            if self.rules.verdict(child).kind not in ("ac", "info", "milestone-list", "deps"):
                yield from child.blocks
                yield from self.subtree_blocks(child)

    def add_section_unit(
        self, section: Section, path: list[str], inh: Inherited, meta: Meta, pending: str | None
    ) -> None:
        """Add the section's task; ``meta`` is the scan of its own blocks (``pending`` after)."""
        coarse = self.options.granularity is Granularity.COARSE
        if coarse:
            scan_blocks(self.subtree_blocks(section), meta, pending=pending)
        ac = self._ac_meta(section, deep=coarse)
        meta.criteria.extend(ac.criteria)
        meta.item_count += ac.item_count
        info = self.title(section)
        title_text = info.clean or "(untitled)"
        meta.labels.extend(tag for tag in info.tags if tag not in meta.labels)
        end = section.line_end
        description = self.doc.raw(section.line_start + 1, end)
        unit = Unit(
            key=self.unique_key(self.path_key(path)),
            title=title_text,
            path=path,
            line_start=section.line_start,
            line_end=end,
            description=description,
            meta=meta,
            section=section,
            inherited=inh,
            words=word_count(description, self.options.granularity),
            empty=not section.blocks and not section.children,
            ident=self.title(section).ident,
        )
        if coarse:
            priority_in = [
                p for s in self._subtree(section) if (p := self.title(s).priority) is not None
            ]
            if priority_in and meta.priority is None:
                meta.priority = strongest(priority_in)
        self.units.append(unit)
        for s in self._subtree(section):
            self.section_units.setdefault(id(s), []).append(unit)
            if s is not section:
                info = self.title(s)
                if info.number:
                    self.numbers.setdefault(info.number, s)
                self.index_title(s)
        if self.options.granularity is Granularity.FINE:
            self.add_item_units(unit)

    def _ac_meta(self, section: Section, *, deep: bool) -> Meta:
        """The scan of the section's acceptance sub-sections: their criteria and item count."""
        ac = Meta()
        for ac_section in self._ac_sections(section, deep=deep):
            scan_blocks(ac_section.blocks, ac, ac_section=True)
        return ac

    def _ac_sections(self, section: Section, *, deep: bool) -> Iterator[Section]:
        for child in section.children:
            kind = self.rules.verdict(child).kind
            if kind == "ac":
                yield child
            elif deep and kind not in ("info", "milestone-list", "deps"):
                yield from self._ac_sections(child, deep=True)

    def _subtree(self, section: Section) -> Iterator[Section]:
        yield section
        for child in section.children:
            if self.rules.verdict(child).kind not in ("info", "milestone-list", "deps"):
                yield from self._subtree(child)

    def add_item_units(self, parent: Unit) -> None:
        """Add a child unit per open checklist item and numbered step of ``parent`` (fine)."""
        for block, items in parent.meta.steps:
            previous: Unit | None = None
            for item in items:
                first_line = item.text.split("\n", 1)[0]
                title = clean_title(item_title(first_line)) or "(untitled step)"
                meta = Meta()
                scan_text(meta, item.text, item.code_spans, item.line_start)
                for sub in item.lists:
                    scan_list(sub, meta, None)
                item_slug = slug(title, 48) or "item"
                unit = Unit(
                    key=self.unique_key(f"{parent.key}/{item_slug}"),
                    title=title,
                    path=parent.path,
                    line_start=item.line_start,
                    line_end=item.line_end,
                    description=self.doc.raw(item.line_start, item.line_end),
                    meta=meta,
                    section=None,
                    inherited=parent.inherited,
                    parent=parent,
                    item=item,
                    words=0,
                    origin="step",
                    ident=ident_of(title),
                )
                self.units.append(unit)
                if previous is not None and block.ordered and self.options.order_dependencies:
                    unit.meta.deps.append(
                        DepRef("", item.line_start, strength="label", order_key=previous.key)
                    )
                previous = unit

    def add_document_unit(self, source: str, inh: Inherited) -> None:
        """Plan a document without headings as one task (and its steps, at fine)."""
        doc = self.doc
        first = next(
            (b for b in flat_blocks(doc.preamble) if isinstance(b, Paragraph | ListBlock)), None
        )
        title = ""
        if isinstance(first, Paragraph):
            title = first.text.split("\n", 1)[0]
        elif isinstance(first, ListBlock) and first.items:
            title = first.items[0].text.split("\n", 1)[0]
        title = clean_title(title) or source_stem(source) or "Imported document"
        meta = Meta()
        scan_blocks(doc.preamble, meta)
        description = doc.raw(1, len(doc.lines))
        unit = Unit(
            key=self.unique_key(f"{self.source_key}:document"),
            title=title,
            path=[],
            line_start=1,
            line_end=max(len(doc.lines), 1),
            description=description,
            meta=meta,
            section=None,
            inherited=inh,
            words=word_count(description, self.options.granularity),
            origin="document",
        )
        self.units.append(unit)
        fine = self.options.granularity is Granularity.FINE
        self.warn(
            code="no_headings",
            message="The document has no headings: it was planned as one task"
            + (" with its checklist items and numbered steps as sub-tasks." if fine else "."),
            line=1,
            task_key=unit.key,
        )
        if fine:
            self.add_item_units(unit)


def word_count(description: str, granularity: Granularity) -> int:
    """The description's word count, or 0 when it is too short to reach ``too_big``'s limit.

    ``n`` words take at least ``2n - 1`` characters, so text shorter than twice the limit
    cannot exceed it: most sections skip the split (~2.5% of a 1 MB preview).
    """
    limit = TOO_BIG[granularity][1]
    return len(description.split()) if len(description) >= 2 * limit else 0


def continued_numbering(sections: list[Section]) -> Iterator[int]:
    """The sibling sections whose numbered lists run on from one to the next (their ``id``).

    "### Bodega" holding items 1 to 5 and "### Viña" holding 6 to 9: numbering that continues
    across sections marks one enumeration of work items, grouped by area; the headings are
    buckets of those items, not tasks whose steps the items are.
    """
    previous: tuple[Section, ListBlock] | None = None
    for section in sections:
        block = next((b for b in section.blocks if isinstance(b, ListBlock) and b.ordered), None)
        if block is None or section.children:
            previous = None
            continue
        if previous is not None and block.start > 1:
            before, listed = previous
            if block.start == listed.start + len(listed.items):
                yield id(before)
                yield id(section)
        previous = (section, block)


def _has_task_table(section: Section) -> bool:
    """Whether one of the section's own blocks is a table of tasks (``task_table``)."""
    return any(isinstance(b, Table) and task_table(b) is not None for b in section.blocks)


def _same_noun(said: str, word: str) -> bool:
    """Whether a title's word is the noun a sentence said, give or take a plural ending."""
    if len(word) < 3:
        return False
    if said.startswith(word):
        return len(said) - len(word) <= 2
    return word.startswith(said) and len(word) - len(said) <= 2


def named_by_noun(listed: list[Unit], subject: list[str]) -> list[Unit]:
    """The listed tasks a sentence names by its subject's noun, when some but not all carry it.

    "The waves go one after the other" under ``Wave A``, ``Wave B``, ``Wave C`` and two
    clean-up rows: the waves run in order, the clean-up is not a wave.
    """
    for said in subject:
        named = [
            u for u in listed if any(_same_noun(said, w) for w in WORDS.findall(u.title.casefold()))
        ]
        if 1 < len(named) < len(listed):
            return named
    return listed
