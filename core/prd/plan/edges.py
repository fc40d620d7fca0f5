"""References and edges: each stated dependency resolved to the tasks it names, cycles broken.

Dependencies come from a task's own text, from its section (for every task below it), from
dependency sections (``X depends on Y``, ``A → B``, a numbered chain), from a Mermaid gantt
block, from order the document states ("the steps run in order") and, at fine granularity,
from numbered steps (``options.order_dependencies``) and parents waiting for their children.
When either end is a group (a section with several tasks), the group's first tasks (those
waiting for nothing else in it) wait for the other group's last ones: the same order with
fewer edges. An ambiguous reference is a warning with its candidates, never an edge.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from dataclasses import replace

from core.domain import graph as graphs
from core.prd.models import PlannedEdge, PlanWarning
from core.prd.parse import ListBlock, Paragraph, Section, Table
from core.prd.plan.builder import Builder, named_by_noun
from core.prd.plan.describe import Described, Describer
from core.prd.plan.items import DEP_COLUMNS
from core.prd.plan.lexicon import DEP_TRIGGER, NO_DEPENDENCY, NOTE_LEAD, NOTED_TASK_TITLE
from core.prd.plan.match import PART_SPLIT, Found, Resolver, named_in_group
from core.prd.plan.prose import DepRef, find_dependencies, subject_name
from core.prd.plan.units import Unit
from core.prd.plan.vocab import flat_blocks, iter_items, norm, norm_plain, strip_number

_PARTS = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\by\b|\bet\b)\s*", re.IGNORECASE)
_ARROW = re.compile(r"\s*(?:→|->|=>|⟶)\s*")
_CHAIN_TITLE = re.compile(
    r"chain|order|sequenc|reihenfolge|kette|orden|cadena|secuencia|ordre|enchaîn|chaîne|séquence"
)


_FROM_COLUMN = re.compile(r"from|von|de|desde|origen|emisor|source|provenance|giver|lieferant")
_TO_COLUMN = re.compile(r"to|an|für|para|hacia|destino|receptor|vers|à|pour|receiver|empfänger")
"""A hand-over table's columns (``| From | To |``): the row's receiving task waits for the giver."""


class _Edges:
    """The edges found so far, without repeats, and the groups still to connect."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self.edges: list[PlannedEdge] = []
        self.seen: set[tuple[str, str]] = set()
        self.blockers_of: dict[str, set[str]] = {}
        """``seen`` by task key: what each task waits for (a group reads only its own tasks)."""
        self.groups: list[tuple[list[Unit], list[Unit], str, int, str]] = []

    def add(self, task: Unit, blocker: Unit, reason: str, line: int | None, because: str) -> None:
        pair = (task.key, blocker.key)
        if task is blocker or pair in self.seen:
            return
        self.seen.add(pair)
        self.blockers_of.setdefault(task.key, set()).add(blocker.key)
        self.edges.append(
            PlannedEdge(
                task_key=task.key, blocker_key=blocker.key, reason=reason, line=line,
                because=because[:200],
            )
        )  # fmt: skip

    def connect(
        self,
        tasks: list[Unit],
        blockers: list[Unit],
        reason: str,
        line: int,
        because: str,
        *,
        group: bool = True,
    ) -> None:
        """``tasks`` wait for ``blockers``; groups are connected after the single edges.

        With ``group`` false the tasks were named one by one: each named pair is an edge.
        """
        blockers = [b for b in blockers if b not in tasks]  # a task named in its own list
        if not tasks or not blockers:
            return
        if (len(tasks) == 1 and len(blockers) == 1) or not group:
            for task in tasks:
                for blocker in blockers:
                    self.add(task, blocker, reason, line, because)
        else:
            self.groups.append((tasks, blockers, reason, line, because))

    def finish_groups(self) -> None:
        """Connect each group pair through its first and last tasks (see the module doc)."""
        for tasks, blockers, reason, line, because in self.groups:
            inside = {u.key for u in tasks}
            roots = [u for u in tasks if not self._waits_within(u.key, inside)] or tasks
            among = {u.key for u in blockers}
            waited = {b for t in among for b in self.blockers_of.get(t, ()) if b in among}
            sinks = [u for u in blockers if u.key not in waited] or blockers
            for task in roots:
                for blocker in sinks:
                    if not _is_ancestor(blocker, task):
                        self.add(task, blocker, reason, line, because)

    def _waits_within(self, key: str, keys: set[str]) -> bool:
        """Whether the task waits for one of ``keys`` (an edge seen so far)."""
        blockers = self.blockers_of.get(key)
        return blockers is not None and not blockers.isdisjoint(keys)


