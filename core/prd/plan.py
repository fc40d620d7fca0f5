"""A parsed PRD → an ``ImportPlan``: tasks, dependency edges, milestones, waves and warnings.

Pure and deterministic: the same text, source and options give an equal plan, and nothing is
read or written (the engine previews the plan against the database and commits it).

The rules (the README quotes them)
==================================

**Sections.** The *top level* is H2, or the smallest heading level when the document has no H2.
When the top level is H2 and the document has exactly one H1 before everything else, that H1 is
the document's title: not a task, not part of any section path; its intro text (like the text
before the first heading) holds document-wide settings (``ID:``, ``Priority:``, ``Labels:``).
Headings above the top level group tasks and stay in their section paths. Some sections are
never tasks: *informational* ones (Overview, Background, Context, Summary, Introduction,
Motivation, Purpose, Scope, Goals, Non-goals, Out of scope, Open questions, Risks, References,
Glossary, Appendix, Table of contents — with their sub-sections), *acceptance* ones
(Acceptance criteria, Done when, Definition of done, Success criteria: their items are the
enclosing task's criteria) and *milestone lists* (Milestones, Roadmap, Timeline, Phases).

**Granularity.**

- ``coarse``: one task per top-level section, covering its whole subtree; criteria are the items
  of acceptance lists and the open task-list checkboxes anywhere in it.
- ``balanced``: one task per *leaf* section (a section with no task sub-sections, e.g. H3 under
  H2). Criteria: the acceptance lists when there are any, else every list item of the section.
  A section with sub-sections is not a task: its metadata (priority, type, milestone) and its
  ``Depends on`` lines are inherited by the tasks below it.
- ``fine``: the balanced tasks, plus one child task (``parent_key``) per open checklist item
  (``- [ ]``) and per numbered step (``1.``) in the section's own lists (not in acceptance lists).
  Checked items (``- [x]``) are already done and stay in the description only. The parent task
  waits for its children (edges with reason ``parent``). Criteria: acceptance lists, else the
  remaining plain bullets.

**No headings.** The whole document is one task (title: the first line of text, else the source
name), with a ``no_headings`` warning; at ``fine`` its checklist items and numbered steps become
its children as above.

**Keys** (the future ``external_id``): ``{source_key}:{slug of each heading in the section path,
joined by /}``; a fine item adds ``/{slug of its text}``; a repeat gets ``~2``, ``~3``. A key only
depends on its own path, so editing one section never changes another section's keys.
``source_key`` is the document's declared id (front matter ``id:``/``prd:``, or an ``ID:`` /
``PRD-ID:`` line before the first task), else the slug of the source's file name without
extension.

**Extraction** (from a task's own text; a section's settings are inherited by the tasks below):

- *Labels lines* at the start of a paragraph line, of a list item, or as a row of a two-column
  table: ``Depends on``, ``Blocked by``, ``Requires``, ``After``, ``Priority``, ``Type``,
  ``Labels``/``Tags``, ``Milestone``. List items that are label lines are metadata, not criteria.
  A list right after an empty ``Acceptance criteria:`` / ``Done when:`` / ``Definition of done:``
  line is an acceptance list; one after an empty ``Depends on:`` line lists dependencies.
- *Context files*: code spans that look like paths (contain ``/`` or end in ``.ext``, no spaces,
  not URLs).
- *Type*: the ``Type:`` line, else words of the task's title, then of its ancestors' titles:
  bug/fix/defect/regression/crash → bug; docs/documentation/readme/guide → docs;
  test/tests/testing/qa/e2e/coverage → test; chore/cleanup/ci/tooling/upgrade/bump/release →
  chore; refactor/rewrite → refactor; research/spike/investigate → research; else feature.
- *Priority*: the ``Priority:`` line (P0/critical/urgent/blocker → critical, P1/high → high,
  P2/medium/normal → medium, P3/low/minor → low, MUST → high, SHOULD → medium, COULD/MAY → low),
  else ``P0``–``P3`` or upper-case ``MUST``/``SHOULD``/``COULD`` in the title, else in the task's
  own text (the strongest wins), else inherited, else medium.
- *Labels*: ``#tags`` in the text (not ``#3``), ``Labels:``/``Tags:`` lines, and the slug of the
  top-level section for the tasks below it.
- *Milestones*: items, table rows or sub-sections of a milestone-list section
  (``M1: Foundations (2026-03-01)``), and headings ``M1: …`` / ``Milestone 2: …`` / ``Phase 3: …``
  become milestones (key: ``m1`` from the id, else the name's slug; an ISO date is the due date).
  A milestone heading with sub-sections is a transparent group: its tasks get its milestone. A
  ``Milestone:`` line names one (created when unknown). ``options.milestone`` is left to the
  engine, which applies it to tasks whose ``milestone_key`` is ``None``.
- *Dependencies*: ``Depends on X``, ``Blocked by X``, ``Requires: X``, ``After: X`` (colon
  required for the last two, so prose "after lunch" is not one), or the same words in parentheses
  anywhere, e.g. ``(after: Build)``. Several targets split on ``,``, ``;`` and `` and ``. A target
  is resolved, in order: as a heading number (``#3``, ``section 2.1``, ``2.1`` → the heading
  numbered so), a task title, a section title (a section that is not itself a task means all the
  tasks inside it; at coarse, a sub-section means its top-level task), then the closest title
  (difflib ratio ≥ 0.8, or a unique title starting with the target). Case, punctuation,
  Markdown and a leading "the"/"section" are ignored. With ``options.order_dependencies`` each
  numbered step that became a task (fine) waits for the step before it in the same list.

**Warnings.** ``cycle`` (the cycle's keys and titles; the latest-declared non-parent edge on it is
dropped so the import stays possible), ``dangling_reference`` (the unresolved text),
``dropped_edge`` (a task declared to depend on itself), ``duplicate_title``, ``empty_section`` (a
task section with no text), ``too_big`` (coarse: more than 30 list items or 2,000 words; balanced:
more than 15 items or 800 words; fine: more than 400 words), ``no_headings``.

**Preview.** ``waves``: ``core.domain.graph.waves`` at ``max_parallelism_hint`` (priority first);
``critical_path``: ``core.domain.graph.critical_path``; ``blocked_roots``: tasks with no blockers
that other tasks wait for.

**Limits.** Unusable input (empty, whitespace only, binary) raises ``ValidationError``. Titles
longer than 500 characters are cut (with "…"); the full text starts the description.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from core.domain import graph as graphs
from core.domain.models import Priority
from core.prd.commands import shell_block
from core.prd.edit import summarize
from core.prd.models import (
    Granularity,
    ImportOptions,
    ImportPlan,
    PlannedEdge,
    PlannedMilestone,
    PlannedTask,
    PlanWarning,
)
from core.prd.parse import (
    Block,
    CodeBlock,
    Document,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Section,
    Table,
    parse_document,
)

__all__ = ["TOO_BIG", "build_plan"]

TITLE_MAX = 500

TOO_BIG: dict[Granularity, tuple[int | None, int]] = {
    Granularity.COARSE: (30, 2000),
    Granularity.BALANCED: (15, 800),
    Granularity.FINE: (None, 400),
}
"""Per granularity: (max list items or None, max words) before a ``too_big`` warning."""

# ---------------------------------------------------------------- vocabularies

_INFO_TITLES = re.compile(
    r"(overview|purpose|scope|background|context|summary|introduction|intro|motivation"
    r"|goals?|non[- ]goals?"
    r"|out of scope|open questions?|risks?|references?|glossary|appendix(?: \w+)?"
    r"|table of contents|toc|problem( statement)?|executive summary)",
)
_AC_TITLES = re.compile(
    r"(acceptance criteria|acceptance|done when|definition of done|dod|success criteria)"
)
_MILESTONE_LIST_TITLES = re.compile(r"(milestones?|roadmap|timeline|phases|milestones? and \w+)")
_MILESTONE_HEADING = re.compile(
    r"(?P<id>m\d+|milestone\s+\d+|phase\s+\d+)\s*(?:[:.\-—–]\s*(?P<name>.*))?$", re.IGNORECASE
)
_HEADING_NUMBER = re.compile(r"(\d+(?:\.\d+)*)\.?\s+(.*)$")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_LABEL_LINE = re.compile(
    r"(?:\*\*|__)?(depends on|dependencies|depends|blocked by|requires|after|priority|type"
    r"|labels|tags|milestone|acceptance criteria|done when|definition of done)(?:\*\*|__)?"
    r"\s*(:)?(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_DEP_WORDS = {"depends on", "dependencies", "depends", "blocked by", "requires", "after"}
_COLON_REQUIRED = {"requires", "after", "dependencies", "depends"}
_AC_WORDS = {"acceptance criteria", "done when", "definition of done"}
_PAREN_DEP = re.compile(
    r"\((?:depends on|blocked by|requires|after)\s*:?\s*([^)]*)\)", re.IGNORECASE
)
_TAG = re.compile(r"(?<![\w&/#`])#([A-Za-z][\w-]{0,39})")
_P_LEVEL = re.compile(r"\bP([0-3])\b")
_MOSCOW = re.compile(r"\b(MUST|SHOULD|COULD)\b")
_PATH_EXT = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")
_WORDS = re.compile(r"[a-z0-9]+")
_SPLIT_TARGETS = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.IGNORECASE)
_REF_NUMBER = re.compile(r"(?:#|section\s+|§\s*)?(\d+(?:\.\d+)*)\.?$", re.IGNORECASE)

_PRIORITY_WORDS: dict[str, Priority] = {
    "p0": Priority.CRITICAL,
    "critical": Priority.CRITICAL,
    "urgent": Priority.CRITICAL,
    "blocker": Priority.CRITICAL,
    "highest": Priority.CRITICAL,
    "p1": Priority.HIGH,
    "high": Priority.HIGH,
    "must": Priority.HIGH,
    "p2": Priority.MEDIUM,
    "medium": Priority.MEDIUM,
    "normal": Priority.MEDIUM,
    "should": Priority.MEDIUM,
    "p3": Priority.LOW,
    "low": Priority.LOW,
    "minor": Priority.LOW,
    "could": Priority.LOW,
    "may": Priority.LOW,
}
_TYPE_WORDS: dict[str, str] = {}
for _type, _words in {
    "bug": "bug bugs fix fixes defect defects regression crash crashes hotfix broken",
    "docs": "docs doc documentation readme guide guides manual changelog tutorial",
    "test": "test tests testing qa e2e coverage",
    "chore": "chore chores cleanup ci tooling upgrade upgrades bump release housekeeping",
    "refactor": "refactor refactoring rewrite",
    "research": "research spike investigate investigation",
}.items():
    for _word in _words.split():
        _TYPE_WORDS[_word] = _type


# ---------------------------------------------------------------- small helpers


_SLUG_SEPARATORS = re.compile(r"[\W_]+")


def _slug(text: str, limit: int = 60) -> str:
    slug = _SLUG_SEPARATORS.sub("-", text.casefold()).strip("-")
    return slug[:limit].rstrip("-")


def _norm(text: str) -> str:
    """A reference or title, compared: lower case, no Markdown or punctuation, no "the"."""
    return _norm_words(_WORDS.findall(text.casefold()))


def _norm_words(words: list[str]) -> str:
    """``_norm`` of a text whose ``_WORDS`` (of its casefold) are ``words``."""
    skip = 0
    while skip < len(words) and words[skip] in ("the", "section", "step", "task"):
        skip += 1
    return " ".join(words[skip:])


def _clean_title(title: str) -> str:
    return " ".join(title.split()).strip(" -:—–*_")


def _looks_like_path(span: str) -> bool:
    span = span.strip()
    if not span or " " in span or "://" in span or span.startswith(("http", "www.", "$", "-")):
        return False
    return "/" in span or bool(_PATH_EXT.search(span) and not span[0].isdigit())


def _priority_of(value: str) -> Priority | None:
    for word in re.findall(r"[a-z0-9]+", value.casefold()):
        if word in _PRIORITY_WORDS:
            return _PRIORITY_WORDS[word]
    if "nice to have" in value.casefold():
        return Priority.LOW
    return None


def _strongest(priorities: Iterable[Priority]) -> Priority | None:
    return min(priorities, key=lambda p: p.rank, default=None)


def _priority_in_text(text: str) -> Priority | None:
    """The strongest ``P0``-``P3`` in the text, else the strongest ``MUST``/``SHOULD``/``COULD``."""
    levels = _P_LEVEL.findall(text) if "P" in text else None
    if levels:
        return _PRIORITY_WORDS[f"p{min(levels)}"]  # the lowest digit is the strongest
    for word in ("MUST", "SHOULD", "COULD"):  # strongest first; what _MOSCOW finds, faster
        if _has_word(text, word):
            return _PRIORITY_WORDS[word.lower()]
    return None


def _has_word(text: str, word: str) -> bool:
    r"""Whether ``\bword\b`` matches: ``word`` not touching a word character (``\w``)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        start = text.find(word, start + 1)
    return False


