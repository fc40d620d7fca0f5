"""A parsed PRD → an ``ImportPlan``: tasks, dependency edges, milestones, waves and warnings.

Pure and deterministic: the same text, source and options give an equal plan, and nothing is
read or written (the engine previews the plan against the database and commits it). Every word
the rules read, in English, German, Spanish and French, is in ``lexicon``.

The rules (the README quotes them)
==================================

**Outline.** A byte-order mark and HTML comments (with any heading inside them) are dropped. A
bold line standing alone at the start of a paragraph (``**Horaires en temps réel**``) is a
heading one level below its section, when a section has two or more of them or the one names a
known kind (``**Done when**``, ``**Notes**``). The *top level* is H2, or the smallest heading
level when the document has no H2. When the top level is H2 and the document has exactly one H1
before everything else, that H1 is the document's title: not a task, not part of any section
path; its intro text (like the text before the first heading) holds document-wide settings.
Headings above the top level group tasks and stay in their section paths.

**What a section is** (``classify``; every "not work" verdict keeps its reason in
``ImportPlan.not_tasks``). Struck through (``### ~~Tax~~``) or ``Status: Won't Do``: dropped.
Titled as *informational* — summary/TL;DR, background/context/problem, goals/non-goals,
users/personas, success metrics, alternatives, risks, open questions/FAQ, notes/decisions/links,
glossary/appendix/abbreviations, rollback plans, budget, non-functional requirements,
future/won't-do/out of scope, sign-off checklists, work already done — with its sub-sections
(unless one of them is a work plan, a bucket or a milestone: "Status" over "Next").
Conditionally: *scope* unless it lists steps or prioritised entries; *stretch goals* unless
their entries carry ids, priorities or owners (then low-priority work); *user stories* unless
they carry ids, priorities or dependencies; *design narrative* (design, architecture, technical
approach, API, data model, testing, rollout, security…) when the document has a work plan
elsewhere (requirements, implementation plan, roadmap, tasks, backlog, phases, milestone
headings…); and any other section outside the work plan whose title names nothing known, as
*context around the work plan*, unless it carries a task's parts (fields, criteria, items or
sub-sections with ids) or the plan schedules its numbered sub-sections. A trailing
``(Kurzfassung)`` / ``(overview)`` makes a title a summary. Titles combine (``Risks &
mitigations``, ``Background: how it works today``, ``Notes from the meeting``); a title with an
id (``A7 Datenschutz``) is always work; a section inside ``<overview>`` / ``<context>`` tags is
read by the tag's name too. *Acceptance* sections (Acceptance criteria, Done when,
Akzeptanzkriterien, Criterios, Critères…) give the enclosing task's criteria; *milestone lists*
(Milestones, Meilensteine, Hitos, Jalons, Roadmap, Timeline, Cronograma, Rétroplanning,
Deliveries, Entregas…) name milestones (a schedule table of tasks is the work plan itself when
there is no other); *dependency sections* (Dependencies, Logical Dependency Chain,
Abhängigkeiten, Dependencias, Dépendances…) are read for dependencies.

**Granularity.**

- ``coarse``: one task per top-level section, covering its whole subtree; criteria are the items
  of acceptance lists and the open task-list checkboxes anywhere in it.
- ``balanced``: one task per *leaf* section (a section with no work sub-sections). A section with
  sub-sections is not a task: its metadata and dependencies are inherited by the tasks below it.
  A leaf section's list items or table rows are tasks of their own (``buckets``) when it is a
  *bucket* (a checklist, tasks, to-dos, steps, "in parallel", a week, a sprint, a date, a
  release stage, a milestone heading, a work plan such as Roadmap or Requirements, or any
  checklist-only section of a document made of checklists: its open checkboxes, else its other
  open items; a ballot-box glyph ``☐`` is an open checkbox, ``☑``/``☒`` checked ones), when a
  numbered outline's heading item holds ``1.1. …`` lines or a
  ``- 1.1. …`` sub-list (the entries are the tasks), when most items of a list carry their
  own id, owner or dependency, when a list
  follows ``Tasks:``, when its numbered steps are said to run in order, and for the rows of a
  requirements table (a column named task, requirement, story, feature, summary, name…; id,
  priority, dependency (also "erst nach", "only after": row numbers there name rows of
  the same table first; a review stack's ``Base``, where ``main`` names nothing), notes,
  labels (ranked by a sentence defining them: ```can-slip` is fine …``) and milestone columns
  are read). A one-row table whose header
  holds two or more known labels is its section's fields; a list announced as notes
  (``Notas de la fase 2:``) below a task table holds no task. Checked and struck-through items
  are not tasks. Otherwise the section is one task and its items are its criteria.
- ``fine``: the balanced tasks, plus one child task (``parent_key``) per open checklist item and
  numbered step of a section task (the parent waits for its children, edges with reason
  ``parent``).

**No headings.** The whole document is one task (title: the first line of text, else the source
name), with a ``no_headings`` warning; at ``fine`` its steps become its children.

**Keys** (the future ``external_id``): ``{source_key}:{slug of each heading in the section path,
joined by /}``; an item, row or fine step adds ``/{slug of its title}``; a repeat gets ``~2``,
``~3``. A key only depends on its own path. ``source_key`` is the document's declared id (front
matter ``id:``/``prd:``, or an ``ID:`` / ``PRD-ID:`` line before the first task), else the slug of
the source's file name without extension.

**Extraction** (a section's settings are inherited by the tasks below it):

- *Label lines* in any of the four languages, at the start of a line, as ``A: x · B: y`` fields,
  or as a two-column table row: depends on/blocked by/requires/needs/after/prerequisites (and
  Abhängig von, Voraussetzung, Depende de, Requiere, Dépend de, Nécessite…), blocks, priority
  (Priorität, Prioridad, Priorité), type, labels/tags, milestone, status, acceptance criteria.
- *Priority*: a ``Priority`` label or a priority stated mid-sentence (``— prioridad alta``), else
  ``P0``–``P3``, a traffic light (🔴🟠🟡🟢), a step of a symbol scale the document defines
  (``- ★★★ indispensable`` / ``- ★★ …`` / ``- ★ …``: its priority word, else more symbols rank
  higher), a ``[tag]`` a legend ranks (a ``Tags:`` line or a list of ``- **[tag]** meaning``) or
  MUST/SHOULD/COULD in the title, else in the
  task's own text and items (a leading ``**Imprescindible.**``, a ``— *Urgent*`` segment; the
  strongest wins), else inherited, else medium. Words: P0/critical/urgent/blocker/highest →
  critical, P1/high/MUST → high, P2/medium/SHOULD → medium, P3/low/lowest/COULD/nice to have →
  low, and their German, Spanish and French equivalents.
- *Type*: the ``Type:`` line, else words of the task's title, then of its ancestors' titles (not
  the document title): bug/fix → bug; docs → docs; test/qa → test; chore/cleanup/release → chore;
  refactor → refactor; research/spike → research; else feature.
- *Labels*: ``#tags`` in the text (not ``#3``), ``Labels:`` lines, and the slug of the top-level
  section for the tasks below it. *Context files*: code spans that look like paths.
- *Milestones*: a milestones section's items, bold lines, table rows and sub-headings (a scope
  column or a list after a colon names the member tasks: ``M1 Pilot | … | A1, A2``; so does any
  column naming numbered steps at once, ``Schritte 1 bis 3``); headings ``M1: …`` / ``Phase 2 —
  …`` / ``Jalon 1 …`` / ``Week 1 …`` / ``Milestone A — …`` / ``Alpha (v0.14)`` / ``Launch day``
  and headings named like a listed milestone hold the tasks below them, as does a heading dated in
  its title over a list or sub-sections (``Prep (week of 11 January)``; a dated day below it that
  is one task belongs to it); a ``Milestone:`` line or a task table's milestone column names one.
  Outside milestones sections, a list or run of lines each led by a bold milestone name (or by a
  dated checkpoint listing task numbers: ``**Betriebsversammlung am 19. Januar:** bis dahin 1, 2
  und 6``), and a table with a milestone column, name milestones and the ids each holds
  (``read_block``; work-package numbers and ranges in any column), and are not work. A milestone
  keeps its full name.
- *Dependencies* (``prose`` finds them anywhere in a sentence; ``match`` resolves them): labels as
  above, ``X depends on Y`` / ``X → Y`` / chains in dependency sections, a Mermaid gantt
  ``after``, and phrases such as "can only start after", "once … ships", "needs", "blocked until",
  "before" (reversed), "setzt … voraus", "erst nach", "solo puede empezar cuando", "ne peut
  commencer qu'une fois". "Independent of" / "in parallel with" state none; "none" and "nothing"
  name nothing. In a notes section, a paragraph led in bold by a task's number or id (``**Zu
  14:**``, ``**#2206 — diff.**``) speaks for that task. A section whose prose says its steps or
  sub-sections run in order chains them (reason ``order``); with ``options.order_dependencies``
  each numbered step that became a task (fine) waits for the step before it. References resolve by
  id, heading number, whole title, section, contained title, prefix, shared words, close spelling
  (see ``match``); when none of these names anything, a *description* ("once the relay is
  publishing", "sobald die Stammdaten übernommen sind", "después de la pasarela de pago", "une
  fois l'outil choisi") names the one task whose title holds its words, by weight and with a
  margin (see ``describe``); a reference that fits several tasks equally is an
  ``ambiguous_reference`` warning, never an edge. When either end is a group (a section with
  several tasks), the group's first tasks wait for the other group's last ones. Each edge says in
  ``because`` which words gave it (a described one: which title its words matched).

**Repeats** (``repeats``). A short item or row that repeats an earlier task's id is that task:
it adds its milestone and dependencies, not a second task.

**Warnings.** ``cycle`` (the cycle's keys and titles; the latest-declared non-parent edge on it is
dropped), ``dangling_reference`` (a label naming nothing), ``ambiguous_reference`` (the
candidates), ``dropped_edge`` (a task declared to depend on itself), ``duplicate_title``,
``empty_section``, ``too_big`` (coarse: more than 30 list items or 2,000 words; balanced: more
than 15 items or 800 words; fine: more than 400 words), ``no_headings``.

**Preview.** ``waves``: ``core.domain.graph.waves`` at ``max_parallelism_hint`` (priority first);
``critical_path``: ``core.domain.graph.critical_path``; ``blocked_roots``: tasks with no blockers
that other tasks wait for.

**Limits.** Unusable input (empty, whitespace only, binary) raises ``ValidationError``. Titles
longer than 500 characters are cut (with "…"); the full text starts the description.

The modules
===========

``lexicon`` (the words, in four languages), ``vocab`` (limits and text helpers), ``outline``
(bold headings, struck headings, tags), ``classify`` (what each section is, and why), ``scan``
(what a run of blocks declares), ``prose`` (dependencies in sentences), ``items`` (item titles,
marks, task tables, gantt lines), ``buckets`` (which items and rows are tasks), ``milestones``,
``units``, ``builder`` (the walk over the sections), ``repeats`` (ids listed twice), ``tasks``
(units → tasks), ``match`` (the
reference matcher), ``describe`` (references by description), ``edges`` (references → edges,
cycles broken). This module runs them in order.
"""

