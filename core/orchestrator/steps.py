"""Running one claimed task: resolve its pipeline, run each step's process, record everything.

Every write names the claim's token. When the store refuses one (``LeaseLostError``: the task
was cancelled, moved by hand, or the lease expired and another worker has it), the run stops
where it is and writes nothing more.
"""

from __future__ import annotations

import asyncio
import math
import os
import shlex
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import request_keys
from core.domain.approval import command_hash
from core.domain.models import Task
from core.domain.runs import Claim, RunStatus, lost_output_words
from core.engine import TaskEngine
from core.errors import (
    AnswerLostError,
    LeaseLostError,
    RequestInProgressError,
    StorageError,
    TaskyardError,
)
from core.orchestrator.config import OrchestratorConfig, StepSpec
from core.orchestrator.environment import for_profile
from core.orchestrator.executor import Invocation, StepProcess, StepResult
from core.orchestrator.profiles import NOOP, Profile, missing_program
from core.orchestrator.prompt import build_prompt, task_command

Reporter = Callable[[str, str, str], None]
"""``(kind, ref, message)``: what a worker prints per claim, step and finish."""


@dataclass
class RunHandle:
    """A claimed run while this process works on it."""

    claim: Claim
    process: StepProcess | None = None
    lost: bool = False
    """The store refused a write, or the heartbeat did not renew the lease: stop, write nothing."""
    stopping: bool = False
    """The worker is shutting down: interrupt the run so it runs again (not a failure)."""
    outcome: str | None = None
    """``succeeded``, ``failed``, ``blocked``, ``lost`` or ``stopped`` once done."""
    task: asyncio.Task[str] | None = field(default=None, repr=False)
    lease_until: float = float("inf")
    """When the lease ends at the latest, as far as this process knows (``time.monotonic``)."""
    fence_deadline: float | None = None
    """When the guard stops the running step unless told otherwise (``time.monotonic``)."""

    async def kill(self) -> None:
        """Stop the current step's whole process group (if one is running)."""
        if self.process is not None:
            await self.process.cancel()


STORAGE_RETRIES = 6
"""Tries of a worker's write that fails on a busy or unreachable store, at least."""
RETRY_PAUSE_MAX = 2.0
"""Seconds between two tries at most (the backoff doubles from 0.2 s up to this)."""


async def persist(
    handle: RunHandle, write: Callable[..., Awaitable[object]], *args: Any, **kwargs: Any
) -> None:
    """Make a worker's write for ``handle``'s run, retrying while the store is busy or away.

    A write abandoned on a transient error leaves the run to expire and run again, though
    its step may have run: so it is tried ``STORAGE_RETRIES`` times, and then on for as long
    as the run's lease lasts (a server restarting, a database failing over; the heartbeat
    renews the lease once it is back). Past the lease the store refuses it anyway. Refusals
    (lease lost, bad input) are not retried, and neither is a write for a run already lost.
    The lease that counts is the one held when the failures began: a write the store keeps
    refusing while the heartbeat still renews (a trigger, a full disk) must end, not be
    retried for as long as the renewals succeed.

    Every try sends the same ``Idempotency-Key`` (``core.request_keys``): a server that
    made the change and stopped before answering must not make it again on the retry. It
    answers with the first answer, asks to wait while the first try still runs, or says the
    answer was lost with the server; the write took effect then, which is all a worker
    needs (no caller here reads a write's answer).

    Raises:
        StorageError: still failing after the retries, or the lease is over.
    """
    tries = 0
    until = math.inf
    write_key = request_keys.new_write()
    while True:
        try:
            with request_keys.same_keys(write_key):
                await write(*args, **kwargs)
            return
        except AnswerLostError:
            return
        except (StorageError, RequestInProgressError):
            tries += 1
            if tries == 1:
                until = handle.lease_until
            pause = retry_pause(handle, tries, until)
            if pause is None:
                raise
            await asyncio.sleep(pause)


def retry_pause(handle: RunHandle, tries: int, until: float) -> float | None:
    """The pause before the next try of a worker's call to an away store, or ``None``: give up.

    ``tries`` failed so far; ``until``: the lease held when the failures began (``persist``
    says why not the renewed one).
    """
    pause: float = min(0.2 * 2.0 ** (tries - 1), RETRY_PAUSE_MAX)
    lease_left = time.monotonic() + pause < until < math.inf
    if handle.lost or (tries >= STORAGE_RETRIES and not lease_left):
        return None
    return pause


