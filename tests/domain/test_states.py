"""The task state machine: the spec's transition table, its guards and the hints on refusal."""

import functools
import itertools
import json

import pytest

from core.domain.models import DependencyReason, ManualReason, TaskLink, TaskStatus
from core.domain.states import (
    TRANSITIONS,
    allowed_targets,
    plan_transition,
    state_machine_metadata,
)
from core.errors import (
    ClaimRequiredError,
    DependencyBlockedError,
    InvalidTransitionError,
    TaskyardError,
)

S = TaskStatus

# unified-task-orchestration.md section 4, written out by hand so a change to the table in
# core/domain/states.py cannot silently change what the test expects.
SPEC_TABLE: dict[str, set[str]] = {
    "backlog": {"ready", "cancelled"},
    "ready": {"in_progress", "blocked", "backlog", "cancelled"},
    "in_progress": {"in_review", "blocked", "ready", "cancelled"},
    "in_review": {"done", "in_progress", "blocked"},
    "blocked": {"ready", "backlog", "cancelled"},
    "done": {"ready"},
    "cancelled": {"backlog"},
}
SPEC_AUTO_APPROVE_EXTRA: dict[str, set[str]] = {"in_progress": {"done"}}

UNRESOLVED = [S.BACKLOG, S.READY, S.IN_PROGRESS, S.IN_REVIEW, S.BLOCKED]
RESOLVED = [S.DONE, S.CANCELLED]
LABEL_TO_STATE = {s.label: s for s in S}


def link(n: int, status: TaskStatus) -> TaskLink:
    """A blocker TY-n titled "Task n" in ``status``."""
    return TaskLink(id=f"id-{n}", ref=f"TY-{n}", title=f"Task {n}", status=status)


def spec_allows(current: TaskStatus, requested: TaskStatus, *, auto_approve: bool) -> bool:
    extra = SPEC_AUTO_APPROVE_EXTRA.get(current.value, set()) if auto_approve else set()
    return requested.value in SPEC_TABLE[current.value] | extra


def route_in_hint(hint: str) -> list[TaskStatus]:
    """The states named in a "Move it step by step: a → b → c." hint."""
    prefix = "Move it step by step: "
    assert hint.startswith(prefix), hint
    return [LABEL_TO_STATE[name] for name in hint.removeprefix(prefix).rstrip(".").split(" → ")]


# ------------------------------------------------------------------ the table


def test_transition_table_is_exactly_the_spec_table() -> None:
    """The moves the board allows are exactly the spec's table, for every one of the 7 states."""
    assert {s.value: {t.value for t in TRANSITIONS[s]} for s in TRANSITIONS} == SPEC_TABLE
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize("current", list(S), ids=str)
def test_auto_approve_adds_only_in_progress_to_done(current: TaskStatus) -> None:
    """Turning auto-approve on opens in progress → done and nothing else."""
    expected = SPEC_TABLE[current.value] | SPEC_AUTO_APPROVE_EXTRA.get(current.value, set())
    assert {t.value for t in allowed_targets(current, auto_approve=True)} == expected
    assert {t.value for t in allowed_targets(current)} == SPEC_TABLE[current.value]


