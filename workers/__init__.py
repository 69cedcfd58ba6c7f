"""Celery workers: the app, its tasks, and the embedded in-process worker."""
