"""Focused behaviour of the understand stage (agents.nlu): what each reading means.

The rule name and confidence are checked in test_nlu_frames.py; here they are ignored.
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
import pytest

from agents.nlu import understand
from agents.types import Intent, TaskChanges, TaskDraft, TaskFilter, TaskRef, Understanding

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday


def u(text: str, tz: ZoneInfo = UTC) -> Understanding:
    """The meaning only: rule name, confidence and the loose second reading (mentions) reset."""
    got = understand(text, now=NOW, tz=tz)
    return msgspec.structs.replace(got, rule="", confidence=1.0, mentions=())


def test_add_with_every_entity() -> None:
    assert u("Buy milk tomorrow at 5pm p1 #home") == Understanding(
        intent=Intent.ADD,
        drafts=(
            TaskDraft(
                title="Buy milk", due="2026-11-27T17:00:00+00:00", priority="urgent",
                tags=("home",),
            ),
        ),
    )  # fmt: skip


def test_add_keeps_title_as_typed_and_strips_politeness() -> None:
    assert u("could you please add call the dentist on friday").drafts == (
        TaskDraft(title="call the dentist", due="2026-11-27"),
    )
    assert u("ADD Call Mom").drafts == (TaskDraft(title="Call Mom"),)


def test_list_of_tasks_splits_on_commas_but_not_on_a_lone_and() -> None:
    assert [d.title for d in u("add milk, eggs, and bread").drafts] == ["milk", "eggs", "bread"]
    assert [d.title for d in u("add call mom and dad").drafts] == ["call mom and dad"]


def test_trailing_entities_apply_to_every_item() -> None:
    drafts = u("add milk, eggs and bread #groceries").drafts
    assert [d.tags for d in drafts] == [("groceries",)] * 3


def test_tricky_negatives_are_not_entities() -> None:
    assert u("I need to buy a new date palm").drafts == (TaskDraft(title="buy a new date palm"),)
    assert u("add read 1984").drafts == (TaskDraft(title="read 1984"),)
    assert u("add watch may december").drafts == (TaskDraft(title="watch may december"),)
    assert u("add email bob@example.com").drafts == (TaskDraft(title="email bob@example.com"),)


def test_bare_message_with_an_entity_is_an_add_but_chatter_is_unknown() -> None:
    assert u("buy milk tomorrow").intent is Intent.ADD
    assert u("I love pizza").intent is Intent.UNKNOWN
    assert u("what's the weather tomorrow?").intent is not Intent.ADD


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("complete the second one", (TaskRef(position=2),)),
        ("complete #2", (TaskRef(position=2),)),
        ("complete number 2", (TaskRef(position=2),)),
        ("complete task 3", (TaskRef(position=3),)),
        ("complete the last one", (TaskRef(position=-1),)),
        ("complete it", (TaskRef(pronoun=True),)),
        ("complete that one", (TaskRef(pronoun=True),)),
        ("complete buy milk", (TaskRef(title="buy milk"),)),
        ("complete 1 and 3", (TaskRef(position=1), TaskRef(position=3))),
        ("complete 2-4", (TaskRef(position=2), TaskRef(position=3), TaskRef(position=4))),
        ("complete milk and eggs", (TaskRef(title="milk"), TaskRef(title="eggs"))),
        ("complete call mom and dad", (TaskRef(title="call mom and dad"),)),
    ],
)
def test_references(text: str, refs: tuple[TaskRef, ...]) -> None:
    got = u(text)
    assert (got.intent, got.refs) == (Intent.COMPLETE, refs)


def test_complete_reopen_delete() -> None:
    assert u("mark X as done").intent is Intent.COMPLETE
    assert u("mark X as not done").intent is Intent.REOPEN
    assert u("X is not done yet").intent is Intent.REOPEN
    assert u("uncheck X").intent is Intent.REOPEN
    assert u("get rid of X").intent is Intent.DELETE
    # A completion told as news completes the task it names (issue 12).
    assert u("I bought the milk") == Understanding(
        intent=Intent.COMPLETE, refs=(TaskRef(title="milk"),)
    )


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("rename milk to oat milk", TaskChanges(title="oat milk")),
        ("move milk to friday", TaskChanges(due="2026-11-27")),
        ("milk is due next week", TaskChanges(due="2026-11-30")),
        ("remove the date from milk", TaskChanges(clear_due=True)),
        ("make milk urgent", TaskChanges(priority="urgent")),
        ("milk is low priority", TaskChanges(priority="low")),
        ("set milk to p2", TaskChanges(priority="high")),
        ("tag milk with work", TaskChanges(add_tags=("work",))),
        ("untag milk from work", TaskChanges(remove_tags=("work",))),
        ("remove tag work from milk", TaskChanges(remove_tags=("work",))),
        ("make milk repeat every monday", TaskChanges(recurrence="FREQ=WEEKLY;BYDAY=MO")),
    ],
)
def test_updates(text: str, changes: TaskChanges) -> None:
    assert u(text) == Understanding(
        intent=Intent.UPDATE, refs=(TaskRef(title="milk"),), changes=changes
    )


@pytest.mark.parametrize(
    ("text", "flt"),
    [
        ("show me my tasks", TaskFilter()),
        ("what's due this week?", TaskFilter(due="this_week")),
        ("show completed tasks", TaskFilter(status="completed")),
        ("show all tasks", TaskFilter(status="all")),
        ("what's overdue", TaskFilter(due="overdue")),
        ("tasks with no date", TaskFilter(due="no_date")),
        ("show urgent tasks", TaskFilter(priority="urgent")),
        ("show tasks tagged work", TaskFilter(tag="work")),
        ("tasks about the report", TaskFilter(text="report")),
    ],
)
def test_list_filters(text: str, flt: TaskFilter) -> None:
    assert u(text) == Understanding(intent=Intent.LIST, filter=flt)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("clear completed", Intent.CLEAR_COMPLETED),
        ("delete finished tasks", Intent.CLEAR_COMPLETED),
        ("delete all tasks", Intent.DELETE_ALL),
        ("delete everything", Intent.DELETE_ALL),
        ("undo", Intent.UNDO),
        ("revert", Intent.UNDO),
        ("what can you do?", Intent.HELP),
        ("hello there", Intent.GREETING),
        ("good morning", Intent.GREETING),
        ("thank you", Intent.THANKS),
        ("compelte milk", Intent.COMPLETE),
        ("delet milk", Intent.DELETE),
        ("shwo my tasks", Intent.LIST),
    ],
)
def test_small_intents_and_typos(text: str, intent: Intent) -> None:
    assert u(text).intent is intent


def test_dates_use_the_users_zone() -> None:
    got = understand("add call mum tomorrow at 9am", now=NOW, tz=ZoneInfo("Asia/Kolkata"))
    assert got.drafts[0].due == "2026-11-27T09:00:00+05:30"


def test_is_pure_and_deterministic() -> None:
    first = u("add pay rent every month on the 1st #home p2")
    assert all(u("add pay rent every month on the 1st #home p2") == first for _ in range(5))


def test_never_raises_and_stays_fast_on_garbage() -> None:
    rng = random.Random(0)
    alphabet = "abcdefghijklmnopqrstuvwxyz ,.;:!?#@/-0123456789'\"\n\t\x00\x1f\x7f😀é"
    texts = ["", " ", "\x00", "😀" * 50, "a" * 4000, "add " + "milk, " * 800, "is " * 1500]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
              for _ in range(1000)]  # fmt: skip
    for text in texts:
        start = time.perf_counter()
        got = understand(text, now=NOW, tz=UTC)
        assert isinstance(got, Understanding)
        assert time.perf_counter() - start < 0.25
    assert understand(None, now=NOW, tz=UTC).intent is Intent.UNKNOWN  # type: ignore[arg-type]


def test_naive_now_is_taken_as_local() -> None:
    got = understand("add x tomorrow", now=datetime(2026, 11, 26, 10), tz=UTC)
    assert got.drafts[0].due == "2026-11-27"


@pytest.mark.parametrize(
    "text",
    ["don't mark it done", "do not delete milk", "is milk done?", "should I delete milk?",
     "I'm done", "see you tomorrow", "remove the tag from it", "complete all tasks"],
)  # fmt: skip
def test_never_guesses_a_change(text: str) -> None:
    assert u(text).intent is Intent.UNKNOWN


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # phone typing: missing apostrophes, check marks, stretched greetings
        ("its due friday", Understanding(intent=Intent.UPDATE, refs=(TaskRef(pronoun=True),),
                                         changes=TaskChanges(due="2026-11-27"))),
        ("ive done the dishes",
         Understanding(intent=Intent.COMPLETE, refs=(TaskRef(title="dishes"),))),
        ("call mom \u2705",
         Understanding(intent=Intent.COMPLETE, refs=(TaskRef(title="call mom"),))),
        ("\u2705 pay rent",
         Understanding(intent=Intent.COMPLETE, refs=(TaskRef(title="pay rent"),))),
        ("finsihed the taxes",
         Understanding(intent=Intent.COMPLETE, refs=(TaskRef(title="taxes"),))),
        ("finished the 1st and 2nd",
         Understanding(intent=Intent.COMPLETE, refs=(TaskRef(position=1), TaskRef(position=2)))),
        ("heyy", Understanding(intent=Intent.GREETING)),
        ("scratch that", Understanding(intent=Intent.UNDO)),
        ("undo that last change", Understanding(intent=Intent.UNDO)),
        # a date phrase before the command
        ("at 6pm remind me to cook dinner", Understanding(intent=Intent.ADD, drafts=(
            TaskDraft(title="cook dinner", due="2026-11-26T18:00:00+00:00"),))),
        ("i need to remember to call the bank",
         Understanding(intent=Intent.ADD, drafts=(TaskDraft(title="call the bank"),))),
        ("add the report to my to do list",
         Understanding(intent=Intent.ADD, drafts=(TaskDraft(title="report"),))),
        # chores that start like commands
        ("take out the trash every tues", Understanding(intent=Intent.ADD, drafts=(TaskDraft(
            title="take out the trash", due="2026-12-01", recurrence="FREQ=WEEKLY;BYDAY=TU"),))),
        ("take #2 off my list", Understanding(intent=Intent.DELETE, refs=(TaskRef(position=2),))),
        # statements are not tasks
        ("my flight is tomorrow", Understanding(intent=Intent.UNKNOWN)),
        ("I'm going to the gym tomorrow", Understanding(intent=Intent.UNKNOWN)),
        # a date in a delete only says which task; stored titles have no date phrase
        ("cancel the dentist tomorrow",
         Understanding(intent=Intent.DELETE, refs=(TaskRef(title="dentist"),))),
        ("remove friday's meeting",
         Understanding(intent=Intent.DELETE, refs=(TaskRef(title="friday's meeting"),))),
        ("move milk back a week", Understanding(intent=Intent.UPDATE, refs=(TaskRef(title="milk"),),
                                                changes=TaskChanges(due="2026-12-03"))),
        ("add 30 min workout tomorrow", Understanding(intent=Intent.ADD, drafts=(
            TaskDraft(title="30 min workout", due="2026-11-27"),))),  # a number is not a count
        ("set a reminder to call the vet",
         Understanding(intent=Intent.ADD, drafts=(TaskDraft(title="call the vet"),))),
        ("remind me abt the vet",
         Understanding(intent=Intent.ADD, drafts=(TaskDraft(title="vet"),))),
        ("rename call mom \u2192 call dad", Understanding(
            intent=Intent.UPDATE, refs=(TaskRef(title="call mom"),),
            changes=TaskChanges(title="call dad"))),
    ],
)  # fmt: skip
def test_informal_phrasing(text: str, want: Understanding) -> None:
    assert u(text) == want


@pytest.mark.parametrize(("text", "titles"), [
    ("I need to buy a new umbrella, mine broke", ["buy a new umbrella"]),
    ("add oat milk, we're out", ["oat milk"]),
    ("i have to call the plumber, the sink is leaking again", ["call the plumber"]),
    ("add call mom, pay rent, the car is filthy", ["call mom", "pay rent"]),
    ("add eggs, bread and milk", ["eggs", "bread", "milk"]),  # items, not remarks
])
def test_a_reason_after_a_comma_is_not_another_task(text: str, titles: list[str]) -> None:
    got = u(text)
    assert got.intent is Intent.ADD
    assert [d.title for d in got.drafts] == titles
