"""`chatkit-todo`: serve (all-in-one), api, worker, flower, token, migrate, check, sweep,
replay, export.

Every command reads its settings from `CHATKIT_*` variables (see `chatkit-todo check`);
an option given on the command line wins over its variable. URLs are printed with their
password masked; secrets are never printed.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.settings import Settings, SettingsError, get_settings, mask_url

log = logging.getLogger("chatkit")

EXIT_CONFIG = 2  # the configuration cannot work (a message says which variable)
EXIT_UNAVAILABLE = 1  # a service it needs (the database) did not answer


class Refused(Exception):
    """A command refuses to run; the message says why and what to set."""

    def __init__(self, message: str, code: int = EXIT_CONFIG) -> None:
        super().__init__(message)
        self.code = code


def _configure_logging(settings: Settings) -> None:
    from core.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)


def _short_reason(error: BaseException) -> str:
    """The last line of a driver error, without the SQLAlchemy boilerplate."""
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).strip().splitlines()
             if line.strip() and not line.strip().startswith("(Background on this error")]
    return lines[0] if lines else type(original).__name__


def _database_problem(settings: Settings, error: BaseException) -> Refused:
    return Refused(f"cannot use the database {mask_url(settings.resolved_database_url)}: "
                   f"{_short_reason(error)}", EXIT_UNAVAILABLE)


def _migrate(settings: Settings) -> None:
    from sqlalchemy import exc as sa_exc

    from store.migrate import upgrade

    try:
        upgrade(settings.resolved_database_url)
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.ArgumentError,
            OSError) as error:
        raise _database_problem(settings, error) from None


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    _migrate(settings)
    print(f"database is up to date: {mask_url(settings.resolved_database_url)}")
    return 0


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    """Mint a token with the configured secret, or the running `serve`'s development secret."""
    from api.auth import MAX_USER_ID_LENGTH, mint_token

    user = args.user
    if (not user or user != user.strip() or not user.isprintable()
            or len(user) > MAX_USER_ID_LENGTH):
        raise Refused(f"--user: a user id of 1-{MAX_USER_ID_LENGTH} printable characters, "
                      "no leading or trailing space")
    if args.ttl <= 0:
        raise Refused("--ttl: seconds until the token expires, more than 0")
    if settings.jwt_secret:
        secret = settings.jwt_secret.get_secret_value()
        source = "CHATKIT_JWT_SECRET"
    elif settings.dev_auth:
        # Never create the development secret here: a token signed with a secret no server
        # uses is a 401 later, far from its cause.
        path = settings.dev_secret_path()
        if not path.exists():
            raise Refused(
                f"no development secret in {settings.data_dir} yet: start `chatkit-todo serve` "
                "first (it creates one), or point CHATKIT_DATA_DIR at the data directory the "
                "server prints, or set CHATKIT_JWT_SECRET")
        secret = settings.resolved_jwt_secret() or ""
        source = f"the development secret in {path}"
    else:
        raise Refused("no HS256 secret: set CHATKIT_JWT_SECRET (tokens from a JWKS issuer are "
                      "minted by that issuer)")
    print(mint_token(secret, args.user, ttl_s=args.ttl, issuer=settings.jwt_issuer,
                     audience=settings.jwt_audience))
    print(f"chatkit-todo token: signed with {source}", file=sys.stderr)
    return 0


def _sweep_loop(settings: Settings, stop: threading.Event) -> None:
    from store import Database
    from workers.app import process_thread, sweep_once

    database = Database(settings.resolved_database_url)
    while not stop.wait(settings.sweep_interval_seconds):
        try:
            sweep_once(database, lambda thread_id: process_thread.delay(thread_id),
                       older_than_s=settings.sweep_queued_after_seconds)
        except Exception:
            log.exception("sweep failed")


