"""What each section is to the planner, and why: work, a group of work, or not work.

The verdict comes from the heading's words (in every language of ``core.prd.plan.lexicon``),
the tags around the section, a struck-through heading, and three facts about the document:
whether it has a work plan (then design narrative elsewhere describes what the plan builds), a
scope section that lists steps, and user stories that carry ids, priorities or dependencies.
Every "not work" verdict carries the reason the preview shows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from core.domain.models import Priority
from core.prd.parse import Document, ListBlock, Paragraph, Section, Table
from core.prd.plan.items import (
    backlog_item,
    cell,
    marked,
    mostly,
    owned_item,
    people_table,
    schedule_list,
    task_table,
)
from core.prd.plan.lexicon import (
    ACCEPTANCE_TITLES,
    BUCKET_TITLES,
    CONDITIONAL_CATEGORIES,
    DATE_IN_TITLE,
    DAY_DATE,
    DEPENDENCY_TITLES,
    INFO_CATEGORIES,
    LABELLED_MILESTONE,
    MILESTONE_ENTRY_TITLES,
    MILESTONE_HEADING,
    MILESTONE_LABEL,
    MILESTONE_LIST_TITLES,
    MONTH_HEADING,
    NOTED_TASK_TITLE,
    PERIOD_HEADING,
    PRIORITY_WORDS,
    QUARTER_IN_TITLE,
    STAGE_HEADING,
    TIME_BOX,
    WONT_STATUS,
    WORK_TITLES,
    alternatives,
    first_letters,
    word_set,
)
from core.prd.plan.milestones import Milestones, cell_members, names_milestone
from core.prd.plan.outline import Outline
from core.prd.plan.scan import label_fields
from core.prd.plan.vocab import (
    HEADING_NUMBER,
    ID_PATTERN,
    TAG,
    WORDS,
    clean_title,
    expand_id_ranges,
    ident_of,
    iter_items,
    norm,
    norm_plain,
    norm_words,
    priority_in_title,
    strip_number,
    type_of_words,
)

_ID_LIST = re.compile(
    rf"{ID_PATTERN}(?:\s*(?:,|;|&|\band\b|\bund\b|\bsowie\b|\by\b|\bet\b|\bbis\b|\bto\b|\bthrough\b"
    rf"|\bà\b|\ba\b|–|-)\s*{ID_PATTERN})+"
)
"""Ids listed (and ranges: ``LH-01 bis LH-05``) at the start of a milestone's text."""
_PART_NUMBER = re.compile(r"[A-Z]\.\d{1,2}\.?\s+(\S.*)$")
"""A lettered heading number (``C.1 Ausgangslage``): the title after it."""
_LONE_ID = re.compile(rf"({ID_PATTERN})(?![\w-])")
_LISTING_LEAD = re.compile(r"\s*(?:\([^()\n]{0,160}\)\s*)?[:—–-]?\s*")
"""What may stand before a milestone's list of ids: an aside and a colon (``**Gate A — dark
launch** (computes, does not release): PRR-01, PRR-02 …``)."""
_INCLUDES = re.compile(
    r"\b(?:includes?|including|incluye|incluyendo|enthält|umfasst|comprend|inclut|covers"
    r"|contains|delivers|ships|clôt|closes|liefert|entrega)\s*:?\s*"
    rf"(?P<ids>{ID_PATTERN}(?:\s*(?:,|;|&|\band\b|\bund\b|\bsowie\b|\by\b|\bet\b)\s*{ID_PATTERN})*)",
    re.IGNORECASE,
)
"""A milestone's text saying which ids it holds: ``Incluye RF-01, RF-02 y RF-10``."""
_VERSION_HEADING = re.compile(r"v?\d+\.\d+(?:\.\d+)?\s*[—–:]\s")
"""A version heading with what it ships: ``0.9 — target: end of April`` (a numbered section
is written ``2.1 Build``, without the dash)."""
_SECTION_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)+)(?![\w]|\.\d)")
"""A sub-section's number in running text (``3.2``, ``4.1.3``)."""
_NUMBER_LIST = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)+(?:\s*(?:,|;|&|\band\b|\bund\b|\by\b|\bet\b|\be\b)\s*"
    r"\d+(?:\.\d+)+)+(?![\w]|\.\d)",
    re.IGNORECASE,
)
"""Sub-section numbers listed together (``3.2, 3.3 y 3.4``): a plan scheduling them. One
number in a sentence (``design in 3.1``) is a pointer, not a schedule."""

_LEAD = re.compile(r"^[^\w(]+")
"""What may precede a title's words: emphasis marks, emoji, punctuation."""
_TRAILING_PAREN = re.compile(r"\s*\([^()]*\)\s*$")
_NOT_TASKS_ASIDE = re.compile(
    r"\((?:not|no|pas des?|keine|no son|ce ne sont pas des)\s+(?:tasks|to-?dos|work items|tâches"
    r"|aufgaben|tareas)\b[^()]*\)\s*$",
    re.IGNORECASE,
)
"""A trailing aside that says the section holds no tasks (``Idées en vrac (pas des tâches)``):
unlike other asides, it says what the section is, so its words are kept."""


_PRIORITY_FILLER = word_set(
    "priority|prio|priorität|prioridad|priorité|have|items|stories|requirements|features"
    "|anforderungen|requisitos|exigences|funcionalidades|fonctionnalités|funktionen"
)


