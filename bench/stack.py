"""Shared plumbing for the benchmarks: a throwaway database, the product's processes, CPU pins.

Every benchmark builds its own stack from here so each figure and its baseline run on the
same machine, in the same minute, with the same process layout.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
PG_URL = os.environ.get("CHATKIT_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CHATKIT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
JWT_SECRET = "bench-secret-" + "x" * 40  # HS256 wants >= 32 bytes

# This machine has 2 cores. The server under test gets core 0, the load generator core 1
# (PostgreSQL and Redis are system services, left unpinned: they float on both).
SERVER_CPUS: tuple[int, ...] = (0,)
LOADGEN_CPUS: tuple[int, ...] = (1,)


def cpus_available() -> int:
    return len(os.sched_getaffinity(0))


def pin(cpus: Sequence[int]) -> tuple[int, ...]:
    """The subset of `cpus` this machine has; empty means "don't pin" (fewer cores)."""
    have = os.sched_getaffinity(0)
    chosen = tuple(c for c in cpus if c in have)
    return chosen if len(have) >= 2 else ()


# ---- numbers --------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def rounded(value: Any, digits: int = 2) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, digits)
    return value


# ---- the database and the broker ------------------------------------------------------------


def _admin_conninfo() -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def bench_database(migrate: bool = True) -> Iterator[str]:
    """A fresh PostgreSQL database `chatkit_bench_<hex>` (migrated), dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"chatkit_bench_{secrets.token_hex(5)}"
    with psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            from store.migrate import upgrade

            upgrade(url)
        yield url
    finally:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def bench_queue() -> Iterator[str]:
    """A unique Celery queue name; its Redis keys (and only those) are deleted afterwards."""
    import redis

    queue = f"chatkit_bench_{secrets.token_hex(5)}"
    try:
        yield queue
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = [queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}",
                *client.scan_iter(match=f"{queue}\x06*"),
                # rate limits, stream slots, pub/sub: everything under this run's prefix
                *client.scan_iter(match=f"chatkit:{queue}:*")]
        client.delete(*keys)
        client.close()