def resolve_edges(builder: Builder) -> list[PlannedEdge]:
    """The edges the document states, in line order, then each parent's edge to its children.

    A label that matches nothing, or only its own task, becomes a warning instead; so does a
    reference that fits several tasks equally.
    """
    resolver = Resolver.of(builder)
    describer = Describer(resolver)
    out = _Edges(builder)
    by_key = {u.key: u for u in builder.units}
    declared: list[tuple[list[Unit], DepRef]] = []
    for unit in builder.units:
        for dep in (*unit.inherited.deps, *unit.meta.deps):
            declared.append(([unit], dep))
    declared.extend(builder.group_deps)
    declared.sort(key=lambda d: d[1].line)
    for subjects, dep in declared:
        if dep.order_key:
            out.add(subjects[0], by_key[dep.order_key], "order", dep.line, "numbered steps")
            continue
        if len(subjects) > 1 and dep.subject:
            subjects = _named_subjects(resolver, subjects, dep, describer)
        referrer = subjects[0] if len(subjects) == 1 else None
        found = resolver.resolve(dep, referrer)
        if (
            found.group
            and dep.strength != "label"
            and len(found.units) > 1
            and len(narrowed := named_in_group(found, dep.target)) == 1
        ):
            # "une fois le parcours de demande de congés du lot 2 stabilisé": the one task of
            # the lot the description's words name, not the whole lot.
            found = replace(found, units=narrowed, group=False)
        described = _described(builder, describer, dep, found, subjects)
        targets = _usable(builder, found, dep, referrer) if found.units or not described else []
        group = found.group or len(subjects) > 1
        because = dep.phrase or dep.target
        if dep.reverse:
            out.connect(targets, subjects, "explicit", dep.line, because, group=group)
        else:
            out.connect(subjects, targets, "explicit", dep.line, because, group=group)
        for d in described:
            why = d.because(because)
            if dep.reverse:
                out.connect([d.unit], subjects, "explicit", dep.line, why, group=group)
            else:
                out.connect(subjects, [d.unit], "explicit", dep.line, why, group=group)
    _gantt(builder, resolver, out)
    for section in builder.dep_sections:
        _dependency_section(builder, resolver, describer, section, out)
    for section in builder.milestone_prose:
        _milestone_order(builder, resolver, describer, section, out)
    _memberships(builder, resolver)
    _listed_phases_in_order(builder)
    for groups, line in builder.sequences:
        for before, after in itertools.pairwise([g for g in groups if g]):
            out.connect(after, before, "order", line, "the document says these run in order")
    out.finish_groups()
    edges = _without_implied_order(out.edges)
    out.edges = edges
    for unit in builder.units:
        if unit.parent is not None:
            out.add(unit.parent, unit, "parent", unit.line_start, "a step of this task")
    return out.edges


