"""The embedded worker: a real Celery worker in a thread of the API process (memory transport)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery
from celery.worker import WorkController

log = logging.getLogger("chatkit.workers")


class EmbeddedWorker:
    """Runs a Celery WorkController (thread pool) in a daemon thread; stop() shuts it down."""

    def __init__(self, app: Celery, *, concurrency: int = 2, queue: str | None = None) -> None:
        self.app = app
        self.controller = WorkController(
            app=app,
            pool_cls="threads",
            concurrency=concurrency,
            queues=[queue or app.conf.task_default_queue],
            loglevel=logging.WARNING,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            hostname="embedded@localhost",
            # `chatkit-todo serve` runs its own sweep loop beside the API.
            without_sweep=True,
        )
        self.thread = threading.Thread(target=self._run, name="chatkit-embedded-worker",
                                       daemon=True)

    def _run(self) -> None:
        try:
            self.controller.start()
        except Exception:  # pragma: no cover - logged, the API keeps serving
            log.exception("embedded worker stopped")

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.controller.stop(in_sighandler=False)
        self.thread.join(timeout)

    def __enter__(self) -> EmbeddedWorker:
        self.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()
