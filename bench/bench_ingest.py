"""Ingest: `POST /api/chatkit/respond` throughput and latency, beside a bare Litestar baseline.

One API process (pinned to core 0) against the machine's PostgreSQL and Redis; the load
generator in its own process on core 1. The baselines run under the same ASGI server with
the same process count and pinning: bare Litestar (`bench/bare_app.py`: no work at all) and
the durable-write floor (`bench/floor_app.py`: one committed asyncpg INSERT of a turn-sized
row per request; `ingest_floor_ratio` = product req/s / floor req/s). The ASGI server was chosen by
measurement: each candidate serves both apps at concurrency 64, twice, in the order
A B C then C B A (so drift in the machine's load over the run hits all alike), and is
judged by the product's server CPU per request (requests/s is printed too). The headline
figures are measured on the server the product ships (`stack.PRODUCT_SERVER`, what
`chatkit-todo api` runs); the comparison says whether that is still the right choice.

    python bench/bench_ingest.py [--quick] [--json] [--repeats]

`--repeats` measures only the product with every user's request repeating one
`Idempotency-Key` (a client retrying): the answer comes from the rate limiter's memo.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import stack

MESSAGE = "add buy milk tomorrow p2 #home"


def write_requests(users: int, directory: Path, *, prefix: str = "ingest",
                   keyed: bool = False) -> Path:
    """One token per user, each user on its own thread, in the loadgen's template file.

    `keyed`: each user's request carries one `Idempotency-Key`, so every request after a
    user's first is a repeat (answered with the first turn's id, storing nothing)."""
    user_ids = [f"bench_{prefix}_{i}" for i in range(users)]
    tokens = stack.mint_tokens(user_ids)
    requests = [
        {
            "method": "POST",
            "path": "/api/chatkit/respond",
            "headers": {"Authorization": f"Bearer {token}",
                        **({"Idempotency-Key": f"key-{user}"} if keyed else {})},
            "body": {"thread_id": f"t_{user}", "input": MESSAGE},
        }
        for user, token in zip(user_ids, tokens, strict=True)
    ]
    path = directory / f"{prefix}-requests.json"
    path.write_text(json.dumps({"requests": requests}))
    return path


def measure(
    base: str, requests: Path, concurrency: int, duration: float, engine: str = "raw"
) -> dict[str, Any]:
    return stack.run_loadgen(
        [
            "--base",
            base,
            "--requests",
            str(requests),
            "--mode",
            "closed",
            "--concurrency",
            str(concurrency),
            "--duration",
            str(duration),
            "--warmup",
            "1",
            "--engine",
            engine,
        ]
    )


def serve_and_measure(
    server: str,
    app: str,
    env: dict[str, str],
    requests: Path,
    concurrencies: list[int],
    duration: float,
    engine: str = "raw",
) -> dict[int, dict[str, Any]]:
    factory = True
    proc, base = stack.start_server(
        f"{server}-{app.split(':')[0]}",
        server,
        app,
        factory=factory,
        workers=1,
        env=env,
        cpus=stack.pin(stack.SERVER_CPUS),
    )
    try:
        results = {}
        for c in concurrencies:
            before = stack.cpu_seconds(proc.pids())
            results[c] = measure(base, requests, c, duration, engine)
            used = stack.cpu_seconds(proc.pids()) - before
            results[c]["server_cpu_share"] = used / (results[c]["duration_s"] + 1.0)
            # CPU per request holds on a busy machine where requests/s does not: the
            # server's CPU seconds over every request it answered (warm-up included).
            answered = results[c]["requests"] + results[c].get("warmup_requests", 0)
            results[c]["server_cpu_ms_per_request"] = 1000 * used / max(1, answered)
        return results
    finally:
        proc.stop()


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def run(*, quick: bool = False, servers: list[str] | None = None) -> dict[str, Any]:
    """Compare servers, then measure product and baseline at 1/16/64 on the shipped one.

    Quick: concurrency 1 and 64, 2 s each, no comparison.
    """
    duration = 2.0 if quick else 8.0
    compare_duration = 5.0
    candidates = servers or ([stack.PRODUCT_SERVER] if quick else list(stack.SERVERS))
    concurrencies = [1, 64] if quick else [1, 16, 64]
    out: dict[str, Any] = {"server_comparison": {}, "ingest": {}}
    with tempfile.TemporaryDirectory() as tmp, stack.bench_database() as db_url, \
            stack.bench_queue() as queue:
        requests = write_requests(2000, Path(tmp))
        env = stack.product_env(db_url, queue)
        comparison: dict[str, dict[str, Any]] = {}
        if len(candidates) > 1:
            samples: dict[str, dict[str, list[float]]] = {
                server: {} for server in candidates}
            for server in [*candidates, *reversed(candidates)]:
                for label, app in (("product", "api.app:create_app"),
                                   ("bare", "bench.bare_app:create_bare_app")):
                    result = serve_and_measure(server, app, env, requests, [64],
                                               compare_duration)[64]
                    for key in ("rps", "p99_ms", "server_cpu_ms_per_request", "errors"):
                        samples[server].setdefault(f"{label}_{key}", []).append(
                            float(result[key]))
            for server, values in samples.items():
                comparison[server] = {
                    key.replace("server_cpu_ms_per_request", "cpu_ms_per_request"):
                    _mean(items) for key, items in values.items()}
            # The load generator's own ceiling: the same bare run driven by httpx.
            out["loadgen_httpx_bare_rps"] = serve_and_measure(
                candidates[0], "bench.bare_app:create_bare_app", env, requests, [64],
                compare_duration, engine="httpx")[64]["rps"]
            out["cheapest_server"] = min(
                comparison, key=lambda name: comparison[name]["product_cpu_ms_per_request"])
        out["server_comparison"] = comparison
        chosen = stack.PRODUCT_SERVER if stack.PRODUCT_SERVER in candidates else candidates[0]
        out["server"] = chosen
        products = serve_and_measure(chosen, "api.app:create_app", env, requests,
                                     concurrencies, duration)
        bares = serve_and_measure(chosen, "bench.bare_app:create_bare_app", env, requests,
                                  concurrencies, duration)
        # The durable-write floor: one committed INSERT per request, same server and core.
        floors = serve_and_measure(chosen, "bench.floor_app:create_floor_app", env, requests,
                                   concurrencies, duration)
        out["queued_kicks"] = stack.queue_length(queue)
    for c in concurrencies:
        out["ingest"][str(c)] = {
            "product": _brief(products[c]), "bare": _brief(bares[c]),
            "floor": _brief(floors[c]),
            "ratio": stack.ratio(products[c]["rps"], bares[c]["rps"]),
            "floor_ratio": stack.ratio(products[c]["rps"], floors[c]["rps"]),
            "cpu_ratio": stack.ratio(bares[c]["server_cpu_ms_per_request"],
                                     products[c]["server_cpu_ms_per_request"]),
        }
    top = out["ingest"]["64"]
    out["keys"] = {
        "ingest_rps": top["product"]["rps"], "ingest_p99_ms": top["product"]["p99_ms"],
        "bare_rps": top["bare"]["rps"], "ingest_ratio": top["ratio"],
        # The same ratio from CPU per request, which a busy machine disturbs much less.
        "ingest_cpu_ratio": top["cpu_ratio"],
        "ingest_cpu_ms_per_request": top["product"]["server_cpu_ms_per_request"],
        "bare_cpu_ms_per_request": top["bare"]["server_cpu_ms_per_request"],
        "ingest_floor_rps": top["floor"]["rps"], "ingest_floor_ratio": top["floor_ratio"],
        "floor_cpu_ms_per_request": top["floor"]["server_cpu_ms_per_request"],
        "floor_p99_ms": top["floor"]["p99_ms"],
    }
    return out


def run_repeats(*, duration: float = 8.0) -> dict[str, Any]:
    """Repeated `Idempotency-Key`s at concurrency 64: what a retried request costs the API."""
    with tempfile.TemporaryDirectory() as tmp, stack.bench_database() as db_url, \
            stack.bench_queue() as queue:
        # 200 users, each repeating its one request: after the first round every request
        # is a repeat (the per-user rate limit is lifted so it is not what is measured)
        requests = write_requests(200, Path(tmp), prefix="repeat", keyed=True)
        env = stack.product_env(db_url, queue, CHATKIT_RATE_LIMIT_PER_MINUTE="1000000")
        result = serve_and_measure(stack.PRODUCT_SERVER, "api.app:create_app", env, requests,
                                   [64], duration)[64]
    return {"repeat_rps": result["rps"], "repeat_p99_ms": result["p99_ms"],
            "repeat_cpu_ms_per_request": result["server_cpu_ms_per_request"],
            "errors": result["errors"], "statuses": result.get("statuses"),
            "error_samples": result.get("error_samples")}


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "rps",
        "p50_ms",
        "p99_ms",
        "errors",
        "loadgen_cpu_share",
        "server_cpu_share",
        "server_cpu_ms_per_request",
        "requests",
        "statuses",
        "error_samples",
    )
    return {key: result[key] for key in keep if key in result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--servers", nargs="*", choices=stack.SERVERS)
    parser.add_argument("--repeats", action="store_true",
                        help="only the product, every request a repeated Idempotency-Key")
    args = parser.parse_args()
    if args.repeats:
        result = run_repeats(duration=2.0 if args.quick else 8.0)
    else:
        result = run(quick=args.quick, servers=args.servers)
    print(json.dumps(result, indent=None if args.json else 2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