def _bind(host: str, port: int) -> Any:
    from api.edge import PortInUse, bind_socket

    try:
        return bind_socket(host, port)
    except PortInUse:
        raise Refused(f"{host}:{port} is already in use (another chatkit-todo?): stop it, or "
                      "choose another port with --port or CHATKIT_PORT") from None
    except OSError as error:
        raise Refused(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _start_metrics_server(settings: Settings, port: int) -> None:
    """Serve this command's metrics (all its processes) on their own port."""
    from core.metrics_server import start_metrics_server

    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    try:
        start_metrics_server(settings.metrics_host, port, token=token)
    except OSError as error:
        raise Refused(f"cannot serve metrics on {settings.metrics_host}:{port}: "
                      f"{error.strerror or error}") from None
    log.info("metrics on http://%s:%s/metrics%s", settings.metrics_host, port,
             " (bearer token required)" if token else "")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """API + in-process Celery worker + sweep, one process: the embedded mode."""
    from api.edge import serve_app

    host, port = args.host or settings.host, _port(args, settings)
    sock = _bind(host, port)  # before anything says "serving"
    _migrate(settings)

    from api.app import create_app
    from core.telemetry import setup_tracing
    from store import Database
    from workers.app import app as celery_app
    from workers.embedded import EmbeddedWorker

    setup_tracing(settings)
    if settings.metrics_port is not None:
        _start_metrics_server(settings, settings.metrics_port)
    stop = threading.Event()
    worker = EmbeddedWorker(celery_app, concurrency=settings.worker_concurrency,
                            queue=settings.celery_queue)
    worker.start()
    threading.Thread(target=_sweep_loop, args=(settings, stop), daemon=True,
                     name="chatkit-sweep").start()
    mode = ("embedded (in-memory broker)" if settings.embedded
            else f"broker {mask_url(settings.redis_url)}")
    auth = ("development sign-in (no CHATKIT_JWT_SECRET/CHATKIT_JWKS_URL)"
            if not settings.has_real_auth else "configured JWT auth")
    log.info("chatkit-todo serving on http://%s:%s (%s, database %s, data directory %s, %s)",
             host, sock.getsockname()[1], mode, mask_url(settings.resolved_database_url),
             settings.data_dir, auth)
    try:
        app = create_app(settings, database=Database(settings.resolved_database_url),
                         dev_auth=True, serve_metrics=settings.metrics_port is None)
        serve_app(app, settings, sock, forwarded_allow_ips=args.forwarded_allow_ips)
    finally:
        stop.set()
        _stop_quickly(worker)
    return 0


# Celery's orderly stop of the in-process worker and the interpreter's exit (joining its
# pool's threads) take seconds; Ctrl-C should not. Nothing is lost by not waiting: a turn
# still running rolls back with the process, its row stays queued and the sweep re-kicks
# it at the next start.
EMBEDDED_STOP_WAIT_S = 1.0


def _stop_quickly(worker: Any) -> None:
    stopping = threading.Thread(target=worker.stop, name="chatkit-embedded-stop", daemon=True)
    stopping.start()
    stopping.join(EMBEDDED_STOP_WAIT_S)
    from core.telemetry import shutdown_tracing

    shutdown_tracing()  # exports the spans still buffered
    log.info("stopped")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _port(args: argparse.Namespace, settings: Settings) -> int:
    return args.port if args.port is not None else settings.port


def cmd_api(settings: Settings, args: argparse.Namespace) -> int:
    """The API alone (production): workers run as separate `chatkit-todo worker` processes."""
    if not settings.has_real_auth:
        raise Refused("chatkit-todo api needs real authentication: set CHATKIT_JWT_SECRET "
                      "(HS256) or CHATKIT_JWKS_URL (Better Auth). The generated development "
                      "secret and its sign-in endpoint are for `chatkit-todo serve` only")
    from api.edge import serve_app

    host, port = args.host or settings.host, _port(args, settings)
    sock = _bind(host, port)
    if settings.metrics_port is not None:
        _start_metrics_server(settings, settings.metrics_port)
    elif not settings.metrics_token:
        log.warning("GET /metrics is open on the API's port: set CHATKIT_METRICS_TOKEN or "
                    "CHATKIT_METRICS_PORT to protect it")
    log.info("chatkit-todo api on http://%s:%s: %d process(es), database %s, broker %s",
             host, sock.getsockname()[1], args.workers,
             mask_url(settings.resolved_database_url),
             mask_url(settings.redis_url) or "in-memory (no CHATKIT_REDIS_URL)")
    serve_app("api.app:production_app", settings, sock, workers=args.workers, factory=True,
              forwarded_allow_ips=args.forwarded_allow_ips)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """A Celery worker (production): `celery -A workers.app worker` with our defaults."""
    from core.logs import uses_json
    from workers.app import app as celery_app

    port = args.metrics_port if args.metrics_port is not None else settings.worker_metrics_port
    if port is not None:
        _start_metrics_server(settings, port)
    argv = [*(["--quiet"] if uses_json(settings.log_format) else []),
            "worker", "-Q", settings.celery_queue, "-c", str(args.concurrency
            or settings.worker_concurrency),
            *(["-E"] if settings.task_events_enabled else []), "--loglevel", settings.log_level,
            *(["-B", "-s", args.schedule] if args.beat else []),
            *(["--without-sweep"] if args.without_sweep else []),
            *(["-n", args.name] if args.name else []), *args.extra]
    log.info("chatkit-todo worker: queue %s, database %s, broker %s", settings.celery_queue,
             mask_url(settings.resolved_database_url),
             mask_url(settings.redis_url) or "in-memory (no CHATKIT_REDIS_URL)")
    celery_app.worker_main(argv)
    return 0


def _flower_credentials(settings: Settings) -> str | None:
    if settings.flower_basic_auth:
        return settings.flower_basic_auth.get_secret_value()
    return os.environ.get("FLOWER_BASIC_AUTH") or None


def _flower_problem(credentials: str | None) -> str | None:
    if not credentials:
        return ("Flower needs basic auth: set CHATKIT_FLOWER_BASIC_AUTH=user:password (its "
                "dashboard can revoke tasks and stop workers; it never runs open)")
    pairs = [pair.partition(":") for pair in credentials.split(",")]
    if any(not user or not sep or not password for user, sep, password in pairs):
        return ("CHATKIT_FLOWER_BASIC_AUTH: expected user:password[,user:password] with a "
                "non-empty password")
    return None


def cmd_flower(settings: Settings, args: argparse.Namespace) -> int:
    """Flower against the configured broker: `celery -A workers.app flower`.

    Basic auth comes from CHATKIT_FLOWER_BASIC_AUTH (or Flower's FLOWER_BASIC_AUTH), handed
    to Flower in its environment: an option on the command line is visible to anyone on the
    host (`ps`).
    """
    if args.basic_auth is not None or any(
            arg.startswith(("--basic-auth", "--basic_auth")) for arg in args.extra):
        raise Refused("do not pass --basic-auth on the command line (anyone on the host sees it "
                      "in `ps`): set CHATKIT_FLOWER_BASIC_AUTH=user:password instead")
    credentials = _flower_credentials(settings)
    if problem := _flower_problem(credentials):
        raise Refused(problem)
    os.environ["FLOWER_BASIC_AUTH"] = credentials or ""
    from workers.app import app as celery_app

    celery_app.start(["flower", f"--port={args.port}", f"--address={args.address}",
                      *args.extra])
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Print the configuration (secrets masked) and exit 2 if it cannot work."""
    problems = []
    if problem := settings.auth_problem() if not args.production else (
            None if settings.has_real_auth else
            "no authentication configured: set CHATKIT_JWT_SECRET (HS256) or CHATKIT_JWKS_URL"):
        problems.append(problem)
    if args.flower and (problem := _flower_problem(_flower_credentials(settings))):
        problems.append(problem)
    rows = [
        ("data directory", str(settings.data_dir)),
        ("database", mask_url(settings.resolved_database_url)),
        ("broker", mask_url(settings.redis_url) or "in-memory (embedded)"),
        ("auth", "JWKS " + mask_url(settings.jwks_url) if settings.jwks_url else
         "HS256 (CHATKIT_JWT_SECRET)" if settings.jwt_secret else
         f"development secret in {settings.dev_secret_path()}" if settings.dev_auth else
         "none"),
        ("metrics", f"port {settings.metrics_port}" if settings.metrics_port is not None else
         "on the API port" + (" (token)" if settings.metrics_token else " (open)")),
        ("proxies believed", settings.forwarded_allow_ips or "none"),
        ("traces", "on" if _tracing_configured(settings) else "off"),
    ]
    for name, value in rows:
        print(f"{name:17} {value}")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return EXIT_CONFIG if problems else 0


def _tracing_configured(settings: Settings) -> bool:
    from core.telemetry import otlp_endpoint

    return otlp_endpoint(settings) is not None


def cmd_sweep(settings: Settings, args: argparse.Namespace) -> int:
    """Re-kick every thread with turns waiting longer than --older-than seconds, once."""
    from sqlalchemy import exc as sa_exc

    from store import Database
    from workers.app import kick, sweep_once

    try:
        kicked = sweep_once(Database(settings.resolved_database_url), kick,
                            older_than_s=args.older_than)
    except (sa_exc.OperationalError, sa_exc.InterfaceError, OSError) as error:
        raise _database_problem(settings, error) from None
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


class _Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown; descriptions kept as written."""


def _env(name: str, default: Any = None) -> str:
    shown = f"; default {default}" if default is not None else ""
    return f"(env CHATKIT_{name}{shown})"


def _add_http_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help=f"address to bind {_env('HOST', '127.0.0.1')}")
    parser.add_argument("--port", type=int, help=f"port to bind {_env('PORT', 8000)}")
    parser.add_argument("--forwarded-allow-ips", metavar="IPS",
                        help="comma-separated proxy addresses whose X-Forwarded-For/-Proto are "
                        "believed, or '*' " + _env("FORWARDED_ALLOW_IPS", "none"))
    parser.add_argument("--proxy-headers", dest="forwarded_allow_ips", action="store_const",
                        const="127.0.0.1", help="behind a proxy on this host: the same as "
                        "--forwarded-allow-ips 127.0.0.1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chatkit-todo", description=__doc__,
                                     formatter_class=_Help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=description or help,
                              formatter_class=_Help)

    serve = command("serve", "API + in-process worker (embedded mode, no servers)",
                    "The embedded mode: the API, a Celery worker and the sweep in one "
                    "process, SQLite in the data directory (CHATKIT_DATA_DIR) unless "
                    "CHATKIT_DATABASE_URL is set; development sign-in when no "
                    "CHATKIT_JWT_SECRET/CHATKIT_JWKS_URL is set.")
    _add_http_options(serve)
    serve.set_defaults(func=cmd_serve)

    api = command("api", "the API only (production; needs CHATKIT_JWT_SECRET or "
                  "CHATKIT_JWKS_URL)")
    _add_http_options(api)
    api.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    api.set_defaults(func=cmd_api)

    worker = command("worker", "a Celery worker (production)")
    worker.add_argument("--concurrency", type=int,
                        help=f"pool processes {_env('WORKER_CONCURRENCY', 2)}")
    worker.add_argument("--beat", action="store_true",
                        help="also run celery beat (not needed for the sweep: every worker "
                             "runs its own sweep loop)")
    worker.add_argument("--name", help="node name, unique per worker on a host (w1@%%h)")
    worker.add_argument("--without-sweep", action="store_true",
                        help="do not run the sweep loop that re-kicks turns whose kick was lost")
    worker.add_argument("--schedule", default="/tmp/chatkit-beat-schedule",
                        help="celery beat's schedule file (with --beat)")
    worker.add_argument("--metrics-port", type=int,
                        help="serve the worker's metrics on this port "
                        + _env("WORKER_METRICS_PORT", "off"))
    worker.add_argument("extra", nargs=argparse.REMAINDER, help="more celery worker options")
    worker.set_defaults(func=cmd_worker)

    flower = command("flower", "Flower, the Celery dashboard (basic auth from "
                     "CHATKIT_FLOWER_BASIC_AUTH)")
    flower.add_argument("--port", type=int, default=5555, help="port to bind")
    flower.add_argument("--address", default="127.0.0.1", help="address to bind")
    flower.add_argument("--basic-auth", metavar="-", help="refused: anyone on the host can "
                        "read a command line; set CHATKIT_FLOWER_BASIC_AUTH instead")
    flower.add_argument("extra", nargs=argparse.REMAINDER, help="more flower options")
    flower.set_defaults(func=cmd_flower)

    token = command("token", "print a signed HS256 JWT for a user",
                    "Sign with CHATKIT_JWT_SECRET, or else with the development secret of "
                    "the running `chatkit-todo serve` (found in the same data directory "
                    "whatever the current folder).")
    token.add_argument("--user", required=True, help="the token's user id")
    token.add_argument("--ttl", type=int, default=3600, help="seconds until it expires")
    token.set_defaults(func=cmd_token)

    migrate = command("migrate", "apply database migrations (CHATKIT_DATABASE_URL)")
    migrate.set_defaults(func=cmd_migrate)

    check = command("check", "print the configuration (secrets masked); exit 2 if it "
                    "cannot work")
    check.add_argument("--production", action="store_true",
                       help="require real authentication (as `chatkit-todo api` does)")
    check.add_argument("--flower", action="store_true",
                       help="also require Flower's credentials")
    check.set_defaults(func=cmd_check)

    sweep = command("sweep", "re-kick turns whose kick was lost, once")
    sweep.add_argument("--older-than", type=float, default=30.0, metavar="SECONDS",
                       help="only turns queued at least this long ago (the workers' loop "
                       "uses CHATKIT_SWEEP_INTERVAL_SECONDS)")
    sweep.set_defaults(func=cmd_sweep)

    from chatkit_todo.replay.command import add_export_arguments, add_replay_arguments

    replay = command("replay", "replay threads from files and diff the results")
    add_replay_arguments(replay)
    replay.set_defaults(func=cmd_replay)

    export = command("export", "write a stored thread as one replay line")
    add_export_arguments(export)
    export.set_defaults(func=cmd_export)
    return parser