from __future__ import annotations

import re

from core.prd.commands import shell_block
from core.prd.edit import summarize
from core.prd.models import ImportOptions, ImportPlan, PlannedEdge, PlannedTask, PlanWarning
from core.prd.parse import ListBlock, Section, parse_document
from core.prd.plan.builder import Builder
from core.prd.plan.classify import KNOWN_ALONE, SectionRules
from core.prd.plan.edges import break_cycles, resolve_edges
from core.prd.plan.milestones import Milestones
from core.prd.plan.outline import build_outline, plain_outline
from core.prd.plan.repeats import merge_repeats
from core.prd.plan.scan import Meta, scan_blocks
from core.prd.plan.tasks import size_warnings, to_task
from core.prd.plan.units import Inherited
from core.prd.plan.vocab import (
    TOO_BIG,
    abbreviation_legend,
    emoji_legend,
    flat_blocks,
    label_legend,
    listed_legend,
    mark_legend,
    priority_terms,
    scale_legend,
    slug,
    source_stem,
    symbol_legend,
    tag_legend,
    term_legend,
)

__all__ = ["TOO_BIG", "build_plan"]

_READING_GUIDE = ("info", "summary")
"""A reading guide's kind: it may list the milestones its tasks name by id."""
_LEGEND_HINT = re.compile("l[eé][gy]end", re.IGNORECASE)
"""What every legend holds (``Legend``, ``Legende``, ``Leyenda``, ``Légende``)."""


