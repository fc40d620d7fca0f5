"""Dependency-graph algorithms over plain mappings: cycles, ready set, waves, critical path.

A graph is a mapping ``task id -> ids of its blockers`` (the ``blocked_by`` direction). Every
function is pure and iterative (no recursion limit on deep chains), so the store, the PRD
planner and the tests share one implementation.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from typing import TypeVar

from core.errors import CycleError

N = TypeVar("N", bound=Hashable)
"""A node: a task id, or a state of the task state machine (``states.shortest_route``)."""

Graph = Mapping[str, Collection[str]]
"""``task id -> ids of the tasks it is blocked by``."""


def dependents_of(graph: Graph) -> dict[str, set[str]]:
    """Reverse the graph: ``blocker id -> ids of the tasks waiting for it``."""
    reverse: dict[str, set[str]] = {node: set() for node in graph}
    for node, blockers in graph.items():
        for blocker in blockers:
            reverse.setdefault(blocker, set()).add(node)
    return reverse


def path_between(start: N, goal: N, blockers_of: Callable[[N], Iterable[N]]) -> list[N] | None:
    """Shortest chain ``start -> ... -> goal`` following ``blockers_of``'s edges, or ``None``.

    Breadth first, so among equally short chains the one found first in ``blockers_of``'s
    order wins: callers that need a stable answer give the edges in a stable order.
    """
    previous: dict[N, N | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while (before := previous[path[-1]]) is not None:
                path.append(before)
            return path[::-1]
        for nxt in blockers_of(node):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def cycle_through_new_edge(graph: Graph, task: str, blocker: str) -> list[str] | None:
    """The cycle that ``task blocked by blocker`` would close, as ``[task, blocker, ..., task]``.

    A self-edge is the cycle ``[task, task]``. ``None`` means the edge is safe.
    """
    if task == blocker:
        return [task, task]
    back = path_between(blocker, task, lambda n: graph.get(n, ()))
    return None if back is None else [task, *back]


def check_new_edge(
    graph: Graph, task: str, blocker: str, *, label: Callable[[str], str] = str
) -> None:
    """Refuse an edge that would close a cycle.

    Raises:
        CycleError: with the cycle path (as labels) in the message and ``details["cycle"]``.
    """
    cycle = cycle_through_new_edge(graph, task, blocker)
    if cycle is None:
        return
    raise cycle_error(cycle, label=label)


def cycle_error(cycle: list[str], *, label: Callable[[str], str] = str) -> CycleError:
    """The error for a cycle given as ``[a, b, ..., a]`` (``[a, a]`` for a self-edge)."""
    names = [label(n) for n in cycle]
    if len(cycle) == 2 and cycle[0] == cycle[1]:
        return CycleError(
            f"{names[0]} cannot be blocked by itself.",
            hint="Pick a different blocker.",
            details={"cycle": cycle, "cycle_refs": names},
        )
    return CycleError(
        f"{names[0]} cannot be blocked by {names[1]}: that would make a cycle "
        f"({' → '.join(names)}).",
        hint=f"Remove one of the dependencies on that path first, or reverse the order "
        f"(make {names[1]} wait for {names[0]} instead).",
        details={"cycle": cycle, "cycle_refs": names},
    )


def find_cycle(graph: Graph) -> list[str] | None:
    """Any cycle in the graph as ``[a, b, ..., a]``, or ``None`` if it is acyclic."""
    white, grey, black = 0, 1, 2
    color: dict[str, int] = {}
    nodes = set(graph)
    for blockers in graph.values():
        nodes.update(blockers)
    for root in sorted(nodes):
        if color.get(root, white) != white:
            continue
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(graph.get(root, ()))))]
        path = [root]
        color[root] = grey
        while stack:
            node, children = stack[-1]
            for child in children:
                state = color.get(child, white)
                if state == grey:
                    return [*path[path.index(child) :], child]
                if state == white:
                    color[child] = grey
                    path.append(child)
                    stack.append((child, iter(sorted(graph.get(child, ())))))
                    break
            else:
                color[node] = black
                path.pop()
                stack.pop()
    return None


def topological_order(graph: Graph) -> list[str]:
    """Blockers before the tasks they block (ties by id), over every node of the graph.

    Raises:
        CycleError: the graph has a cycle.
    """
    nodes = set(graph)
    for blockers in graph.values():
        nodes.update(blockers)
    indegree = {n: len(set(graph.get(n, ()))) for n in nodes}
    reverse = dependents_of(graph)
    ready = [n for n, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for dependent in reverse.get(node, ()):
            indegree[dependent] -= 1
            if indegree[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(order) != len(nodes):
        cycle = find_cycle(graph)
        raise cycle_error(cycle or [])
    return order


def ready_set(graph: Graph, resolved: Collection[str]) -> set[str]:
    """Unresolved tasks whose blockers are all resolved (what could run now)."""
    return {
        node
        for node, blockers in graph.items()
        if node not in resolved and all(b in resolved for b in blockers)
    }


def waves(
    graph: Graph,
    *,
    resolved: Collection[str] = (),
    max_parallelism: int | None = None,
    order_key: Callable[[str], object] | None = None,
) -> list[list[str]]:
    """Estimated rounds of parallel execution of the unresolved tasks.

    Each wave runs up to ``max_parallelism`` tasks whose blockers finished in earlier waves
    (or were already resolved); within a wave, tasks are taken by ``order_key`` (the
    scheduler's priority-then-age order), then id.

    Raises:
        CycleError: the unresolved part of the graph has a cycle.
    """
    if max_parallelism is not None and max_parallelism < 1:
        raise ValueError("max_parallelism must be at least 1")
    pending = {n for n in graph if n not in resolved}
    key = order_key or (lambda n: 0)
    # Kahn's algorithm with in-degrees over unresolved blockers: O(V + E), not O(V * depth).
    waiting = {n: sum(1 for b in set(graph[n]) if b in pending) for n in pending}
    reverse = dependents_of({n: graph[n] for n in pending})
    # A heap of (key, id): each wave takes the smallest, as sorting all runnable tasks would,
    # without re-sorting the ones left waiting for a later wave (O(V log V) in all).
    runnable = [(key(n), n) for n, count in waiting.items() if count == 0]
    heapq.heapify(runnable)
    result: list[list[str]] = []
    finished = 0
    while runnable:
        size = len(runnable) if max_parallelism is None else min(max_parallelism, len(runnable))
        wave = [heapq.heappop(runnable)[1] for _ in range(size)]
        result.append(wave)
        finished += len(wave)
        for node in wave:
            for dependent in reverse.get(node, ()):
                if dependent in waiting:
                    waiting[dependent] -= 1
                    if waiting[dependent] == 0:
                        heapq.heappush(runnable, (key(dependent), dependent))
    if finished != len(pending):
        left = {n for n, c in waiting.items() if c > 0}
        raise cycle_error(find_cycle({n: [b for b in graph[n] if b in left] for n in left}) or [])
    return result


def critical_path(
    graph: Graph,
    *,
    resolved: Collection[str] = (),
    weight: Callable[[str], float] | None = None,
) -> list[str]:
    """The longest chain of unresolved tasks (by total ``weight``, default 1 each), blockers first.

    Raises:
        CycleError: the graph has a cycle.
    """
    cost = weight or (lambda n: 1.0)
    best: dict[str, float] = {}
    came_from: dict[str, str | None] = {}
    for node in topological_order(graph):
        if node in resolved or node not in graph:
            continue
        prior = [b for b in graph[node] if b in best]
        before = max(prior, key=lambda b: (best[b], b), default=None)
        best[node] = cost(node) + (best[before] if before is not None else 0.0)
        came_from[node] = before
    if not best:
        return []
    end = max(best, key=lambda n: (best[n], n))
    chain = [end]
    while (before := came_from[chain[-1]]) is not None:
        chain.append(before)
    return chain[::-1]


def unblocked_by_finishing(graph: Graph, finished: str, resolved: Collection[str]) -> list[str]:
    """Tasks that finishing ``finished`` would leave with no unresolved blocker, sorted."""
    done = set(resolved) | {finished}
    return sorted(
        node
        for node, blockers in graph.items()
        if finished in blockers and node not in done and all(b in done for b in blockers)
    )