def _named_priority(words: str) -> Priority | None:
    """The priority a title consists of (``Must have``, ``Should-have stories``, ``P1``)."""
    if words in PRIORITY_WORDS:
        return PRIORITY_WORDS[words]
    kept = " ".join(w for w in words.split() if w not in _PRIORITY_FILLER)
    return PRIORITY_WORDS.get(kept) if kept else None


def _milestone_in(lead: str) -> re.Match[str] | None:
    """The milestone a title declares, if any: numbered, or named after a label.

    ``M1: …`` and ``Phase 2 — …`` carry their id; after a label, ``Milestone: M1 Indexing``
    has the id ``M1``, and ``Milestone: Beta launch`` none, so its name serves as one.
    """
    numbered = MILESTONE_HEADING.match(lead)
    if numbered is not None:
        return numbered
    label = MILESTONE_LABEL.match(lead)
    if label is None:
        return None
    rest = lead[label.end() :]
    return MILESTONE_HEADING.match(rest) or LABELLED_MILESTONE.match(rest)


def _kind_text(title: str) -> str:
    # Each pattern needs a character most titles lack: test for it before running it.
    if ")" in title and not _NOT_TASKS_ASIDE.search(title):
        text = _TRAILING_PAREN.sub("", title) or title
    else:
        text = title
    if "&" in text or "/" in text or "+" in text:
        text = _AND_SIGN.sub(" and ", text)
    return text.casefold()


_AND_SIGN = re.compile(r"\s*[&/+]\s*")


_CONNECTOR = re.compile(r" (?:and|und|y|e|et|or|oder|o|ou|vs|versus) ")
_PREPOSITIONS = word_set(
    "of|from|on|about|for|to|aus|von|zu|zum|zur|über|vom|de|del|sobre|da|du|des|sur"
)
KNOWN_ALONE = re.compile(
    "|".join(
        [
            ACCEPTANCE_TITLES.pattern,
            BUCKET_TITLES.pattern,
            *(p.pattern for _, p in INFO_CATEGORIES.values()),
        ]
    )
)
"""Titles that make a lone bold line a heading (``**Done when**``, ``**Notes**``)."""


@dataclass(slots=True)
class Title:
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
    stage: bool
    """A release stage (``Alpha (v0.14)``) or a time box (``Week 1``, ``Launch day``)."""
    priority: Priority | None
    names_priority: bool
    """The title is a priority (``Must have``, ``Nice to have``, ``Hohe Priorität``), or says
    stretch goals (low): its items are tasks of that priority."""
    task_type: str | None
    ident: str | None
    """The id the title starts with (``EX-01``)."""
    words: str
    """Every word of the stripped title, lower case (``norm`` without dropping "the")."""
    kind: tuple[str, str] | None
    """``title_kind`` of the title (kind, category), read once."""
    kind_words: str
    """The words its kind is read from: without a trailing parenthesis (``Status (updated
    Apr 3)``), with ``&``, ``/`` and ``+`` read as "and" (``Risks & mitigations``)."""

    tags: tuple[str, ...] = ()
    """``#tags`` that end the title (``Receipt email #email``): the task's labels, not words
    of its title."""

    @classmethod
    def of(cls, title: str) -> Title:
        """Read a title once: every field the rules ask of it."""
        tags: tuple[str, ...] = ()
        if "#" in title and (trailing := _TRAILING_TAGS.search(title)) and trailing.start():
            tags = tuple(TAG.findall(trailing.group(0)))
            title = title[: trailing.start()].rstrip()
        stripped = strip_number(title)
        clean = clean_title(stripped)
        numbered = stripped is not title
        number = HEADING_NUMBER.match(clean_title(title) if numbered else clean)
        words = WORDS.findall(stripped.casefold())
        plain = " ".join(words)
        lead = _LEAD.sub("", clean)
        kind_words = " ".join(WORDS.findall(_kind_text(stripped)))
        named = _named_priority(kind_words)
        kind = title_kind(kind_words, clean)
        if kind is None and stripped.endswith(")") and (aside := _TRAILING_PAREN.search(stripped)):
            # "Fahrzeugkonzept (Kurzfassung)", "Architecture (overview)": a summary of it
            said = " ".join(WORDS.findall(aside.group(0).casefold()))
            if title_kind(said, said) == ("info", "summary"):
                kind = ("info", "summary")
        if named is None and kind == ("conditional", "stretch"):
            named = Priority.LOW  # stretch goals are done last, if at all
        return cls(
            stripped=stripped,
            clean=clean,
            norm=norm_words(words),
            number=number.group(1) if number else None,
            milestone=_milestone_in(lead),
            stage=bool(STAGE_HEADING.fullmatch(lead))
            or bool(TIME_BOX.match(plain))
            or bool(PERIOD_HEADING.match(title.lstrip("*_ ")))
            or bool(MONTH_HEADING.fullmatch(plain))
            or bool(DAY_DATE.search(plain))
            or (numbered and bool(_VERSION_HEADING.match(clean_title(title)))),
            priority=priority_in_title(title) or named,
            names_priority=named is not None,
            task_type=type_of_words(WORDS.findall(title.casefold())),
            ident=ident_of(stripped),
            words=plain,
            kind=kind,
            kind_words=kind_words,
            tags=tags,
        )


