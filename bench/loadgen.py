"""An asyncio HTTP load generator, run as its own process (pinned to its own core).

Two shapes of load:

- closed loop: `--concurrency C` connections, each sending its next request as soon as the
  previous answer arrives, for `--duration` seconds (after `--warmup`);
- open loop: requests start at a fixed `--rate` per second whatever the server does, so
  a slow server shows up as latency and backlog rather than as a politely lower rate
  (no coordinated omission: latency is measured from the *scheduled* start).

With `--follow`, each accepted message (202 with a `response_id`) is followed until its
result is `completed` or `failed`: by long-poll (`GET …?wait=N`), or by polling every
`--poll-ms` when the server has no long-poll. The end-to-end time runs from the
scheduled POST to the moment the result is seen.

Two client engines: `raw` (a minimal HTTP/1.1 keep-alive client on asyncio streams; the
default, because it costs the load generator ~5x less CPU per request than httpx, so the
generator is not what saturates first) and `httpx` (for comparison).

Requests come from a JSON file: `{"requests": [{"method", "path", "headers", "body"}]}`,
used round-robin (the orchestrator puts one token per user in it).
Prints one JSON line of results on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (same definition as bench/stack.py; no import, own process)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


# ---- the raw HTTP/1.1 client -----------------------------------------------------------------


class RawConnection:
    """One keep-alive HTTP/1.1 connection; one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send pre-encoded request bytes; return (status, body). Reconnects once if stale."""
        for attempt in (0, 1):
            if self.writer is None:
                await self._open()
            assert self.reader is not None and self.writer is not None
            try:
                self.writer.write(raw)
                head = await self.reader.readuntil(b"\r\n\r\n")
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = -1
        chunked = close = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        reader = self.reader
        assert reader is not None
        if chunked:
            body = bytearray()
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                body += await reader.readexactly(size + 2)
                del body[-2:]
            data = bytes(body)
        elif length >= 0:
            data = await reader.readexactly(length)
        else:
            data = await reader.read()
            close = True
        if close:
            self.close()
        return status, data


def encode_request(
    host: str, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


@dataclass
class Template:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    raw: bytes = b""


Send = Callable[[Template], Awaitable[tuple[int, bytes]]]


class Client:
    """Sends templates with either engine; `pool` idle raw connections are reused."""

    def __init__(self, base: str, engine: str, max_connections: int) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.hostport = f"{self.host}:{self.port}"
        self.engine = engine
        self.idle: list[RawConnection] = []
        self.opened = 0
        self.httpx: Any = None
        if engine == "httpx":
            import httpx

            self.httpx = httpx.AsyncClient(
                base_url=base,
                timeout=60.0,
                limits=httpx.Limits(
                    max_connections=max_connections, max_keepalive_connections=max_connections
                ),
            )

    def prepare(self, template: Template) -> Template:
        template.raw = encode_request(
            self.hostport, template.method, template.path, template.headers, template.body
        )
        return template

    async def send(self, template: Template) -> tuple[int, bytes]:
        if self.httpx is not None:
            response = await self.httpx.request(
                template.method, template.path, headers=template.headers, content=template.body
            )
            return response.status_code, response.content
        conn = self.idle.pop() if self.idle else None
        if conn is None:
            conn = RawConnection(self.host, self.port)
            self.opened += 1
        try:
            result = await conn.request(template.raw or self.prepare(template).raw)
        except BaseException:
            conn.close()
            raise
        self.idle.append(conn)
        return result

    async def aclose(self) -> None:
        for conn in self.idle:
            conn.close()
        if self.httpx is not None:
            await self.httpx.aclose()


# ---- the two loops ---------------------------------------------------------------------------


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def failed(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])


async def closed_loop(
    client: Client,
    templates: list[Template],
    concurrency: int,
    duration: float,
    warmup: float,
    count: int = 0,
) -> dict[str, Any]:
    """`concurrency` connections back to back for `duration` s (or until `count` were sent)."""
    stats = Stats()
    counter = 0
    warmup_requests = 0
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration

    async def one_connection() -> None:
        nonlocal counter, warmup_requests
        while True:
            began = time.perf_counter()
            if began >= stop_at or (count and counter >= count):
                return
            template = templates[counter % len(templates)]
            counter += 1
            try:
                status, body = await client.send(template)
            except Exception as error:  # counted, the loop goes on
                if began >= measure_from:
                    stats.failed(repr(error))
                continue
            ended = time.perf_counter()
            if began < measure_from:
                warmup_requests += 1
                continue
            stats.statuses[status] += 1
            stats.latencies_ms.append((ended - began) * 1000)
            if status >= 400:
                stats.failed(f"{status} {body[:200]!r}")

    await asyncio.gather(*(one_connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - measure_from
    return summary(stats, elapsed) | {
        "mode": "closed",
        "concurrency": concurrency,
        "warmup_requests": warmup_requests,
    }


async def open_loop(
    client: Client,
    templates: list[Template],
    rate: float,
    duration: float,
    follow: str,
    wait_s: float,
    poll_ms: float,
) -> dict[str, Any]:
    """Start requests at `rate`/s; with `follow`, also time each message to its completion."""
    stats = Stats()
    e2e_ms: list[float] = []
    e2e_by_second: dict[int, list[float]] = {}
    outcomes: Counter[str] = Counter()
    follow_requests = 0
    start = time.perf_counter() + 0.05
    total = int(rate * duration)
    tasks: list[asyncio.Task[None]] = []

    async def follow_result(response_id: str, template: Template, scheduled: float) -> None:
        nonlocal follow_requests
        query = f"?wait={wait_s:g}" if follow == "longpoll" else ""
        getter = client.prepare(
            Template(
                "GET",
                f"/api/chatkit/responses/{response_id}{query}",
                {"Authorization": template.headers["Authorization"]},
                None,
            )
        )
        deadline = scheduled + 60
        while time.perf_counter() < deadline:
            follow_requests += 1
            status, body = await client.send(getter)
            if status == 200:
                state = json.loads(body).get("status")
                if state in ("completed", "failed"):
                    seen = time.perf_counter()
                    outcomes[state] += 1
                    e2e_ms.append((seen - scheduled) * 1000)
                    e2e_by_second.setdefault(int(scheduled - start), []).append(
                        (seen - scheduled) * 1000
                    )
                    return
            elif status != 404:
                stats.failed(f"follow {status} {body[:200]!r}")
                outcomes["error"] += 1
                return
            if follow == "poll":
                await asyncio.sleep(poll_ms / 1000)
        outcomes["timeout"] += 1

    async def one_request(template: Template, scheduled: float) -> None:
        try:
            status, body = await client.send(template)
        except Exception as error:
            stats.failed(repr(error))
            return
        stats.statuses[status] += 1
        stats.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
        if status >= 400:
            stats.failed(f"{status} {body[:200]!r}")
            return
        if follow != "none":
            response_id = json.loads(body).get("response_id")
            if response_id:
                await follow_result(response_id, template, scheduled)

    for index in range(total):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_request(templates[index % len(templates)], scheduled)))
    sent_for = time.perf_counter() - start
    await asyncio.gather(*tasks)
    drained = time.perf_counter() - start
    result = summary(stats, sent_for) | {
        "mode": "open",
        "rate": rate,
        "offered": total,
        "achieved_send_rate": total / sent_for,
        "drain_s": drained - sent_for,
        "connections_opened": client.opened,
    }
    if follow != "none":
        per_second = [percentile(v, 50) for _, v in sorted(e2e_by_second.items())]
        half = max(1, len(per_second) // 2)
        result |= {
            "follow": follow,
            "e2e_count": len(e2e_ms),
            "outcomes": dict(outcomes),
            "e2e_p50_ms": percentile(e2e_ms, 50),
            "e2e_p90_ms": percentile(e2e_ms, 90),
            "e2e_p99_ms": percentile(e2e_ms, 99),
            "e2e_max_ms": max(e2e_ms, default=math.nan),
            # Backlog check: median latency of the first and last halves of the run. A
            # backlog that grows shows up as a last half much slower than the first.
            "e2e_p50_first_half_ms": percentile(
                [x for s in sorted(e2e_by_second)[:half] for x in e2e_by_second[s]], 50
            ),
            "e2e_p50_last_half_ms": percentile(
                [x for s in sorted(e2e_by_second)[half:] for x in e2e_by_second[s]], 50
            ),
            "follow_requests_per_turn": follow_requests / max(1, len(e2e_ms)),
        }
    return result


def summary(stats: Stats, elapsed: float) -> dict[str, Any]:
    done = len(stats.latencies_ms)
    ok = sum(n for status, n in stats.statuses.items() if status < 400)
    return {
        "duration_s": elapsed,
        "requests": done,
        "ok": ok,
        "errors": stats.errors,
        "rps": ok / elapsed if elapsed > 0 else math.nan,
        "p50_ms": percentile(stats.latencies_ms, 50),
        "p90_ms": percentile(stats.latencies_ms, 90),
        "p99_ms": percentile(stats.latencies_ms, 99),
        "max_ms": max(stats.latencies_ms, default=math.nan),
        "statuses": {str(k): v for k, v in stats.statuses.items()},
        "error_samples": stats.error_samples,
    }


def load_templates(path: str) -> list[Template]:
    with open(path) as handle:
        spec = json.load(handle)
    templates = []
    for item in spec["requests"]:
        headers = dict(item.get("headers", {}))
        body = item.get("body")
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers.setdefault("Content-Type", "application/json")
        templates.append(Template(item.get("method", "GET"), item["path"], headers, data))
    return templates


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    templates = load_templates(args.requests)
    max_conn = args.concurrency if args.mode == "closed" else args.max_connections
    client = Client(args.base, args.engine, max_conn)
    cpu_before, wall_before = os.times(), time.perf_counter()
    for template in templates:
        client.prepare(template)
    try:
        if args.mode == "closed":
            result = await closed_loop(
                client, templates, args.concurrency, args.duration, args.warmup, args.count
            )
        else:
            result = await open_loop(
                client, templates, args.rate, args.duration, args.follow, args.wait, args.poll_ms
            )
    finally:
        await client.aclose()
    cpu_after, wall = os.times(), time.perf_counter() - wall_before
    used = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    # Share of one core the generator itself used: near 1.0 means it may be the limit.
    return result | {"engine": args.engine, "loadgen_cpu_share": used / wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="http://host:port")
    parser.add_argument("--requests", required=True, help="JSON file of request templates")
    parser.add_argument("--mode", choices=("closed", "open"), default="closed")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--count", type=int, default=0, help="closed loop: stop after N")
    parser.add_argument("--engine", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--max-connections", type=int, default=512)
    parser.add_argument("--follow", choices=("none", "longpoll", "poll"), default="none")
    parser.add_argument("--wait", type=float, default=10.0, help="long-poll seconds")
    parser.add_argument("--poll-ms", type=float, default=5.0)
    args = parser.parse_args(argv)
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(main_async(args))
    print(json.dumps(result, default=lambda o: None if isinstance(o, float) else str(o)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
