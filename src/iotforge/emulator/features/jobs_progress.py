"""How jobs progress: executions for their targets, then what the clock and the fleet say happened.

Time moves lazily: every jobs call first runs `sync`, which applies what should have happened since
the last call (rollout notifications, timeouts, abort criteria, completion, things added to or
removed from the target groups of CONTINUOUS jobs).
"""

from __future__ import annotations

import math
from typing import Any

from iotforge.emulator.features.fleet import Fleet, iot_arn, parse_iot_arn
from iotforge.emulator.features.jobs_model import (
    ABORT_REASON_CODE,
    CONTINUOUS,
    EXECUTED,
    FAILURES,
    IN_PROGRESS,
    JOB_COMPLETED,
    JOB_DELETING,
    JOB_ID,
    MAX_RATE_PER_MINUTE,
    QUEUED,
    REMOVED,
    SNAPSHOT,
    SUCCEEDED,
    TIMED_OUT,
    Execution,
    Job,
    JobStore,
    cancel_job,
    initial_rate,
)
from iotforge.emulator.wire import AwsFault


def create_job(
    store: JobStore, fleet: Fleet, account_id: str, region: str, job_id: str, request: dict[str, Any], now: float
) -> Job:
    """A new job from a CreateJob request body (document already resolved), with its executions."""
    if not JOB_ID.fullmatch(job_id):
        raise AwsFault(400, "InvalidRequestException", f"Invalid job id: {job_id}")
    if job_id in store.jobs:
        raise AwsFault(409, "ResourceAlreadyExistsException", f"Job with id {job_id} already exists")
    targets = request.get("targets") or []
    if not targets:
        raise AwsFault(400, "InvalidRequestException", "A job needs at least one target")
    for target in targets:
        _resolve_target(fleet, target)
    selection = request.get("targetSelection") or SNAPSHOT
    if selection not in (SNAPSHOT, CONTINUOUS):
        raise AwsFault(400, "InvalidRequestException", f"Invalid targetSelection: {selection}")
    config = {
        key: value for key, value in request.items() if key not in ("targets", "document", "targetSelection", "tags")
    }
    job = Job(
        job_id, iot_arn(account_id, region, "job", job_id), list(targets), request["document"], selection, config, now
    )
    job.rate = initial_rate(job)
    for name, arn in _target_things(fleet, job).items():
        _add_execution(job, name, arn, now)
    sync_job(store, fleet, job, now)
    store.jobs[job_id] = job
    return job


def associate_targets(fleet: Fleet, job: Job, targets: list[str], now: float) -> None:
    """AssociateTargetsWithJob: only a CONTINUOUS job takes more targets; sync adds their things."""
    if job.target_selection != CONTINUOUS or job.status != IN_PROGRESS:
        raise AwsFault(
            400,
            "InvalidRequestException",
            f"Targets can only be added to an IN_PROGRESS CONTINUOUS job; {job.job_id} is not",
        )
    if not targets:
        raise AwsFault(400, "InvalidRequestException", "targets is required")
    for target in targets:
        _resolve_target(fleet, target)
        if target not in job.targets:
            job.targets.append(target)
    job.touch(now)


def _resolve_target(fleet: Fleet, target: str) -> Any:
    parsed = parse_iot_arn(target)
    if parsed is None or parsed.kind not in ("thing", "thinggroup"):
        raise AwsFault(400, "InvalidRequestException", f"Invalid job target: {target}")
    found = fleet.thing_by_arn(target) if parsed.kind == "thing" else fleet.group_by_arn(target)
    if found is None:
        kind = "Thing" if parsed.kind == "thing" else "Thing group"
        raise AwsFault(404, "ResourceNotFoundException", f"{kind} {parsed.name} cannot be found")
    return found


def _target_things(fleet: Fleet, job: Job) -> dict[str, str]:
    """Thing name -> ARN of every thing the job's targets name now."""
    things: dict[str, str] = {}
    for target in job.targets:
        parsed = parse_iot_arn(target)
        if parsed is None:
            continue
        if parsed.kind == "thing":
            if fleet.thing_by_arn(target) is not None:
                things.setdefault(parsed.name, target)
        else:
            group = fleet.group_by_arn(target)
            if group is not None:
                for name, arn in fleet.group_members(group).items():
                    things.setdefault(name, arn)
    return things


def _add_execution(job: Job, thing_name: str, thing_arn: str, now: float) -> None:
    number = job.execution_numbers.get(thing_name, 0) + 1
    job.execution_numbers[thing_name] = number
    job.executions[thing_name] = Execution(job.job_id, thing_name, thing_arn, number, now)