def _dated_phase(section: Section, info: Title) -> bool:
    """Whether a heading dates a phase of work (``Prep (week of 11 January)``).

    A schedule names its phases with the date they run or end by; the phase is a milestone
    of the tasks below it, its sub-sections or its list. A dated heading over prose alone is
    one task, not a phase.
    """
    if not DATE_IN_TITLE.search(info.clean) and not QUARTER_IN_TITLE.search(info.clean):
        return False
    return bool(section.children) or any(isinstance(b, ListBlock) for b in section.blocks)


def _entry_titled(section: Section, info: Title) -> bool:
    """Whether a section without sub-sections is titled as a list of milestones in its text.

    ``Release waves``, ``Savings tranches``, ``Revues de passage``, ``Gremientermine``: the
    bold lines, list items or table rows below name the milestones and the tasks each holds.
    """
    return (
        info.ident is None
        and info.kind is None
        and not section.children
        and MILESTONE_ENTRY_TITLES.fullmatch(info.kind_words) is not None
    )


_TRAILING_TAGS = re.compile(r"(?:\s+#[A-Za-z][\w-]{0,39})+\s*$")
"""One or more ``#tags`` at the end of a heading, after its words."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A section's kind and, for a section that is not work, the reason."""

    kind: str
    """``task`` (work, or a group of work), ``container`` (a grouping heading), ``milestone``
    (a milestone heading), ``info`` (not work), ``ac`` (acceptance criteria of the enclosing
    task), ``milestone-list`` (names milestones) or ``deps`` (states dependencies)."""
    reason: str = ""


def title_kind(words: str, clean: str) -> tuple[str, str] | None:
    """The (kind, category) a title's words alone give; ``None`` for an ordinary title.

    Kinds: ``ac``, ``milestone-list``, ``deps``, ``info``, ``conditional`` or ``work``.
    """
    found = _whole_kind(words)
    if found is not None:
        return found
    subtitled = _SUBTITLE.split(clean, maxsplit=1)
    head = subtitled[0] if len(subtitled) > 1 else ""
    if head:  # "Risks: what could go wrong", "Sequencing — what waits for what"
        found = _whole_kind(" ".join(WORDS.findall(head.casefold())))
        if found is not None and found[0] in ("info", "conditional", "deps"):
            return found
    parts = _CONNECTOR.split(words)
    # Each part is read only while the parts before it are not work (most titles: none is).
    if len(parts) > 1 and all(_aside_kind(_whole_kind(p)) for p in parts):
        # "Assumptions and dependencies": read for dependencies, not a task.
        kinds = [_whole_kind(p) for p in parts]
        for wanted in ("deps", "conditional"):
            if any(k is not None and k[0] == wanted for k in kinds):
                return next(k for k in kinds if k is not None and k[0] == wanted)
        return kinds[0]
    tokens = words.split()
    for size in (1, 2, 3):
        if len(tokens) > size and tokens[size] in _PREPOSITIONS:
            found = _whole_kind(" ".join(tokens[:size]))
            if found is not None and found[0] == "info":
                return found
    return None


def _aside_kind(kind: tuple[str, str] | None) -> bool:
    """Whether a part of a title says the section is not work (info, conditional, deps)."""
    return kind is not None and kind[0] in ("info", "conditional", "deps")


_SUBTITLE = re.compile(r":\s|\s[—–-]\s")
"""Where a title's subtitle starts: its head alone may say what the section is."""

_KINDS: list[tuple[str, str, re.Pattern[str]]] = [
    ("ac", "acceptance", ACCEPTANCE_TITLES),
    ("milestone-list", "milestones", MILESTONE_LIST_TITLES),
    ("deps", "dependencies", DEPENDENCY_TITLES),
    *(("info", c, p) for c, (_, p) in INFO_CATEGORIES.items()),
    *(("conditional", c, p) for c, (_, p) in CONDITIONAL_CATEGORIES.items()),
    ("work", "work", WORK_TITLES),
]
"""In the order they are tried: the first kind whose pattern fits a title wins."""


def _kinds_starting(letter: str | None) -> re.Pattern[str]:
    """All of ``_KINDS`` at once, each with only the phrases a title led by ``letter`` can fit.

    A phrase whose first letters are known and exclude it cannot match such a title, so
    leaving it out changes no match, and the kinds keep their order (the first that fits
    wins, named by its group). Phrases whose first letters are unknown always stay
    (``None``: only those, for a title led by a letter no phrase names).
    """
    groups = []
    for n, (_, _, pattern) in enumerate(_KINDS):
        kept = [
            a
            for a in alternatives(pattern.pattern)
            if (letters := first_letters(a)) is None or letter in letters
        ]
        if kept:
            groups.append(f"(?P<k{n}>{'|'.join(kept)})")
    return re.compile("|".join(groups))


_KIND_LETTERS = {
    letter
    for _, _, pattern in _KINDS
    for a in alternatives(pattern.pattern)
    for letter in first_letters(a) or ()
}
_ANY_KIND_BY_LETTER = {letter: _kinds_starting(letter) for letter in _KIND_LETTERS}
"""All of ``_KINDS`` at once (one regex run per title instead of twenty), by a title's first
letter: a title tries the ~150 phrases it can start with, not all ~940."""
_ANY_KIND_OTHER = _kinds_starting(None)


@functools.lru_cache(maxsize=4096)
def _whole_kind(words: str) -> tuple[str, str] | None:
    if not words:
        return None
    m = _ANY_KIND_BY_LETTER.get(words[0], _ANY_KIND_OTHER).fullmatch(words)
    if m is None or m.lastgroup is None:
        return None
    kind, category, _ = _KINDS[int(m.lastgroup[1:])]  # fullmatch: the first branch that fits
    return (kind, category)


