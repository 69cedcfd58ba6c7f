"""The pipeline on its seams: in-memory stores (tests/fakes.py) and a scripted understander,
no database. A conversation, undo, and asking back with the pending question remembered."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from fakes import FakeOffers, FakeTaskStore

from agents import pipeline
from agents.nlu import understand
from agents.ports import TurnStores
from agents.types import Intent, MemoryView, PendingQuestion, TaskDraft, TurnResult, Understanding

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
UTC = ZoneInfo("UTC")


class Chat:
    def __init__(self, understander: Any = understand) -> None:
        self.stores = TurnStores(FakeTaskStore(), FakeOffers())
        self.memory: dict[str, Any] = {}
        self.understander = understander
        self.turns = 0

    def say(self, text: str) -> TurnResult:
        self.turns += 1
        return pipeline.run_turn(self.stores, turn_id=f"t{self.turns}", now=NOW, tz=UTC,
                                 memory=self.memory, understander=self.understander,
                                 text=text)

    def tasks(self) -> dict[str, bool]:
        return {row.title: row.completed for row in self.stores.tasks.all()}


def test_a_conversation_runs_on_in_memory_stores() -> None:
    chat = Chat()
    chat.say("add buy milk tomorrow")
    chat.say("add call mom")
    listed = chat.say("show my tasks")
    assert "buy milk" in listed.text and "call mom" in listed.text
    chat.say("complete the 2nd one")
    assert chat.tasks() == {"buy milk": False, "call mom": True}
    assert chat.say("undo").text.startswith("Undone")
    assert chat.tasks() == {"buy milk": False, "call mom": False}


class Scripted:
    """An understander that answers from a script and records the pending question seen."""

    def __init__(self, *answers: Understanding) -> None:
        self.answers = list(answers)
        self.seen: list[PendingQuestion | None] = []

    def __call__(self, text: str, *, now: dt.datetime, tz: ZoneInfo,
                 memory: MemoryView | None = None) -> Understanding:
        self.seen.append(memory.pending if memory is not None else None)
        return self.answers.pop(0)


ASK = Understanding(
    intent=Intent.CLARIFY, question="What should I remind you about?",
    pending=PendingQuestion(intent=Intent.ADD, draft=TaskDraft(title="", due="2026-11-27")))


def test_asking_back_changes_nothing_and_remembers_the_question_for_one_turn() -> None:
    script = Scripted(ASK, Understanding(intent=Intent.ADD, drafts=(
        TaskDraft(title="call the vet", due="2026-11-27"),)), Understanding(intent=Intent.LIST))
    chat = Chat(script)
    asked = chat.say("remind me tomorrow")
    assert asked.text == "What should I remind you about?" and chat.tasks() == {}
    chat.say("call the vet")
    chat.say("show my tasks")
    # The answer saw the question; the message after it did not.
    assert script.seen == [None, ASK.pending, None]
    assert chat.tasks() == {"call the vet": False}


def test_never_mind_drops_the_question() -> None:
    script = Scripted(ASK, Understanding(intent=Intent.DISMISS), Understanding(intent=Intent.HELP))
    chat = Chat(script)
    chat.say("set a reminder")
    assert chat.say("never mind").text == "OK, never mind."
    chat.say("help")
    assert script.seen == [None, ASK.pending, None] and chat.tasks() == {}


def test_a_summary_counts_open_overdue_due_today_and_done_and_changes_nothing() -> None:
    chat = Chat()
    chat.stores.tasks.add(title="pay rent", now=NOW, due="2026-11-25")  # yesterday
    chat.say("add call mom today")
    chat.say("add buy milk, water plants")
    chat.say("complete buy milk")
    before = chat.tasks()
    answer = chat.say("how am i doing?")
    assert answer.text == "You have 3 open tasks, 1 overdue, 1 due today; 1 done."
    assert chat.tasks() == before