def queue_length(queue: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return int(client.llen(queue))
    finally:
        client.close()


def product_env(database_url: str, queue: str, **extra: str) -> dict[str, str]:
    """The environment of a production-mode API or worker process for this run."""
    env = dict(os.environ)
    env.update(
        CHATKIT_DATABASE_URL=database_url,
        CHATKIT_REDIS_URL=REDIS_URL,
        CHATKIT_JWT_SECRET=JWT_SECRET,
        CHATKIT_CELERY_QUEUE=queue,
        CHATKIT_LOG_LEVEL="WARNING",
        CHATKIT_RATE_LIMIT_PREFIX=f"chatkit:{queue}:rl:",
        # Many users are used so the bench measures throughput, not the per-user limiter;
        # the limiter's own cost (a Redis round trip) stays in the measurement.
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )
    env.update(extra)
    return env


def mint_tokens(user_ids: Sequence[str]) -> list[str]:
    from api.auth import mint_token

    return [mint_token(JWT_SECRET, user, ttl_s=6 * 3600) for user in user_ids]


# ---- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _preexec(cpus: Sequence[int]) -> Callable[[], None]:
    def run() -> None:
        os.setsid()  # own process group: stopping it stops its children too
        if cpus:
            os.sched_setaffinity(0, cpus)

    return run


@dataclass
class Proc:
    """A child process started by a benchmark, in its own process group."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    cpus: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def pids(self) -> list[int]:
        """This process and its descendants (uvicorn/celery fork children)."""
        import psutil

        try:
            root = psutil.Process(self.pid)
            return [self.pid, *(child.pid for child in root.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(5)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


LOG_DIR = Path(os.environ.get("CHATKIT_BENCH_LOG_DIR", "/tmp/chatkit-bench-logs"))


def start(
    name: str, argv: Sequence[str], env: dict[str, str] | None = None, cpus: Sequence[int] = ()
) -> Proc:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}-{secrets.token_hex(3)}.log"
    handle = open(log_path, "wb")  # noqa: SIM115 - the child owns it
    popen = subprocess.Popen(
        list(argv),
        env=env or dict(os.environ),
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        preexec_fn=_preexec(tuple(cpus)),
    )
    handle.close()
    return Proc(name, popen, log_path, tuple(cpus))


def wait_http(proc: Proc, url: str, timeout: float = 30.0) -> None:
    """Wait until `url` answers (any status) or fail with the process's log."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited early:\n{proc.tail()}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.stop()
    raise RuntimeError(f"{proc.name} did not answer {url} in {timeout}s:\n{proc.tail()}")


# ASGI servers the ingest bench compares. Each entry: argv to serve `app` (module:attr,
# `factory` when it is a factory) on a port with N processes.
SERVERS = ("uvicorn-h11-asyncio", "uvicorn-httptools-uvloop", "granian")
# What `chatkit-todo api` runs (uvicorn picks httptools and uvloop when installed), chosen
# by the comparison in docs/BENCHMARKS.md; every benchmark measures the product on it.
PRODUCT_SERVER = "uvicorn-httptools-uvloop"


def server_argv(server: str, app: str, *, factory: bool, port: int, workers: int) -> list[str]:
    py = sys.executable
    if server.startswith("uvicorn"):
        http, loop = (
            ("h11", "asyncio") if server == "uvicorn-h11-asyncio" else ("httptools", "uvloop")
        )
        return [
            py,
            "-m",
            "uvicorn",
            app,
            *(["--factory"] if factory else []),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--http",
            http,
            "--loop",
            loop,
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    if server == "granian":
        return [
            str(VENV_BIN / "granian"),
            "--interface",
            "asgi",
            app,
            *(["--factory"] if factory else []),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--log-level",
            "warning",
            "--no-ws",
        ]
    raise ValueError(f"unknown server {server!r}")


def start_server(
    name: str,
    server: str,
    app: str,
    *,
    factory: bool,
    workers: int,
    env: dict[str, str],
    cpus: Sequence[int] = (),
) -> tuple[Proc, str]:
    port = free_port()
    proc = start(
        name, server_argv(server, app, factory=factory, port=port, workers=workers), env, cpus
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(proc, base + "/health")
    return proc, base


def start_workers(
    count: int, env: dict[str, str], cpus: Sequence[int] = (), concurrency: int = 1
) -> list[Proc]:
    """`count` worker commands (`chatkit-todo worker -c concurrency`), waiting until ready.

    Readiness is a control ping addressed to each worker's own node name (other people's
    workers share this Redis), since "ready." is only logged at INFO.
    """
    from celery import Celery

    host = socket.gethostname()
    procs = []
    for i in range(count):
        node = f"bench{i}-{secrets.token_hex(3)}@{host}"
        # The argv of `chatkit-todo worker` (cli.cmd_worker), plus a node name of our own.
        proc = start(
            f"worker{i}",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers.app",
                "worker",
                "-Q",
                env["CHATKIT_CELERY_QUEUE"],
                "-c",
                str(concurrency),
                "--loglevel",
                "WARNING",
                "-n",
                node,
            ],
            env,
            cpus,
        )
        proc.extra["node"] = node
        procs.append(proc)
    control = Celery("bench-control", broker=REDIS_URL, set_as_current=False)
    waiting = {proc.extra["node"]: proc for proc in procs}
    deadline = time.monotonic() + 60
    while waiting:
        for proc in waiting.values():
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited early:\n{proc.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers not ready: {list(waiting)}")
        for reply in control.control.ping(destination=list(waiting), timeout=1.0) or []:
            for node in reply:
                waiting.pop(node, None)
    control.close()
    return procs


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds consumed so far by these processes."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def rss_mb(pids: Sequence[int]) -> dict[int, dict[str, float]]:
    """Current and peak (VmHWM) RSS of each pid, in MB."""
    out: dict[int, dict[str, float]] = {}
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        out[pid] = {
            key: int(fields[name].split()[0]) / 1024
            for key, name in (("rss", "VmRSS"), ("peak", "VmHWM"))
            if name in fields
        }
    return out


def run_loadgen(
    args: Sequence[str], cpus: Sequence[int] = LOADGEN_CPUS, timeout: float = 600
) -> dict[str, Any]:
    """Run bench/loadgen.py in its own process (pinned) and return its JSON summary."""
    argv = [sys.executable, str(BENCH / "loadgen.py"), *args]
    chosen = pin(cpus)
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        preexec_fn=(lambda: os.sched_setaffinity(0, chosen)) if chosen else None,
    )
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def machine_description() -> dict[str, Any]:
    """CPU model, cores, memory, kernel, Python and service versions, for the report."""
    import platform

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = math.nan
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    description: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(_admin_conninfo(), connect_timeout=2) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            description["postgresql"] = row[0] if row else "?"
    with contextlib.suppress(Exception):
        import redis

        description["redis"] = redis.Redis.from_url(REDIS_URL).info()["redis_version"]
    return description


def service_pids(database_url: str) -> list[int]:
    """The processes of PostgreSQL that serve this run and of Redis.

    PostgreSQL's background processes (WAL writer, checkpointer, …) plus the backends
    connected to the run's own database: other people's sessions on the shared server are
    left out. Redis is one process, shared: what others do there is counted too.
    """
    import psutil
    import psycopg
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    with psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=3) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = %s OR backend_type <> "
            "'client backend') AND pid <> pg_backend_pid()", (name,)).fetchall()]
    for proc in psutil.process_iter(["name"]):
        if (proc.info.get("name") or "").startswith("redis-server"):
            pids.append(proc.pid)
    return pids


def cpu_by_pid(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU seconds of each live pid (a snapshot for `cpu_since`)."""
    import psutil

    out: dict[int, float] = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        out[pid] = times.user + times.system
    return out


def cpu_since(before: dict[int, float], pids: Sequence[int]) -> float:
    """CPU seconds these pids used since the `before` snapshot (new pids count whole)."""
    now = cpu_by_pid(pids)
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())
