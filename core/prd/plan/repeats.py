"""Tasks listed again by their id: a release naming backlog items does not add work.

A backlog table defines ``TAP-01 … TAP-14``; a ``Releases`` section then lists ``- TAP-01
Registro con SMS`` under ``R1``. The second listing is the same task, placed in a milestone:
the planner keeps the first and takes from the repeat what it adds (its milestone, the
dependencies it states).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.prd.plan.match import content_words

if TYPE_CHECKING:
    from core.prd.plan.builder import Builder
    from core.prd.plan.units import Unit

_REPEAT_WORDS = 25
"""A repeat says little of its own: an item or row of more words is kept as written."""


def _same_name(repeat: Unit, kept: Unit) -> bool:
    """Whether the repeat names the task as the first listing does, in fewer words perhaps.

    Asked of a repeat in the same list only: a release section may shorten a story to other
    words (``TAP-09 Asignación automática`` for ``… quiero que se me asigne el pedido``), but
    an item next to another that reuses its id under an unrelated title (a copy retitled, the
    id kept by mistake) is a task of its own.
    """
    assert repeat.ident is not None
    words = set(content_words(repeat.title.replace(repeat.ident, " ")))
    return not words or bool(words & set(content_words(kept.title)))


def merge_repeats(builder: Builder) -> None:
    """Fold each item or row that repeats an earlier task's id into that task."""
    first: dict[str, Unit] = {}
    same: dict[int, Unit] = {}
    for unit in builder.units:
        if unit.ident is None or unit.parent is not None:
            continue
        kept = first.setdefault(unit.ident.casefold(), unit)
        if kept is unit or unit.origin not in ("item", "row"):
            continue
        # A row's own words, not the notes below its table that remark on it.
        own = unit.description.split("\n\n", 1)[0] if unit.origin == "row" else unit.description
        if len(own.split()) > _REPEAT_WORDS:
            continue
        if unit.path == kept.path and not _same_name(unit, kept):
            continue  # the id twice in one list, under two names: two tasks
        same[id(unit)] = kept
        milestone = unit.milestone or unit.inherited.milestone
        placed = kept.milestone or kept.inherited.milestone or kept.meta.milestone
        if milestone and not placed:
            kept.milestone = milestone
        kept.meta.deps.extend(unit.meta.deps)
    if not same:
        return
    drop = set(same) | _stale_rows(builder, same)
    builder.units = [u for u in builder.units if id(u) not in drop]

    def mapped(units: list[Unit]) -> list[Unit]:
        out: list[Unit] = []
        for unit in units:
            unit = same.get(id(unit), unit)
            if not any(u is unit for u in out):
                out.append(unit)
        return out

    for key, units in builder.section_units.items():
        builder.section_units[key] = mapped(units)
    builder.group_deps = [(mapped(units), dep) for units, dep in builder.group_deps]
    builder.sequences = [
        ([mapped(group) for group in groups], line) for groups, line in builder.sequences
    ]
    for units in builder.listed_members.values():
        units[:] = mapped(units)


def _stale_rows(builder: Builder, same: dict[int, Unit]) -> set[int]:
    """Rows of a schedule section that repeat no listed task, when most of its rows do.

    A "Cronograma" table over the work breakdown's ``1.1`` … ``4.3``: a row whose task the
    breakdown no longer lists is a stale line of the schedule, not new work.
    """
    rows: dict[tuple[str, ...], list[Unit]] = {}
    for unit in builder.units:
        if unit.origin == "row" and unit.path and unit.ident is not None:
            rows.setdefault(tuple(unit.path), []).append(unit)
    stale: set[int] = set()
    for path, listed in rows.items():
        kind = builder.rules.title_of(path[-1]).kind
        if kind is None or kind[0] != "milestone-list":
            continue
        repeated = sum(1 for u in listed if id(u) in same)
        if repeated * 2 > len(listed):
            stale.update(id(u) for u in listed if id(u) not in same)
    return stale
