"""Widget trees in the ChatKit contract's schema: types, builders, plain-text rendering.

Imports nothing else of ours.
"""

from widgets.builders import message_card, task_list_card, tasks_changed_card
from widgets.schema import Widget, action, to_builtins
from widgets.text import to_text

__all__ = [
    "Widget",
    "action",
    "message_card",
    "task_list_card",
    "tasks_changed_card",
    "to_builtins",
    "to_text",
]
