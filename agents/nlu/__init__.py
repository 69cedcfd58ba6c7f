"""Temporary shim: the old parser under the new name, so the new tests can run against it."""

from agents.understand import understand

__all__ = ["understand"]