def _named_subjects(
    resolver: Resolver, subjects: list[Unit], dep: DepRef, describer: Describer
) -> list[Unit]:
    """The tasks of a section that a sentence of its text is about, when it names some.

    Prose under a section speaks for all its tasks ("Everything here waits for the API"),
    unless the sentence names one of them as its subject: "l'ajout de bénéficiaire doit être
    en production avant le virement instantané" orders those two, not the whole section. A
    subject that names no title describes its tasks by their words ("Library consolidation"
    for "Consolidate shared libraries"; "Archiving the repos and turning off their Jenkins
    jobs": one task per part), each by two of its words.
    """
    name = subject_name(dep.subject)
    if not name:
        return subjects
    found = resolver.resolve(DepRef(name, dep.line, strength="strong"), None)
    named = [u for u in found.units if u in subjects]
    if named:
        return named
    for part in [p for p in PART_SPLIT.split(name) if p.strip()]:
        verdict = describer.name(part, (), 2)
        if not isinstance(verdict, Described) or verdict.unit not in subjects:
            named = []  # every part names one of them, or none counts
            break
        named.append(verdict.unit)
    if named:
        return named
    # "No wave starts before …" over Wave A, Wave B, Wave C and two clean-up rows: the waves.
    noun = _DETERMINED_NOUN.fullmatch(name.strip())
    return named_by_noun(subjects, [noun.group(1).casefold()]) if noun else subjects


_DETERMINED_NOUN = re.compile(
    r"(?:no|each|every|all|the|kein[e]?|jede[rs]?|alle|die|ningún|ninguna|cada|tod[oa]s los"
    r"|tod[oa]s las|l[oa]s|aucun[e]?|chaque|tou(?:te)?s les|les)\s+([^\W\d_]{4,})",
    re.IGNORECASE,
)
"""A subject that is one noun after a determiner (``No wave``, ``Jede Welle``, ``Cada ola``)."""


def _without_implied_order(edges: list[PlannedEdge]) -> list[PlannedEdge]:
    """The edges without an ``order`` edge that other edges already imply.

    A dependency chain or a stated order repeats what the text's own dependencies often say
    ("the shopping list needs the planner" after "Phase 1 before Phase 2"): the order stays,
    the redundant edge goes. Stated dependencies are always kept.
    """
    if not any(e.reason == "order" for e in edges):
        return edges
    waits: dict[str, set[str]] = {}
    for e in edges:
        waits.setdefault(e.task_key, set()).add(e.blocker_key)
    kept: list[PlannedEdge] = []
    for edge in edges:
        if edge.reason == "order":
            waits[edge.task_key].discard(edge.blocker_key)
            if _reaches(waits, edge.task_key, edge.blocker_key):
                continue  # implied: leave it out
            waits[edge.task_key].add(edge.blocker_key)
        kept.append(edge)
    return kept