@pytest.mark.parametrize("auto_approve", [False, True], ids=["hitl", "auto-approve"])
@pytest.mark.parametrize(
    ("current", "requested"), list(itertools.product(S, S)), ids=lambda s: str(s)
)
def test_every_pair_of_states_is_allowed_or_refused_as_the_spec_says(
    current: TaskStatus, requested: TaskStatus, auto_approve: bool
) -> None:
    """Each of the 49 moves succeeds exactly when the spec allows it, else shows a way out."""
    # force: the claim guard is tested on its own; here only the table decides.
    move = functools.partial(
        plan_transition,
        ref="TY-9",
        current=current,
        requested=requested,
        blockers=[],
        auto_approve=auto_approve,
        force=True,
    )
    if current != requested and spec_allows(current, requested, auto_approve=auto_approve):
        plan = move()
        assert plan.target == requested
        assert plan.requested == requested
        assert plan.parked is False
        return
    with pytest.raises(InvalidTransitionError) as caught:
        move()
    error = caught.value
    assert type(error) is InvalidTransitionError
    assert error.code == "invalid_transition"
    assert error.hint
    assert "TY-9" in error.message
    assert error.details["from"] == current.value
    assert error.details["to"] == requested.value
    if current == requested:
        assert f"already {current.label}" in error.message
        return
    assert current.label in error.message
    assert requested.label in error.message
    allowed = SPEC_TABLE[current.value] | (
        SPEC_AUTO_APPROVE_EXTRA.get(current.value, set()) if auto_approve else set()
    )
    assert error.details["allowed"] == sorted(allowed)
    # The hint's route must be one the user can actually walk, move by move.
    route = route_in_hint(error.hint)
    assert route[0] == current
    assert route[-1] == requested
    for before, after in itertools.pairwise(route):
        assert spec_allows(before, after, auto_approve=auto_approve), (before, after)


def test_route_hint_for_backlog_to_done_spells_out_the_path() -> None:
    """Asking for done from backlog says to go backlog → ready → in progress → in review → done."""
    with pytest.raises(InvalidTransitionError) as caught:
        plan_transition(ref="TY-1", current=S.BACKLOG, requested=S.DONE, blockers=[])
    assert caught.value.hint == (
        "Move it step by step: backlog → ready → in progress → in review → done."
    )
    assert "from backlog it can go to cancelled or ready" in caught.value.message


def test_route_hint_with_auto_approve_skips_review() -> None:
    """With auto-approve on, the suggested route from backlog to done skips in review."""
    with pytest.raises(InvalidTransitionError) as caught:
        plan_transition(
            ref="TY-1", current=S.BACKLOG, requested=S.DONE, blockers=[], auto_approve=True
        )
    assert caught.value.hint == "Move it step by step: backlog → ready → in progress → done."


def test_in_progress_to_done_needs_auto_approve() -> None:
    """Finishing straight from in progress is refused (review first) unless auto-approve is on."""
    with pytest.raises(InvalidTransitionError) as caught:
        plan_transition(ref="TY-1", current=S.IN_PROGRESS, requested=S.DONE, blockers=[])
    assert "in review" in (caught.value.hint or "")
    plan = plan_transition(
        ref="TY-1", current=S.IN_PROGRESS, requested=S.DONE, blockers=[], auto_approve=True
    )
    assert plan.target == S.DONE


@pytest.mark.parametrize("state", list(S), ids=str)
def test_moving_to_the_same_state_is_refused_with_the_moves_available(state: TaskStatus) -> None:
    """Moving a task to the column it is already in is refused; the hint lists where it can go."""
    with pytest.raises(InvalidTransitionError) as caught:
        plan_transition(ref="TY-5", current=state, requested=state, blockers=[], force=True)
    assert caught.value.message == f"TY-5 is already {state.label}."
    hint = caught.value.hint or ""
    assert hint.startswith(f"From {state.label} it can go to ")
    for target in SPEC_TABLE[state.value]:
        assert S(target).label in hint


# ------------------------------------------------------------------ claim guard


@pytest.mark.parametrize("current", [S.READY, S.IN_REVIEW], ids=str)
def test_in_progress_by_hand_is_refused_with_claim_required(current: TaskStatus) -> None:
    """Moving a task into in progress by hand is refused: a worker's claim or Run Now starts it."""
    with pytest.raises(ClaimRequiredError) as caught:
        plan_transition(ref="TY-3", current=current, requested=S.IN_PROGRESS, blockers=[])
    error = caught.value
    assert error.code == "claim_required"
    assert "TY-3" in error.message
    assert "in progress" in error.message
    assert error.hint
    assert "Run Now" in error.hint
    assert "--force" in error.hint


