"""Typed values passed between the pipeline stages (understand → resolve → act → render).

Every stage is a plain function over these structs, so each can be tested alone and the
clock / time zone are always passed in, never read deep inside.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import msgspec

from store.tasks import Priority, TaskFilter


class Intent(str, enum.Enum):
    """What the person wants done."""

    ADD = "add"
    LIST = "list"
    COMPLETE = "complete"
    REOPEN = "reopen"
    DELETE = "delete"
    UPDATE = "update"
    CLEAR_COMPLETED = "clear_completed"
    DELETE_ALL = "delete_all"
    UNDO = "undo"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    SUMMARY = "summary"  # "how am i doing?": counts of open, overdue, due today, done
    CLARIFY = "clarify"  # ask back instead of acting: too vague, or not sure enough
    DISMISS = "dismiss"  # "never mind": drop the pending question
    UNKNOWN = "unknown"




class TaskDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A task to create, as parsed from the text.

    `due` is an ISO 8601 date ("2026-11-27") or a date-time with offset
    ("2026-11-27T17:00:00+01:00") in the user's time zone; `recurrence` an RRULE string
    ("FREQ=WEEKLY;BYDAY=MO").
    """

    title: str
    due: str | None = None
    priority: Priority | None = None
    tags: tuple[str, ...] = ()
    recurrence: str | None = None


class TaskRef(msgspec.Struct, frozen=True, kw_only=True):
    """How the text points at an existing task.

    Exactly one of the fields is meaningful: `position` (1-based, in the last list shown
    in the thread: "the second one", "#2"), `title` (free text to match fuzzily against
    task titles), or `pronoun` ("it", "that one": the task last mentioned).
    """

    position: int | None = None
    title: str | None = None
    pronoun: bool = False
    # Set only by widget actions, which name the task exactly (never by parsed text).
    task_id: str | None = None


class TaskChanges(msgspec.Struct, frozen=True, kw_only=True):
    """Field changes for an update. None means "leave as is"."""

    title: str | None = None
    due: str | None = None
    clear_due: bool = False
    priority: Priority | None = None
    clear_priority: bool = False
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    recurrence: str | None = None
    clear_recurrence: bool = False


class PendingQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """A question the agent asked and waits on ("What should I remind you about?").

    The thread remembers it; the next message fills `slot` ("title") of `draft`, which
    keeps what was understood already (due, tags, ...). "never mind" drops it.
    """

    intent: Intent = Intent.ADD
    slot: Literal["title"] = "title"
    draft: TaskDraft | None = None


class Mention(msgspec.Struct, frozen=True, kw_only=True):
    """A statement that names a task by its things, not its title ("the faucet doesn't drip
    anymore, fixed it" / "fix leaky faucet"): the resolver matches `refs` (the clause that
    says it, then the whole message when that clause only points back: "so scratch that")
    against the open tasks when the reading's own references find nothing.

    `kind` is how it was said: "deed" (the user did it: "returned the jacket"), "state"
    (a thing's state: "tuition payment went through", "tank's full"; `state` is the state
    word when only some verbs make it), "event" (something happened to the thing: "the
    bank sorted it out"; `state` is the verb, which must be the task's deed or a generic
    one), "cancel" ("never mind the massage"), "fixed" (a problem that ended: "garage
    door works now"), "named" (a command's own reference, matched loosely: "take the
    plant watering off" / "water plants") or "told" (news told plainly, the weakest: only
    when no other mention names a task, and only by the task's head noun: "IT renewed the
    software license for us").
    """

    kind: str
    refs: tuple[str, ...]
    state: str = ""
    intent: Intent = Intent.COMPLETE  # DELETE for "cancel"


