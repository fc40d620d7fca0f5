"""The dependency graph: cycle refusal, ordering, ready set, waves and the critical path."""

import itertools
import time
from collections.abc import Callable, Collection, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.graph import (
    check_new_edge,
    critical_path,
    cycle_through_new_edge,
    find_cycle,
    ready_set,
    topological_order,
    unblocked_by_finishing,
    waves,
)
from core.errors import CycleError

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

# ------------------------------------------------------------------ helpers


def chain(n: int) -> dict[str, list[str]]:
    """``c00000 <- c00001 <- ... `` : each task blocked by the one before it."""
    names = [f"c{i:05d}" for i in range(n)]
    return {name: ([names[i - 1]] if i else []) for i, name in enumerate(names)}


def with_edge(graph: Mapping[str, Collection[str]], task: str, blocker: str) -> dict[str, set[str]]:
    """A copy of ``graph`` where ``task`` is also blocked by ``blocker``."""
    copy = {node: set(blockers) for node, blockers in graph.items()}
    copy.setdefault(task, set()).add(blocker)
    copy.setdefault(blocker, set())
    return copy


def assert_real_cycle(graph: Mapping[str, Collection[str]], cycle: list[str]) -> None:
    """``cycle`` is ``[a, b, ..., a]``, each step a blocked-by edge of ``graph``, no node twice."""
    assert len(cycle) >= 2
    assert cycle[0] == cycle[-1]
    assert len(set(cycle[:-1])) == len(cycle) - 1
    for task, blocker in itertools.pairwise(cycle):
        assert blocker in graph.get(task, ()), (task, blocker)


def assert_real_chain(graph: Mapping[str, Collection[str]], path: list[str]) -> None:
    """Each element of ``path`` is blocked by the one before it."""
    for blocker, task in itertools.pairwise(path):
        assert blocker in graph[task], (blocker, task)


DIAMOND = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}


# ------------------------------------------------------------------ new edges and cycles


def test_a_task_cannot_block_itself() -> None:
    """Making a task wait for itself is reported as the cycle [task, task]."""
    assert cycle_through_new_edge({}, "a", "a") == ["a", "a"]
    assert cycle_through_new_edge({"a": ["b"]}, "a", "a") == ["a", "a"]


def test_two_tasks_cannot_wait_for_each_other() -> None:
    """If B waits for A, making A wait for B is reported as the cycle A → B → A."""
    assert cycle_through_new_edge({"b": ["a"], "a": []}, "a", "b") == ["a", "b", "a"]


def test_long_cycle_is_reported_in_order_from_the_task() -> None:
    """Closing a 10-task chain reports every task on the loop, from the task back to itself."""
    graph = {f"n{i}": ([f"n{i - 1}"] if i else []) for i in range(10)}
    cycle = cycle_through_new_edge(graph, "n0", "n9")
    assert cycle == ["n0", "n9", "n8", "n7", "n6", "n5", "n4", "n3", "n2", "n1", "n0"]


def test_the_shortest_cycle_is_reported() -> None:
    """When several loops would close, the error shows the shortest one."""
    graph = {"y": ["x", "p1"], "p1": ["p2"], "p2": ["x"], "x": []}
    assert cycle_through_new_edge(graph, "x", "y") == ["x", "y", "x"]


@pytest.mark.parametrize(
    ("task", "blocker"),
    [("n5", "n2"), ("n9", "n0"), ("n3", "elsewhere"), ("new", "n4")],
)
def test_edges_that_close_no_loop_are_accepted(task: str, blocker: str) -> None:
    """Adding a dependency that makes no loop is accepted."""
    graph = {f"n{i}": ([f"n{i - 1}"] if i else []) for i in range(10)}
    assert cycle_through_new_edge(graph, task, blocker) is None
    check_new_edge(graph, task, blocker)