# Commands whose processes (uvicorn's workers, Celery's pool) count metrics together.
_MULTIPROCESS_METRICS = {"api", "worker"}


def _prepare_metrics(settings: Settings, command: str) -> None:
    """Give this command's processes one metrics directory, before prometheus_client loads."""
    if command not in _MULTIPROCESS_METRICS or "prometheus_client" in sys.modules:
        return
    import shutil
    import tempfile

    if settings.metrics_dir is not None:
        directory = settings.metrics_dir
        directory.mkdir(parents=True, exist_ok=True)
    else:
        directory = Path(tempfile.mkdtemp(prefix=f"chatkit-metrics-{command}-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    for stale in directory.glob("*.db"):  # samples of an earlier run
        stale.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as error:
        print(f"chatkit-todo {args.command}: invalid configuration: {error}", file=sys.stderr)
        return EXIT_CONFIG
    _prepare_metrics(settings, args.command)
    _configure_logging(settings)
    if args.command == "serve" and (problem := settings.auth_problem()):
        print(f"chatkit-todo {args.command}: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return int(args.func(settings, args) or 0)
    except Refused as refusal:
        print(f"chatkit-todo {args.command}: {refusal}", file=sys.stderr)
        return refusal.code
    except Exception as error:
        if not _is_database_error(error):
            raise
        unreachable = _database_problem(settings, error)
        print(f"chatkit-todo {args.command}: {unreachable}", file=sys.stderr)
        return unreachable.code


def _is_database_error(error: BaseException) -> bool:
    """An unreachable or refusing database (the message says so; no traceback)."""
    if "sqlalchemy" not in sys.modules:
        return False
    from sqlalchemy import exc as sa_exc

    return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)


if __name__ == "__main__":
    sys.exit(main())
