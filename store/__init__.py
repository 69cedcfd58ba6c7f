"""Persistence: tables, engines and sessions, repositories, migrations. Imports nothing of ours."""

from store.db import Database, async_url, sync_url
from store.models import Base, Task, Thread, Turn, TurnStatus

__all__ = ["Base", "Database", "Task", "Thread", "Turn", "TurnStatus", "async_url", "sync_url"]