def _type_of(title: str) -> str | None:
    return _type_of_words(_WORDS.findall(title.casefold()))


def _type_of_words(words: list[str]) -> str | None:
    """``_type_of`` of a title whose ``_WORDS`` (of its casefold) are ``words``."""
    for word in words:
        if word in _TYPE_WORDS:
            return _TYPE_WORDS[word]
    return None


def _iter_items(lst: ListBlock) -> Iterator[ListItem]:
    for item in lst.items:
        yield item
        for sub in item.lists:
            yield from _iter_items(sub)


def _flat_blocks(blocks: Iterable[Block]) -> Iterator[Block]:
    for block in blocks:
        if isinstance(block, Quote):
            yield from _flat_blocks(block.blocks)
        else:
            yield block


# ---------------------------------------------------------------- what a section says


@dataclass
class _Meta:
    """What a run of blocks declares: settings, criteria, references, files, list items."""

    priority: Priority | None = None
    text_priority: Priority | None = None
    task_type: str | None = None
    milestone: str | None = None
    labels: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    plain_items: list[str] = field(default_factory=list)
    open_checks: list[str] = field(default_factory=list)
    deps: list[tuple[str, int]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    steps: list[tuple[ListBlock, list[ListItem]]] = field(default_factory=list)
    """Per list: the items that become tasks at fine (open checkboxes, numbered steps)."""
    item_count: int = 0
    declared_id: str | None = None


_LABEL_START = frozenset("*_dbraptlmDBRAPTLM")
"""The first characters a label line can start with (ASCII; others go to the regex)."""
_LABEL_HEADS = frozenset(
    ["depe", "bloc", "requ", "afte", "prio", "type", "labe", "tags", "mile", "acce", "done", "defi"]
)
"""The first four letters of each ``_LABEL_LINE`` word, lower case."""


def _label_line(line: str) -> tuple[str, str] | None:
    line = line.strip()
    if line and line[0].isascii() and line[0] not in _LABEL_START:
        return None  # cannot match _LABEL_LINE: skip the regex
    head = line[2:6] if line.startswith(("**", "__")) else line[:4]
    if head.isascii() and head.lower() not in _LABEL_HEADS:
        # Every label word has 4+ letters; only ASCII is tested, as IGNORECASE also folds
        # some non-ASCII letters (the Kelvin sign, a long s) to ASCII ones.
        return None
    m = _LABEL_LINE.match(line)
    if not m:
        return None
    word = " ".join(m.group(1).casefold().split())
    has_colon = m.group(2) is not None
    if word in _COLON_REQUIRED and not has_colon:
        return None
    if word not in _DEP_WORDS and not has_colon:
        return None
    return word, m.group(3).strip()


def _apply_label(meta: _Meta, word: str, value: str, line: int) -> None:
    if word in _DEP_WORDS:
        value = value.rstrip(".")
        # The split regex only cuts at , ; & or "and" (any case): skip it when none is there.
        several = any(c in value for c in ",;&") or "and" in value.casefold()
        for target in _SPLIT_TARGETS.split(value) if several else (value,):
            if target.strip():
                meta.deps.append((target.strip(), line))
    elif word == "priority":
        meta.priority = _priority_of(value) or meta.priority
    elif word == "type":
        words = _WORDS.findall(value.casefold())
        if words:
            meta.task_type = words[0]
    elif word in ("labels", "tags"):
        meta.labels.extend(
            s for part in re.split(r"[,\s]+", value) if (s := _slug(part.lstrip("#"), 40))
        )
    elif word == "milestone" and value.strip():
        meta.milestone = value.strip()


def _scan_text(meta: _Meta, text: str, spans: Iterable[str], line: int) -> str | None:
    """Scan prose lines for label lines, tags, files; return the pending list role, if any.

    Each regex runs only on lines holding a character it needs (``(``, ``#``, ``P`` or ``U``):
    the cheap ``in`` tests give the same result as the regexes, faster.
    """
    pending: str | None = None
    for offset, raw in enumerate(text.split("\n")):
        labelled = _label_line(raw)
        pending = None
        if labelled:
            word, value = labelled
            if word in _AC_WORDS:
                if value:
                    meta.criteria.append(value)
                else:
                    pending = "ac"
            elif word in _DEP_WORDS and not value:
                pending = "deps"
            else:
                _apply_label(meta, word, value, line + offset)
        if ":" in raw:
            # upper() maps each character on its own, so the prefix's upper case is enough.
            head = raw.strip()[:7].upper()
            if head.startswith(("ID:", "PRD-ID:")):
                meta.declared_id = raw.split(":", 1)[1].strip() or meta.declared_id
        if "(" in raw:
            for dep in _PAREN_DEP.findall(raw):
                _apply_label(meta, "depends on", dep, line + offset)
        if "#" in raw:
            meta.labels.extend(_slug(tag, 40) for tag in _TAG.findall(raw))
        if "P" in raw or "U" in raw:  # P0-P3; MUST, SHOULD and COULD all hold a "U"
            found = _priority_in_text(raw)
            if found is not None and (
                meta.text_priority is None or found.rank < meta.text_priority.rank
            ):
                meta.text_priority = found
    meta.files.extend(s.strip() for s in spans if _looks_like_path(s))
    return pending


def _scan_blocks(
    blocks: Iterable[Block], meta: _Meta, *, ac_section: bool = False, pending: str | None = None
) -> str | None:
    """Add what the blocks declare to ``meta``; return the list role pending after the last one.

    ``pending`` continues a scan: scanning ``a`` then ``b`` with the pending role of ``a`` gives
    the same ``meta`` as scanning ``a + b`` at once.
    """
    for block in _flat_blocks(blocks):
        if isinstance(block, Paragraph):
            pending = _scan_text(meta, block.text, block.code_spans, block.line_start)
        elif isinstance(block, ListBlock):
            _scan_list(block, meta, "ac" if ac_section else pending)
            pending = None
        elif isinstance(block, Table):
            meta.files.extend(s for s in block.code_spans if _looks_like_path(s))
            if len(block.header) == 2:
                for row in (block.header, *block.rows):
                    if len(row) == 2 and (labelled := _label_line(f"{row[0]}: {row[1]}")):
                        _apply_label(meta, *labelled, block.line_start)
            pending = None
        elif isinstance(block, CodeBlock):
            pending = None
    return pending


def _scan_list(block: ListBlock, meta: _Meta, role: str | None) -> None:
    steps: list[ListItem] = []
    for item in block.items:
        meta.item_count += 1
        first_line = item.text.split("\n", 1)[0]
        if item.code_spans:
            meta.files.extend(s for s in item.code_spans if _looks_like_path(s))
        for sub in item.lists:
            for nested in _iter_items(sub):
                meta.item_count += 1
                meta.files.extend(s for s in nested.code_spans if _looks_like_path(s))
        if role == "deps":
            _apply_label(meta, "depends on", first_line, item.line_start)
            continue
        if role == "ac":
            meta.criteria.append(_clean_title(first_line))
            continue
        labelled = _label_line(first_line)
        if labelled:
            word, value = labelled
            if word in _AC_WORDS:
                if value:
                    meta.criteria.append(value)
                for sub in item.lists:
                    meta.criteria.extend(_clean_title(i.text) for i in _iter_items(sub))
            elif word in _DEP_WORDS and not value:
                for sub in item.lists:
                    for i in _iter_items(sub):
                        _apply_label(meta, "depends on", i.text, i.line_start)
            else:
                _apply_label(meta, word, value, item.line_start)
            continue
        if "#" in item.text:
            meta.labels.extend(_slug(tag, 40) for tag in _TAG.findall(item.text))
        text = _clean_title(first_line)
        if item.checked is False:
            meta.open_checks.append(text)
            steps.append(item)
        elif item.checked is None and block.ordered:
            steps.append(item)
            meta.plain_items.append(text)
        elif item.checked is None:
            meta.plain_items.append(text)
        if "(" in item.text:
            for dep in _PAREN_DEP.findall(item.text):
                meta.deps.append((dep.strip(), item.line_start))
    if steps:
        meta.steps.append((block, steps))


# ---------------------------------------------------------------- units (would-be tasks)


@dataclass(eq=False)
class _Unit:
    key: str
    title: str
    path: list[str]
    line_start: int
    line_end: int
    description: str
    meta: _Meta
    section: Section | None
    inherited: _Inherited
    parent: _Unit | None = None
    item: ListItem | None = None
    words: int = 0
    """Words in the description, for the ``too_big`` warning; 0 when too short to matter."""
    empty: bool = False


@dataclass(frozen=True)
class _Inherited:
    priority: Priority | None = None
    task_type: str | None = None
    milestone: str | None = None
    area: str | None = None
    deps: tuple[tuple[str, int], ...] = ()


@dataclass(slots=True)
class _Title:
    """What the rules read from a heading's title, computed once per distinct title."""

    stripped: str
    """Without its heading number (``_strip_number``)."""
    clean: str
    """``stripped`` cleaned (``_clean_title``): the section path's entry."""
    norm: str
    """``stripped`` normalized (``_norm``): for kinds and references."""
    number: str | None
    """The heading number (``2.1``), when the title has one."""
    milestone: re.Match[str] | None
    """``_MILESTONE_HEADING`` matched on ``stripped``."""
    priority: Priority | None
    """``_priority_in_title`` of the whole title."""
    task_type: str | None
    """``_type_of`` of the whole title."""
    listed: str | None
    """The kind its words alone give: ``milestone-list``, ``ac``, ``info`` or ``None``."""

    @classmethod
    def of(cls, title: str) -> _Title:
        stripped = _strip_number(title)
        clean = _clean_title(stripped)
        # Most titles have no number: then the stripped title is the title, cleaned once.
        numbered = stripped is not title
        number = _HEADING_NUMBER.match(_clean_title(title) if numbered else clean)
        words = _WORDS.findall(title.casefold())
        norm = _norm(stripped) if numbered else _norm_words(words)
        listed = None
        if _MILESTONE_LIST_TITLES.fullmatch(norm):
            listed = "milestone-list"
        elif _AC_TITLES.fullmatch(norm):
            listed = "ac"
        elif _INFO_TITLES.fullmatch(norm):
            listed = "info"
        return cls(
            stripped=stripped,
            clean=clean,
            norm=norm,
            number=number.group(1) if number else None,
            milestone=_MILESTONE_HEADING.match(stripped),
            priority=_priority_in_title(title),
            task_type=_type_of_words(words),
            listed=listed,
        )


@dataclass
class _Builder:
    doc: Document
    source_key: str
    options: ImportOptions
    top: int
    title_section: Section | None
    units: list[_Unit] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    milestones: dict[str, PlannedMilestone] = field(default_factory=dict)
    warnings: list[PlanWarning] = field(default_factory=list)
    section_units: dict[int, list[_Unit]] = field(default_factory=dict)
    numbers: dict[str, Section] = field(default_factory=dict)
    section_titles: dict[str, list[Section]] = field(default_factory=dict)
    group_deps: list[tuple[_Unit, str, int]] = field(default_factory=list)
    kinds: dict[int, str] = field(default_factory=dict)
    """``kind`` per section (by ``id``): it depends only on the section, asked many times."""
    titles: dict[str, _Title] = field(default_factory=dict)
    """``_Title`` per heading text: each is read several times per section, and titles repeat
    ("Acceptance criteria"). Per plan, so a first preview pays for every title."""

    def title(self, section: Section) -> _Title:
        found = self.titles.get(section.title)
        if found is None:
            found = self.titles[section.title] = _Title.of(section.title)
        return found

    # ------------------------------------------------------------ keys and milestones

    def unique_key(self, base: str) -> str:
        if len(base) > 200:
            base = f"{base[:180]}-{hashlib.sha1(base.encode()).hexdigest()[:10]}"
        key, n = base, 1
        while key in self.keys:
            n += 1
            key = f"{base}~{n}"
        self.keys.add(key)
        return key

    def milestone(self, ident: str, name: str, due: str | None = None) -> str:
        key = _slug(ident) or "milestone"
        existing = self.milestones.get(key)
        if existing is None:
            self.milestones[key] = PlannedMilestone(key=key, name=name[:200] or key, due_date=due)
        elif due and not existing.due_date:
            self.milestones[key] = existing.model_copy(update={"due_date": due})
        return key

    def milestone_from_text(self, text: str) -> str:
        """A milestone named by a ``Milestone:`` line or list item: find it or create it."""
        due = _ISO_DATE.search(text)
        bare = _clean_title(_ISO_DATE.sub("", text).replace("()", "").replace("due", ""))
        m = _MILESTONE_HEADING.match(bare)
        if m:
            return self.milestone(m.group("id"), _clean_title(m.group("name") or bare), _d(due))
        for key, ms in self.milestones.items():
            if _norm(ms.name) == _norm(bare) or key == _slug(bare):
                return key
        return self.milestone(bare, bare, _d(due))

    # ------------------------------------------------------------ classification

    def kind(self, section: Section) -> str:
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
        return self.kind(section) in ("task", "milestone-task")

    # ------------------------------------------------------------ walking

    def walk(self, sections: list[Section], path: list[str], inh: _Inherited) -> None:
        for section in sections:
            kind = self.kind(section)
            info = self.title(section)
            title = info.stripped
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
            own = _Meta()
            own_pending = _scan_blocks(section.blocks, own)
            local = self.inherit(inh, own, section, sub_path)
            if kind == "milestone":
                m = info.milestone
                assert m is not None
                due = _ISO_DATE.search(section.title)
                local = _replace(
                    local,
                    milestone=self.milestone(
                        m.group("id"), _clean_title(m.group("name") or title), _d(due)
                    ),
                )
                self.walk(section.children, sub_path, local)
                continue
            if kind == "container":
                self.walk(section.children, sub_path, local)
                continue
            if kind == "milestone-task":
                m = info.milestone
                assert m is not None
                local = _replace(
                    local,
                    milestone=self.milestone(
                        m.group("id"),
                        _clean_title(m.group("name") or title),
                        _d(_ISO_DATE.search(section.title)),
                    ),
                )
            task_children = [c for c in section.children if self.is_task_like(c)]
            if self.options.granularity is Granularity.COARSE or not task_children:
                # ``own`` is not used again here: the task's scan continues from it.
                self.add_section_unit(section, sub_path, local, own, own_pending)
            else:
                start = len(self.units)
                self.walk(section.children, sub_path, _replace(local, deps=()))
                below = self.units[start:]
                self.section_units.setdefault(id(section), []).extend(
                    u for u in below if u.parent is None
                )
                group_ac = [*own.criteria]
                for ac_section in self._ac_sections(section, deep=False):
                    ac = _Meta()
                    _scan_blocks(ac_section.blocks, ac, ac_section=True)
                    group_ac.extend(ac.criteria)
                for unit in below:
                    if unit.parent is None:
                        unit.meta.criteria.extend(group_ac)
                for dep, line in (*inh.deps, *own.deps):
                    for unit in below:
                        if unit.parent is None:
                            self.group_deps.append((unit, dep, line))

    def inherit(self, inh: _Inherited, own: _Meta, section: Section, path: list[str]) -> _Inherited:
        area = inh.area
        if area is None and section.level >= self.top and path:
            area = _slug(path[0], 40)
        return _Inherited(
            priority=own.priority or self.title(section).priority or inh.priority,
            task_type=own.task_type or self.title(section).task_type or inh.task_type,
            milestone=self.milestone_from_text(own.milestone) if own.milestone else inh.milestone,
            area=area,
            deps=inh.deps,
        )

    def read_milestones(self, section: Section) -> None:
        for block in _flat_blocks(section.blocks):
            if isinstance(block, ListBlock):
                for item in block.items:
                    self.milestone_from_text(item.text.split("\n", 1)[0])
            elif isinstance(block, Table):
                for row in block.rows:
                    if row and row[0].strip():
                        due = next((m for c in row if (m := _ISO_DATE.search(c))), None)
                        name = (
                            row[0]
                            if len(row) < 2 or _MILESTONE_HEADING.match(row[0]) is None
                            else f"{row[0]}: {row[1]}"
                        )
                        self.milestone_from_text(f"{name} {_d(due) or ''}")
        for child in section.children:
            self.milestone_from_text(_strip_number(child.title))
            self.read_milestones(child)

    # ------------------------------------------------------------ units

    def subtree_blocks(self, section: Section) -> Iterator[Block]:
        """The blocks of the section's task sub-sections, depth first (what coarse adds)."""
        for child in section.children:
            if self.kind(child) not in ("ac", "info", "milestone-list"):
                yield from child.blocks
                yield from self.subtree_blocks(child)

    def add_section_unit(
        self, section: Section, path: list[str], inh: _Inherited, meta: _Meta, pending: str | None
    ) -> None:
        """Add the section's task; ``meta`` is the scan of its own blocks (``pending`` after)."""
        coarse = self.options.granularity is Granularity.COARSE
        if coarse:
            _scan_blocks(self.subtree_blocks(section), meta, pending=pending)
        for ac_section in self._ac_sections(section, deep=coarse):
            ac = _Meta()
            _scan_blocks(ac_section.blocks, ac, ac_section=True)
            meta.criteria.extend(ac.criteria)
            meta.item_count += ac.item_count
        title_text = self.title(section).clean or "(untitled)"
        end = section.line_end
        description = self.doc.raw(section.line_start + 1, end)
        key = self.unique_key(f"{self.source_key}:{'/'.join(_slug(p) or 'section' for p in path)}")
        unit = _Unit(
            key=key,
            title=title_text,
            path=path,
            line_start=section.line_start,
            line_end=end,
            description=description,
            meta=meta,
            section=section,
            inherited=inh,
            words=_word_count(description, self.options.granularity),
            empty=not section.blocks and not section.children,
        )
        if coarse:
            priority_in = [
                p for s in self._subtree(section) if (p := self.title(s).priority) is not None
            ]
            if priority_in and meta.priority is None:
                meta.priority = _strongest(priority_in)
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

    def add_item_units(self, parent: _Unit) -> None:
        for block, items in parent.meta.steps:
            previous: _Unit | None = None
            for item in items:
                first_line = item.text.split("\n", 1)[0]
                title = _clean_title(_PAREN_DEP.sub("", first_line)) or "(untitled step)"
                meta = _Meta()
                _scan_text(meta, item.text, item.code_spans, item.line_start)
                meta.deps = [(t, ln) for t, ln in meta.deps if t]
                for sub in item.lists:
                    _scan_list(sub, meta, None)
                slug = _slug(title, 48) or "item"
                unit = _Unit(
                    key=self.unique_key(f"{parent.key}/{slug}"),
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


def _word_count(description: str, granularity: Granularity) -> int:
    """The description's word count, or 0 when it is too short to reach ``too_big``'s limit.

    ``n`` words take at least ``2n - 1`` characters, so text shorter than twice the limit
    cannot exceed it: most sections skip the split (~2.5% of a 1 MB preview).
    """
    limit = TOO_BIG[granularity][1]
    return len(description.split()) if len(description) >= 2 * limit else 0


def _d(match: re.Match[str] | None) -> str | None:
    return match.group(1) if match else None


def _replace(inh: _Inherited, **changes: object) -> _Inherited:
    values: dict[str, object] = {
        "priority": inh.priority,
        "task_type": inh.task_type,
        "milestone": inh.milestone,
        "area": inh.area,
        "deps": inh.deps,
    }
    values.update(changes)
    return _Inherited(**values)  # type: ignore[arg-type]


def _strip_number(title: str) -> str:
    stripped = title.strip()
    if not stripped[:1].isdigit():  # isdigit() holds for every \d: no number to strip
        return title
    m = _HEADING_NUMBER.match(stripped)
    return m.group(2) if m and m.group(2) else title


def _priority_in_title(title: str) -> Priority | None:
    if "P" not in title and "U" not in title:  # P0-P3; MUST, SHOULD and COULD all hold a "U"
        return None
    m = _P_LEVEL.search(title)
    if m:
        return _PRIORITY_WORDS[f"p{m.group(1)}"]
    found = _MOSCOW.findall(title)
    if found:
        return _strongest(_PRIORITY_WORDS[w.lower()] for w in found)
    return None


# ---------------------------------------------------------------- entry point


def build_plan(text: str, *, source: str, options: ImportOptions) -> ImportPlan:
    """Plan the import of a Markdown PRD: the tasks, edges and warnings a commit would write.

    Deterministic and pure (the rules are in the module docstring), so the TUI can re-plan on
    every option change and a re-import can be diffed by key. It leaves the process-wide
    garbage collector alone: a caller planning a large document may pause the cyclic
    collector around it (the engine does), as planning allocates many small objects.

    Raises:
        ValidationError: the text is empty, whitespace only or binary.
    """
    doc = parse_document(text)
    sections = doc.walk()
    levels = {s.level for s in sections}
    top = 2 if 2 in levels else min(levels, default=1)
    title_section: Section | None = None
    h1 = [s for s in doc.sections if s.level == 1]
    if top >= 2 and len(h1) == 1 and doc.sections[0] is h1[0]:
        title_section = h1[0]

    doc_meta = _Meta()
    _scan_blocks(doc.preamble, doc_meta)
    if title_section is not None:
        _scan_blocks(title_section.blocks, doc_meta)
    declared = doc.front_matter.get("id") or doc.front_matter.get("prd") or doc_meta.declared_id
    source_key = _slug(declared or _source_stem(source), 60) or "prd"

    builder = _Builder(doc, source_key, options, top, title_section)
    inherited = _Inherited(
        priority=doc_meta.priority,
        task_type=doc_meta.task_type,
        milestone=builder.milestone_from_text(doc_meta.milestone) if doc_meta.milestone else None,
    )
    if not sections:
        _no_headings(builder, doc, source, inherited)
    else:
        builder.walk(doc.sections, [], inherited)
    tasks = [_to_task(builder, unit, doc_meta) for unit in builder.units]
    edges = _edges(builder)
    edges = _break_cycles(builder, edges, {t.key: t.title for t in tasks})
    _size_warnings(builder, tasks)
    return _finish(builder, tasks, edges, source)


def _source_stem(source: str) -> str:
    base = posixpath.basename(source.replace("\\", "/").rstrip("/")) or source
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    return stem or "prd"


def _no_headings(builder: _Builder, doc: Document, source: str, inh: _Inherited) -> None:
    first = next(
        (b for b in _flat_blocks(doc.preamble) if isinstance(b, Paragraph | ListBlock)), None
    )
    title = ""
    if isinstance(first, Paragraph):
        title = first.text.split("\n", 1)[0]
    elif isinstance(first, ListBlock) and first.items:
        title = first.items[0].text.split("\n", 1)[0]
    title = _clean_title(title) or _source_stem(source) or "Imported document"
    fake = Section(1, title, (), 1, max(len(doc.lines), 1), max(len(doc.lines), 1))
    fake.blocks = list(doc.preamble)
    meta = _Meta()
    _scan_blocks(doc.preamble, meta)
    description = doc.raw(1, len(doc.lines))
    unit = _Unit(
        key=builder.unique_key(f"{builder.source_key}:document"),
        title=title,
        path=[],
        line_start=1,
        line_end=max(len(doc.lines), 1),
        description=description,
        meta=meta,
        section=fake,
        inherited=inh,
        words=_word_count(description, builder.options.granularity),
    )
    builder.units.append(unit)
    builder.warnings.append(
        PlanWarning(
            code="no_headings",
            message="The document has no headings: it was planned as one task"
            + (
                " with its checklist items and numbered steps as sub-tasks."
                if builder.options.granularity is Granularity.FINE
                else "."
            ),
            line=1,
            task_key=unit.key,
        )
    )
    if builder.options.granularity is Granularity.FINE:
        builder.add_item_units(unit)


def _to_task(builder: _Builder, unit: _Unit, doc_meta: _Meta) -> PlannedTask:
    meta, inh = unit.meta, unit.inherited
    granularity = builder.options.granularity
    if unit.item is not None:
        priority = (
            meta.priority
            or meta.text_priority
            or (unit.parent and _unit_priority(unit.parent))
            or Priority.MEDIUM
        )
        task_type = meta.task_type or _type_of(unit.title) or _unit_type(unit.parent)
        criteria: list[str] = [_clean_title(i.text) for s in unit.item.lists for i in s.items]
    else:
        priority = _unit_priority(unit)
        task_type = _unit_type(unit)
        if meta.criteria:
            criteria = list(meta.criteria)
        elif granularity is Granularity.COARSE:
            criteria = list(meta.open_checks)
        elif granularity is Granularity.BALANCED:
            criteria = [*meta.plain_items, *meta.open_checks]
        else:
            ordered = _ordered_texts(meta)
            criteria = [t for t in meta.plain_items if t not in ordered]
    labels: list[str] = []
    below_top = unit.item is not None or (
        unit.section is not None and unit.section.level > builder.top
    )
    for label in (inh.area if below_top else None, *doc_meta.labels, *meta.labels):
        if label and label not in labels:
            labels.append(label)
    files: list[str] = []
    for f in meta.files:
        if f not in files:
            files.append(f)
    milestone = builder.milestone_from_text(meta.milestone) if meta.milestone else inh.milestone
    title, description = unit.title, unit.description
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
        },
    )