def build_plan(text: str, *, source: str, options: ImportOptions) -> ImportPlan:
    """Plan the import of a Markdown PRD: the tasks, edges and warnings a commit would write.

    Deterministic and pure (the rules are in the module docstring), so the TUI can re-plan on
    every option change and a re-import can be diffed by key. It leaves the process-wide
    garbage collector alone: a caller planning a large document may pause the cyclic
    collector around it (the engine does), as planning allocates many small objects.

    Raises:
        ValidationError: the text is empty, whitespace only or binary.
    """
    doc = parse_document(plain_outline(text))
    outline = build_outline(doc, KNOWN_ALONE)
    sections = doc.walk()
    levels = {s.level for s in sections}
    top = 2 if 2 in levels else min(levels, default=1)
    title_section: Section | None = None
    h1 = [s for s in doc.sections if s.level == 1]
    if top >= 2 and len(h1) == 1 and doc.sections[0] is h1[0]:
        title_section = h1[0]

    doc_meta = Meta()
    scan_blocks(doc.preamble, doc_meta)
    if title_section is not None:
        scan_blocks(title_section.blocks, doc_meta)
    declared = doc.front_matter.get("id") or doc.front_matter.get("prd") or doc_meta.declared_id
    source_key = slug(declared or source_stem(source), 60) or "prd"

    milestones = Milestones()
    rules = SectionRules.of(doc, outline, top, title_section, milestones)
    listing = {id(s): s for s in sections if rules.lists_milestones(s)}
    for section in listing.values():
        milestones.read_section(section, doc.lines)
    # Verdicts may ask which sections the milestones name: read those first.
    for section in sections:
        if id(section) in listing:
            continue
        if rules.verdict(section).kind != "info":
            for block in flat_blocks(section.blocks):
                milestones.read_block(block, doc.lines)
        elif rules.title(section).kind == _READING_GUIDE:
            # "How to read this plan" defines the milestones the tasks name (``M1``).
            for block in section.blocks:
                if isinstance(block, ListBlock):
                    milestones.read_block(block, doc.lines)
    builder = Builder(doc, source_key, options, top, title_section, outline, rules, milestones)
    if _LEGEND_HINT.search(text):
        builder.legend = emoji_legend(text)
    if " = " in text and not text.isascii():
        for mark, level in symbol_legend(text).items():
            builder.legend.setdefault(mark, level)
    if not text.isascii() and (scale := scale_legend(text)):
        builder.legend = {**scale, **builder.legend}
    if "`" in text:
        builder.label_legend = label_legend(text)
    if "[" in text:
        builder.tag_legend = tag_legend(text)
    if "**" in text:
        builder.term_legend = term_legend(text)
        for term, level in listed_legend(text).items():
            builder.term_legend.setdefault(term, level)
        builder.priority_terms = priority_terms(text)
    if ") =" in text or ")=" in text:
        builder.abbreviations = abbreviation_legend(text)
    if " = " in text:
        builder.mark_legend = mark_legend(text)
    inherited = Inherited(
        priority=doc_meta.priority,
        task_type=doc_meta.task_type,
        milestone=milestones.from_text(doc_meta.milestone) if doc_meta.milestone else None,
    )
    if not sections:
        builder.add_document_unit(source, inherited)
    else:
        builder.walk(doc.sections, [], inherited)
        merge_repeats(builder)
    edges = resolve_edges(builder)
    tasks = [to_task(builder, unit, doc_meta) for unit in builder.units]
    edges = break_cycles(builder, edges, {t.key: t.title for t in tasks})
    size_warnings(builder, tasks)
    return _finish(builder, tasks, edges, source)


def _finish(
    builder: Builder, tasks: list[PlannedTask], edges: list[PlannedEdge], source: str
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
        milestones=list(builder.milestones.by_key.values()),
        warnings=warnings,
        not_tasks=builder.skipped,
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
    if make_commands:
        tasks = [
            t.model_copy(update={"command": found[t.key]}) if t.key in found else t for t in tasks
        ]
        code = "commands"
        message = (
            f"{_count(len(found), 'task')} will carry a shell command taken from the document "
            "(listed with each task). None runs until someone approves it: read each command, "
            "then approve it after the commit (taskyard approve REF)."
        )
    else:
        code = "shell_blocks_kept_as_text"
        message = (
            f"{_count(len(found), 'task')} with a shell code block: the blocks stay in the "
            "descriptions as documentation and never run. Import with --commands to make them "
            "commands that wait for approval."
        )
    return tasks, PlanWarning(code=code, message=message, details={"task_keys": list(found)})


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