def test_check_new_edge_refuses_a_cycle_with_the_path_in_the_message() -> None:
    """A refused dependency names the loop by ref in the message and gives the ids in details."""
    graph = {"id1": [], "id2": ["id1"], "id3": ["id2"]}
    refs = {"id1": "TY-1", "id2": "TY-2", "id3": "TY-3"}
    with pytest.raises(CycleError) as caught:
        check_new_edge(graph, "id1", "id3", label=refs.__getitem__)
    error = caught.value
    assert error.code == "circular_dependency"
    assert "TY-1 → TY-3 → TY-2 → TY-1" in error.message
    assert error.details["cycle"] == ["id1", "id3", "id2", "id1"]
    assert error.details["cycle_refs"] == ["TY-1", "TY-3", "TY-2", "TY-1"]
    assert error.hint
    assert "TY-3" in error.hint


def test_check_new_edge_refuses_a_self_edge_plainly() -> None:
    """Making a task wait for itself says so in plain words, with a hint."""
    with pytest.raises(CycleError) as caught:
        check_new_edge({}, "id7", "id7", label=lambda _: "TY-7")
    assert caught.value.message == "TY-7 cannot be blocked by itself."
    assert caught.value.details["cycle"] == ["id7", "id7"]
    assert caught.value.hint


def test_find_cycle_on_an_acyclic_graph_is_none() -> None:
    """A graph without loops reports no cycle."""
    assert find_cycle({}) is None
    assert find_cycle(DIAMOND) is None


def test_find_cycle_finds_a_self_loop() -> None:
    """A task recorded as blocking itself is found as [task, task]."""
    assert find_cycle({"a": ["a"], "b": []}) == ["a", "a"]


def test_find_cycle_returns_only_the_loop_not_the_path_into_it() -> None:
    """The cycle shown is the loop itself, not the tasks that merely lead into it."""
    graph = {"x": ["a"], "a": ["b"], "b": ["c"], "c": ["a"]}
    cycle = find_cycle(graph)
    assert cycle is not None
    assert_real_cycle(graph, cycle)
    assert set(cycle) == {"a", "b", "c"}


def test_find_cycle_follows_blockers_missing_from_the_keys() -> None:
    """Blockers that only appear as blockers are still searched for loops."""
    assert find_cycle({"a": ["b"]}) is None
    graph = {"a": ["b"], "c": ["a"]}
    assert find_cycle(with_edge(graph, "b", "c")) is not None


# ------------------------------------------------------------------ order and readiness


def test_topological_order_puts_blockers_first_and_breaks_ties_by_id() -> None:
    """Tasks are listed after everything they wait for; independent tasks in id order."""
    assert topological_order({"c": ["a", "b"], "b": ["a"], "a": []}) == ["a", "b", "c"]
    assert topological_order({"b": [], "c": [], "a": []}) == ["a", "b", "c"]
    assert topological_order(DIAMOND) == ["a", "b", "c", "d"]


def test_topological_order_includes_blockers_that_are_not_keys() -> None:
    """A blocker named only in another task's list still appears, before that task."""
    assert topological_order({"a": ["z"]}) == ["z", "a"]


def test_topological_order_refuses_a_cycle_and_shows_it() -> None:
    """Ordering a graph with a loop fails with the loop in the error."""
    graph = {"a": ["b"], "b": ["a"], "c": []}
    with pytest.raises(CycleError) as caught:
        topological_order(graph)
    assert_real_cycle(graph, caught.value.details["cycle"])


def test_ready_set_is_the_unresolved_tasks_with_every_blocker_resolved() -> None:
    """What could run now: open tasks whose blockers are all done or cancelled."""
    assert ready_set(DIAMOND, resolved=set()) == {"a"}
    assert ready_set(DIAMOND, resolved={"a"}) == {"b", "c"}
    assert ready_set(DIAMOND, resolved={"a", "b"}) == {"c"}
    assert ready_set(DIAMOND, resolved={"a", "b", "c", "d"}) == set()


def test_ready_set_waits_for_unknown_blockers() -> None:
    """A task blocked by something not known to be resolved is not ready."""
    assert ready_set({"a": ["ghost"]}, resolved=set()) == set()
    assert ready_set({"a": ["ghost"]}, resolved={"ghost"}) == {"a"}


def test_unblocked_by_finishing_lists_tasks_that_become_ready() -> None:
    """Finishing a task lists (sorted) the tasks it was the last open blocker of."""
    graph = {"a": [], "b": ["a"], "c": ["a", "d"], "d": [], "e": ["a"], "f": ["b"]}
    assert unblocked_by_finishing(graph, "a", resolved=set()) == ["b", "e"]
    assert unblocked_by_finishing(graph, "a", resolved={"d"}) == ["b", "c", "e"]
    assert unblocked_by_finishing(graph, "a", resolved={"e"}) == ["b"]
    assert unblocked_by_finishing(graph, "f", resolved=set()) == []


