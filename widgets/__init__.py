"""Widget trees in the ChatKit contract's schema: types, builders, validation, text and
ChatKit export. Imports nothing else of ours; docs/WIDGETS.md documents the types.
"""

from widgets.builders import (
    PAGE_SIZE,
    choose_task_card,
    confirm_card,
    error_card,
    help_card,
    message_card,
    task_list_card,
    tasks_changed_card,
)
from widgets.chatkit import to_chatkit
from widgets.schema import (
    ACTION_SPECS,
    ACTION_TYPES,
    TYPE_SPECS,
    Widget,
    action,
    buttons,
    from_builtins,
    to_builtins,
    walk,
    walk_dicts,
)
from widgets.text import to_text
from widgets.validate import WidgetError, validate

__all__ = [
    "ACTION_SPECS",
    "ACTION_TYPES",
    "PAGE_SIZE",
    "TYPE_SPECS",
    "Widget",
    "WidgetError",
    "action",
    "buttons",
    "choose_task_card",
    "confirm_card",
    "error_card",
    "from_builtins",
    "help_card",
    "message_card",
    "task_list_card",
    "tasks_changed_card",
    "to_builtins",
    "to_chatkit",
    "to_text",
    "validate",
    "walk",
    "walk_dicts",
]