def command_not_approved(task: Task, command: str | None) -> str | None:
    """Why the worker must not run ``command``, the task's command as it just read it.

    The claim already skips unapproved commands; this checks again, against the text itself,
    what the claim could only check by the stored hashes (a command changed between the
    claim and this read, a row written behind the store's back). ``None``: run it.
    """
    if command is None:
        return None
    approved = task.command.approved_hash if task.command is not None else None
    if command_hash(command) == approved:
        return None
    return (
        f"its command is not the approved one (changed or never approved), so it did not "
        f"run: read it with taskyard task show {task.ref}, approve it with taskyard approve "
        f"{task.ref}, then taskyard retry {task.ref}"
    )


async def execute_claim(
    engine: TaskEngine,
    config: OrchestratorConfig,
    handle: RunHandle,
    *,
    report: Reporter | None = None,
) -> str:
    """Run a claimed task's steps to the end; returns the outcome (see ``RunHandle.outcome``)."""
    say = report or (lambda kind, ref, message: None)
    claim = handle.claim
    try:
        task = await engine.get_task(claim.task_id, links=False)  # its own fields are enough
        outcome = await _Attempt(engine, config, handle, say, task, task_command(task)).run()
    except LeaseLostError:
        outcome = "lost"
    except asyncio.CancelledError:
        handle.outcome = "stopped"
        raise
    if outcome == "lost":
        handle.lost = True
        await handle.kill()
        say("lost", claim.ref, "lost its claim (cancelled, moved or expired); stopped")
    handle.outcome = outcome
    return outcome


@dataclass(frozen=True)
class _Step:
    """One step of a run about to start its process, with what its prompt tells of the run."""

    spec: StepSpec
    profile: Profile
    index: int
    total: int
    workdir: str | None
    done: list[tuple[str, str | None]]
    """The steps finished before this one, with their summaries."""
    last_output: str | None
    """What the previous failed attempt printed last, if this is a retry."""