def _reaches(waits: dict[str, set[str]], start: str, goal: str) -> bool:
    """Whether ``start`` waits for ``goal`` through a chain of edges."""
    seen = {start}
    stack = [start]
    while stack:
        for nxt in waits.get(stack.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _usable(builder: Builder, found: Found, dep: DepRef, referrer: Unit | None) -> list[Unit]:
    """The targets of a resolved reference, after the warnings it calls for."""
    key = referrer.key if referrer is not None else None
    if found.candidates:
        _warn_ambiguous(builder, dep.target, dep.line, key, found.candidates)
    for missing in found.missing:
        builder.warnings.append(_dangling(missing, dep.line, key))
    if found.none or found.candidates:
        return []
    if not found.units:
        if dep.strength == "label" and not found.missing:
            builder.warnings.append(_dangling(dep.target, dep.line, key))
        return []
    targets = [u for u in found.units if referrer is None or not _is_ancestor(u, referrer)]
    if referrer is not None and targets == [referrer]:
        named = {norm(strip_number(p)) for p in _PARTS.split(dep.target)}
        own = norm(referrer.title) in named | {norm(strip_number(dep.target))}
        if (own and referrer.section is not None) or referrer.origin == "step":
            builder.warn(
                code="dropped_edge",
                message=f"“{referrer.title}” cannot depend on itself (line {dep.line}).",
                line=dep.line,
                task_key=referrer.key,
                details={"reference": dep.target},
            )
        return []
    return targets


def _described(
    builder: Builder, describer: Describer, dep: DepRef, found: Found, subjects: list[Unit]
) -> list[Described]:
    """The tasks the reference describes beyond what ``found`` names (see ``describe``).

    An ambiguous description is a warning with its candidates; the referring tasks, their
    parents and their steps are never candidates.
    """
    described, ambiguous = describer.extra(dep, found, subjects)
    key = subjects[0].key if len(subjects) == 1 else None
    for part, candidates in ambiguous:
        _warn_ambiguous(builder, part, dep.line, key, [(u,) for u in candidates])
    return described


def _warn_ambiguous(
    builder: Builder,
    reference: str,
    line: int,
    key: str | None,
    candidates: Sequence[tuple[Unit, ...]],
) -> None:
    """No edge for a reference that could mean several things: a warning naming them.

    A candidate is a task, or the tasks of a section named as a whole (``A / B``).
    """
    names = [" / ".join(u.title for u in c) for c in candidates]
    builder.warn(
        code="ambiguous_reference",
        message=f"“{reference}” (line {line}) could mean "
        + " or ".join(f"“{n}”" for n in names)
        + "; no dependency was added. Name the task exactly.",
        line=line,
        task_key=key,
        details={"reference": reference, "candidates": [[u.key for u in c] for c in candidates]},
    )


def _dangling(text: str, line: int, key: str | None) -> PlanWarning:
    return PlanWarning(
        code="dangling_reference",
        message=f"“{text}” (line {line}) matches no section or task; no dependency was added.",
        line=line,
        task_key=key,
        details={"reference": text},
    )


def _is_ancestor(maybe: Unit, unit: Unit) -> bool:
    parent = unit.parent
    while parent is not None:
        if parent is maybe:
            return True
        parent = parent.parent
    return False


def _gantt(builder: Builder, resolver: Resolver, out: _Edges) -> None:
    """Edges from a Mermaid gantt block: a line waits for the lines it comes ``after``.

    A line that is no task (a ``:milestone`` such as "Code freeze") passes its own
    ``after`` on: what comes after the freeze waits for what the freeze waits for.
    """
    labels = {g.ident: g.label for g in builder.gantt if g.ident}
    after_of = {g.ident: g.after for g in builder.gantt if g.ident}

    def blockers(ident: str, seen: set[str]) -> list[Unit]:
        if ident not in labels or ident in seen:
            return []
        seen.add(ident)
        found = resolver.resolve(DepRef(labels[ident], 0, strength="strong"), None)
        if len(found.units) == 1:
            return [found.units[0]]
        if found.units or found.candidates:
            return []  # several tasks fit: no guess
        return [u for before in after_of.get(ident, ()) for u in blockers(before, seen)]

    for g in builder.gantt:
        if not g.after:
            continue
        task = resolver.resolve(DepRef(g.label, g.line, strength="strong"), None)
        if len(task.units) != 1:
            continue
        for ident in g.after:
            for blocker in blockers(ident, set()):
                out.add(task.units[0], blocker, "explicit", g.line, f"gantt: after {ident}")


def _dependency_section(
    builder: Builder, resolver: Resolver, describer: Describer, section: Section, out: _Edges
) -> None:
    """Read a dependency section: ``X depends on Y`` and ``X → Y`` lines, and chains.

    A chain is the list of a section titled like one ("Logical Dependency Chain"): each item
    that names a task waits for the one before.
    """
    chain = bool(_CHAIN_TITLE.search(section.title.casefold()))
    for s in [section, *_descendants(section)]:
        headed = _titled_subject(resolver, s) if s is not section else _noted(resolver, s)
        for block in flat_blocks(s.blocks):
            texts: list[tuple[str, int]] = []
            if isinstance(block, Paragraph) and _wrapped_prose(block.text):
                texts = [(block.text, block.line_start)]  # sentences wrapped over lines
            elif isinstance(block, Paragraph):
                texts = list(zip(block.text.split("\n"), itertools.count(block.line_start)))
            elif isinstance(block, ListBlock):
                texts = [(i.text, i.line_start) for i in iter_items(block)]
                if (
                    chain
                    and not any(_ARROW.search(t) for t, _ in texts)
                    and not any(NO_DEPENDENCY.search(t) for t, _ in texts)
                ):
                    # A list of arrow chains ("C1 → C2", "D1 → D2") is chains side by side;
                    # a list of which items wait and which run "in parallel with S1" states
                    # its own dependencies, item by item.
                    _chain(resolver, block, out)
            elif isinstance(block, Table):
                _dependency_table(resolver, block, out)
            lead = _note_subject(builder, resolver, block) if isinstance(block, Paragraph) else None
            if lead is None and (s is not section or headed is not None):
                lead = headed  # "**#2206 — dual-run diff.** …" cut into a section of its own
            for text, line in texts:
                _dependency_line(builder, resolver, describer, text, line, out, lead=lead)


def _milestone_order(
    builder: Builder, resolver: Resolver, describer: Describer, section: Section, out: _Edges
) -> None:
    """Read a milestones section's own sentences that order its stages by their ids.

    "Phase 3 starts only when Phase 2 is closed": both ends name a stage (``Phase 3``,
    ``M2``), whose tasks the document put in it. Other prose there describes the milestones.
    """
    for block in section.blocks:
        if isinstance(block, Paragraph) and _STAGE_HINT.search(block.text):
            for sentence in _SENTENCES.split(block.text.replace("\n", " ")):
                if len(_STAGE_HINT.findall(sentence)) >= 2:
                    _dependency_line(
                        builder, resolver, describer, sentence, block.line_start, out, stages=True
                    )


_STAGE_HINT = re.compile(
    r"\b(?:m\d+|(?:milestone|meilenstein|hito|jalon|phase|fase|étape|etapa|stage|stufe|palier)\s*\d+)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def _wrapped_prose(text: str) -> bool:
    """Whether a paragraph is sentences wrapped over lines, not one statement per line.

    A line that stops mid-sentence before a line that goes on in lower case ("… necesitan el
    collector ya desplegado en" / "preproducción.") wraps a sentence: the paragraph is read
    whole, so a sentence is not cut at the line's end. A paragraph with an arrow keeps its
    lines apart.
    """
    if any(a in text for a in ("→", "->", "=>", "⟶")):
        return False  # "(M10 → M11)" in a sentence: an arrow is read line by line
    lines = text.split("\n")
    return any(
        not a.rstrip().endswith((".", "!", "?", ":", ";")) and b.lstrip()[:1].islower()
        for a, b in itertools.pairwise(lines)
    )


def _dependency_table(resolver: Resolver, table: Table, out: _Edges) -> None:
    """A table of a dependency section: each row's task waits for what its dependency column names.

    ``| Anforderung | benötigt |`` over ``| A-10 | A-01, A-03 |``: A-10 waits for A-01 and A-03.
    """
    header = [norm_plain(h) for h in table.header]
    deps = next((i for i, h in enumerate(header) if DEP_COLUMNS.fullmatch(h)), None)
    giver = next((i for i, h in enumerate(header) if _FROM_COLUMN.fullmatch(h)), None)
    taker = next((i for i, h in enumerate(header) if _TO_COLUMN.fullmatch(h)), None)
    subject: int | None
    if deps is None and giver is not None and taker is not None:
        # "| From | To | What is handed over |": the receiving task waits for the giving one.
        deps, subject = giver, taker
    else:
        subject = next((i for i in range(len(header)) if i != deps), None)
    if deps is None or subject is None:
        return  # no dependency column, or nothing but one
    for n, row in enumerate(table.rows):
        if max(deps, subject) >= len(row) or not row[subject].strip() or not row[deps].strip():
            continue
        line = table.line_start + 2 + n
        task = resolver.resolve(DepRef(row[subject], line, strength="strong"), None)
        if len(task.units) != 1:
            continue
        found = resolver.resolve(DepRef(row[deps], line, strength="label"), task.units[0])
        for blocker in found.units:
            if blocker is not task.units[0]:
                out.add(task.units[0], blocker, "explicit", line, f"{row[subject]}: {row[deps]}")


def _descendants(section: Section) -> list[Section]:
    out: list[Section] = []
    for child in section.children:
        out.append(child)
        out.extend(_descendants(child))
    return out


def _note_subject(
    builder: Builder, resolver: Resolver, block: Paragraph
) -> tuple[str, Found] | None:
    """The task a note paragraph's bold lead names (``**Zu 14:** Abnahme erst, wenn …``).

    Its sentences' dependencies are that task's when their own subject names no task, or
    is the lead itself.
    """
    lines = builder.doc.lines
    if block.line_start > len(lines) or not lines[block.line_start - 1].lstrip().startswith(
        ("**", "__")
    ):
        return None
    m = NOTE_LEAD.match(block.text)
    if m is None:
        return None
    found = resolver.resolve(DepRef(m.group("ref"), block.line_start, strength="strong"), None)
    return (block.text[: m.end()].strip(), found) if len(found.units) == 1 else None


def _noted(resolver: Resolver, section: Section) -> tuple[str, Found] | None:
    """The numbered task a section's title remarks on in parentheses (``… (Nr. 11)``)."""
    m = NOTED_TASK_TITLE.search(section.title) if "(" in section.title else None
    if m is None:
        return None
    found = resolver.resolve(DepRef(m.group("ref"), section.line_start, strength="label"), None)
    if found.group:
        found = dataclasses.replace(
            found, units=tuple(u for u in found.units if m.group("ref") in (u.number, u.ident))
        )
    return (section.title, found) if len(found.units) == 1 else None


def _titled_subject(resolver: Resolver, section: Section) -> tuple[str, Found] | None:
    """The task a note section's title names by its number or id (``#2206 — dual-run diff``)."""
    m = NOTE_LEAD.match(f"{section.title.rstrip(' .:')}: ")
    if m is None:
        return None
    found = resolver.resolve(DepRef(m.group("ref"), section.line_start, strength="strong"), None)
    return (section.title, found) if len(found.units) == 1 else None


def _dependency_line(
    builder: Builder,
    resolver: Resolver,
    describer: Describer,
    text: str,
    line: int,
    out: _Edges,
    *,
    stages: bool = False,
    lead: tuple[str, Found] | None = None,
) -> None:
    """Connect what one line of a dependency or milestones section orders.

    Between ``stages`` ("Phase 3 does not start until every Phase 2 review memo is in") the
    stage a side names is that side: the words around it describe the stage's work.
    """
    if any(a in text for a in ("→", "->", "=>", "⟶")):
        if len(sentences := _SENTENCES.split(text.replace("\n", " "))) > 1:
            # A paragraph of sentences, one with an arrow ("Zuordnung alt → neu"): each
            # sentence is read on its own, the arrow only in its own.
            for sentence in sentences:
                _dependency_line(builder, resolver, describer, sentence, line, out, stages=stages)
            return
        steps = [
            resolver.resolve(DepRef(p, line, strength="strong"), None) for p in _ARROW.split(text)
        ]
        for before, after in itertools.pairwise(steps):
            if before.units and after.units:
                out.connect(list(after.units), list(before.units), "explicit", line, text)
        return
    for dep in find_dependencies(text, line):
        if stages and (stage := _STAGE_HINT.search(dep.target)) is not None:
            dep = dataclasses.replace(dep, target=stage.group(0))
        if lead is not None and (not dep.subject or dep.subject.startswith(lead[0])):
            subject = lead[1]  # "Zu 14: Abnahme erst, wenn …": the task the note is on
        elif not dep.subject:
            continue
        else:
            # In a dependency section even "before"/"after" state one: "Phase 1 before Phase 2".
            subject = resolver.resolve(DepRef(dep.subject, line, strength="strong"), None)
            if not subject.units and (name := subject_name(dep.subject)) != dep.subject:
                # "Die Redaktionsschulung findet auf dem Testsystem statt, also nach WEB-212"
                subject = resolver.resolve(DepRef(name, line, strength="strong"), None)
            if not subject.units and lead is not None:
                subject = lead[1]
        if not subject.units:
            continue
        referrer = subject.units[0] if len(subject.units) == 1 else None
        found = resolver.resolve(dep, referrer)
        subjects = list(subject.units)
        described = _described(builder, describer, dep, found, subjects)
        targets = _usable(builder, found, dep, referrer) if found.units or not described else []
        group = found.group or subject.group
        if dep.reverse:
            out.connect(targets, subjects, "explicit", line, text, group=group)
        else:
            out.connect(subjects, targets, "explicit", line, text, group=group)
        for d in described:
            if dep.reverse:
                out.connect([d.unit], subjects, "explicit", line, d.because(text), group=group)
            else:
                out.connect(subjects, [d.unit], "explicit", line, d.because(text), group=group)


def _chain(resolver: Resolver, block: ListBlock, out: _Edges) -> None:
    """A dependency chain's list: the tasks each item names, each after the item before.

    An item names a task by its head (``Recipe import: …``), else anywhere in its text.
    """
    previous: list[Unit] = []
    for item in block.items:
        first = item.text.split("\n", 1)[0]
        trigger = DEP_TRIGGER.search(first)
        lead = first[: trigger.start()] if trigger else first
        head = re.split(r"[:(—–,]|\s-\s", lead, maxsplit=1)[0]
        found = resolver.resolve(DepRef(head, item.line_start, strength="strong"), None)
        if not found.units and head != first:
            found = resolver.resolve(DepRef(first, item.line_start, strength="weak"), None)
        if found.units:
            if previous:
                out.connect(
                    list(found.units), previous, "order", item.line_start, "dependency chain"
                )
            previous = list(found.units)


def _memberships(builder: Builder, resolver: Resolver) -> None:
    """Put the tasks a milestone table lists (``Umfang: A1, A2``) in that milestone."""
    for key, text, line in builder.milestones.members:
        found = resolver.resolve(DepRef(text, line, strength="label"), None)
        listed = builder.listed_members.get(key)
        units = named_in_group(found, text)
        if found.group and line in builder.milestones.numbered:
            # "Nr. 3" of a numbered task list, not the heading "3. Maßnahmenliste" as a whole
            units = tuple(u for u in units if text in (u.number, u.ident)) or units
        for unit in units:
            if unit.milestone is None:
                unit.milestone = key
                if listed is not None:
                    listed.append(unit)


def _listed_phases_in_order(builder: Builder) -> None:
    """Chain the milestones a list names when the document says its phases run in order.

    ``**Fase de captación:** 1.1, 1.2 …`` then ``**Fase de organización:** de la 2.2 a la
    4.3`` under "Las fases van una detrás de otra": each phase's tasks wait for the one
    before, as phase headings would. Only where no task sits under a milestone heading (those
    are chained where they stand).
    """
    if len(builder.milestones.by_key) < 2 or not builder.milestones.members:
        return
    listed = {key for key, _, _ in builder.milestones.members}
    held: dict[str, list[Unit]] = {}
    for unit in builder.units:
        if unit.milestone is not None and unit.parent is None:
            if unit.milestone not in listed:
                return  # a milestone heading over its tasks: ordered where it stands
            held.setdefault(unit.milestone, []).append(unit)
    groups = [held[key] for key in builder.milestones.by_key if key in held]
    if len(groups) > 1 and builder.phases_in_order():
        line = min(line for _, _, line in builder.milestones.members)
        builder.sequences.append((groups, line))


def break_cycles(
    builder: Builder, edges: list[PlannedEdge], titles: dict[str, str]
) -> list[PlannedEdge]:
    """Drop, per cycle, its latest-declared non-parent edge (with a warning), until acyclic."""
    kept = list(edges)
    order = {(e.task_key, e.blocker_key): i for i, e in enumerate(edges)}
    graph: dict[str, set[str]] = {key: set() for key in titles}
    for edge in kept:
        graph[edge.task_key].add(edge.blocker_key)
    while True:
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
        graph[drop.task_key].discard(drop.blocker_key)  # one edge per pair: the graph follows
        names = [titles.get(k, k) for k in cycle]
        builder.warn(
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
