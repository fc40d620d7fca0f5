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

The modules
===========

``vocab`` (the words, patterns and limits above, and the text helpers that apply them), ``scan``
(what a run of blocks declares), ``builder`` (the walk over the sections: units, keys,
milestones), ``tasks`` (units → tasks, size and title warnings), ``edges`` (references → edges,
cycles broken). This module runs them in order.
"""

from __future__ import annotations

from core.prd.commands import shell_block
from core.prd.edit import summarize
from core.prd.models import ImportOptions, ImportPlan, PlannedEdge, PlannedTask, PlanWarning
from core.prd.parse import Section, parse_document
from core.prd.plan.builder import Builder, Inherited
from core.prd.plan.edges import break_cycles, resolve_edges
from core.prd.plan.scan import Meta, scan_blocks
from core.prd.plan.tasks import size_warnings, to_task
from core.prd.plan.vocab import TOO_BIG, slug, source_stem

__all__ = ["TOO_BIG", "build_plan"]


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

    doc_meta = Meta()
    scan_blocks(doc.preamble, doc_meta)
    if title_section is not None:
        scan_blocks(title_section.blocks, doc_meta)
    declared = doc.front_matter.get("id") or doc.front_matter.get("prd") or doc_meta.declared_id
    source_key = slug(declared or source_stem(source), 60) or "prd"

    builder = Builder(doc, source_key, options, top, title_section)
    inherited = Inherited(
        priority=doc_meta.priority,
        task_type=doc_meta.task_type,
        milestone=builder.milestone_from_text(doc_meta.milestone) if doc_meta.milestone else None,
    )
    if not sections:
        builder.add_document_unit(source, inherited)
    else:
        builder.walk(doc.sections, [], inherited)
    tasks = [to_task(builder, unit, doc_meta) for unit in builder.units]
    edges = resolve_edges(builder)
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
