"""The builder: walks the sections and turns each would-be task into a ``Unit``.

A unit is everything the later steps need about one task: its key, title, source lines, the
meta scan of its text and the settings inherited from the sections above it. Units become
``PlannedTask``s in ``core.prd.plan.tasks``, and their references become edges in
``core.prd.plan.edges``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from core.domain.models import Priority
from core.prd.models import Granularity, ImportOptions, PlannedMilestone, PlanWarning
from core.prd.parse import Block, Document, ListBlock, ListItem, Paragraph, Section, Table
from core.prd.plan.scan import Meta, scan_blocks, scan_list, scan_text
from core.prd.plan.vocab import (
    AC_TITLES,
    HEADING_NUMBER,
    INFO_TITLES,
    ISO_DATE,
    MILESTONE_HEADING,
    MILESTONE_LIST_TITLES,
    PAREN_DEP,
    TOO_BIG,
    WORDS,
    clean_title,
    flat_blocks,
    norm,
    norm_words,
    priority_in_title,
    slug,
    source_stem,
    strip_number,
    strongest,
    type_of_words,
)


@dataclass(eq=False)
class Unit:
    """A would-be task: a section, a checklist item or step (fine), or the whole document.

    Compared by identity: two units with the same text are still two tasks.
    """

    key: str
    title: str
    path: list[str]
    line_start: int
    line_end: int
    description: str
    meta: Meta
    section: Section | None
    inherited: Inherited
    parent: Unit | None = None
    item: ListItem | None = None
    words: int = 0
    """Words in the description, for the ``too_big`` warning; 0 when too short to matter."""
    empty: bool = False


@dataclass(frozen=True)
class Inherited:
    """The settings a section passes down to the tasks below it (frozen: siblings share it)."""

    priority: Priority | None = None
    task_type: str | None = None
    milestone: str | None = None
    area: str | None = None
    deps: tuple[tuple[str, int], ...] = ()


@dataclass(slots=True)
class _Title:
    """What the rules read from a heading's title, computed once per distinct title."""

    stripped: str
    """Without its heading number (``strip_number``)."""
    clean: str
    """``stripped`` cleaned (``clean_title``): the section path's entry."""
    norm: str
    """``stripped`` normalized (``norm``): for kinds and references."""
    number: str | None
    """The heading number (``2.1``), when the title has one."""
    milestone: re.Match[str] | None
    """``MILESTONE_HEADING`` matched on ``stripped``."""
    priority: Priority | None
    """``priority_in_title`` of the whole title."""
    task_type: str | None
    """``type_of`` of the whole title."""
    listed: str | None
    """The kind its words alone give: ``milestone-list``, ``ac``, ``info`` or ``None``."""

    @classmethod
    def of(cls, title: str) -> _Title:
        stripped = strip_number(title)
        clean = clean_title(stripped)
        # Most titles have no number: then the stripped title is the title, cleaned once.
        numbered = stripped is not title
        number = HEADING_NUMBER.match(clean_title(title) if numbered else clean)
        words = WORDS.findall(title.casefold())
        normalized = norm(stripped) if numbered else norm_words(words)
        listed = None
        if MILESTONE_LIST_TITLES.fullmatch(normalized):
            listed = "milestone-list"
        elif AC_TITLES.fullmatch(normalized):
            listed = "ac"
        elif INFO_TITLES.fullmatch(normalized):
            listed = "info"
        return cls(
            stripped=stripped,
            clean=clean,
            norm=normalized,
            number=number.group(1) if number else None,
            milestone=MILESTONE_HEADING.match(stripped),
            priority=priority_in_title(title),
            task_type=type_of_words(words),
            listed=listed,
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
    units: list[Unit] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    milestones: dict[str, PlannedMilestone] = field(default_factory=dict)
    warnings: list[PlanWarning] = field(default_factory=list)
    section_units: dict[int, list[Unit]] = field(default_factory=dict)
    numbers: dict[str, Section] = field(default_factory=dict)
    section_titles: dict[str, list[Section]] = field(default_factory=dict)
    group_deps: list[tuple[Unit, str, int]] = field(default_factory=list)
    kinds: dict[int, str] = field(default_factory=dict)
    """``kind`` per section (by ``id``): it depends only on the section, asked many times."""
    titles: dict[str, _Title] = field(default_factory=dict)
    """``_Title`` per heading text: each is read several times per section, and titles repeat
    ("Acceptance criteria"). Per plan, so a first preview pays for every title."""

    def title(self, section: Section) -> _Title:
        """What the rules read from the section's heading (cached per heading text)."""
        found = self.titles.get(section.title)
        if found is None:
            found = self.titles[section.title] = _Title.of(section.title)
        return found

    # ------------------------------------------------------------ keys and milestones

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

    def milestone(self, ident: str, name: str, due: str | None = None) -> str:
        """The key of the milestone ``ident``, created when new; a later due date fills a gap."""
        key = slug(ident) or "milestone"
        existing = self.milestones.get(key)
        if existing is None:
            self.milestones[key] = PlannedMilestone(key=key, name=name[:200] or key, due_date=due)
        elif due and not existing.due_date:
            self.milestones[key] = existing.model_copy(update={"due_date": due})
        return key

    def milestone_from_text(self, text: str) -> str:
        """A milestone named by a ``Milestone:`` line or list item: find it or create it."""
        due = ISO_DATE.search(text)
        bare = clean_title(ISO_DATE.sub("", text).replace("()", "").replace("due", ""))
        m = MILESTONE_HEADING.match(bare)
        if m:
            return self.milestone(m.group("id"), clean_title(m.group("name") or bare), _d(due))
        for key, ms in self.milestones.items():
            if norm(ms.name) == norm(bare) or key == slug(bare):
                return key
        return self.milestone(bare, bare, _d(due))

    def heading_milestone(self, section: Section) -> str:
        """The milestone a ``M1: …`` / ``Phase 2: …`` heading declares, with its ISO due date."""
        info = self.title(section)
        m = info.milestone
        assert m is not None
        name = clean_title(m.group("name") or info.stripped)
        return self.milestone(m.group("id"), name, _d(ISO_DATE.search(section.title)))

    # ------------------------------------------------------------ classification

    def kind(self, section: Section) -> str:
        """What the section is to the rules (``task``, ``container``, ``info``, ``ac``…)."""
        found = self.kinds.get(id(section))
        if found is None:
            found = self.kinds[id(section)] = self._kind(section)
        return found

    def _kind(self, section: Section) -> str:
        info = self.title(section)
        if section is self.title_section:
            return "container"
        if info.milestone and section.children:
            return "milestone"
        if info.milestone:
            return "milestone-task"
        if info.listed:
            return info.listed
        if section.level < self.top:
            return "container"
        return "task"

    def is_task_like(self, section: Section) -> bool:
        """Whether the section becomes a task (or holds tasks) rather than being read by one."""
        return self.kind(section) in ("task", "milestone-task")

    # ------------------------------------------------------------ walking

    def walk(self, sections: list[Section], path: list[str], inh: Inherited) -> None:
        """Add the units of ``sections`` and everything below them, in document order."""
        for section in sections:
            kind = self.kind(section)
            info = self.title(section)
            if info.number:
                self.numbers.setdefault(info.number, section)
            self.section_titles.setdefault(info.norm, []).append(section)
            sub_path = path if section is self.title_section else [*path, info.clean]
            if kind == "info":
                continue
            if kind == "milestone-list":
                self.read_milestones(section)
                continue
            if kind == "ac":
                continue  # read by the enclosing task
            own = Meta()
            own_pending = scan_blocks(section.blocks, own)
            local = self.inherit(inh, own, section, sub_path)
            if kind in ("milestone", "milestone-task"):
                local = replace(local, milestone=self.heading_milestone(section))
            if kind in ("milestone", "container"):
                self.walk(section.children, sub_path, local)
                continue
            task_children = [c for c in section.children if self.is_task_like(c)]
            if self.options.granularity is Granularity.COARSE or not task_children:
                # ``own`` is not used again here: the task's scan continues from it.
                self.add_section_unit(section, sub_path, local, own, own_pending)
            else:
                self._add_group(section, sub_path, local, own, inh)

    def _add_group(
        self, section: Section, path: list[str], local: Inherited, own: Meta, inh: Inherited
    ) -> None:
        """Walk a section whose sub-sections are the tasks; they get its criteria and deps."""
        start = len(self.units)
        self.walk(section.children, path, replace(local, deps=()))
        below = [u for u in self.units[start:] if u.parent is None]
        self.section_units.setdefault(id(section), []).extend(below)
        group_ac = [*own.criteria, *self._ac_meta(section, deep=False).criteria]
        for unit in below:
            unit.meta.criteria.extend(group_ac)
        for dep, line in (*inh.deps, *own.deps):
            for unit in below:
                self.group_deps.append((unit, dep, line))

    def inherit(self, inh: Inherited, own: Meta, section: Section, path: list[str]) -> Inherited:
        """What the section passes down: its own settings, else its title's, else ``inh``'s."""
        area = inh.area
        if area is None and section.level >= self.top and path:
            area = slug(path[0], 40)
        return Inherited(
            priority=own.priority or self.title(section).priority or inh.priority,
            task_type=own.task_type or self.title(section).task_type or inh.task_type,
            milestone=self.milestone_from_text(own.milestone) if own.milestone else inh.milestone,
            area=area,
            deps=inh.deps,
        )

    def read_milestones(self, section: Section) -> None:
        """Create the milestones a milestone-list section names (items, rows, sub-sections)."""
        for block in flat_blocks(section.blocks):
            if isinstance(block, ListBlock):
                for item in block.items:
                    self.milestone_from_text(item.text.split("\n", 1)[0])
            elif isinstance(block, Table):
                for row in block.rows:
                    if row and row[0].strip():
                        due = next((m for c in row if (m := ISO_DATE.search(c))), None)
                        name = (
                            row[0]
                            if len(row) < 2 or MILESTONE_HEADING.match(row[0]) is None
                            else f"{row[0]}: {row[1]}"
                        )
                        self.milestone_from_text(f"{name} {_d(due) or ''}")
        for child in section.children:
            self.milestone_from_text(strip_number(child.title))
            self.read_milestones(child)

    # ------------------------------------------------------------ units

    def subtree_blocks(self, section: Section) -> Iterator[Block]:
        """The blocks of the section's task sub-sections, depth first (what coarse adds)."""
        for child in section.children:
            if self.kind(child) not in ("ac", "info", "milestone-list"):
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
        title_text = self.title(section).clean or "(untitled)"
        end = section.line_end
        description = self.doc.raw(section.line_start + 1, end)
        key = self.unique_key(f"{self.source_key}:{'/'.join(slug(p) or 'section' for p in path)}")
        unit = Unit(
            key=key,
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
                self.section_titles.setdefault(info.norm, []).append(s)
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
            if self.kind(child) == "ac":
                yield child
            elif deep and self.kind(child) not in ("info", "milestone-list"):
                yield from self._ac_sections(child, deep=True)

    def _subtree(self, section: Section) -> Iterator[Section]:
        yield section
        for child in section.children:
            if self.kind(child) not in ("info", "milestone-list"):
                yield from self._subtree(child)

    def add_item_units(self, parent: Unit) -> None:
        """Add a child unit per open checklist item and numbered step of ``parent`` (fine)."""
        for block, items in parent.meta.steps:
            previous: Unit | None = None
            for item in items:
                first_line = item.text.split("\n", 1)[0]
                title = clean_title(PAREN_DEP.sub("", first_line)) or "(untitled step)"
                meta = Meta()
                scan_text(meta, item.text, item.code_spans, item.line_start)
                meta.deps = [(t, ln) for t, ln in meta.deps if t]
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
                )
                self.units.append(unit)
                if previous is not None and block.ordered and self.options.order_dependencies:
                    unit.meta.deps.append((f"\x00order:{previous.key}", item.line_start))
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
        fake = Section(1, title, (), 1, max(len(doc.lines), 1), max(len(doc.lines), 1))
        fake.blocks = list(doc.preamble)
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
            section=fake,
            inherited=inh,
            words=word_count(description, self.options.granularity),
        )
        self.units.append(unit)
        fine = self.options.granularity is Granularity.FINE
        self.warnings.append(
            PlanWarning(
                code="no_headings",
                message="The document has no headings: it was planned as one task"
                + (" with its checklist items and numbered steps as sub-tasks." if fine else "."),
                line=1,
                task_key=unit.key,
            )
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


def _d(match: re.Match[str] | None) -> str | None:
    return match.group(1) if match else None
