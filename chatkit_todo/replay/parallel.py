"""In-process replay on several cores: threads spread over worker processes.

One Python process is CPU-bound under the GIL, so `--concurrency N` in-process forks N
workers. Each replays whole threads (their turns in order) on its own copies of the
parent's migrated template database and sends the outcome back.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from chatkit_todo.replay.drivers import InProcessDriver, scratch_template
from chatkit_todo.replay.runner import Progress, ThreadOutcome, crashed_outcome, replay_thread
from core.replay.format import ReplayThread

_driver: InProcessDriver | None = None


def _start_worker(directory: Path, template: Path, max_input_chars: int) -> None:
    global _driver
    _driver = InProcessDriver(directory, template, max_input_chars=max_input_chars)


def _replay_one(file: Path, thread: ReplayThread) -> ThreadOutcome:
    assert _driver is not None
    try:
        return asyncio.run(replay_thread(_driver, thread, file))
    except Exception as error:
        return crashed_outcome(file, thread, f"{type(error).__name__}: {error}")


def replay_in_processes(threads: list[tuple[Path, ReplayThread]], *, processes: int,
                        max_input_chars: int = 4000, progress: Progress | None = None
                        ) -> list[ThreadOutcome]:
    """Replay threads in `processes` forked workers; outcomes come back in input order."""
    methods = multiprocessing.get_all_start_methods()
    # fork: the workers start in milliseconds with everything already imported.
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    outcomes: list[ThreadOutcome | None] = [None] * len(threads)
    with (
        scratch_template() as (directory, template),
        ProcessPoolExecutor(max_workers=processes, mp_context=context,
                            initializer=_start_worker,
                            initargs=(directory, template, max_input_chars)) as pool,
    ):
        futures = {pool.submit(_replay_one, file, thread): index
                   for index, (file, thread) in enumerate(threads)}
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[futures[future]] = outcome
            if progress is not None:
                progress(outcome)
    return [outcome for outcome in outcomes if outcome is not None]