@dataclass
class _Attempt:
    """One claimed run as this worker carries it out, phase by phase.

    ``run`` checks that the task can run at all, prepares its directory, then runs the steps.
    A phase that ends the run writes the end (fenced by the claim's token), says it, and
    returns the outcome (see ``RunHandle.outcome``).
    """

    engine: TaskEngine
    config: OrchestratorConfig
    handle: RunHandle
    say: Reporter
    task: Task
    command: str | None
    """The task's command as this attempt read it (what the approval was checked against)."""

    @property
    def claim(self) -> Claim:
        return self.handle.claim

    async def run(self) -> str:
        plan = await self._checked_plan()
        if plan is None:
            return "blocked"
        workdir: str | None = None
        if any(self.config.profiles[spec.profile].name != NOOP for spec in plan):
            try:
                workdir = await self._workdir()
            except StorageError as exc:
                # The server or the database did not answer (a restart, a failover): not
                # the task's fault, so no attempt is used; no step has started.
                return await self._stop(f"its directory could not be prepared: {exc.message}")
            except TaskyardError as exc:
                return await self._fail(exc.message, shown=exc.message)
        for spec in plan:  # a program that is not there fails every attempt the same way
            missing = missing_program(self.config.profiles[spec.profile], cwd=workdir)
            if missing:
                return await self._block(f"step {spec.name}: {missing}", step=spec.name, retry=True)
        return await self._run_steps(plan, workdir)

    async def _workdir(self) -> str | None:
        """``workdir_for`` (it reads the task's project), retried while the store is away.

        As ``persist`` retries a write: a few tries, then on while the run's lease lasts.
        """
        tries = 0
        until = math.inf
        while True:
            try:
                return await workdir_for(self.engine, self.config, self.task)
            except StorageError:
                tries += 1
                if tries == 1:
                    until = self.handle.lease_until
                pause = retry_pause(self.handle, tries, until)
                if pause is None:
                    raise
                await asyncio.sleep(pause)

    async def _checked_plan(self) -> tuple[StepSpec, ...] | None:
        """The steps to run, or ``None`` once the run is blocked because none of it could run.

        The command must be the approved one, the task must have a pipeline (or a command to
        run as one), and every step whose profile runs the task's command needs one.
        """
        task, command = self.task, self.command
        unapproved = command_not_approved(task, command)
        if unapproved is not None:
            await self._block(unapproved)
            return None
        plan = self.config.steps_for(task.task_type, task.pipeline_template, command)
        if isinstance(plan, str):
            await self._block(plan)
            return None
        for spec in plan:
            if self.config.profiles[spec.profile].needs_command and not (spec.command or command):
                reason = (
                    f"step {spec.name} uses the {spec.profile} profile, which runs the task's "
                    f"command, and the task has none: taskyard task edit {self.claim.ref} "
                    "--command ..."
                )
                await self._block(reason, step=spec.name)
                return None
        return plan

    async def _run_steps(self, plan: tuple[StepSpec, ...], workdir: str | None) -> str:
        """Each step in turn; the last one ends with the run, in one transaction."""
        claim = self.claim
        run_id, token = claim.run_id, claim.claim_token
        done: list[tuple[str, str | None]] = []
        summary: str | None = None
        total = len(plan)
        last_output = (
            await _last_failure_output(self.engine, self.task) if self.task.retry_count else None
        )
        for index, spec in enumerate(plan, 1):
            if self.handle.stopping:
                return await self._stop(f"the worker stopped before step {spec.name}")
            profile = self.config.profiles[spec.profile]
            await self._persist(
                self.engine.start_step,
                run_id,
                token,
                spec.name,
                index=index,
                total=total,
                profile=profile.name,
            )
            self.say("step", claim.ref, f"step {index}/{total} {spec.name} ({profile.name})")
            if profile.name == NOOP:
                if index == total:  # the last step ends with the run: one write, not two
                    break
                await self._persist(
                    self.engine.finish_step, run_id, token, spec.name, success=True, exit_code=0
                )
                done.append((spec.name, None))
                continue
            step = _Step(spec, profile, index, total, workdir, done, last_output)
            result = await self._run_step(step)
            if isinstance(result, str):
                return result
            summary = result.summary()
            if index == total:
                break
            await self._persist(
                self.engine.finish_step,
                run_id,
                token,
                spec.name,
                success=True,
                exit_code=result.exit_code,
                summary=summary,
            )
            done.append((spec.name, summary))
        await self._persist(
            self.engine.finish_run,
            run_id,
            token,
            success=True,
            exit_code=0,
            summary=summary,
            step=plan[-1].name if plan else None,
        )
        self.say(
            "succeeded",
            claim.ref,
            "succeeded" + await _what_next(self.engine, self.config, claim, True),
        )
        return "succeeded"

    async def _run_step(self, step: _Step) -> StepResult | str:
        """Run one step's process: its result if it succeeded, else how the run ended."""
        claim, spec = self.claim, step.spec
        result = await self._run_process(step)
        if self.handle.lost:
            return "lost"
        if result.lost_bytes:
            self.say(
                "output_lost",
                claim.ref,
                f"step {spec.name}: {lost_output_words(result.lost_bytes)} "
                f"({result.lost_reason}); its log marks where",
            )
        if result.exit_code is None and result.error and not self.handle.stopping:
            # It could not start (checked before the first step, but a program can vanish or
            # lose its x bit meanwhile): every attempt would fail the same way, so block
            # without retries.
            reason = (
                f"step {spec.name}: {result.error}; install it or fix "
                f"[profiles.{step.profile.name}] command"
            )
            return await self._block(reason, step=spec.name, retry=True)
        if result.success:
            return result
        # The step and the run end in one transaction (``finish_run(step=...)``).
        summary = result.summary()
        if self.handle.stopping:
            # Stopped on purpose (Ctrl-C, a deploy): not the task's fault, so the run is
            # interrupted and the task goes back to ready without using an attempt.
            return await self._stop(
                f"the worker stopped during step {spec.name}",
                exit_code=result.exit_code,
                summary=summary,
            )
        # The last lines go as the summary: the blocked reason shows them on their own.
        error = f"step {spec.name} failed: {result.ending()}"
        return await self._fail(
            error,
            shown=error.splitlines()[0],
            exit_code=result.exit_code,
            summary=summary,
            step=spec.name,
        )

    async def _run_process(self, step: _Step) -> StepResult:
        """Start the step's program with its prompt, stream its output to the log, wait for it."""
        spec, profile = step.spec, step.profile
        prompt = build_prompt(
            self.task,
            spec.name,
            index=step.index,
            total=step.total,
            previous=step.done,
            last_output=step.last_output,
        )
        with tempfile.TemporaryDirectory(prefix="taskyard-") as scratch:
            prompt_file = Path(scratch) / "prompt.md"
            if profile.prompt == "file":
                prompt_file.write_text(prompt, encoding="utf-8")
            environment = for_profile(
                profile, self.config.env_deny, self._own_variables(step, prompt_file)
            )
            argv = profile.render(self._placeholders(step, prompt, prompt_file))
            shown = shlex.join(argv) if profile.prompt != "arg" else f"{argv[0]} …"
            if len(shown) > 300:
                shown = shown[:299] + "…"

            async def sink(stream: str, text: str) -> None:
                await self._write_while_running(
                    self.engine.append_log, text, stream=stream, step=spec.name
                )

            async def on_lost(lost_bytes: int, reason: str) -> None:
                await self._write_while_running(
                    self.engine.record_lost_output,
                    lost_bytes=lost_bytes,
                    reason=reason,
                    step=spec.name,
                )

            await sink(
                "system",
                f"[taskyard] step {step.index}/{step.total} {spec.name} ({profile.name}): "
                f"{shown}\n[taskyard] {environment.describe()}\n",
            )
            process = StepProcess(
                Invocation(
                    argv=argv,
                    cwd=step.workdir,
                    env=environment.variables,
                    stdin=prompt if profile.prompt == "stdin" else None,
                    timeout=profile.timeout_seconds or self.config.step_timeout_seconds,
                ),
                sink,
                on_lost=on_lost,
                kill_grace=self.config.kill_grace_seconds,
            )
            handle = self.handle
            handle.process = process
            try:
                return await process.run()
            finally:
                handle.process = None
                if handle.fence_deadline is not None and time.monotonic() >= handle.fence_deadline:
                    # The pings stopped past the deadline (a frozen worker): the guard may have
                    # stopped the step, and the lease may be gone; its result is not the task's.
                    handle.lost = True
                handle.fence_deadline = None

    def _placeholders(self, step: _Step, prompt: str, prompt_file: Path) -> dict[str, str]:
        """The values of the profile's command template (``profiles.PLACEHOLDERS``)."""
        claim = self.claim
        return {
            "prompt": prompt,
            "prompt_file": str(prompt_file),
            "command": step.spec.command or self.command or "",
            "ref": claim.ref,
            "task_id": claim.task_id,
            "run_id": claim.run_id,
            "step": step.spec.name,
            "attempt": str(claim.attempt),
            "title": self.task.title,
            "workdir": step.workdir or os.getcwd(),
        }

    def _own_variables(self, step: _Step, prompt_file: Path) -> dict[str, str]:
        """The ``TASKYARD_*`` variables a step sees: which task, run, step and attempt it is."""
        claim = self.claim
        own = {
            "TASKYARD_TASK_REF": claim.ref,
            "TASKYARD_TASK_ID": claim.task_id,
            "TASKYARD_PROJECT_ID": claim.project_id,
            "TASKYARD_RUN_ID": claim.run_id,
            "TASKYARD_WORKER_ID": claim.worker_id,
            "TASKYARD_STEP": step.spec.name,
            "TASKYARD_STEP_INDEX": str(step.index),
            "TASKYARD_STEP_COUNT": str(step.total),
            "TASKYARD_ATTEMPT": str(claim.attempt),
            "TASKYARD_PROFILE": step.profile.name,
        }
        if step.profile.prompt == "file":
            own["TASKYARD_PROMPT_FILE"] = str(prompt_file)
        return own

    async def _persist(
        self, write: Callable[..., Awaitable[object]], *args: Any, **kwargs: Any
    ) -> None:
        """``persist`` for this attempt's run."""
        await persist(self.handle, write, *args, **kwargs)

    async def _write_while_running(
        self, write: Callable[..., Awaitable[object]], *args: Any, **kwargs: Any
    ) -> None:
        """Write for the running step (its output, lost output), fenced by the claim's token.

        Once the store refuses (the claim is lost) the step's process group is stopped and
        nothing more is written.
        """
        if self.handle.lost:
            return
        claim = self.claim
        try:
            await self._persist(write, claim.run_id, claim.claim_token, *args, **kwargs)
        except LeaseLostError:
            self.handle.lost = True
            asyncio.get_running_loop().create_task(self.handle.kill())

    async def _block(self, reason: str, *, step: str | None = None, retry: bool = False) -> str:
        """End the run without a retry and block the task; ``retry``: tell how to retry it."""
        claim = self.claim
        await self._persist(
            self.engine.block_run, claim.run_id, claim.claim_token, reason=reason, step=step
        )
        said = f"{reason}; blocked (taskyard retry {claim.ref})" if retry else reason
        self.say("blocked", claim.ref, said)
        return "blocked"

    async def _fail(self, error: str, *, shown: str, **fields: Any) -> str:
        """End the run failed (the retry policy says what next); ``shown``: the worker's line."""
        claim = self.claim
        await self._persist(
            self.engine.finish_run,
            claim.run_id,
            claim.claim_token,
            success=False,
            error=error,
            **fields,
        )
        self.say(
            "failed", claim.ref, shown + await _what_next(self.engine, self.config, claim, False)
        )
        return "failed"

    async def _stop(self, error: str, **fields: Any) -> str:
        """End the run interrupted: the task goes back to ready without using an attempt."""
        claim = self.claim
        await self._persist(
            self.engine.interrupt_run, claim.run_id, claim.claim_token, reason=error, **fields
        )
        self.say("stopped", claim.ref, f"{error}; back in ready, not counted as a failure")
        return "stopped"