def reason_of(category: str) -> str:
    """The preview's words for a category of non-work section."""
    if category in INFO_CATEGORIES:
        return INFO_CATEGORIES[category][0]
    if category in CONDITIONAL_CATEGORIES:
        return CONDITIONAL_CATEGORIES[category][0]
    return category


def lists_steps(section: Section) -> bool:
    """Whether the section's own blocks hold a numbered list or an open checkbox."""
    return any(
        isinstance(b, ListBlock) and (b.ordered or any(i.checked is False for i in iter_items(b)))
        for b in section.blocks
    )


def is_bucket_title(words: str) -> bool:
    """Whether the title names a bucket whose list items are each a task."""
    return bool(BUCKET_TITLES.fullmatch(words)) or bool(TIME_BOX.match(words))


def is_work_title(words: str) -> bool:
    """Whether the title names a work plan (``Roadmap``, ``Requirements``, ``Plan de trabajo``).

    A list directly under such a heading is a list of work items.
    """
    return bool(WORK_TITLES.fullmatch(words))


def norm_title(title: str) -> str:
    """``norm`` of a title without its heading number (for matching milestone names)."""
    return norm(strip_number(title))


_STRUCK = "struck through: dropped"
_PEOPLE = "a table of people, not work"
_AROUND_PLAN = "context around the work plan, not work (the plan lists the tasks)"
_DELIVERABLES = "deliverables the tasks yield, not work (the tasks cite them)"
_DELIVERABLE_COLUMN = re.compile(
    r"deliverables?|lieferobjekte?|lieferergebnisse?|entregables?|livrables?"
)
"""A deliverables table's title column (Deliverable, Lieferobjekt, Entregable, Livrable)."""


def _cites(text: str, ident: str) -> bool:
    """Whether ``text`` names the id ``ident`` as a whole word (``D2.1``, not ``D2.10``)."""
    return re.search(rf"(?<![\w.-]){re.escape(ident)}(?![\w-]|\.\d)", text) is not None


_WONT = "marked won't do"
_EMPTY_BUCKET = "an empty list of work: nothing to do in it"