def _ordered_texts(meta: _Meta) -> set[str]:
    return {_clean_title(i.text.split("\n", 1)[0]) for b, items in meta.steps for i in items}


def _unit_priority(unit: _Unit) -> Priority:
    meta = unit.meta
    return (
        meta.priority
        or (_priority_in_title(unit.section.title) if unit.section else None)
        or meta.text_priority
        or unit.inherited.priority
        or Priority.MEDIUM
    )


def _unit_type(unit: _Unit | None) -> str:
    if unit is None:
        return "feature"
    return unit.meta.task_type or _type_of(unit.title) or unit.inherited.task_type or "feature"


# ---------------------------------------------------------------- references and edges


@dataclass
class _Resolver:
    builder: _Builder
    by_title: dict[str, list[_Unit]]
    names: list[str]

    @classmethod
    def of(cls, builder: _Builder) -> _Resolver:
        by_title: dict[str, list[_Unit]] = {}
        for unit in builder.units:
            by_title.setdefault(_norm(unit.title), []).append(unit)
        names = sorted(set(by_title) | set(builder.section_titles))
        return cls(builder, by_title, names)

    def section_targets(self, section: Section) -> list[_Unit]:
        return self.builder.section_units.get(id(section), [])

    def resolve(self, text: str) -> list[_Unit]:
        raw = text.strip().strip("\"'`*_“”").strip()
        number = _REF_NUMBER.match(raw)
        if number and number.group(1) in self.builder.numbers:
            return self.section_targets(self.builder.numbers[number.group(1)])
        norm = _norm(_strip_number(raw))
        if not norm:
            return []
        if norm in self.by_title:
            return self.by_title[norm][:1]
        for section in self.builder.section_titles.get(norm, []):
            if targets := self.section_targets(section):
                return targets
        starting = [n for n in self.names if n.startswith(norm) and len(norm) >= 4]
        if len(starting) == 1:
            return self.resolve_name(starting[0])
        close = difflib.get_close_matches(norm, self.names, n=1, cutoff=0.8)
        if close:
            return self.resolve_name(close[0])
        return []

    def resolve_name(self, name: str) -> list[_Unit]:
        if name in self.by_title:
            return self.by_title[name][:1]
        for section in self.builder.section_titles.get(name, []):
            if targets := self.section_targets(section):
                return targets
        return []