# ------------------------------------------------------------------ waves


def test_waves_run_independent_tasks_together() -> None:
    """Tasks that do not wait for each other share a wave; dependents come in later waves."""
    assert waves(DIAMOND) == [["a"], ["b", "c"], ["d"]]
    assert waves({}) == []


def test_waves_respect_max_parallelism() -> None:
    """With one worker, every wave holds a single task, still in dependency order."""
    assert waves(DIAMOND, max_parallelism=1) == [["a"], ["b"], ["c"], ["d"]]
    assert waves({"a": [], "b": [], "c": []}, max_parallelism=2) == [["a", "b"], ["c"]]


def test_waves_take_tasks_in_scheduler_order() -> None:
    """Within a wave the scheduler's order (priority, then age) decides who goes first."""
    rank = {"a": 2, "b": 1, "c": 0, "d": 1}
    graph: dict[str, list[str]] = {"a": [], "b": [], "c": [], "d": []}
    assert waves(graph, order_key=rank.__getitem__) == [["c", "b", "d", "a"]]
    assert waves(graph, max_parallelism=2, order_key=rank.__getitem__) == [["c", "b"], ["d", "a"]]


def test_waves_leave_out_resolved_tasks() -> None:
    """Done or cancelled tasks are not planned again, and their dependents start at once."""
    assert waves(DIAMOND, resolved={"a"}) == [["b", "c"], ["d"]]
    assert waves(DIAMOND, resolved={"a", "b", "c", "d"}) == []


def test_waves_ignore_a_loop_among_resolved_tasks() -> None:
    """A loop made only of finished tasks does not stop planning the rest."""
    assert waves({"a": ["b"], "b": ["a"], "c": ["a"]}, resolved={"a", "b"}) == [["c"]]


def test_waves_refuse_a_cycle_among_open_tasks() -> None:
    """Planning open tasks that wait for each other fails with the loop in the error."""
    graph = {"a": ["b"], "b": ["a"], "c": []}
    with pytest.raises(CycleError) as caught:
        waves(graph)
    assert_real_cycle(graph, caught.value.details["cycle"])


def test_waves_refuse_a_parallelism_below_one() -> None:
    """A worker count of zero is refused instead of planning forever."""
    with pytest.raises(ValueError, match="max_parallelism"):
        waves(DIAMOND, max_parallelism=0)


# ------------------------------------------------------------------ critical path


def test_critical_path_is_the_longest_chain() -> None:
    """The critical path is the longest chain of open tasks, blockers first."""
    graph = {"a": [], "b": ["a"], "c": ["b"], "d": ["a"], "e": ["c", "d"], "x": []}
    assert critical_path(graph) == ["a", "b", "c", "e"]


def test_critical_path_uses_custom_weights() -> None:
    """With effort estimates as weights, one big task can outweigh a long chain of small ones."""
    graph = {"a": [], "b": ["a"], "c": ["b"], "x": [], "y": ["x"]}
    effort = {"a": 1, "b": 1, "c": 1, "x": 1, "y": 10}
    assert critical_path(graph, weight=lambda n: effort[n]) == ["x", "y"]
    assert critical_path(graph) == ["a", "b", "c"]


def test_critical_path_skips_resolved_tasks() -> None:
    """Finished tasks are not part of the remaining critical path."""
    graph = {"a": [], "b": ["a"], "c": ["b"], "d": ["c"]}
    assert critical_path(graph, resolved={"a"}) == ["b", "c", "d"]
    assert critical_path(graph, resolved={"a", "b", "c", "d"}) == []
    assert critical_path({}) == []


def test_critical_path_refuses_a_cycle() -> None:
    """A loop has no longest chain: the error shows the loop."""
    with pytest.raises(CycleError):
        critical_path({"a": ["b"], "b": ["a"]})


# ------------------------------------------------------------------ deep chains


DEEP = 5_000