@dataclass
class SectionRules:
    """The verdict on every section of one document (cached: asked many times per section)."""

    outline: Outline
    top: int
    title_section: Section | None
    milestones: Milestones
    parents: dict[int, Section]
    titles: dict[str, Title] = field(default_factory=dict)
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    work: dict[int, bool] = field(default_factory=dict)
    plans: dict[int, bool] = field(default_factory=dict)
    has_plan: bool = False
    """The document has a work plan: design narrative elsewhere is not work."""
    has_build_plan: bool = False
    """The document has a work plan other than its schedule (a schedule table of tasks is
    then a summary of that plan, not more work)."""
    checklist: bool = False
    """The document is a checklist: most sections are nothing but open checkboxes, so each
    checkbox is a task (an area like "Terraform" is a bucket, not a feature)."""
    doc: Document | None = None
    """The document (its source lines keep the bold marks parsing drops)."""
    _planned: frozenset[str] | None = None
    _named: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        doc: Document,
        outline: Outline,
        top: int,
        title_section: Section | None,
        milestones: Milestones,
    ) -> SectionRules:
        """The rules for one document: parents, whether it has a work plan, a checklist."""
        parents: dict[int, Section] = {}
        for section in doc.walk():
            for child in section.children:
                parents[id(child)] = section
        rules = cls(outline, top, title_section, milestones, parents, doc=doc)
        sections = doc.walk()
        rules.has_plan = any(rules._plans_work(s) for s in sections)
        rules.has_build_plan = any(
            rules._plans_work(s) and not rules.lists_milestones(s) for s in sections
        )
        leaves = [
            s
            for s in sections
            if not s.children
            and s.blocks
            and s is not title_section
            and rules.title(s).kind in (None, ("work", "work"))
        ]
        checklists = sum(1 for s in leaves if _checklist_only(s))
        rules.checklist = checklists >= 2 and checklists * 2 >= len(leaves)
        return rules

    def title(self, section: Section) -> Title:
        """What the rules read from the section's heading (cached per heading text).

        A lettered number that every sibling shares (``C.1 Ausgangslage``, ``C.2 Ziele`` under
        ``Teil C``) numbers the parts of an appendix or a part: before a title the rules know
        (background, risks, a schedule) it is a heading number, not an id. Before any other
        title it stays the item's id (``A.2 Replicar el ERP``).
        """
        title = section.title
        if title[1:2] == "." and (m := _PART_NUMBER.match(title)) is not None:
            parent = self.parents.get(id(section))
            siblings = parent.children if parent is not None else []
            letter = title[0]
            if len(siblings) >= 3 and all(
                c.title[:1] == letter and _PART_NUMBER.match(c.title) for c in siblings
            ):
                plain = self.title_of(m.group(1))
                if plain.kind is not None:
                    return plain
        return self.title_of(title)

    def title_of(self, text: str) -> Title:
        """``Title.of(text)``, cached per text (titles repeat: "Acceptance criteria")."""
        found = self.titles.get(text)
        if found is None:
            found = self.titles[text] = Title.of(text)
        return found

    def _plans_work(self, section: Section) -> bool:
        return _memo(self.plans, section, self._plans_work_uncached)

    def _plans_work_uncached(self, section: Section) -> bool:
        info = self.title(section)
        found = info.kind
        if found is not None and found[0] == "work":
            return True
        if found == ("deps", "dependencies") and _owned_steps(section):
            return True  # an order of work whose steps name their owners: the plan
        if any(title_kind(_tag_words(t), t) == ("work", "work") for t in self._tags(section)):
            return True
        # "Ring 1 — 1% of customers" over its steps' table: a stage of the plan, too.
        if (info.milestone is not None or info.stage) and (
            bool(section.children) or _tables_ids(section)
        ):
            return True
        if (
            info.milestone is not None
            and section.level > self.top
            and _open_checklist(section)
            and self._plain_above(section)
        ):
            return True  # "Stage 0 — API freeze (target 9 Jan)" over "- [ ] **…** — @ines": a stage
        return self._over_time_boxes(section)

    def _plain_above(self, section: Section) -> bool:
        """Whether no heading above the section names a known kind (``Rollout plan``)."""
        parent = self.parents.get(id(section))
        while parent is not None:
            if self.title(parent).kind is not None:
                return False
            parent = self.parents.get(id(parent))
        return True

    def _over_time_boxes(self, section: Section) -> bool:
        """Whether a top-level section of no known kind has only time boxes below it (two or more).

        "Vorhaben nach Quartal" over "1. Quartal", "2. Quartal" … is the year's work plan,
        whatever its own title says: the rest of the document is context around it.
        """
        children = section.children
        if len(children) < 2 or section.level > self.top or self.title(section).kind is not None:
            return False  # a known title ("Rollout plan") has its own rules
        return all((t := self.title(c)).stage or t.milestone is not None for c in children)

    def lists_milestones(self, section: Section) -> bool:
        """Whether the section's title names a milestones section.

        Read before any other verdict, which may depend on the milestones it names.
        """
        info = self.title(section)
        found = info.kind
        if info.ident is None and found is not None and found[0] == "milestone-list":
            return not self._scheduling_area(section, info)
        if _entry_titled(section, info):
            return True  # "Release waves" over "**Wave 1 — …:** L-1, L-2"
        return (found is None or found[0] == "work") and self._bold_milestones(section)

    def _scheduling_area(self, section: Section, info: Title) -> bool:
        """Whether a section titled like a schedule is an area of the work instead.

        A "Schedule" sub-section of a work list, beside "Review" and "Speakers", whose items
        are prioritised entries (``SCH-1 · Build the schedule grid — High``) is the work of
        building the schedule, not the plan's milestones.
        """
        return (
            info.kind_words in _SCHEDULE_WORDS
            and section.level > self.top
            and self.parents.get(id(section)) is not None
            and _lists_backlog(section)
        )

    def _bold_milestones(self, section: Section) -> bool:
        """Whether the section is nothing but paragraphs each led by a bold milestone name.

        ``## Launch plan`` over ``**Stage 1 — Private beta:** deliverables 1, 2…`` and
        ``**Stage 2 — GA:** …`` lists milestones, whatever its title says.
        """
        if section.children or len(section.blocks) < 2 or self.doc is None:
            return False
        lines = self.doc.lines
        return all(
            isinstance(b, Paragraph) and names_milestone(lines, b.line_start)
            for b in section.blocks
        )

    def _yields_deliverables(self, section: Section) -> bool:
        """Whether the section is a table of deliverables the document's tasks say they yield.

        ``| D2.1 | Electrode chemistry shortlist | WP2 | M5 |`` beside ``**T2.1 …** shortlist
        of two chemistries (D2.1).``: the outputs of tasks listed elsewhere, not more work, when
        a task cites one in parentheses and the document names most of them outside the table
        (a milestone's means of verification). A table with a priority, prerequisites or
        successors column plans its deliverables as work.
        """
        if self.doc is None:
            return False
        for block in section.blocks:
            if not isinstance(block, Table):
                continue
            found = task_table(block)
            if found is None or found.ident is None:
                continue
            if not _DELIVERABLE_COLUMN.fullmatch(norm_plain(block.header[found.title])):
                continue
            if any(c is not None for c in (found.priority, found.deps, found.blocks)):
                return False  # a priority or what it waits for: deliverables planned as work
            ids = [r[found.ident].strip() for r in block.rows if found.ident < len(r)]
            lines = self.doc.lines
            outside = "\n".join(lines[: section.line_start - 1] + lines[section.body_line_end :])
            if not any(f"({i})" in outside for i in ids if i):
                return False  # no task says "… (D1.1)": nothing yields them
            cited = sum(1 for i in ids if i and _cites(outside, i))
            return cited * 2 >= len(ids) > 0
        return False

    def _tags(self, section: Section) -> tuple[str, ...]:
        return self.outline.tags.get(id(section), ())

    def verdict(self, section: Section) -> Verdict:
        """What the section is to the rules, and why when it is not work (cached)."""
        return _memo(self.verdicts, section, self._verdict)

    def _verdict(self, section: Section) -> Verdict:
        if section is self.title_section:
            return Verdict("container")
        if id(section) in self.outline.struck:
            return Verdict("info", _STRUCK)
        if _wont(section):
            return Verdict("info", _WONT)
        info = self.title(section)
        if (
            info.ident is None
            and (info.kind is None or info.kind[0] == "work")
            and self._bold_milestones(section)
        ) or _entry_titled(section, info):
            return Verdict("milestone-list", "lists milestones")
        if not section.children and self._yields_deliverables(section):
            return Verdict("info", _DELIVERABLES)
        if not section.children and _people_only(section):
            return Verdict("info", _PEOPLE)
        if info.ident is None:
            judged = self._by_words(section, info)
            if judged is not None:
                return judged
            if not section.blocks and not section.children:
                words = norm_plain(info.clean)
                if is_bucket_title(words) or is_work_title(words):
                    return Verdict("info", _EMPTY_BUCKET)  # a board's empty "Doing" column
        # info.norm is norm(info.clean): cleaning only trims non-word marks and spaces.
        if info.milestone is not None or info.stage or info.norm in self.milestones.known:
            return Verdict("milestone")
        if _dated_phase(section, info):
            return Verdict("milestone")
        if section.level < self.top:
            return Verdict("container")
        if self._around_plan(section):
            return Verdict("info", _AROUND_PLAN)
        return Verdict("task")

    def _around_plan(self, section: Section) -> bool:
        """Whether an ordinary section is context around the document's work plan.

        A document with a work plan (``Implementation plan``, ``Plan d'action``, a phase over
        its tasks) lists its tasks there; a section outside it whose title names nothing the
        rules know (``Decision drivers``, ``Objeto``, ``Ordre du jour``) describes, reviews or
        motivates, unless the plan schedules its sub-sections (``Fase 1 — 3.2, 3.3``).
        """
        if not self.has_plan or self._inside_plan(section) or self._plans_work(section):
            return False
        info = self.title(section)
        if info.ident is not None or info.kind is not None or info.names_priority:
            return False  # "HU-3 …" is an item of a backlog; a known title has its own rules
        if is_bucket_title(info.kind_words) or info.number in self.planned_numbers():
            return False
        if self._milestones_name(section):
            return False  # "M2 | 08.05. | 4.1.5, 5.2, 5.3": a milestone holds its parts
        if any(
            self.title(c).ident is not None or self.verdict(c).kind == "ac"
            for c in section.children
        ):
            return False  # "V1. Retest" below it, or its own "Done when": work
        if _carries_fields(section) or _lists_backlog(section) or _tables_ids(section):
            return False  # "Priority: high", "Depends on: …", items or rows with ids: work
        return not (self._holds_plan(section) or self._scheduled(section))

    def _by_words(self, section: Section, info: Title) -> Verdict | None:
        if "(" in section.title and NOTED_TASK_TITLE.search(section.title):
            # "Ablauf am Umzugstag (Nr. 11)": notes on task 11, read for its dependencies
            return Verdict("deps", "notes on a numbered task, read for its dependencies")
        found = info.kind
        if found is None:
            for tag in reversed(self._tags(section)):
                tagged = title_kind(_tag_words(tag), tag)
                if tagged is not None and tagged[0] in ("info", "conditional", "deps"):
                    found = tagged
                    break
        if found is None:
            return None
        kind, category = found
        if kind == "info" and self._holds_plan(section):
            return None  # "Status" over "In progress" and "Next": a group of work
        if kind == "info" and category == "summary" and self._prioritized_children(section):
            return None  # "Einführung" (a rollout) over "6.1 Datenübernahme (Muss)", …
        if kind == "info" and category == "users" and _lists_backlog(section):
            return None  # "People — Lena" over "PPL-1 Seating plan", …: a team's workstream
        if kind == "info":
            return Verdict("info", reason_of(category))
        if kind == "deps" and _owned_steps(section):
            return None  # "Orden de trabajo" over "1. **…** — @marta": the steps are the plan
        if kind == "conditional" and self._not_work(section, category):
            return Verdict("info", reason_of(category))
        if kind == "milestone-list" and not self.has_build_plan and _schedule(section):
            return None  # a schedule of tasks (a table, a rétroplanning) is the work plan itself
        if kind == "ac" and info.number is not None and self._milestone_lists(info.number):
            return None  # "3.4 Abnahme", which a milestone lists (3.1 bis 3.4): a step
        if kind == "milestone-list" and self._scheduling_area(section, info):
            return None  # "Schedule" beside "Review" under "Work list", of "SCH-1 … — High"
        if kind in ("ac", "milestone-list", "deps"):
            reason = {"milestone-list": "lists milestones", "deps": "states dependencies"}
            return Verdict(kind, reason.get(kind, ""))
        return None

    def _holds_plan(self, section: Section) -> bool:
        """Whether a sub-section is a work plan, a bucket or a milestone.

        Such a sub-section is work even under a heading that is not ("Status" over "Next").
        """
        for child in section.children:
            info = self.title(child)
            found = info.kind
            if (found is not None and found[0] == "work") or info.milestone or info.stage:
                return True
            if found == ("deps", "dependencies") and _owned_steps(child):
                return True
        return False

    def _prioritized_children(self, section: Section) -> bool:
        """Whether the section has sub-sections and each states its priority in its title.

        A title read as a summary ("Einführung", also a rollout; "Introduction") over
        ``6.1 Datenübernahme (Muss)``, ``6.2 Schulung (Muss)`` introduces nothing: it plans.
        """
        children = section.children
        return len(children) > 1 and all(self.title(c).priority is not None for c in children)

    def _not_work(self, section: Section, category: str) -> bool:
        if category == "scope":  # "Scope" over its milestones' checklists is the plan
            return not (
                lists_steps(section) or self._holds_plan(section) or _lists_backlog(section)
            )
        if category == "stories":
            return not self._stories_are_work(section)
        if category == "stretch":  # "S1 — Graviton node pools (needs C4)": planned, if late
            return not (
                _lists_backlog(section)
                or any(self.title(c).ident is not None for c in section.children)
            )
        if self._scheduled(section):
            return False
        return self.has_plan and not self._inside_plan(section)

    def _scheduled(self, section: Section) -> bool:
        """Whether the work plan names two or more of the section's numbered sub-sections."""
        if not self.has_plan or not section.children:
            return False
        planned = self.planned_numbers()
        named = 0
        for child in section.children:
            m = HEADING_NUMBER.match(child.title.strip())
            if m is not None and "." in m.group(1) and m.group(1) in planned:
                named += 1
        return named >= 2

    def planned_numbers(self) -> frozenset[str]:
        """Heading numbers the work plan lists together (``Fase 1 — 3.2, 3.3 y 3.4``).

        The design sections it schedules are its work items, not narrative it implements.
        Read once, when a design section with sub-sections is first judged.
        """
        if self._planned is None:
            doc = self.doc
            if doc is None:
                return frozenset()
            self._planned = frozenset(
                m.group(1)
                for s in doc.walk()
                if self._plans_work(s)
                for listed in _NUMBER_LIST.finditer(doc.raw(s.line_start + 1, s.line_end))
                for m in _SECTION_NUMBER.finditer(listed.group(0))
            )
        return self._planned

    def _milestones_name(self, section: Section) -> bool:
        """Whether a milestone lists the section's number or one of its sub-sections'."""
        if self._named is None:  # first asked once the milestones sections are read
            self._named = frozenset(text.strip() for _, text, _ in self.milestones.members)
        named = self._named
        if not named:
            return False
        numbers = [self.title(c).number for c in section.children]
        return any(n in named for n in [self.title(section).number, *numbers] if n)

    def _milestone_lists(self, number: str) -> bool:
        """Whether a milestone lists the heading number, also inside a range (``3.1 bis 3.4``)."""
        return any(
            number in cell_members(text)
            for _, text, _ in self.milestones.members
            if number[0] in text
        )

    def _inside_plan(self, section: Section) -> bool:
        parent = self.parents.get(id(section))
        while parent is not None:
            if self._plans_work(parent):
                return True
            parent = self.parents.get(id(parent))
        return False

    def _stories_are_work(self, section: Section) -> bool:
        """Whether user stories are a backlog.

        They are as the rows of a task table, or with ids, priorities or dependencies.
        """
        if any(isinstance(b, Table) and task_table(b) is not None for b in section.blocks):
            return True
        for child in section.children:
            info = self.title(child)
            if info.ident is not None or info.priority is not None:
                return True
        for block in section.blocks:
            if isinstance(block, ListBlock):
                items = [i.text for i in block.items]
                if items and sum(marked(t) for t in items) * 2 > len(items):
                    return True
        return False

    def walked_milestones(self, section: Section) -> list[Section]:
        """The sub-sections of a milestones section that hold work of their own.

        Those (with lists or sections below them) are walked as milestone headings; the
        others are only names.
        """
        return [c for c in section.children if self.has_work(c) and _has_lists(c)]

    def has_work(self, section: Section) -> bool:
        """Whether the section is a task or holds tasks (cached)."""
        return _memo(self.work, section, self._has_work)

    def _has_work(self, section: Section) -> bool:
        kind = self.verdict(section).kind
        if kind in ("info", "ac", "deps"):
            return False
        if kind == "milestone-list":
            return bool(self.walked_milestones(section))
        if kind == "container":
            return any(self.has_work(c) for c in section.children)
        return True

    def scheduled_sections(self, section: Section) -> list[str]:
        """The sub-section numbers a milestone heading's text starts by listing.

        ``### Fase 1 — Registro local`` over ``3.2, 3.3 y 3.4. Los registros…``: the phase
        holds those sections' tasks.
        """
        first = section.blocks[0] if section.blocks else None
        if not isinstance(first, Paragraph):
            return []
        text = first.text.lstrip()
        if text[:1] in "(:—–-":
            lead = _LISTING_LEAD.match(text)
            if lead is not None and ":" in lead.group(0):
                rest = text[lead.end() :]
                if _ID_LIST.match(rest) is None and (one := _LONE_ID.match(rest)) is not None:
                    return [one.group(1)]  # "**Gate B — payouts**: PRR-04 closed"
                text = rest
        listed = _NUMBER_LIST.match(text)
        if listed is not None:
            return _SECTION_NUMBER.findall(listed.group(0))
        ids = _ID_LIST.match(text)  # "LH-01 bis LH-05 sowie LH-08 und LH-09."
        if ids is None:  # "Para 5 000 usuarios. Incluye RF-01, RF-02 y RF-10."
            ids = _INCLUDES.search(text)
            return expand_id_ranges(ids.group("ids")) if ids is not None else []
        return expand_id_ranges(ids.group(0))

    def heading_milestone(self, section: Section) -> str:
        """The key of the milestone a milestone heading declares."""
        info = self.title(section)
        ident = info.milestone.group("id") if info.milestone is not None else None
        title, bare = section.title, section.title.lstrip("*_# ")
        if label := MILESTONE_LABEL.match(bare):
            title = bare[label.end() :]  # "Milestone: Beta" is named "Beta"
        return self.milestones.from_heading(title, ident)