@pytest.mark.parametrize("path", ["force", "via_claim"])
@pytest.mark.parametrize("current", [S.READY, S.IN_REVIEW], ids=str)
def test_in_progress_is_entered_by_claim_or_force(current: TaskStatus, path: str) -> None:
    """A worker's claim or the explicit force path (Run Now) moves a task into in progress."""
    plan = plan_transition(
        ref="TY-3",
        current=current,
        requested=S.IN_PROGRESS,
        blockers=[],
        force=path == "force",
        via_claim=path == "via_claim",
    )
    assert plan.target == S.IN_PROGRESS
    assert plan.blocked_reason is None
    assert plan.parked is False


# ------------------------------------------------------------------ dependency guard


@pytest.mark.parametrize(
    ("current", "requested", "path"),
    [
        (S.BACKLOG, S.READY, "manual"),
        (S.BLOCKED, S.READY, "manual"),
        (S.DONE, S.READY, "manual"),
        (S.IN_PROGRESS, S.READY, "manual"),
        (S.READY, S.IN_PROGRESS, "force"),
        (S.READY, S.IN_PROGRESS, "via_claim"),
        (S.IN_REVIEW, S.IN_PROGRESS, "via_claim"),
    ],
    ids=str,
)
def test_dependency_guard_names_each_unresolved_blocker_and_its_state(
    current: TaskStatus, requested: TaskStatus, path: str
) -> None:
    """Ready/in progress with open blockers is refused, naming each open blocker and its state."""
    blockers = [link(n, status) for n, status in enumerate([*UNRESOLVED, *RESOLVED], start=1)]
    with pytest.raises(DependencyBlockedError) as caught:
        plan_transition(
            ref="TY-9",
            current=current,
            requested=requested,
            blockers=blockers,
            force=path == "force",
            via_claim=path == "via_claim",
        )
    error = caught.value
    assert error.code == "dependency_violation"
    assert isinstance(error, InvalidTransitionError)
    assert f"TY-9 cannot move to {requested.label}" in error.message
    assert "5 blockers are not done or cancelled" in error.message
    for blocker in blockers[:5]:
        assert f'{blocker.ref} "{blocker.title}" ({blocker.status.label})' in error.message
        assert blocker.ref in (error.hint or "")
    for resolved in blockers[5:]:
        assert resolved.ref not in error.message
    assert error.details["blockers"] == [
        {"id": b.id, "ref": b.ref, "title": b.title, "status": b.status.value} for b in blockers[:5]
    ]
    assert error.details["to"] == requested.value


def test_dependency_message_uses_singular_for_one_blocker() -> None:
    """With one open blocker the message reads "1 blocker is not done or cancelled"."""
    with pytest.raises(DependencyBlockedError) as caught:
        plan_transition(
            ref="TY-2", current=S.BACKLOG, requested=S.READY, blockers=[link(1, S.IN_REVIEW)]
        )
    assert caught.value.message == (
        'TY-2 cannot move to ready: 1 blocker is not done or cancelled: TY-1 "Task 1" (in review).'
    )
    assert caught.value.hint
    assert "--when-unblocked" in caught.value.hint


@pytest.mark.parametrize("blocker_state", RESOLVED, ids=str)
@pytest.mark.parametrize(
    ("current", "requested"), [(S.BACKLOG, S.READY), (S.READY, S.IN_PROGRESS)], ids=str
)
def test_done_and_cancelled_blockers_count_as_resolved(
    current: TaskStatus, requested: TaskStatus, blocker_state: TaskStatus
) -> None:
    """A task whose blockers are all done or cancelled can become ready and be started."""
    plan = plan_transition(
        ref="TY-9",
        current=current,
        requested=requested,
        blockers=[link(1, blocker_state), link(2, S.DONE)],
        via_claim=True,
    )
    assert plan.target == requested
    assert plan.blocked_reason is None


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        (S.READY, S.BACKLOG),
        (S.READY, S.BLOCKED),
        (S.IN_PROGRESS, S.IN_REVIEW),
        (S.BLOCKED, S.CANCELLED),
    ],
    ids=str,
)
def test_open_blockers_do_not_hold_back_unguarded_moves(
    current: TaskStatus, requested: TaskStatus
) -> None:
    """Open blockers only guard ready and in progress; other moves still go through."""
    plan = plan_transition(
        ref="TY-9", current=current, requested=requested, blockers=[link(1, S.BACKLOG)]
    )
    assert plan.target == requested