def _edges(builder: _Builder) -> list[PlannedEdge]:
    resolver = _Resolver.of(builder)
    edges: list[PlannedEdge] = []
    seen: set[tuple[str, str]] = set()
    by_key = {u.key: u for u in builder.units}

    def add(task: _Unit, blocker: _Unit, reason: str, line: int | None) -> None:
        pair = (task.key, blocker.key)
        if pair in seen:
            return
        seen.add(pair)
        edges.append(
            PlannedEdge(task_key=task.key, blocker_key=blocker.key, reason=reason, line=line)
        )

    declared: list[tuple[_Unit, str, int]] = []
    for unit in builder.units:
        for dep, line in (*unit.inherited.deps, *unit.meta.deps):
            declared.append((unit, dep, line))
    declared.extend(builder.group_deps)
    declared.sort(key=lambda d: d[2])
    for unit, dep, line in declared:
        if dep.startswith("\x00order:"):
            add(unit, by_key[dep.removeprefix("\x00order:")], "order", line)
            continue
        targets = resolver.resolve(dep)
        if not targets:
            builder.warnings.append(
                PlanWarning(
                    code="dangling_reference",
                    message=f"“{dep}” (line {line}) matches no section or task; "
                    "no dependency was added.",
                    line=line,
                    task_key=unit.key,
                    details={"reference": dep},
                )
            )
            continue
        for target in targets:
            if target is unit:
                own = unit.section is not None and _norm(unit.title) == _norm(_strip_number(dep))
                if own or unit.item is not None:
                    builder.warnings.append(
                        PlanWarning(
                            code="dropped_edge",
                            message=f"“{unit.title}” cannot depend on itself (line {line}).",
                            line=line,
                            task_key=unit.key,
                            details={"reference": dep},
                        )
                    )
                continue
            if _is_ancestor(target, unit):
                continue  # a step needing its own parent section: already implied
            add(unit, target, "explicit", line)
    for unit in builder.units:
        if unit.parent is not None:
            add(unit.parent, unit, "parent", unit.line_start)
    return edges


