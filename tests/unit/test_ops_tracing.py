"""Traces: one turn is one trace, from the HTTP request through the kick to the worker and
its SQL (the embedded mode: a real Celery worker in a thread, the in-memory broker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chatkit_testing import auth
from litestar.testing import AsyncTestClient

from api.app import create_app
from core.settings import Settings
from core.telemetry import setup_tracing, shutdown_tracing
from store import Database

pytest.importorskip("opentelemetry.sdk")
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)


@pytest.fixture
def exporter(settings: Settings) -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    assert setup_tracing(settings, exporter=spans)
    yield spans
    shutdown_tracing()


async def test_one_trace_from_the_request_to_the_worker_and_the_database(
        settings: Settings, database: Database, exporter: InMemorySpanExporter) -> None:
    from workers.app import Runtime
    from workers.app import app as celery_app
    from workers.embedded import EmbeddedWorker

    Runtime.install(Runtime(settings))
    try:
        with EmbeddedWorker(celery_app, concurrency=1, queue=settings.celery_queue):
            async with AsyncTestClient(create_app(settings, database=database)) as client:
                accepted = await client.post("/api/chatkit/respond", headers=auth(),
                                             json={"thread_id": "traced", "input": "add milk"})
                assert accepted.status_code == 202
                result = await client.get(accepted.headers["location"], headers=auth(),
                                          params={"wait": 20})
                assert result.json()["status"] == "completed"
    finally:
        Runtime.install(None)

    spans = exporter.get_finished_spans()
    by_name = {span.name: span for span in spans}
    request = by_name["POST /api/chatkit/respond"]
    publish = by_name["chatkit.process_thread publish"]
    process = by_name["chatkit.process_thread process"]
    turn = by_name["chatkit.turn"]
    assert publish.parent.span_id == request.context.span_id
    assert process.parent.span_id == publish.context.span_id  # carried in the kick
    assert turn.parent.span_id == process.context.span_id
    response_id = accepted.json()["response_id"]
    assert turn.attributes["chatkit.response_id"] == response_id
    assert request.attributes["chatkit.response_id"] == response_id
    trace_id = request.context.trace_id
    assert {span.context.trace_id for span in (publish, process, turn)} == {trace_id}
    # SQL under the request (storing the turn) and under the worker's turn.
    sql = [span for span in spans if span.attributes.get("db.system") == "sqlite"]
    parents = {span.parent.span_id for span in sql if span.parent is not None}
    assert request.context.span_id in parents
    assert turn.context.span_id in parents
