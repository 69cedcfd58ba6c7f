"""What a worker tells its operator: correlated logs, metrics and spans per task and turn.

Hooked in through Celery's signals (importing this module connects them) and two calls
from the thread processor (`turn_started`, `turn_finished`), so the processing code only
says when a turn starts and ends:

- logs: Celery's logging is ours (`setup_logging`); each task binds `task_id`,
  `thread_id` and, from the kick's headers, the request that sent it; each turn binds its
  `response_id`/`action_id` and hashed user (and that `request_id` when the turn is the one
  the kick was sent for). One `turn completed`/`turn failed` line per turn.
- metrics (core.metrics): turns processed by outcome, turn duration, queued→completed
  latency, task retries and failures.
- traces: a consumer span per task, child of the API's kick; a span per turn beneath it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from celery.signals import setup_logging, task_failure, task_postrun, task_prerun, task_retry
from structlog.contextvars import bind_contextvars, unbind_contextvars

from core import metrics
from core.logs import clear_context, configure_logging, turn_fields
from core.settings import get_settings
from core.telemetry import end_current, setup_tracing, start_current

log = logging.getLogger("chatkit.workers")

PROCESS_THREAD = "chatkit.process_thread"
# The kick's headers (api.queue writes them; Celery hands them over as request attributes).
HEADER_REQUEST_ID = "chatkit_request_id"
HEADER_TURN_ID = "chatkit_turn_id"
_TURN_KEYS = ("response_id", "action_id", "user", "request_id")


@dataclass
class _Kick:
    task_id: str
    turn_id: str | None
    request_id: str | None
    span: Any = None


@dataclass
class _Turn:
    id: str
    started: float
    created_at: dt.datetime
    span: Any = None


_kick: contextvars.ContextVar[_Kick | None] = contextvars.ContextVar("chatkit_kick", default=None)
_turn: contextvars.ContextVar[_Turn | None] = contextvars.ContextVar("chatkit_turn", default=None)
_traced_pid: int | None = None


@setup_logging.connect
def _our_logging(loglevel: Any = None, **_: Any) -> None:
    """Celery logs through our handler and format instead of configuring its own."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)


def _ensure_tracing() -> None:
    # Per process: a forked pool process must start its own exporter thread.
    global _traced_pid
    if _traced_pid != os.getpid():
        _traced_pid = os.getpid()
        setup_tracing(get_settings())


@task_prerun.connect
def _task_started(task_id: str | None = None, task: Any = None, args: Any = None,
                  **_: Any) -> None:
    if task is None or task.name != PROCESS_THREAD:
        return
    request = task.request
    thread_id = args[0] if args and isinstance(args[0], str) else None
    request_id = getattr(request, HEADER_REQUEST_ID, None)
    turn_id = getattr(request, HEADER_TURN_ID, None)
    clear_context(task_id=task_id, **({"thread_id": thread_id} if thread_id else {}),
                  **({"request_id": request_id} if request_id else {}))
    kick = _Kick(task_id=str(task_id), turn_id=turn_id, request_id=request_id)
    carrier = {key: value for key in ("traceparent", "tracestate")
               if isinstance(value := getattr(request, key, None), str)}
    _ensure_tracing()
    kick.span = start_current(
        f"{PROCESS_THREAD} process", kind="consumer", parent=carrier, attributes={
            "messaging.destination.name": str((request.delivery_info or {}).get("routing_key")),
            "messaging.message.id": str(task_id), "chatkit.thread_id": str(thread_id)})
    _kick.set(kick)


@task_postrun.connect
def _task_finished(task: Any = None, state: str | None = None, **_: Any) -> None:
    if task is None or task.name != PROCESS_THREAD:
        return
    turn = _turn.get()
    if turn is not None:  # the drain raised mid-turn (a transient error): nothing committed
        end_current(turn.span, error=True)
        _turn.set(None)
    kick = _kick.get()
    if kick is not None:
        end_current(kick.span, error=state not in (None, "SUCCESS"))
        _kick.set(None)


@task_retry.connect
def _task_retried(**_: Any) -> None:
    metrics.TURN_RETRIES.inc()


@task_failure.connect
def _task_failed(**_: Any) -> None:
    metrics.TURN_FAILURES.inc()


def turn_started(thread_id: str, turn: Any) -> None:
    """The processor starts a turn (a `PendingTurn`): bind its ids, start its clock and span."""
    fields: dict[str, Any] = turn_fields(turn.id, thread_id=thread_id, user_id=turn.user_id)
    kick = _kick.get()
    unbind_contextvars(*_TURN_KEYS)
    if kick is not None and kick.request_id and kick.turn_id == turn.id:
        fields["request_id"] = kick.request_id  # this turn's own request
    bind_contextvars(**fields)
    current = _Turn(id=turn.id, started=time.perf_counter(), created_at=turn.created_at)
    current.span = start_current("chatkit.turn", attributes={
        f"chatkit.{key}": value for key, value in fields.items()})
    _turn.set(current)


def turn_finished(turn_id: str, status: str) -> None:
    """The processor committed a turn's outcome: count and time it, log one line."""
    metrics.TURNS_PROCESSED.labels(status).inc()
    current = _turn.get()
    extra: dict[str, Any] = {"status": status}
    if current is not None and current.id == turn_id:
        took = time.perf_counter() - current.started
        metrics.TURN_SECONDS.observe(took)
        created = current.created_at
        if created.tzinfo is None:  # SQLite hands back naive UTC
            created = created.replace(tzinfo=dt.UTC)
        waited = max(0.0, (dt.datetime.now(dt.UTC) - created).total_seconds())
        metrics.TURN_QUEUED_TO_DONE_SECONDS.observe(waited)
        extra.update(duration_ms=round(took * 1000, 2), queued_to_done_ms=round(waited * 1000, 1))
        end_current(current.span, error=status != "completed")
        _turn.set(None)
    log.info("turn %s", status, extra=extra)
    unbind_contextvars(*_TURN_KEYS)
    kick = _kick.get()
    if kick is not None and kick.request_id:
        bind_contextvars(request_id=kick.request_id)
