"""References and edges: each ``Depends on`` text resolved to the tasks it names, cycles broken.

A reference is matched, in order, as a heading number, a task title, a section title, then the
closest title (the rules are in ``core.prd.plan``'s docstring).
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass

from core.domain import graph as graphs
from core.prd.models import PlannedEdge, PlanWarning
from core.prd.parse import Section
from core.prd.plan.builder import Builder, Unit
from core.prd.plan.vocab import REF_NUMBER, norm, strip_number


@dataclass
class _Resolver:
    """The tasks a reference text names, looked up by title, section and heading number."""

    builder: Builder
    by_title: dict[str, list[Unit]]
    names: list[str]

    @classmethod
    def of(cls, builder: Builder) -> _Resolver:
        by_title: dict[str, list[Unit]] = {}
        for unit in builder.units:
            by_title.setdefault(norm(unit.title), []).append(unit)
        names = sorted(set(by_title) | set(builder.section_titles))
        return cls(builder, by_title, names)

    def section_targets(self, section: Section) -> list[Unit]:
        return self.builder.section_units.get(id(section), [])

    def resolve(self, text: str) -> list[Unit]:
        raw = text.strip().strip("\"'`*_“”").strip()
        number = REF_NUMBER.match(raw)
        if number and number.group(1) in self.builder.numbers:
            return self.section_targets(self.builder.numbers[number.group(1)])
        wanted = norm(strip_number(raw))
        if not wanted:
            return []
        if wanted in self.by_title:
            return self.by_title[wanted][:1]
        for section in self.builder.section_titles.get(wanted, []):
            if targets := self.section_targets(section):
                return targets
        starting = [n for n in self.names if n.startswith(wanted) and len(wanted) >= 4]
        if len(starting) == 1:
            return self.resolve_name(starting[0])
        close = difflib.get_close_matches(wanted, self.names, n=1, cutoff=0.8)
        if close:
            return self.resolve_name(close[0])
        return []

    def resolve_name(self, name: str) -> list[Unit]:
        if name in self.by_title:
            return self.by_title[name][:1]
        for section in self.builder.section_titles.get(name, []):
            if targets := self.section_targets(section):
                return targets
        return []


def resolve_edges(builder: Builder) -> list[PlannedEdge]:
    """The edges the units declare, in line order, then each parent's edge to its children.

    A reference that matches nothing, or only its own task, becomes a warning instead.
    """
    resolver = _Resolver.of(builder)
    edges: list[PlannedEdge] = []
    seen: set[tuple[str, str]] = set()
    by_key = {u.key: u for u in builder.units}

    def add(task: Unit, blocker: Unit, reason: str, line: int | None) -> None:
        pair = (task.key, blocker.key)
        if pair in seen:
            return
        seen.add(pair)
        edges.append(
            PlannedEdge(task_key=task.key, blocker_key=blocker.key, reason=reason, line=line)
        )

    declared: list[tuple[Unit, str, int]] = []
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
                own = unit.section is not None and norm(unit.title) == norm(strip_number(dep))
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


def _is_ancestor(maybe: Unit, unit: Unit) -> bool:
    parent = unit.parent
    while parent is not None:
        if parent is maybe:
            return True
        parent = parent.parent
    return False


def break_cycles(
    builder: Builder, edges: list[PlannedEdge], titles: dict[str, str]
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