def _is_ancestor(maybe: _Unit, unit: _Unit) -> bool:
    parent = unit.parent
    while parent is not None:
        if parent is maybe:
            return True
        parent = parent.parent
    return False


def _break_cycles(
    builder: _Builder, edges: list[PlannedEdge], titles: dict[str, str]
) -> list[PlannedEdge]:
    """Drop, per cycle, its latest-declared non-parent edge (with a warning), until acyclic."""
    kept = list(edges)
    order = {(e.task_key, e.blocker_key): i for i, e in enumerate(edges)}
    while True:
        graph: dict[str, set[str]] = {key: set() for key in titles}
        for edge in kept:
            graph[edge.task_key].add(edge.blocker_key)
        cycle = graphs.find_cycle(graph)
        if cycle is None:
            return kept
        on_cycle = [
            e
            for e in kept
            if any(e.task_key == a and e.blocker_key == b for a, b in itertools.pairwise(cycle))
        ]
        candidates = [e for e in on_cycle if e.reason != "parent"] or on_cycle
        drop = max(candidates, key=lambda e: order[(e.task_key, e.blocker_key)])
        kept.remove(drop)
        names = [titles.get(k, k) for k in cycle]
        builder.warnings.append(
            PlanWarning(
                code="cycle",
                message=f"Dependency cycle: {' → '.join(names)}. Dropped “{titles[drop.task_key]}"
                f" depends on {titles[drop.blocker_key]}” so the rest can be imported.",
                line=drop.line,
                task_key=drop.task_key,
                details={
                    "cycle": cycle,
                    "cycle_titles": names,
                    "dropped_edge": {"task_key": drop.task_key, "blocker_key": drop.blocker_key},
                },
            )
        )


