"""One log format for every process: the API, uvicorn, Celery, Flower and the CLI.

JSON lines (one object per line: `ts`, `level`, `logger`, `event` and context) when the
output is not a terminal, coloured `key=value` lines when it is (`CHATKIT_LOG_FORMAT`
forces either). Standard-library loggers (uvicorn's, Celery's, ours) go through the same
formatter, so nothing prints in another shape.

Correlation lives in context variables: the API binds `request_id` per request and
`thread_id`, `response_id`/`action_id` and `user` (a hash of the user id) once it stores a
turn; the worker binds `task_id` and the same turn fields per task and per turn. Every log
line written meanwhile, by any logger, carries them.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars

from core.settings import mask_url

__all__ = [
    "bind_turn",
    "bind_user",
    "bound",
    "clear_context",
    "configure_logging",
    "hash_user",
    "turn_fields",
    "uses_json",
]

# Loggers that install handlers of their own (or would print in their own shape).
_FOREIGN = ("py.warnings", "uvicorn", "uvicorn.error", "uvicorn.access", "celery", "celery.task",
            "celery.worker", "celery.app.trace", "celery.redirected", "kombu", "flower",
            "tornado", "tornado.access", "tornado.application", "tornado.general", "alembic",
            "httpx")
# Chatty at INFO and useless in production logs.
_QUIET = {"httpx": logging.WARNING, "alembic": logging.WARNING,
          "uvicorn.access": logging.WARNING}


def hash_user(user_id: str) -> str:
    """A stable pseudonym for a user id in logs: the same in the API and the workers, and
    not the id itself (logs travel further than the database)."""
    return hashlib.sha256(user_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def turn_fields(turn_id: str, *, thread_id: str | None = None,
                user_id: str | None = None) -> dict[str, str]:
    """The correlation fields of a turn: `response_id` for a message, `action_id` for an
    action (the ids clients see), its thread and the hashed user."""
    key = "action_id" if turn_id.startswith("action_") else "response_id"
    fields = {key: turn_id}
    if thread_id is not None:
        fields["thread_id"] = thread_id
    if user_id is not None:
        fields["user"] = hash_user(user_id)
    return fields


def bind_turn(turn_id: str, *, thread_id: str | None = None,
              user_id: str | None = None) -> None:
    """Tag every later log line of this request or task with the turn's fields."""
    bind_contextvars(**turn_fields(turn_id, thread_id=thread_id, user_id=user_id))


def bind_user(user_id: str) -> None:
    """Tag every later log line of this request with the (hashed) user."""
    bind_contextvars(user=hash_user(user_id))


def bound() -> dict[str, Any]:
    """The correlation fields bound now (for a message header or a span)."""
    return get_contextvars()


def clear_context(**fields: Any) -> None:
    """Forget every bound field, then bind `fields` (the start of a request or a task)."""
    clear_contextvars()
    if fields:
        bind_contextvars(**fields)


def _drop_color_message(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    # uvicorn passes a coloured copy of its message in `extra`.
    event.pop("color_message", None)
    return event


def _mask_urls(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    # A last line of defence: a URL with a password anywhere in a message is masked.
    text = event.get("event")
    if isinstance(text, str) and "://" in text and "@" in text:
        event["event"] = " ".join(mask_url(word) if "://" in word else word
                                  for word in text.split(" "))
    return event


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (it may be replaced after setup)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def uses_json(fmt: str = "auto", stream: TextIO | None = None) -> bool:
    """Whether logs are JSON lines: asked for, or `auto` and not writing to a terminal."""
    return fmt == "json" or (fmt == "auto" and not _is_terminal(stream or sys.stderr))


def configure_logging(level: str = "INFO", fmt: str = "auto", *,
                      stream: TextIO | None = None,
                      levels: Mapping[str, int] | None = None) -> None:
    """Route every logger through one handler on `stream` (stderr) in one format."""
    root = logging.getLogger()
    if stream is None and any(type(h).__module__.startswith("_pytest") for h in root.handlers):
        return  # inside a test run: pytest captures the logs (a command called in process)
    stream = stream or sys.stderr
    as_json = uses_json(fmt, stream)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        _mask_urls,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
    ]
    renderer: Any
    if as_json:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
        final = [structlog.processors.dict_tracebacks, renderer]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=_is_terminal(stream))
        final = [renderer]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )
    handler: logging.Handler = (
        logging.StreamHandler(stream) if stream is not sys.stderr else _StderrHandler())
    handler.setFormatter(formatter)
    handler._chatkit = True  # type: ignore[attr-defined]
    for old in list(root.handlers):
        # Ours from an earlier call, and whatever a library put there; a test runner's
        # capturing handlers stay.
        if getattr(old, "_chatkit", False) or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # `warnings.warn` lines in the same format
    for name in _FOREIGN:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for name, quiet_level in {**_QUIET, **(levels or {})}.items():
        logging.getLogger(name).setLevel(quiet_level)
    structlog.configure(
        processors=[*shared[:2], structlog.stdlib.add_logger_name,
                    structlog.stdlib.PositionalArgumentsFormatter(),
                    structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
