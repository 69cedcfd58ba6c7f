"""`chatkit-todo replay` and `chatkit-todo export`: argument parsing and the runs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from chatkit_todo.replay.report import render_report, thread_label, write_junit
from chatkit_todo.replay.runner import Driver, ThreadOutcome, replay_all
from core.replay.format import (
    ReplayFile,
    ReplayFormatError,
    ReplayThread,
    encode_thread,
    load_file,
)
from core.settings import Settings, mask_url


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    """The `replay` subcommand's options."""
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="replay files (.jsonl, one thread per line)")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the files' expectations with this run's results")
    parser.add_argument("--concurrency", type=int, metavar="N",
                        help="threads replayed in parallel, turns of a thread in order "
                        "(default: 1 in-process, where the work is CPU-bound; 8 with --url)")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument("--no-timings", action="store_true",
                        help="leave the timing: lines out (byte-identical reports)")
    parser.add_argument("--thread", action="append", default=[], metavar="ID",
                        help="only these thread ids (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--worker", choices=("inline", "celery"), default="inline",
                        help="in-process: drain turns inline (default) or with an embedded "
                        "Celery worker on the in-memory broker")
    parser.add_argument("--url", metavar="http://host:port",
                        help="replay through a running deployment's API instead")
    parser.add_argument("--jwt-secret", metavar="SECRET",
                        help="with --url: mint a token per thread (a fresh user each)")
    parser.add_argument("--token-file", type=Path, metavar="FILE",
                        help="with --url: one bearer token for every thread (its user's "
                        "existing tasks are visible to the threads)")
    parser.add_argument("--suffix", help="with --url: thread id suffix (default: random)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="with --url: seconds to wait for one turn")
    parser.add_argument("--print-schema", action="store_true",
                        help="print the replay format's JSON Schema and exit")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The `export` subcommand's options."""
    parser.add_argument("thread_id")
    parser.add_argument("--user", help="refuse unless the thread belongs to this user")
    parser.add_argument("--output", "-o", type=Path,
                        help="append the line to this file instead of printing it")


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    """Print (or append) one replay line for a stored thread."""
    from api.thread_export import ThreadNotFound, ThreadNotOwned, export_thread
    from store import Database

    database = Database(settings.resolved_database_url)
    try:
        with database.sync_sessions()() as session:
            thread = export_thread(session, args.thread_id, args.user)
    except ThreadNotFound:
        print(f"no thread {args.thread_id!r} in {mask_url(settings.resolved_database_url)}",
              file=sys.stderr)
        return 1
    except ThreadNotOwned:
        print(f"thread {args.thread_id!r} belongs to another user", file=sys.stderr)
        return 1
    finally:
        database.close()
    line = encode_thread(thread) + "\n"
    if args.output:
        with args.output.open("a", encoding="utf-8") as handle:
            handle.write(line)
    else:
        sys.stdout.write(line)
    return 0


class ProgressBar:
    """A one-line progress bar on a terminal, a line per thread otherwise."""

    def __init__(self, total: int, stream: TextIO, enabled: bool = True) -> None:
        self.total, self.done, self.stream, self.enabled = total, 0, stream, enabled
        self.tty = stream.isatty()

    def __call__(self, outcome: ThreadOutcome) -> None:
        self.done += 1
        if not self.enabled:
            return
        mark = "ok" if outcome.passed else "MISMATCH"
        if self.tty:
            filled = int(30 * self.done / max(self.total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] "
                              f"{self.done}/{self.total} threads")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[{self.done}/{self.total}] {thread_label(outcome)} {mark}\n")
        self.stream.flush()


def _token_source(args: argparse.Namespace, settings: Settings
                  ) -> tuple[Callable[[str], str], bool] | None:
    if args.token_file:
        token = args.token_file.read_text().strip()
        return (lambda user: token), False
    secret = args.jwt_secret or settings.resolved_jwt_secret()
    if not secret:
        return None
    from api.auth import mint_token

    return (lambda user: mint_token(secret, user, ttl_s=3600, issuer=settings.jwt_issuer,
                                    audience=settings.jwt_audience)), True


async def _replay(settings: Settings, args: argparse.Namespace,
                  threads: list[tuple[Path, ReplayThread]], progress: ProgressBar
                  ) -> list[ThreadOutcome]:
    if args.url:
        import httpx

        # httpx logs every request at INFO: thousands of lines around the progress bar.
        logging.getLogger("httpx").setLevel(logging.WARNING)

        from chatkit_todo.replay.drivers import HttpDriver

        tokens = _token_source(args, settings)
        if tokens is None:
            raise SystemExit("--url needs --jwt-secret, --token-file or CHATKIT_JWT_SECRET")
        token_for, per_thread = tokens
        async with httpx.AsyncClient(base_url=args.url.rstrip("/"),
                                     timeout=args.timeout) as client:
            driver: Driver = HttpDriver(client, token_for, args.suffix or secrets.token_hex(4),
                                        per_thread_users=per_thread, timeout_s=args.timeout)
            return await replay_all(driver, threads,
                                    concurrency=args.concurrency or 8, progress=progress)
    # Alembic logs its plugins at INFO on import: noise between the progress lines.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from chatkit_todo.replay.drivers import in_process_driver

    async with in_process_driver(max_input_chars=settings.max_input_chars,
                                 worker=args.worker) as driver:
        return await replay_all(driver, threads,
                                concurrency=args.concurrency or 1, progress=progress)


def run_replay(settings: Settings, args: argparse.Namespace, *, out: TextIO = sys.stdout,
               err: TextIO = sys.stderr) -> int:
    """Replay the files; print the report; 0 only when every turn matched (or --update)."""
    from core.replay.format import schema_text

    if args.print_schema:
        out.write(schema_text())
        return 0
    if args.update and args.url:
        err.write("replay: --update records in-process results only (a deployment's clock "
                  "is not frozen)\n")
        return 2
    if not args.files:
        err.write("replay: give at least one FILE\n")
        return 2
    try:
        files = [load_file(path) for path in args.files]
    except (OSError, ReplayFormatError) as error:
        err.write(f"replay: {error}\n")
        return 2
    selected = [(replay.path, thread) for replay in files for thread in replay.threads
                if not args.thread or thread.thread_id in args.thread]
    seen: dict[str, Path] = {}
    for path, thread in selected:
        if thread.thread_id in seen:
            err.write(f"replay: thread id {thread.thread_id!r} appears in {seen[thread.thread_id]}"
                      f" and {path}: thread ids must be unique in a run\n")
            return 2
        seen[thread.thread_id] = path
    progress = ProgressBar(len(selected), err, enabled=not args.quiet)
    started = time.perf_counter()
    if not args.url and args.worker == "inline" and (args.concurrency or 1) > 1:
        # Alembic logs its plugins at INFO on import: noise between the progress lines.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        from chatkit_todo.replay.parallel import replay_in_processes

        outcomes = replay_in_processes(selected, processes=args.concurrency,
                                       max_input_chars=settings.max_input_chars,
                                       progress=progress)
    else:
        outcomes = asyncio.run(_replay(settings, args, selected, progress))
    elapsed = time.perf_counter() - started
    out.write(render_report(outcomes, elapsed_s=elapsed, timings=not args.no_timings))
    if args.junit:
        write_junit(outcomes, args.junit, timings=not args.no_timings)
    if args.update:
        out.write(update_files(files, outcomes))
        return 0
    return 0 if all(outcome.passed for outcome in outcomes) else 1


def update_files(files: list[ReplayFile], outcomes: list[ThreadOutcome]) -> str:
    """Rewrite expectations of the replayed threads; returns a line per changed file."""
    by_key = {(outcome.file, outcome.thread.thread_id): outcome for outcome in outcomes}
    lines = []
    for replay in files:
        threads = []
        changed = 0
        for thread in replay.threads:
            outcome = by_key.get((replay.path, thread.thread_id))
            # A thread the harness could not replay keeps its expectations.
            if outcome is None or outcome.passed or outcome.crashed:
                threads.append(thread)
                continue
            threads.append(outcome.updated())
            changed += 1
        if changed:
            replay.replace_threads(threads)
            replay.save()
            lines.append(f"updated {replay.path}: {changed} thread(s) rewritten\n")
    return "".join(lines) or "updated nothing: every expectation already matched\n"