# ------------------------------------------------------------------ queue when unblocked


@pytest.mark.parametrize("current", [S.BACKLOG, S.IN_PROGRESS, S.BLOCKED, S.DONE], ids=str)
def test_when_unblocked_parks_the_task_in_blocked_until_its_blockers_resolve(
    current: TaskStatus,
) -> None:
    """Ready "when unblocked" parks the task in blocked, listing the blockers it waits for."""
    blockers = [link(1, S.IN_PROGRESS), link(2, S.DONE), link(3, S.BACKLOG), link(4, S.CANCELLED)]
    plan = plan_transition(
        ref="TY-9", current=current, requested=S.READY, blockers=blockers, when_unblocked=True
    )
    assert plan.target == S.BLOCKED
    assert plan.requested == S.READY
    assert plan.parked is True
    assert plan.blocked_reason == DependencyReason(blockers=["id-1", "id-3"])
    assert isinstance(plan.blocked_reason, DependencyReason)
    assert plan.blocked_reason.kind == "dependencies"


def test_when_unblocked_with_every_blocker_resolved_goes_straight_to_ready() -> None:
    """Asking for ready "when unblocked" when nothing is open just makes the task ready."""
    plan = plan_transition(
        ref="TY-9",
        current=S.BACKLOG,
        requested=S.READY,
        blockers=[link(1, S.DONE), link(2, S.CANCELLED)],
        when_unblocked=True,
    )
    assert plan.target == S.READY
    assert plan.parked is False
    assert plan.blocked_reason is None


def test_when_unblocked_does_not_park_a_start_request() -> None:
    """Queue-when-unblocked applies to ready only: starting a task with open blockers fails."""
    with pytest.raises(DependencyBlockedError):
        plan_transition(
            ref="TY-9",
            current=S.READY,
            requested=S.IN_PROGRESS,
            blockers=[link(1, S.READY)],
            force=True,
            when_unblocked=True,
        )


@pytest.mark.parametrize("current", [S.IN_REVIEW, S.CANCELLED], ids=str)
def test_when_unblocked_still_obeys_the_table(current: TaskStatus) -> None:
    """A ready request from a state that cannot go to ready is refused, even "when unblocked"."""
    with pytest.raises(InvalidTransitionError) as caught:
        plan_transition(
            ref="TY-9",
            current=current,
            requested=S.READY,
            blockers=[link(1, S.READY)],
            when_unblocked=True,
        )
    assert caught.value.code == "invalid_transition"
    assert caught.value.hint


# ------------------------------------------------------------------ manual blocked reason


@pytest.mark.parametrize("current", [S.READY, S.IN_PROGRESS, S.IN_REVIEW], ids=str)
def test_blocking_by_hand_keeps_the_persons_reason(current: TaskStatus) -> None:
    """Blocking a task by hand records the reason the person typed."""
    plan = plan_transition(
        ref="TY-9",
        current=current,
        requested=S.BLOCKED,
        blockers=[],
        reason="Waiting for the vendor's API key",
    )
    assert plan.target == S.BLOCKED
    assert plan.parked is False
    assert plan.blocked_reason == ManualReason(message="Waiting for the vendor's API key")


def test_blocking_by_hand_without_a_reason_still_explains_itself() -> None:
    """Blocking a task without giving a reason still stores a readable manual reason."""
    plan = plan_transition(ref="TY-9", current=S.READY, requested=S.BLOCKED, blockers=[])
    assert isinstance(plan.blocked_reason, ManualReason)
    assert plan.blocked_reason.kind == "manual"
    assert plan.blocked_reason.message.strip()


def test_a_reason_is_not_kept_for_moves_other_than_blocked() -> None:
    """A reason typed while moving a task to another column does not mark it blocked."""
    plan = plan_transition(
        ref="TY-9", current=S.READY, requested=S.BACKLOG, blockers=[], reason="later"
    )
    assert plan.blocked_reason is None