class Understanding(msgspec.Struct, frozen=True, kw_only=True):
    """The output of the understand stage: an intent and its entities.

    - ADD: `drafts` holds one or more tasks.
    - LIST: `filter`.
    - COMPLETE / REOPEN / DELETE: `refs` (one or more references).
    - UPDATE: `refs` (usually one) and `changes`.
    - CLARIFY: `question` to ask, and `pending` for the thread to remember.
    - the others carry nothing.

    `confidence` (0-1) and `rule` (the frame or rule that produced it) say how it was
    read; the understander asks (CLARIFY) rather than act below its threshold.
    `mentions` are looser readings of a statement (one per clause that says something is
    done), tried in order only when `refs` name no task (or, beside talk or a bare add,
    before acting on it): one acts only when it names one task.
    """

    intent: Intent
    drafts: tuple[TaskDraft, ...] = ()
    refs: tuple[TaskRef, ...] = ()
    filter: TaskFilter | None = None
    changes: TaskChanges | None = None
    confidence: float = 1.0
    rule: str = ""
    question: str | None = None
    pending: PendingQuestion | None = None
    mentions: tuple[Mention, ...] = ()


class MemoryView(Protocol):
    """What an understander may read of the thread's memory."""

    @property
    def pending(self) -> PendingQuestion | None: ...


class Understander(Protocol):
    """The understand stage: one message (and the thread's pending question) → meaning.

    Pure: no I/O and no clock reads (`now` is the turn's aware clock, `tz` the user's
    zone). The default is `agents.nlu.understand`; another (an LLM) plugs in here.
    """

    def __call__(
        self, text: str, *, now: dt.datetime, tz: ZoneInfo, memory: MemoryView | None = None
    ) -> Understanding: ...


class Resolution(msgspec.Struct, kw_only=True):
    """The resolve stage's output: the understanding plus the tasks it points at.

    `targets` are task ids, in the order referenced. When a reference could not be
    resolved safely, `missing` names it (with `suggestions`: closest titles), or
    `ambiguous` lists the candidate task ids to ask about. The act stage changes nothing
    unless every reference resolved.
    """

    understanding: Understanding
    targets: list[str] = []
    missing: list[str] = []
    suggestions: list[str] = []
    ambiguous: list[str] = []


OutcomeKind = Literal[
    "added",
    "listed",
    "completed",
    "reopened",
    "deleted",
    "updated",
    "cleared",
    "not_found",
    "ambiguous",
    "help",
    "greeting",
    "thanks",
    "unknown",
    "nothing_to_do",
    "confirm",  # a bulk deletion waits for Confirm
    "cancelled",
    "undone",
    "nothing_to_undo",
    "stale",  # a button whose moment has passed (already confirmed, cancelled or undone)
    "summary",  # counts of the user's tasks
    "clarify",  # a question back: too vague to act on
    "dismissed",  # "never mind"
]


class Outcome(msgspec.Struct, kw_only=True):
    """The act stage's output: what happened, with the affected tasks in the task shape."""

    kind: OutcomeKind
    tasks: list[dict[str, Any]] = []
    heading: str | None = None
    message: str | None = None
    names: list[str] = []
    # The undo log entry of the change this outcome made (None: nothing to undo).
    change_id: str | None = None
    # A second line for confirmations, e.g. the next occurrence of a recurring task.
    detail: str | None = None
    # Listing: `tasks` is one page starting at `offset` of `total`; `next_cursor` pages on.
    total: int = 0
    offset: int = 0
    next_cursor: str | None = None
    # Confirm: the pending bulk operation ("clear_completed" | "delete_all") and its id.
    operation: str | None = None
    confirmation_id: str | None = None
    # Summary: how many tasks are open, overdue, due today, completed.
    counts: dict[str, int] = {}
    # Ambiguous: what to do with the chosen candidate (intent value, TaskChanges builtins).
    intent: str | None = None
    changes: dict[str, Any] | None = None


class TurnResult(msgspec.Struct, kw_only=True):
    """What a turn produces: a short plain-text answer and widget trees (plain dicts)."""

    text: str
    widgets: list[dict[str, Any]]
    # For an action: the widget id (the card clicked) these trees replace in place.
    replaces: str | None = None