def _size_warnings(builder: _Builder, tasks: list[PlannedTask]) -> None:
    max_items, max_words = TOO_BIG[builder.options.granularity]
    titles: dict[str, list[PlannedTask]] = {}
    for unit, task in zip(builder.units, tasks, strict=True):
        titles.setdefault(task.title.casefold(), []).append(task)
        if unit.empty and unit.item is None:
            builder.warnings.append(
                PlanWarning(
                    code="empty_section",
                    message=f"“{task.title}” has a heading and nothing under it.",
                    line=unit.line_start,
                    task_key=unit.key,
                )
            )
        if unit.item is not None:
            continue
        items = unit.meta.item_count
        if (max_items is not None and items > max_items) or unit.words > max_words:
            builder.warnings.append(
                PlanWarning(
                    code="too_big",
                    message=f"“{task.title}” is large for {builder.options.granularity.value} "
                    f"granularity ({items} list items, {unit.words} words); consider splitting "
                    "it or a finer granularity.",
                    line=unit.line_start,
                    task_key=unit.key,
                    details={"items": items, "words": unit.words},
                )
            )
    for same in titles.values():
        if len(same) > 1:
            builder.warnings.append(
                PlanWarning(
                    code="duplicate_title",
                    message=f"{len(same)} tasks are titled “{same[0].title}”.",
                    line=same[1].source.line_start,
                    task_key=same[1].key,
                    details={"keys": [t.key for t in same]},
                )
            )