_SCHEDULE_WORDS = frozenset(
    (
        *("schedule", "scheduling", "zeitplan", "terminplanung", "calendario", "cronograma"),
        *("calendrier", "planning", "programación", "programacion"),
    )
)
"""A milestones title that also names an area of work (the conference's "Schedule": building
and publishing it), when it sits beside other areas and lists prioritised entries."""


def _schedule(section: Section) -> bool:
    """Whether a milestones section lists work rather than milestones.

    It does with a table of tasks, or dated items saying what to do (``J-60 — Signer le bail``).
    """
    return any(
        (isinstance(b, Table) and _table_of_tasks(b))
        or (isinstance(b, ListBlock) and schedule_list(b))
        for b in section.blocks
    )


def _table_of_tasks(table: Table) -> bool:
    """Whether a milestones section's table lists tasks: not when each row names a phase.

    ``| Name | Window | Exit |`` over ``Phase 1 — Policies & people``: the phases a tracker's
    Phase column points to, with their dates and exit criteria, not work of their own.
    """
    spec = task_table(table)
    if spec is None:
        return False
    names = [cell(r, spec.title) for r in table.rows]
    return not all(MILESTONE_HEADING.match(n) for n in names)


def _lists_backlog(section: Section) -> bool:
    """Whether a list of the section is mostly backlog entries (``… (Priya) — P0``)."""
    return any(
        isinstance(b, ListBlock) and mostly(b.items, lambda i: backlog_item(i.text))
        for b in section.blocks
    )