async def _last_failure_output(engine: TaskEngine, task: Task) -> str | None:
    """The last lines the newest failed run of ``task`` printed (its summary), if any."""
    try:
        runs = await engine.runs_of(task.ref)
    except TaskyardError:
        return None
    failed = [r for r in runs if r.finished_at is not None and r.status == RunStatus.FAILED]
    return max(failed, key=lambda r: r.attempt).summary if failed else None


async def _what_next(
    engine: TaskEngine, config: OrchestratorConfig, claim: Claim, success: bool
) -> str:
    """``"; retry 2/3 in 5 s"``, ``" -> in review"`` ...: what the task does now (one read).

    Only words for the worker's line: a failed read says nothing rather than fail the run.
    """
    from core.orchestrator.outcome import after_failure, after_success

    try:
        task = await engine.get_task(claim.task_id, links=success)
    except TaskyardError:
        return ""
    if success:
        return f" -> {after_success(task)}"
    return f"; {after_failure(task, config.retry, datetime.now(UTC))}"


async def workdir_for(engine: TaskEngine, config: OrchestratorConfig, task: Task) -> str | None:
    """Where a task's steps run: its project's repository (or a worktree of it), else here.

    Raises:
        TaskyardError: the repository is missing, or its worktree cannot be made.
    """
    project = await engine.get_project(task.project_id)
    if not project.repo_path:
        return None
    repo = Path(project.repo_path).expanduser()  # noqa: ASYNC240 - no I/O, a path
    if not await asyncio.to_thread(repo.is_dir):
        raise TaskyardError(
            f"Project {project.slug}'s repository {repo} does not exist.",
            hint=f"Fix the project's repo path, or create {repo}.",
        )
    if not config.worktrees:
        return str(repo)
    return str(await ensure_worktree(repo, task.ref, config.worktree_root))


async def ensure_worktree(repo: Path, ref: str, root: Path | None) -> Path:
    """A git worktree of ``repo`` for task ``ref`` on branch ``taskyard/<ref>`` (made once).

    Raises:
        TaskyardError: ``repo`` is not a git repository, or git refused.
    """
    base = root if root is not None else repo.parent / ".taskyard-worktrees" / repo.name
    path = base / ref
    if (path / ".git").exists():
        return path
    base.mkdir(parents=True, exist_ok=True)
    branch = f"taskyard/{ref}"
    proc = await asyncio.create_subprocess_exec(
        "git",
        "-C",
        str(repo),
        "worktree",
        "add",
        "-B",
        branch,
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise TaskyardError(
            f"Cannot make a git worktree of {repo} for {ref}: "
            + out.decode(errors="replace").strip(),
            hint="Check that the project's repo path is a git repository with a commit, or set "
            "worktrees = false in [orchestrator].",
        )
    return path
