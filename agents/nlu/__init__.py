"""Temporary shim while the package is built: the old parser under the new name."""

from typing import Any


def understand(*args: Any, **kwargs: Any) -> Any:
    from agents.understand import understand as old

    return old(*args, **kwargs)