def _open_checklist(section: Section) -> bool:
    """Whether the section's own list holds two or more open checkboxes (``- [ ] …``)."""
    return any(
        isinstance(b, ListBlock) and sum(i.checked is False for i in b.items) >= 2
        for b in section.blocks
    )


def _owned_steps(section: Section) -> bool:
    """Whether a list of the section has three or more items, most of them naming an owner.

    An "Order of work" (``Orden de trabajo``) whose steps each name who does them is the
    work plan itself, not notes on the order of tasks listed elsewhere.
    """
    return any(
        isinstance(b, ListBlock) and mostly(b.items, lambda i: owned_item(i.text), at_least=3)
        for b in section.blocks
    )


def _people_only(section: Section) -> bool:
    """Whether the section holds nothing but a table of people (``| Name | Role |``).

    A deal team or a staffing table says who works on the plan, not what they do.
    """
    tables = [b for b in section.blocks if isinstance(b, Table)]
    return (
        len(tables) == 1
        and all(isinstance(b, (Table, Paragraph)) for b in section.blocks)
        and people_table(tables[0])
    )


def _tables_ids(section: Section) -> bool:
    """Whether a table of the section is a task table whose rows carry ids (``| C1 | … |``).

    A cut-over runbook's numbered steps outside the work plan are work too: milestones and
    dependencies name them by those ids.
    """
    for block in section.blocks:
        found = task_table(block) if isinstance(block, Table) else None
        if found is not None and found.ident is not None:
            return True
    return False


