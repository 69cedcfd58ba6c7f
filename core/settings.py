"""One typed settings object, read from `CHATKIT_*` environment variables once.

Importable by the API and the workers without importing Litestar or Celery.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MASK = "***"
# Query parameters that carry credentials (libpq's `password`, our stream and access tokens).
SECRET_QUERY_KEYS = frozenset({"password", "stream_token", "access_token", "token"})
DATABASE_SCHEMES = ("sqlite", "postgresql")
REDIS_SCHEMES = ("redis", "rediss")


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def mask_url(url: str | None) -> str:
    """The URL with its password (and any credential in its query) replaced by `***`.

    Every URL a command prints or logs goes through here: `postgresql://app:***@db/app`.
    """
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    masked = url
    if "@" in parts.netloc:
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        shown = f"{user}:{MASK}" if has_password else (user or MASK)
        masked = masked.replace(f"//{parts.netloc}", f"//{shown}@{hostport}", 1)
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(key.lower() in SECRET_QUERY_KEYS for key, _ in pairs):
            query = urlencode([(key, MASK if key.lower() in SECRET_QUERY_KEYS else value)
                               for key, value in pairs], safe="*:/,")
            masked = masked.replace(f"?{parts.query}", f"?{query}", 1)
    return masked


def default_data_dir() -> Path:
    """Where the embedded mode keeps its state when `CHATKIT_DATA_DIR` is unset.

    The same folder whatever the current directory (`$XDG_DATA_HOME/chatkit-todo`, else
    `~/.local/share/chatkit-todo`), so `chatkit-todo token` run anywhere signs with the
    secret the running `serve` uses.
    """
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    root = Path(base) if base else Path.home() / ".local" / "share"
    return (root / "chatkit-todo").absolute()


class SettingsError(ValueError):
    """The environment holds a setting that cannot work; the message names it, never its value."""


def describe_settings_error(error: ValidationError) -> str:
    """One line per invalid setting, naming its variable; the offending value is left out
    (it may be a URL with a password or a secret)."""
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["loc"]:  # a whole-model check names its variables itself
            name = "CHATKIT_" + "_".join(str(part) for part in item["loc"]).upper()
            message = f"{name}: {message}"
        lines.append(message)
    return "; ".join(lines) or str(error)


class Settings(BaseSettings):
    """Every knob of the service. Defaults give the embedded, no-servers mode."""

    model_config = SettingsConfigDict(env_prefix="CHATKIT_", extra="ignore", frozen=True)

    # Where state lives. URLs may hold passwords: print them with `mask_url` only.
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(None, repr=False)
    redis_url: str | None = Field(None, repr=False)

    # HTTP.
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000"]
    # Proxies whose X-Forwarded-For/-Proto are believed (comma-separated addresses or `*`).
    # Unset: none, so the per-address limit sees the real peer.
    forwarded_allow_ips: str | None = None
    # A connection must send a request's headers within this long (slow-header clients).
    header_timeout_seconds: float = Field(10.0, gt=0, le=300)
    # Where OpenAI ChatKit's protocol is served (api/chatkit, docs/CHATKIT.md).
    protocol_path: str = Field("/chatkit", pattern=r"^/[A-Za-z0-9_./-]*$")

    # Authentication.
    jwt_secret: SecretStr | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithms: Annotated[list[str] | None, NoDecode] = None
    # Clock skew tolerated on exp/nbf/iat, and the least time between two JWKS fetches
    # caused by unknown `kid`s (a flood of random kids costs one fetch per interval).
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwks_refetch_interval_seconds: float = Field(default=10.0, gt=0)

    # Limits.
    rate_limit_per_minute: int = Field(100, ge=1)
    max_concurrent: int = Field(10, ge=1)
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    max_input_chars: int = Field(4000, ge=1)
    # Namespace of the rate-limit keys in Redis (tests and tenants sharing a Redis differ).
    rate_limit_prefix: str = "chatkit:rl:"
    # What one user may store: tasks (chat and REST) and threads (0: no limit).
    max_tasks_per_user: int = Field(5000, ge=0)
    max_threads_per_user: int = Field(1000, ge=0)
    # Group commit (PostgreSQL): turns arriving while the previous batch is written, plus
    # this long, are stored in one transaction (store/ingest.py).
    ingest_group_commit_ms: float = Field(1.0, ge=0, le=50)

    # Workers.
    worker_concurrency: int = Field(2, ge=1)
    # A drain's lease on its thread is short and renewed by a heartbeat while it runs, so
    # a SIGKILLed worker's thread moves again within about lease + sweep interval
    # (bench/bench_recovery.py). The heartbeat runs at most every lease / 3.
    turn_lease_seconds: float = Field(5.0, gt=0)
    lease_heartbeat_seconds: float = Field(1.5, gt=0)
    sweep_interval_seconds: float = Field(2.0, gt=0)
    # A queued turn (not a dead worker's running one) is re-kicked only after waiting this
    # long: under a backlog, kicks wait in the queue, and early re-kicks only add to it.
    sweep_queued_after_seconds: float = Field(30.0, gt=0)
    celery_queue: str = "chatkit"
    # Celery task events (what Flower shows). Unset: on when Flower is configured
    # (CHATKIT_FLOWER_BASIC_AUTH), else off: each event is a Redis publish per task state.
    task_events: bool | None = None
    # Limits on stuck work (docs/WORKERS.md). A turn still running after the soft limit
    # fails with PROCESSING_ERROR and its thread goes on; at the hard limit Celery kills
    # the pool process (the turn is retried, at most workers.processing.MAX_ATTEMPTS times).
    turn_time_limit_seconds: float = Field(30.0, gt=0)
    turn_hard_time_limit_seconds: float = Field(60.0, gt=0)
    # A pool process is replaced after this many kicks / once it holds this much memory
    # (prefork pool only; 0 = no limit).
    worker_max_tasks_per_child: int = Field(1000, ge=0)
    worker_max_memory_per_child_mb: int = Field(512, ge=0)
    # PostgreSQL cancels any statement running longer (a lock held elsewhere, a runaway
    # query); 0 = no limit. SQLite has no such setting: there it does nothing.
    statement_timeout_seconds: float = Field(10.0, ge=0)

    # Observability. `auto`: JSON lines unless stderr is a terminal.
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    # `GET /metrics` needs `Authorization: Bearer <token>` when set; with `metrics_port` it
    # is served on that port (bind `metrics_host`) instead of the API's.
    metrics_token: SecretStr | None = None
    metrics_port: int | None = Field(None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    # `chatkit-todo worker` serves its metrics (all pool processes together) on this port.
    worker_metrics_port: int | None = Field(None, ge=0, le=65535)
    # Shared by every process of one host (API workers, Celery pool) so one scrape sees all.
    metrics_dir: Path | None = None
    # Flower's `user:password[,user:password]`, passed in its environment, never its argv.
    flower_basic_auth: SecretStr | None = None
    # Traces (needs the `otel` extra): OTLP/HTTP endpoint, e.g. http://collector:4318.
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str = "chatkit-todo"

    @field_validator("database_url", "redis_url", "jwt_secret", "jwks_url", "jwt_issuer",
                     "jwt_audience", "forwarded_allow_ips", "metrics_token", "metrics_port",
                     "worker_metrics_port", "metrics_dir", "flower_basic_auth",
                     "otel_exporter_otlp_endpoint", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `FOO=` in a shell or `${FOO:-}` in compose means "not set", not "the empty string".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", "jwt_algorithms", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @model_validator(mode="after")
    def _hard_limit_after_soft(self) -> Settings:
        if self.turn_hard_time_limit_seconds <= self.turn_time_limit_seconds:
            raise ValueError("CHATKIT_TURN_HARD_TIME_LIMIT_SECONDS must be greater than "
                             "CHATKIT_TURN_TIME_LIMIT_SECONDS (the soft limit)")
        return self

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str | None) -> str | None:
        if value is not None:
            scheme = value.partition(":")[0].partition("+")[0].lower()
            if scheme not in DATABASE_SCHEMES or "://" not in value:
                raise ValueError(
                    f"unsupported database {scheme!r}: use sqlite:///path/to/file.db "
                    "or postgresql://user:password@host:5432/dbname")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and value.partition("://")[0].lower() not in REDIS_SCHEMES:
            raise ValueError("use redis://host:6379/0 (or rediss:// for TLS)")
        return value

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        # Resolved once, so every message names the folder actually used.
        return value.expanduser().absolute()

    def __repr_args__(self) -> Any:
        yield from super().__repr_args__()
        yield "database_url", mask_url(self.database_url) or None
        yield "redis_url", mask_url(self.redis_url) or None

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: in-memory broker, limits and pub/sub."""
        return not self.redis_url

    @property
    def task_events_enabled(self) -> bool:
        """Whether workers send Celery task events: the setting, else "Flower is configured"."""
        if self.task_events is not None:
            return self.task_events
        return self.flower_basic_auth is not None

    @property
    def heartbeat_seconds(self) -> float:
        """How often a drain renews its lease: the setting, at most a third of the lease."""
        return min(self.lease_heartbeat_seconds, self.turn_lease_seconds / 3)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'chatkit.db').as_posix()}"

    def resolved_jwt_secret(self) -> str | None:
        """The HS256 secret: configured, or (embedded dev mode only) a random one kept on disk.

        A JWKS-only deployment has no secret at all. In embedded mode without any auth
        configured, `serve` and `token` must agree, so the secret is generated once and
        stored in `<data_dir>/jwt-secret` (git-ignored, mode 0600).
        """
        if self.jwt_secret:
            return self.jwt_secret.get_secret_value()
        if self.dev_auth:
            return _local_dev_secret(self.data_dir)
        return None

    @property
    def dev_auth(self) -> bool:
        """True when tokens are signed with the generated local secret (no real auth set up).

        Only the embedded mode may do this: a deployment with Redis is reachable by others
        and must be given a secret or a JWKS.
        """
        return not self.jwt_secret and not self.jwks_url and self.embedded

    @property
    def has_real_auth(self) -> bool:
        """A shared secret or a JWKS is configured (anything but the generated dev secret)."""
        return bool(self.jwt_secret or self.jwks_url)

    def dev_secret_path(self) -> Path:
        """The generated development secret's file (it may not exist yet)."""
        return self.data_dir / "jwt-secret"

    def auth_problem(self) -> str | None:
        """Why the API cannot authenticate anyone with these settings, or None."""
        if self.jwt_secret or self.jwks_url or self.dev_auth:
            return None
        return ("no authentication configured: set CHATKIT_JWT_SECRET (HS256) or "
                "CHATKIT_JWKS_URL (Better Auth); the generated development secret is only used "
                "in embedded mode, without CHATKIT_REDIS_URL")


def _local_dev_secret(data_dir: Path) -> str:
    path = data_dir / "jwt-secret"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once agree on whichever file was written first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use.

    Raises `SettingsError` naming each invalid variable (never its value).
    """
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe_settings_error(error)) from None
