"""Prometheus metrics shared by the API and the workers (one registry per process group).

Every process of a command (uvicorn's workers, Celery's pool) writes its samples to a
directory (`PROMETHEUS_MULTIPROC_DIR`) and a scrape adds them up, so `GET /metrics` answers for the
whole command whichever process serves it (the CLI sets the directory up before anything
imports `prometheus_client`). In one process (tests, `chatkit-todo serve`)
the default registry is used. Gauges read at scrape time (turns by status, queue depth)
are added by the API's `/metrics` handler, not stored here.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.registry import REGISTRY, Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

__all__ = [
    "CONTENT_TYPE_LATEST",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_SECONDS",
    "KICKS_FAILED",
    "RATE_LIMITED",
    "TURNS_ACCEPTED",
    "TURNS_PROCESSED",
    "TURN_FAILURES",
    "TURN_QUEUED_TO_DONE_SECONDS",
    "TURN_RETRIES",
    "TURN_SECONDS",
    "registry",
    "render",
]

# Latencies from a millisecond to a minute (a turn waits for a worker; a long-poll holds).
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

# API.
HTTP_REQUESTS = Counter(
    "chatkit_http_requests", "HTTP requests answered, by route template and status",
    ["method", "route", "status"])
HTTP_REQUEST_SECONDS = Histogram(
    "chatkit_http_request_duration_seconds", "Time to answer an HTTP request (an event "
    "stream counts until it closes)", ["method", "route"], buckets=_SECONDS)
RATE_LIMITED = Counter(
    "chatkit_rate_limited", "Requests refused with 429, by who was limited (user or address) "
    "and which limit (window or concurrency)", ["scope", "reason"])
TURNS_ACCEPTED = Counter(
    "chatkit_turns_accepted", "Turns stored as queued by the API (messages and actions)",
    ["kind"])
KICKS_FAILED = Counter(
    "chatkit_kicks_failed", "Kicks the API could not publish (the sweep re-kicks their turns)")

# Workers.
TURNS_PROCESSED = Counter(
    "chatkit_turns_processed", "Turns a worker finished, by outcome (completed or failed)",
    ["status"])
TURN_SECONDS = Histogram(
    "chatkit_turn_duration_seconds", "Time a worker spent on one turn (running to committed)",
    buckets=_SECONDS)
TURN_QUEUED_TO_DONE_SECONDS = Histogram(
    "chatkit_turn_queued_to_completed_seconds", "From a turn being stored (queued) to its "
    "result being committed (completed or failed)", buckets=_SECONDS)
TURN_RETRIES = Counter(
    "chatkit_task_retries", "Celery task retries after a transient error (database, broker)")
TURN_FAILURES = Counter(
    "chatkit_task_failures", "Celery tasks that raised (the turn stays queued for the sweep)")


def registry() -> CollectorRegistry:
    """What a scrape reads: every process of this command, or this process alone."""
    if os.environ.get(MULTIPROC_ENV):
        collecting = CollectorRegistry()
        _multiprocess.MultiProcessCollector(collecting)
        return collecting
    return REGISTRY


def render(extra: Collector | None = None) -> bytes:
    """The Prometheus text exposition of every metric, plus `extra` (scrape-time gauges).

    Reads files in multiprocess mode: call it off the event loop.
    """
    source = registry()
    text = generate_latest(source)
    if extra is not None:
        one_off = CollectorRegistry()
        one_off.register(extra)
        text += generate_latest(one_off)
    return text