def sync(store: JobStore, fleet: Fleet, now: float) -> None:
    for job in list(store.jobs.values()):
        if job.status == JOB_DELETING:
            if job.deletion_due is not None and now >= job.deletion_due:
                del store.jobs[job.job_id]
            continue
        if job.status != JOB_COMPLETED:  # a completed job's executions are all terminal
            sync_job(store, fleet, job, now)


def sync_job(store: JobStore, fleet: Fleet, job: Job, now: float) -> None:
    _follow_targets(fleet, job, now)
    _time_out(job, now)
    if job.status == IN_PROGRESS:
        _check_abort(job, now)
    if job.status == IN_PROGRESS:
        _roll_out(store, job, now)
        if job.target_selection == SNAPSHOT and all(execution.terminal for execution in job.executions.values()):
            job.status = JOB_COMPLETED
            job.completed_at = now
            job.touch(now)


def _follow_targets(fleet: Fleet, job: Job, now: float) -> None:
    """Executions of deleted things, and queued ones of things that left a CONTINUOUS job's groups, become REMOVED."""
    current = _target_things(fleet, job) if job.target_selection == CONTINUOUS else None
    for execution in job.executions.values():
        if execution.terminal:
            continue
        gone = fleet.thing_by_arn(execution.thing_arn) is None
        left = current is not None and execution.status == QUEUED and execution.thing_name not in current
        if gone or left:
            execution.move(REMOVED, now)
            job.touch(now)
    if current is not None and job.status == IN_PROGRESS:
        for name, arn in current.items():
            existing = job.executions.get(name)
            never_had_one = existing is None and name not in job.execution_numbers  # not a deleted one
            if never_had_one or (existing is not None and existing.status == REMOVED):
                _add_execution(job, name, arn, now)
                job.touch(now)


def _time_out(job: Job, now: float) -> None:
    for execution in job.executions.values():
        deadline = execution.deadline()
        if deadline is not None and now >= deadline:
            execution.move(TIMED_OUT, deadline)
            job.touch(now)


def _roll_out(store: JobStore, job: Job, now: float) -> None:
    """Notify queued executions, no more per (scaled) minute than the rollout rate allows."""
    waiting = [
        execution
        for execution in job.executions.values()
        if execution.status == QUEUED and execution.notified_at is None
    ]
    if not waiting:
        return
    _raise_rate(job)
    window_start = now - store.seconds(1)
    job.notify_log = [moment for moment in job.notify_log if moment > window_start]
    allowance = len(waiting) if math.isinf(job.rate) else max(0, int(job.rate) - len(job.notify_log))
    for execution in waiting[:allowance]:
        execution.notified_at = now
        job.notify_log.append(now)


def _raise_rate(job: Job) -> None:
    rollout = job.config.get("jobExecutionsRolloutConfig") or {}
    exponential = rollout.get("exponentialRate")
    if not exponential:
        return
    criteria = exponential.get("rateIncreaseCriteria") or {}
    ceiling = float(rollout.get("maximumPerMinute") or MAX_RATE_PER_MINUTE)
    if criteria.get("numberOfNotifiedThings"):
        step, reached = (
            int(criteria["numberOfNotifiedThings"]),
            sum(1 for e in job.executions.values() if e.notified_at is not None),
        )
    elif criteria.get("numberOfSucceededThings"):
        step, reached = int(criteria["numberOfSucceededThings"]), job.counts()[SUCCEEDED]
    else:
        return
    while reached - job.rate_checkpoint >= step and job.rate < ceiling:
        job.rate = min(ceiling, math.ceil(job.rate * float(exponential.get("incrementFactor") or 1)))
        job.rate_checkpoint += step


def _check_abort(job: Job, now: float) -> None:
    abort = job.config.get("abortConfig") or {}
    counts = job.counts()
    executed = sum(counts[status] for status in EXECUTED)
    for criteria in abort.get("criteriaList") or []:
        failures = sum(counts[status] for status in FAILURES.get(criteria.get("failureType", "ALL"), FAILURES["ALL"]))
        minimum = int(criteria.get("minNumberOfExecutedThings") or 1)
        threshold = float(criteria.get("thresholdPercentage") or 0)
        if executed >= minimum and failures and failures * 100 / executed >= threshold:
            comment = (
                f"Job canceled by its abort configuration: {failures} of {executed} executed things "
                f"{criteria.get('failureType')} ({failures * 100 / executed:.2f}% >= {threshold}%)"
            )
            cancel_job(job, ABORT_REASON_CODE, comment, force=False, now=now)
            return
