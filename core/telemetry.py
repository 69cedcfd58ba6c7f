"""Traces (optional): OpenTelemetry spans from the API through the kick to the worker and
the database, one trace per turn.

Off unless `CHATKIT_OTEL_EXPORTER_OTLP_ENDPOINT` (or the standard
`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set and the `otel`
extra is installed; then every process exports its spans over OTLP/HTTP. The API's span
context travels in the kick's message headers (W3C `traceparent`), so the worker's span is
a child of the request that stored the turn. Nothing here imports OpenTelemetry unless
tracing is switched on.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from core.settings import Settings

log = logging.getLogger("chatkit.telemetry")

__all__ = ["end_current", "inject", "setup_tracing", "shutdown_tracing", "span",
           "start_current", "tracing_enabled"]

_tracer: Any = None
_provider: Any = None
_engine_listeners: list[tuple[Any, str, Any]] = []


def otlp_endpoint(settings: Settings) -> str | None:
    """The configured OTLP/HTTP traces endpoint, or None."""
    if settings.otel_exporter_otlp_endpoint:
        return settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    explicit = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if explicit:
        return explicit
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    return base.rstrip("/") + "/v1/traces" if base else None


def tracing_enabled() -> bool:
    return _tracer is not None


def setup_tracing(settings: Settings, *, exporter: Any = None) -> bool:
    """Switch tracing on for this process when configured (or when a test passes its own
    `exporter`, e.g. the SDK's in-memory one). Returns whether it is on."""
    global _tracer, _provider
    if _tracer is not None:
        return True
    endpoint = otlp_endpoint(settings)
    if exporter is None and endpoint is None:
        return False
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError:
        log.warning("tracing is configured but OpenTelemetry is not installed: install the "
                    "`otel` extra (pip install 'chatkit-todo[otel]'); running without traces")
        return False
    provider = TracerProvider(resource=Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME") or settings.otel_service_name}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        log.info("exporting traces to %s", endpoint)
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    _provider = provider
    _tracer = provider.get_tracer("chatkit-todo")
    _trace_database()
    return True


def shutdown_tracing() -> None:
    """Flush and switch tracing off (tests; process exit)."""
    global _tracer, _provider
    from sqlalchemy import event

    for target, name, listener in _engine_listeners:
        event.remove(target, name, listener)
    _engine_listeners.clear()
    if _provider is not None:
        _provider.shutdown()
    _tracer = _provider = None


@contextlib.contextmanager
def span(name: str, *, kind: str = "internal", parent: Mapping[str, str] | None = None,
         attributes: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """A span (a no-op when tracing is off). `parent`: W3C headers carried from another
    process; `kind`: server, client, producer, consumer or internal."""
    if _tracer is None:
        yield None
        return
    from opentelemetry import trace
    from opentelemetry.propagate import extract

    context = extract(dict(parent)) if parent else None
    with _tracer.start_as_current_span(
            name, context=context, kind=getattr(trace.SpanKind, kind.upper()),
            attributes=dict(attributes or {})) as current:
        yield current


def start_current(name: str, *, kind: str = "internal",
                  parent: Mapping[str, str] | None = None,
                  attributes: Mapping[str, Any] | None = None) -> tuple[Any, Any] | None:
    """Start a span and make it current until `end_current` (for spans that begin and end in
    different callbacks, such as Celery's task signals). None when tracing is off."""
    if _tracer is None:
        return None
    from opentelemetry import context as otel_context
    from opentelemetry import trace
    from opentelemetry.propagate import extract

    started = _tracer.start_span(name, context=extract(dict(parent)) if parent else None,
                                 kind=getattr(trace.SpanKind, kind.upper()),
                                 attributes=dict(attributes or {}))
    return started, otel_context.attach(trace.set_span_in_context(started))


def end_current(handle: tuple[Any, Any] | None, *, error: bool = False) -> None:
    """End a span from `start_current` and restore the context before it."""
    if handle is None:
        return
    from opentelemetry import context as otel_context
    from opentelemetry import trace

    started, token = handle
    if error:
        started.set_status(trace.Status(trace.StatusCode.ERROR))
    started.end()
    with contextlib.suppress(Exception):  # out of order after an error: ended all the same
        otel_context.detach(token)


def inject(carrier: MutableMapping[str, Any]) -> None:
    """Add the current span's context (`traceparent`) to a message's headers."""
    if _tracer is None:
        return
    from opentelemetry.propagate import inject as otel_inject

    otel_inject(carrier)


def _trace_database() -> None:
    """One client span per SQL statement on every engine (the API's and the workers')."""
    from opentelemetry import trace
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
               executemany: bool) -> None:
        if _tracer is None or context is None:
            return
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        started = _tracer.start_span(
            operation, kind=trace.SpanKind.CLIENT,
            attributes={"db.system": conn.dialect.name, "db.statement": statement[:2000]})
        context._chatkit_span = started

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
              executemany: bool) -> None:
        started = getattr(context, "_chatkit_span", None)
        if started is not None:
            started.end()
            context._chatkit_span = None

    def failed(exception_context: Any) -> None:
        context = exception_context.execution_context
        started = getattr(context, "_chatkit_span", None)
        if started is not None:
            started.set_status(trace.Status(trace.StatusCode.ERROR))
            started.end()
            context._chatkit_span = None

    for name, listener in (("before_cursor_execute", before), ("after_cursor_execute", after),
                           ("handle_error", failed)):
        event.listen(Engine, name, listener)
        _engine_listeners.append((Engine, name, listener))