def test_deep_chains_work_without_recursion_errors() -> None:
    """A 5,000-task chain is ordered, measured and checked for loops without crashing."""
    graph = chain(DEEP)
    names = list(graph)
    assert find_cycle(graph) is None
    assert topological_order(graph) == names
    assert critical_path(graph) == names
    assert ready_set(graph, resolved=set()) == {names[0]}
    cycle = cycle_through_new_edge(graph, names[0], names[-1])
    assert cycle == [names[0], *reversed(names)]
    with pytest.raises(CycleError):
        check_new_edge(graph, names[0], names[-1])
    closed = with_edge(graph, names[0], names[-1])
    found = find_cycle(closed)
    assert found is not None
    assert len(found) == DEEP + 1
    assert_real_cycle(closed, found)


def test_waves_of_a_long_chain_run_one_task_at_a_time() -> None:
    """A 1,000-task chain plans as 1,000 waves of one task each, in chain order."""
    graph = chain(1_000)
    assert waves(graph) == [[name] for name in graph]


def test_waves_of_a_deep_chain_are_as_fast_as_ordering_it() -> None:
    """Planning waves for a 3,000-task chain takes about as long as ordering it, not seconds."""
    graph = chain(3_000)

    def best_of_three(work: Callable[[], object]) -> float:
        # The fastest of three: a neighbour's burst of CPU or a GC pause during one run says
        # nothing about the algorithm, a quadratic one is slow every time.
        times = []
        for _ in range(3):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return min(times)

    order_time = best_of_three(lambda: topological_order(graph))
    waves_time = best_of_three(lambda: waves(graph))
    assert len(waves(graph)) == 3_000
    # Both are linear work; allow a wide constant factor so only quadratic behaviour fails.
    assert waves_time < 50 * order_time + 0.05, (waves_time, order_time)


# ------------------------------------------------------------------ properties


@st.composite
def graph_building(draw: st.DrawFn) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """Random tasks and random candidate dependencies between them (any direction)."""
    size = draw(st.integers(min_value=1, max_value=25))
    # Names that do not sort in creation order, so nothing depends on insertion order.
    names = draw(
        st.lists(
            st.text(alphabet="abcdefghjk", min_size=1, max_size=3),
            min_size=size,
            max_size=size,
            unique=True,
        )
    )
    candidates = draw(
        st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)), max_size=80)
    )
    return {name: set() for name in names}, candidates


@st.composite
def dags(draw: st.DrawFn) -> dict[str, set[str]]:
    """A DAG built the way the store builds one: only edges the cycle check accepts."""
    graph, candidates = draw(graph_building())
    for task, blocker in candidates:
        if cycle_through_new_edge(graph, task, blocker) is None:
            graph[task].add(blocker)
    return graph


@st.composite
def plans(
    draw: st.DrawFn,
) -> tuple[dict[str, set[str]], set[str], int | None, dict[str, int]]:
    """A DAG, some finished tasks, a worker count and a scheduler rank per task."""
    graph = draw(dags())
    resolved = draw(st.sets(st.sampled_from(sorted(graph))))
    parallelism = draw(st.none() | st.integers(min_value=1, max_value=4))
    rank = {name: draw(st.integers(min_value=0, max_value=3)) for name in sorted(graph)}
    return graph, resolved, parallelism, rank


@PROPERTY_SETTINGS
@given(graph=dags())
def test_graphs_built_from_accepted_edges_have_no_cycle(graph: dict[str, set[str]]) -> None:
    """Dependencies accepted one by one never add up to a loop, and order puts blockers first."""
    assert find_cycle(graph) is None
    order = topological_order(graph)
    assert sorted(order) == sorted(graph)
    position = {name: i for i, name in enumerate(order)}
    for task, blockers in graph.items():
        for blocker in blockers:
            assert position[blocker] < position[task]


