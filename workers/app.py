"""The Celery app and its tasks. `celery -A workers.app worker` runs a production worker.

Task names are stable (`chatkit.process_thread`, `chatkit.sweep`) and arguments are ids
only: no tokens, no user text, so Flower's dashboard leaks nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init

from chatkit_todo.settings import Settings, get_settings
from store import Database
from store.turns import threads_with_stale_turns
from workers.processing import ThreadProcessor, is_transient, utcnow

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
        worker_send_task_events=True,
        task_send_sent_event=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=settings.celery_queue,
        broker_connection_retry_on_startup=True,
        # visibility_timeout: an unacked kick (worker died) is redelivered after this long
        # (Redis); polling_interval: how often the in-memory transport looks for kicks.
        broker_transport_options={"visibility_timeout": 3600, "polling_interval": 0.01},
        worker_hijack_root_logger=False,
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
        self.database = Database(settings.resolved_database_url)
        self.processor = ThreadProcessor(
            self.database.sync_sessions(), lease_seconds=settings.turn_lease_seconds
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


@app.task(name=PROCESS_THREAD, bind=True, max_retries=None)
def process_thread(self: Task, thread_id: str) -> int:
    """Drain the thread's pending turns in order. Safe to run twice: it looks at the rows."""
    if not isinstance(thread_id, str) or not thread_id:
        log.warning("dropping malformed kick: %r", thread_id)
        return 0
    try:
        return Runtime.get().processor.drain(thread_id)
    except Exception as error:
        if is_transient(error):
            countdown = min(2 ** min(self.request.retries, 5), 30)
            log.warning("transient error on thread %s, retrying in %ss: %s",
                        thread_id, countdown, error)
            raise self.retry(exc=error, countdown=countdown) from error
        raise


def sweep_once(database: Database, kick: Any, *, older_than_s: float) -> list[str]:
    """Re-kick threads whose turns wait longer than `older_than_s` (lost kicks, dead workers)."""
    cutoff = utcnow() - dt.timedelta(seconds=older_than_s)
    with database.sync_sessions()() as session:
        thread_ids = threads_with_stale_turns(session, cutoff)
    for thread_id in thread_ids:
        kick(thread_id)
    return thread_ids


@app.task(name=SWEEP)
def sweep() -> int:
    """Periodic: re-kick threads with turns pending for longer than the sweep interval."""
    runtime = Runtime.get()
    kicked = sweep_once(
        runtime.database,
        lambda thread_id: process_thread.delay(thread_id),
        older_than_s=runtime.settings.sweep_interval_seconds,
    )
    if kicked:
        log.info("sweep re-kicked %d thread(s)", len(kicked))
    return len(kicked)