def _finish(
    builder: _Builder, tasks: list[PlannedTask], edges: list[PlannedEdge], source: str
) -> ImportPlan:
    tasks, note = _shell_commands(tasks, builder.options.commands)
    if note is not None:
        builder.warnings.append(note)
    warnings = sorted(builder.warnings, key=lambda w: (w.line or 0, w.code))
    plan = ImportPlan(
        source=source,
        source_key=builder.source_key,
        options=builder.options,
        tasks=tasks,
        edges=edges,
        milestones=list(builder.milestones.values()),
        warnings=warnings,
    )
    # Cycles were broken above, so the summary (shared with plan edits) cannot fail here.
    return summarize(plan)


def _shell_commands(
    tasks: list[PlannedTask], make_commands: bool
) -> tuple[list[PlannedTask], PlanWarning | None]:
    """The tasks with their shell blocks as commands (when asked), and a note either way.

    Without ``make_commands`` nothing changes, but the author is told that the blocks stay
    text: a reader who expected them to run learns how, and why it is not the default.
    """
    found = {
        t.key: command
        for t in tasks
        if ("```" in t.description or "~~~" in t.description)
        and (command := shell_block(t.description)) is not None
    }
    if not found:
        return tasks, None
    keys = list(found)
    if not make_commands:
        return tasks, PlanWarning(
            code="shell_blocks_kept_as_text",
            message=f"{_count(len(found), 'task')} with a shell code block: the blocks stay in "
            "the descriptions as documentation and never run. Import with --commands to make "
            "them commands that wait for approval.",
            details={"task_keys": keys},
        )
    tasks = [t.model_copy(update={"command": found[t.key]}) if t.key in found else t for t in tasks]
    return tasks, PlanWarning(
        code="commands",
        message=f"{_count(len(found), 'task')} will carry a shell command taken from the "
        "document (listed with each task). None runs until someone approves it: read each "
        "command, then approve it after the commit (taskyard approve REF).",
        details={"task_keys": keys},
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
