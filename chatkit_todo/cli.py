"""`chatkit-todo`: serve (all-in-one), api, worker, flower, token, migrate, sweep, replay,
export."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Sequence

from core.settings import Settings, get_settings

log = logging.getLogger("chatkit")


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    from store.migrate import upgrade

    upgrade(settings.resolved_database_url)
    print(f"database is up to date: {settings.resolved_database_url}")
    return 0


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from api.auth import mint_token

    secret = settings.resolved_jwt_secret()
    if not secret:
        print("no HS256 secret: set CHATKIT_JWT_SECRET (tokens from a JWKS issuer are minted "
              "by that issuer)", file=sys.stderr)
        return 2
    print(mint_token(secret, args.user, ttl_s=args.ttl, issuer=settings.jwt_issuer,
                     audience=settings.jwt_audience))
    return 0


def _sweep_loop(settings: Settings, stop: threading.Event) -> None:
    from store import Database
    from workers.app import process_thread, sweep_once

    database = Database(settings.resolved_database_url)
    while not stop.wait(settings.sweep_interval_seconds):
        try:
            sweep_once(database, lambda thread_id: process_thread.delay(thread_id),
                       older_than_s=settings.sweep_interval_seconds)
        except Exception:
            log.exception("sweep failed")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """API + in-process Celery worker + sweep, one process: the embedded mode."""
    import uvicorn

    from api.app import create_app
    from store import Database
    from store.migrate import upgrade
    from workers.app import app as celery_app
    from workers.embedded import EmbeddedWorker

    upgrade(settings.resolved_database_url)
    host, port = args.host or settings.host, args.port or settings.port
    stop = threading.Event()
    worker = EmbeddedWorker(celery_app, concurrency=settings.worker_concurrency,
                            queue=settings.celery_queue)
    worker.start()
    threading.Thread(target=_sweep_loop, args=(settings, stop), daemon=True,
                     name="chatkit-sweep").start()
    mode = "embedded (in-memory broker)" if settings.embedded else f"broker {settings.redis_url}"
    log.info("chatkit-todo serving on http://%s:%s — %s, database %s", host, port, mode,
             settings.resolved_database_url)
    try:
        uvicorn.run(create_app(settings, database=Database(settings.resolved_database_url)),
                    host=host, port=port, log_level=settings.log_level.lower(),
                    # Open event streams would otherwise hold Ctrl-C until clients leave.
                    timeout_graceful_shutdown=3)
    finally:
        stop.set()
        worker.stop()
    return 0


def cmd_api(settings: Settings, args: argparse.Namespace) -> int:
    """The API alone (production): workers run as separate `chatkit-todo worker` processes."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=args.host or settings.host,
                port=args.port or settings.port, workers=args.workers,
                log_level=settings.log_level.lower(), timeout_graceful_shutdown=3)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """A Celery worker (production): `celery -A workers.app worker` with our defaults."""
    from workers.app import app as celery_app

    argv = ["worker", "-Q", settings.celery_queue, "-c", str(args.concurrency
            or settings.worker_concurrency), "-E", "--loglevel", settings.log_level,
            *(["-B", "-s", args.schedule] if args.beat else []),
            *(["--without-sweep"] if args.without_sweep else []),
            *(["-n", args.name] if args.name else []), *args.extra]
    celery_app.worker_main(argv)
    return 0


def cmd_flower(settings: Settings, args: argparse.Namespace) -> int:
    """Flower against the configured broker: `celery -A workers.app flower`.

    Basic auth comes from --basic-auth or Flower's own FLOWER_BASIC_AUTH variable; without
    either, Flower serves its dashboard openly and refuses its HTTP API.
    """
    from workers.app import app as celery_app

    celery_app.start(["flower", f"--port={args.port}", f"--address={args.address}",
                      *([f"--basic-auth={args.basic_auth}"] if args.basic_auth else []),
                      *args.extra])
    return 0


def cmd_sweep(settings: Settings, args: argparse.Namespace) -> int:
    """Re-kick every thread with turns waiting longer than --older-than seconds, once."""
    from store import Database
    from workers.app import kick, sweep_once

    kicked = sweep_once(Database(settings.resolved_database_url), kick,
                        older_than_s=args.older_than)
    print(f"re-kicked {len(kicked)} thread(s)")
    return 0


def cmd_replay(settings: Settings, args: argparse.Namespace) -> int:
    """Replay threads from files and compare each turn with its expectation."""
    from chatkit_todo.replay.command import run_replay

    return run_replay(settings, args)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write a stored thread as one replay line."""
    from chatkit_todo.replay.command import run_export

    return run_export(settings, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatkit-todo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="API + in-process worker (embedded mode, no servers)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    api = sub.add_parser("api", help="the API only (production)")
    api.add_argument("--host")
    api.add_argument("--port", type=int)
    api.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    api.set_defaults(func=cmd_api)

    worker = sub.add_parser("worker", help="a Celery worker (production)")
    worker.add_argument("--concurrency", type=int)
    worker.add_argument("--beat", action="store_true",
                        help="also run celery beat (not needed for the sweep: every worker "
                             "runs its own sweep loop)")
    worker.add_argument("--name", help="node name, unique per worker on a host (w1@%%h)")
    worker.add_argument("--without-sweep", action="store_true",
                        help="do not run the sweep loop that re-kicks turns whose kick was lost")
    worker.add_argument("--schedule", default="/tmp/chatkit-beat-schedule")
    worker.add_argument("extra", nargs=argparse.REMAINDER, help="more celery worker options")
    worker.set_defaults(func=cmd_worker)

    flower = sub.add_parser("flower", help="Flower, the Celery dashboard")
    flower.add_argument("--port", type=int, default=5555)
    flower.add_argument("--address", default="127.0.0.1")
    flower.add_argument("--basic-auth", help="user:password[,user:password…]")
    flower.add_argument("extra", nargs=argparse.REMAINDER, help="more flower options")
    flower.set_defaults(func=cmd_flower)

    token = sub.add_parser("token", help="print a signed HS256 JWT for a user")
    token.add_argument("--user", required=True)
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    token.set_defaults(func=cmd_token)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)

    sweep = sub.add_parser("sweep", help="re-kick turns whose kick was lost, once")
    sweep.add_argument("--older-than", type=float, default=30.0)
    sweep.set_defaults(func=cmd_sweep)

    from chatkit_todo.replay.command import add_export_arguments, add_replay_arguments

    replay = sub.add_parser("replay", help="replay threads from files and diff the results")
    add_replay_arguments(replay)
    replay.set_defaults(func=cmd_replay)

    export = sub.add_parser("export", help="write a stored thread as one replay line")
    add_export_arguments(export)
    export.set_defaults(func=cmd_export)
    return parser


_SERVING_COMMANDS = {"serve", "api"}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    _configure_logging(settings)
    if args.command in _SERVING_COMMANDS and (problem := settings.auth_problem()):
        print(f"chatkit-todo {args.command}: {problem}", file=sys.stderr)
        return 2
    return int(args.func(settings, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