def _carries_fields(section: Section) -> bool:
    """Whether the section reads like one task: fields in its first lines or criteria.

    ``Priority: P1 · Owner: Tom``, ``Depends on: …``, a ``**Done when**`` line.
    """
    for block in section.blocks:
        if isinstance(block, Paragraph) and len(block.text) < 40:
            words = " ".join(WORDS.findall(block.text.casefold()))
            if ACCEPTANCE_TITLES.fullmatch(words):
                return True
    for block in section.blocks[:3]:
        if isinstance(block, Paragraph):
            lines = block.text.split("\n")
        elif isinstance(block, ListBlock):
            lines = [i.text.split("\n", 1)[0] for i in block.items]
        else:
            continue
        if any(":" in line and label_fields(line) for line in lines):
            return True
    return False


def _checklist_only(section: Section) -> bool:
    """Whether the section's own text is nothing but lists with an open checkbox."""
    if not section.blocks or section.children:
        return False
    if not all(isinstance(b, ListBlock) for b in section.blocks):
        return False
    return any(i.checked is False for b in section.blocks for i in iter_items(b))  # type: ignore[arg-type]


_T = TypeVar("_T")


def _memo(store: dict[int, _T], section: Section, compute: Callable[[Section], _T]) -> _T:
    """``compute(section)``, kept in ``store`` by the section's identity (asked many times)."""
    found = store.get(id(section))
    if found is None:
        found = store[id(section)] = compute(section)
    return found


def _has_lists(section: Section) -> bool:
    return bool(section.children) or any(isinstance(b, ListBlock | Table) for b in section.blocks)


def _tag_words(tag: str) -> str:
    return " ".join(WORDS.findall(tag.casefold().replace("-", " ").replace("_", " ")))


def _wont(section: Section) -> bool:
    """Whether the section's own fields say it will not be done (``Status: Won't Do``)."""
    for block in section.blocks[:3]:
        lines: list[str] = []
        if isinstance(block, Paragraph):
            lines = block.text.split("\n")
        elif isinstance(block, ListBlock):
            lines = [i.text.split("\n", 1)[0] for i in block.items]
        for line in lines:
            if "tatu" in line or "stado" in line:  # status, Status, estado, statut
                for part in re.split(r"\s+[·|•]\s+", line):
                    name, _, value = part.partition(":")
                    if norm_plain(name) in ("status", "estado", "statut") and WONT_STATUS.match(
                        norm_plain(value)
                    ):
                        return True
    return False