# ------------------------------------------------------------------ every refusal has a hint


def _every_refusal() -> list[TaskyardError]:
    errors: list[TaskyardError] = []
    for current, requested, auto in itertools.product(S, S, [False, True]):
        for blockers, force, when_unblocked in [
            ([], False, False),
            ([link(1, S.BLOCKED)], False, False),
            ([link(1, S.BLOCKED)], True, False),
            ([link(1, S.BLOCKED)], False, True),
        ]:
            try:
                plan_transition(
                    ref="TY-9",
                    current=current,
                    requested=requested,
                    blockers=blockers,
                    auto_approve=auto,
                    force=force,
                    when_unblocked=when_unblocked,
                )
            except TaskyardError as exc:
                errors.append(exc)
    return errors


def test_every_refusal_says_how_to_get_there() -> None:
    """Whatever move is refused, the error carries a code, a message and a non-empty hint."""
    errors = _every_refusal()
    codes = {e.code for e in errors}
    assert codes == {"invalid_transition", "claim_required", "dependency_violation"}
    for error in errors:
        assert error.message.strip()
        assert error.hint is not None
        assert error.hint.strip()
        assert error.to_dict()["hint"] == error.hint


# ------------------------------------------------------------------ metadata for clients


def test_state_machine_metadata_describes_the_table_and_guards() -> None:
    """Clients get the states in board order, the spec's table and the guards as plain JSON."""
    meta = state_machine_metadata()
    assert json.loads(json.dumps(meta)) == meta
    assert set(meta) == {
        "states",
        "transitions",
        "resolved_states",
        "guarded_states",
        "retry_transitions",
        "claim_required",
        "auto_approve",
        "initial_state",
    }
    assert meta["states"] == [
        "backlog",
        "ready",
        "in_progress",
        "in_review",
        "done",
        "blocked",
        "cancelled",
    ]
    assert meta["transitions"] == {state: sorted(t) for state, t in SPEC_TABLE.items()}
    assert meta["resolved_states"] == ["cancelled", "done"]
    assert meta["guarded_states"] == ["in_progress", "ready"]
    assert meta["claim_required"] == ["in_progress"]
    assert meta["retry_transitions"] == {"blocked": ["ready"], "cancelled": ["ready"]}
    assert meta["auto_approve"] is False
    assert meta["initial_state"] == "backlog"


def test_retry_takes_a_cancelled_task_to_ready_through_its_own_listed_moves() -> None:
    """Retry moves a cancelled (or failed) task straight to ready, a move the metadata lists
    apart; a person moving it by hand still goes through backlog."""
    plan = plan_transition(
        ref="TY-1", current=S.CANCELLED, requested=S.READY, blockers=[], via_retry=True
    )
    assert plan.target == S.READY
    with pytest.raises(InvalidTransitionError):
        plan_transition(ref="TY-1", current=S.CANCELLED, requested=S.READY, blockers=[])
    with pytest.raises(InvalidTransitionError):  # retry only ever goes to ready
        plan_transition(
            ref="TY-1", current=S.CANCELLED, requested=S.BACKLOG, blockers=[], via_retry=True
        )
    with pytest.raises(InvalidTransitionError):  # nor from a state the retry table omits
        plan_transition(ref="TY-1", current=S.DONE, requested=S.READY, blockers=[], via_retry=True)


def test_state_machine_metadata_with_auto_approve_adds_in_progress_to_done() -> None:
    """With auto-approve on, the published table also lets in progress go straight to done."""
    meta = state_machine_metadata(auto_approve=True)
    transitions = meta["transitions"]
    assert isinstance(transitions, dict)
    assert transitions["in_progress"] == ["blocked", "cancelled", "done", "in_review", "ready"]
    assert {k: v for k, v in transitions.items() if k != "in_progress"} == {
        state: sorted(t) for state, t in SPEC_TABLE.items() if state != "in_progress"
    }
    assert meta["auto_approve"] is True