@PROPERTY_SETTINGS
@given(building=graph_building())
def test_refused_edges_really_close_a_loop(
    building: tuple[dict[str, set[str]], list[tuple[str, str]]],
) -> None:
    """Every dependency refused as a loop really makes one, and the loop shown uses real edges."""
    graph, candidates = building
    for task, blocker in candidates:
        cycle = cycle_through_new_edge(graph, task, blocker)
        if cycle is None:
            graph[task].add(blocker)
            continue
        closed = with_edge(graph, task, blocker)
        assert find_cycle(closed) is not None
        assert cycle[:2] == [task, blocker]
        assert cycle[-1] == task
        assert_real_cycle(closed, cycle)
        # Every step after the new one is a dependency that already existed.
        for step_task, step_blocker in itertools.pairwise(cycle[1:]):
            assert step_blocker in graph[step_task]
        with pytest.raises(CycleError) as caught:
            check_new_edge(graph, task, blocker)
        assert caught.value.details["cycle"] == cycle


@PROPERTY_SETTINGS
@given(plan=plans())
def test_waves_plan_every_open_task_once_after_its_blockers(
    plan: tuple[dict[str, set[str]], set[str], int | None, dict[str, int]],
) -> None:
    """Waves plan each open task once, never exceed the worker count, and respect blockers."""
    graph, resolved, parallelism, rank = plan
    planned = waves(graph, resolved=resolved, max_parallelism=parallelism, order_key=rank.get)
    flat = [name for wave in planned for name in wave]
    assert sorted(flat) == sorted(set(graph) - resolved)
    wave_of = {name: i for i, wave in enumerate(planned) for name in wave}
    for i, wave in enumerate(planned):
        assert wave
        if parallelism is not None:
            assert len(wave) <= parallelism
        assert wave == sorted(wave, key=lambda n: (rank[n], n))
        for task in wave:
            for blocker in graph[task]:
                assert blocker in resolved or wave_of[blocker] < i, (task, blocker)


@PROPERTY_SETTINGS
@given(plan=plans())
def test_first_wave_is_the_ready_set(
    plan: tuple[dict[str, set[str]], set[str], int | None, dict[str, int]],
) -> None:
    """With unlimited workers, the first wave is exactly what could run right now."""
    graph, resolved, _, _ = plan
    planned = waves(graph, resolved=resolved)
    assert ready_set(graph, resolved) == (set(planned[0]) if planned else set())


@PROPERTY_SETTINGS
@given(plan=plans())
def test_critical_path_is_a_real_chain_as_long_as_the_waves(
    plan: tuple[dict[str, set[str]], set[str], int | None, dict[str, int]],
) -> None:
    """The critical path is a chain of open tasks, and its length is the number of waves."""
    graph, resolved, _, _ = plan
    path = critical_path(graph, resolved=resolved)
    assert_real_chain(graph, path)
    assert not set(path) & resolved
    assert len(path) == len(set(path))
    assert len(path) == len(waves(graph, resolved=resolved))


@PROPERTY_SETTINGS
@given(plan=plans(), data=st.data())
def test_weighted_critical_path_has_the_largest_total(
    plan: tuple[dict[str, set[str]], set[str], int | None, dict[str, int]], data: st.DataObject
) -> None:
    """With effort weights, no chain of open tasks weighs more than the critical path."""
    graph, resolved, _, _ = plan
    effort = {name: data.draw(st.integers(min_value=1, max_value=9)) for name in sorted(graph)}
    path = critical_path(graph, resolved=resolved, weight=effort.__getitem__)
    assert_real_chain(graph, path)
    assert not set(path) & resolved
    # Heaviest chain ending at each open task, blockers first (the definition, spelled out).
    heaviest: dict[str, int] = {}
    for name in topological_order(graph):
        if name in resolved:
            continue
        before = [heaviest[b] for b in graph[name] if b in heaviest]
        heaviest[name] = effort[name] + max(before, default=0)
    assert sum(effort[n] for n in path) == max(heaviest.values(), default=0)


@PROPERTY_SETTINGS
@given(plan=plans(), data=st.data())
def test_finishing_a_ready_task_unblocks_exactly_the_newly_ready_tasks(
    plan: tuple[dict[str, set[str]], set[str], int | None, dict[str, int]], data: st.DataObject
) -> None:
    """Finishing a ready task reports exactly the tasks that become ready because of it."""
    graph, resolved, _, _ = plan
    ready = ready_set(graph, resolved)
    if not ready:
        return
    finished = data.draw(st.sampled_from(sorted(ready)))
    newly_ready = ready_set(graph, resolved | {finished}) - ready
    assert unblocked_by_finishing(graph, finished, resolved) == sorted(newly_ready)
