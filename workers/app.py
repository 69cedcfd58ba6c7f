"""The Celery app and its tasks. `celery -A workers.app worker` runs a production worker.

Task names are stable (`chatkit.process_thread`, `chatkit.sweep`) and arguments are ids
only: no tokens, no user text, so Flower's dashboard leaks nothing.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery, Task, bootsteps
from celery.signals import worker_process_init
from click import Option

from agents import Limits
from core.pubsub import publisher
from core.settings import Settings, get_settings
from store import Database
from workers import telemetry  # noqa: F401  (connects the logging/metrics/tracing signals)
from workers.broker import TRANSPORT as REDIS_TRANSPORT
from workers.processing import ThreadProcessor, is_transient
from workers.sweeper import RedisClaim, SweepLoop, sweep_once

__all__ = ["PROCESS_THREAD", "SWEEP", "Runtime", "app", "create_celery", "kick",
           "process_thread", "sweep", "sweep_once"]

log = logging.getLogger("chatkit.workers")

PROCESS_THREAD = "chatkit.process_thread"
SWEEP = "chatkit.sweep"


def create_celery(settings: Settings) -> Celery:
    """A Celery app for these settings: Redis broker when configured, else in-memory."""
    app = Celery("chatkit", broker=settings.redis_url or "memory://localhost/",
                 set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Task events feed Flower; without a monitor they cost a Redis publish per task
        # state for nobody (CHATKIT_TASK_EVENTS, default: on when Flower is configured).
        worker_send_task_events=settings.task_events_enabled,
        task_send_sent_event=settings.task_events_enabled,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=settings.celery_queue,
        broker_connection_retry_on_startup=True,
        # Reconnect for as long as the broker is away (the default gives up after 100
        # tries and the worker exits): turns accepted meanwhile are waiting in the database.
        broker_connection_max_retries=None,
        # visibility_timeout: an unacked kick (worker died) is redelivered after this long
        # (Redis); polling_interval: how often the in-memory transport looks for kicks.
        broker_transport_options={"visibility_timeout": 3600, "polling_interval": 0.01},
        worker_hijack_root_logger=False,
        # Limits on stuck work (prefork pool). At the soft limit the turn running fails with
        # PROCESSING_ERROR and the thread goes on (workers/processing.py); at the hard limit
        # Celery kills the pool process and the kick comes back (reject_on_worker_lost).
        task_soft_time_limit=settings.turn_time_limit_seconds,
        task_time_limit=settings.turn_hard_time_limit_seconds,
        # Pool processes are replaced now and then, and when they grow too big: whatever
        # leaks (a library's cache, fragmentation) is bounded. Celery counts memory in KiB.
        worker_max_tasks_per_child=settings.worker_max_tasks_per_child or None,
        worker_max_memory_per_child=(settings.worker_max_memory_per_child_mb * 1024) or None,
        # kombu's Redis transport with acks that survive a torn-down channel (workers/broker.py).
        broker_transport=(REDIS_TRANSPORT if (settings.redis_url or "").startswith("redis://")
                          else None),
        beat_schedule={
            "chatkit-sweep": {"task": SWEEP, "schedule": settings.sweep_interval_seconds},
        },
    )
    return app


class Runtime:
    """Per-process state of a worker: the database and the thread processor."""

    _lock = threading.Lock()
    _instance: Runtime | None = None

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.resolved_database_url,
                                 statement_timeout_s=settings.statement_timeout_seconds)
        self.processor = ThreadProcessor(
            self.database.sync_sessions(), lease_seconds=settings.turn_lease_seconds,
            notify=publisher(settings),
            # A drain stops starting turns half-way to the soft limit and re-kicks its
            # thread, so every turn gets at least half the limit, whatever the queue ahead.
            drain_budget_s=settings.turn_time_limit_seconds / 2, requeue=kick,
            limits=Limits(max_tasks_per_user=settings.max_tasks_per_user or None),
            heartbeat_s=settings.heartbeat_seconds,
        )

    @classmethod
    def get(cls) -> Runtime:
        with cls._lock:
            if cls._instance is None:
                cls._instance = Runtime(get_settings())
            return cls._instance

    @classmethod
    def install(cls, runtime: Runtime | None) -> None:
        """Use this runtime in this process (the embedded server and tests set their own)."""
        with cls._lock:
            cls._instance = runtime


@worker_process_init.connect
def _fresh_runtime_after_fork(**_: Any) -> None:
    # Database connections must not be shared with the parent process after a fork.
    Runtime.install(None)


app = create_celery(get_settings())


# Re-kicks from the sweep must not hang the loop while the broker is away.
KICK_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5,
                     "interval_max": 1}


def kick(thread_id: str) -> None:
    """Publish `chatkit.process_thread(thread_id)` (bounded retries)."""
    process_thread.apply_async(args=[thread_id], retry=True, retry_policy=KICK_RETRY_POLICY)


@app.task(name=PROCESS_THREAD, bind=True, max_retries=None)
def process_thread(
    self: Task, thread_id: Any = None, *extra: Any, lease: Any = None, **unexpected: Any
) -> int:
    """Drain the thread's pending turns in order. Safe to run twice: it looks at the rows.

    `lease` is set on retries only: the lease owner of the drain that failed, so the retry
    resumes a lock the outage kept it from releasing instead of waiting for it to expire.
    """
    # A poison kick (missing or extra arguments, not an id) is logged and dropped: raising
    # would only fill the logs with tracebacks for a message no retry can fix.
    if (not isinstance(thread_id, str) or not thread_id or extra or unexpected
            or not isinstance(lease, str | None)):
        log.warning("dropping malformed kick: args=%r kwargs=%r",
                    (thread_id, *extra), sorted(unexpected))
        return 0
    processor = Runtime.get().processor
    owner = lease or processor.new_owner()
    try:
        return processor.drain(thread_id, owner=owner)
    except Exception as error:
        if is_transient(error):
            countdown = min(2 ** min(self.request.retries, 5), 30)
            log.warning("transient error on thread %s, retrying in %ss: %s",
                        thread_id, countdown, error)
            raise self.retry(exc=error, countdown=countdown,
                             kwargs={"lease": owner}) from error
        raise


@app.task(name=SWEEP)
def sweep() -> int:
    """Re-kick threads with turns pending for longer than the sweep interval (for beat)."""
    runtime = Runtime.get()
    kicked = sweep_once(runtime.database, kick,
                        older_than_s=runtime.settings.sweep_queued_after_seconds)
    if kicked:
        log.info("sweep re-kicked %d thread(s)", len(kicked))
    return len(kicked)


class SweepStep(bootsteps.StartStopStep):
    """Every worker's main process runs the sweep loop; `--without-sweep` turns it off."""

    def __init__(self, parent: Any, without_sweep: bool = False, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.enabled = not without_sweep
        self.loop: SweepLoop | None = None

    def start(self, parent: Any) -> None:
        settings = get_settings()
        interval = settings.sweep_interval_seconds
        claim = None
        if settings.redis_url:
            claim = RedisClaim(settings.redis_url, f"chatkit:sweep:{settings.celery_queue}",
                               hold_s=interval * 0.9)
        database = Database(settings.resolved_database_url,
                            statement_timeout_s=settings.statement_timeout_seconds)
        self.loop = SweepLoop(database, kick, interval_s=interval, claim=claim,
                              queued_after_s=settings.sweep_queued_after_seconds)
        self.loop.start()

    def stop(self, parent: Any) -> None:
        if self.loop is not None:
            self.loop.stop()


app.user_options["worker"].add(Option(
    ["--without-sweep"], is_flag=True, default=False,
    help="Do not run the sweep loop that re-kicks turns whose kick was lost."))
app.steps["worker"].add(SweepStep)
