"""The frame-based understander (agents.nlu): carrier frames, spoken times, asking back, the
pending question, caps, confidence and rule names. One example per phrasing family; the
sentences are written here (none is copied from a blind set)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agents import run_turn
from agents.nlu import CONFIDENCE_THRESHOLD, MAX_DRAFTS, MAX_REFS, understand
from agents.nlu import understander as nlu_understander
from agents.nlu.frames import ADD_FRAMES, REMINDER_FRAMES, match
from agents.nlu.templates import TemplateError, compile_template, first_words
from agents.types import (
    Intent,
    PendingQuestion,
    TaskDraft,
    TaskFilter,
    TaskRef,
    Understander,
    Understanding,
)
from store import Database
from store.tasks import TaskRepository

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday


@dataclass(frozen=True)
class Memory:
    pending: PendingQuestion | None = None


def u(text: str, memory: Memory | None = None) -> Understanding:
    return understand(text, now=NOW, tz=UTC, memory=memory)


def draft(text: str) -> TaskDraft:
    got = u(text)
    assert got.intent is Intent.ADD and len(got.drafts) == 1, got
    return got.drafts[0]


def test_it_is_an_understander() -> None:
    understander: Understander = understand
    assert understander("add milk", now=NOW, tz=UTC).intent is Intent.ADD


# ---------------------------------------------------------------- issue 12, by item


@pytest.mark.parametrize(
    ("text", "title", "tags"),
    [
        ("put the compost on my list of things to do", "compost", ()),
        ("add light bulbs to the list of stuff i have to buy", "light bulbs", ()),
        ("add flour to my grocery list", "flour", ("grocery",)),
        ("stick paper plates on the party list", "paper plates", ("party",)),
        ("add pay the gas bill to my home to do list", "pay the gas bill", ("home",)),
        ("groceries: rice", "rice", ("grocery",)),
    ],
)
def test_destination_phrases_leave_the_title_and_name_a_tag(
    text: str, title: str, tags: tuple[str, ...]
) -> None:
    d = draft(text)
    assert (d.title, d.tags) == (title, tags)


def test_a_named_list_in_a_question_is_a_tag_filter() -> None:
    assert u("what's on my camping list").filter == TaskFilter(tag="camping")
    assert u("show my to do list").filter == TaskFilter()


@pytest.mark.parametrize(
    "text",
    [
        "set a reminder for me to renew the car tax",
        "i need a reminder to renew the car tax",
        "help me remember to renew the car tax",
        "tell me later to renew the car tax",
        "send me a reminder to renew the car tax",
        "set my calendar to remind me to renew the car tax",
        "set a reminder that i have to renew the car tax",
        "don't forget to tell me to renew the car tax",
        "make sure i renew the car tax",
        "note to self: renew the car tax",
    ],
)
def test_reminder_frames_leave_only_the_task(text: str) -> None:
    assert draft(text).title == "renew the car tax"


@pytest.mark.parametrize(
    "text",
    [
        # round 14: labels said as phrases, hesitations, a wish settled by a request
        "something to add: renew the car tax",
        "to add - renew the car tax",
        "one more thing for my list, renew the car tax",
        "to do: renew the car tax",
        "add a reminder um renew the car tax",
        "we need a reminder to renew the car tax",
        "could you remember for me to renew the car tax",
        "i want to renew the car tax every year, put that down please",
        # round 15: a list said first with a comma, remember for me, a wish with "get
        # around to"
        "add to my list, renew the car tax",
        "remember for me: renew the car tax",
        "i'd really love to get round to renew the car tax, can you add that",
        # round 16: more labels, slang, a condition said first, a wish without "i"
        "lemme add one: renew the car tax",
        "wanna add something: renew the car tax",
        "can ya chuck 'renew the car tax' on me list",
        "put renew the car tax on my jobs",
        "next time i'm in town i need to renew the car tax",
        "should really renew the car tax, add that",
        "dictating: remind me to renew the car tax",
        "i keep forgetting to renew the car tax... remind me",
        # round 17: a list said as "my todo", stick it on a day
        "put renew the car tax on my todo",
        # round 18: the list said first with "please", something to remember, a desire
        # with "really"
        "on the list please: renew the car tax",
        "something to remember, renew the car tax",
        "i should really renew the car tax",
        # round 19: a wish said as "would be good to", a command after a remark
        "would be good to renew the car tax, pop it on the list",
        "ugh money money money, add renew the car tax",
    ],
)
def test_more_carriers_leave_only_the_task(text: str) -> None:
    assert draft(text).title == "renew the car tax"


def test_a_day_s_list_is_the_day_not_a_tag() -> None:
    d = draft("put renew the car tax on tomorrow's list")
    assert (d.title, d.due, d.tags) == ("renew the car tax", "2026-11-27", ())
    d = draft("put renew the car tax on my work list")
    assert (d.title, d.tags) == ("renew the car tax", ("work",))


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("tomorrow at nine ring the garage", "ring the garage", "2026-11-27T09:00:00+00:00"),
        ("friday first thing at eight ring the garage", "ring the garage",
         "2026-11-27T08:00:00+00:00"),
        ("remind me at half six to ring the garage", "ring the garage",
         "2026-11-26T18:30:00+00:00"),
        ("ring the garage tomorrow at 10 am sharp", "ring the garage",
         "2026-11-27T10:00:00+00:00"),
        ("remind me to water the ferns while she's away", "water the ferns", None),
        ("remind me to get the boiler looked at", "get the boiler looked at", None),
        ("ring the garage, remind me", "ring the garage", None),
        ("i always forget to ring the garage the night before, remind me at 7pm",
         "ring the garage", "2026-11-26T19:00:00+00:00"),
    ],
)
def test_times_and_remarks_round_16(text: str, title: str, due: str | None) -> None:
    d = draft(text)
    assert (d.title, d.due) == (title, due)


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("put dentist check up in for tuesday", "dentist check up", "2026-12-01"),
        ("pencil the plumber in for friday at 2", "plumber", "2026-11-27T14:00:00+00:00"),
        ("abeg remind me to buy fuel on monday", "buy fuel", "2026-11-30"),
        ("remind me to ring nan on sunday arvo", "ring nan", "2026-11-29T15:00:00+00:00"),
        ("remind me tomorrow at 7:30 to walk the dog", "walk the dog",
         "2026-11-27T07:30:00+00:00"),
        ("add drinks with sam friday at half seven", "drinks with sam",
         "2026-11-27T19:30:00+00:00"),
        ("hiya can u add ring the council at 11am on monday", "ring the council",
         "2026-11-30T11:00:00+00:00"),
        ("ayy add get plantains", "get plantains", None),
        ("hey can you add an item, get the cat wormed", "get the cat wormed", None),
        ("kindly add pay water bill, due tomorrow itself", "pay water bill", "2026-11-27"),
        ("add ask the agent about the mould lah", "ask the agent about the mould", None),
        ("please add pay the zakat on friday inshallah", "pay the zakat", "2026-11-27"),
        ("remind us tae phone the garage the morra", "phone the garage", "2026-11-27"),
        ("put feed the hens for tonight 9pm", "feed the hens", "2026-11-26T21:00:00+00:00"),
        ("put renew the tv licence down for saturday", "renew the tv licence", "2026-11-28"),
        ("remind me bout the car insurance in 3 days", "car insurance", "2026-11-29"),
        ("remind me to ring mum tomorrow mornin", "ring mum", "2026-11-27T09:00:00+00:00"),
        ("add fish n chips for friday", "fish and chips", "2026-11-27"),
        ("need to collect the suit on saturday at 2pm dont let me forget", "collect the suit",
         "2026-11-28T14:00:00+00:00"),
        ("set a reminder for half 6 tonight to put the spuds in", "put the spuds in",
         "2026-11-26T18:30:00+00:00"),
        ("mate add grab some ice on saturday", "grab some ice", "2026-11-28"),
        ("remind me to feed the lambs tomorrow morning like 7am", "feed the lambs",
         "2026-11-27T07:00:00+00:00"),
    ],
)
def test_put_in_for_a_day_slang_and_the_half_of_the_day(text: str, title: str,
                                                       due: str | None) -> None:  # fmt: skip
    d = draft(text)
    assert (d.title, d.due) == (title, due)


def test_a_day_s_thing_keeps_its_day_in_the_title() -> None:
    d = draft("remind me at eight tonight to print tomorrow's handouts")
    assert (d.title, d.due) == ("print tomorrow's handouts", "2026-11-26T20:00:00+00:00")
    assert draft("um add like, renew the car tax").title == "renew the car tax"
    assert [x.title for x in u("add things i like, books and tea").drafts] == [
        "things i like", "books", "tea"]


def test_a_quarter_said_with_its_article() -> None:
    d = draft("remind me to renew the car tax friday at a quarter past three pm")
    assert (d.title, d.due) == ("renew the car tax", "2026-11-27T15:15:00+00:00")


def test_a_when_said_before_the_task_is_the_task_s() -> None:
    d = draft("remind me at ten tomorrow, call the garage")
    assert (d.title, d.due) == ("call the garage", "2026-11-27T10:00:00+00:00")
    d = draft("reminder for friday, dentist check-up")
    assert (d.title, d.due) == ("dentist check-up", "2026-11-27")


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("remind me to feed the fish at seven thirty pm", "2026-11-26T19:30:00+00:00"),
        ("remind me to feed the fish at six pm", "2026-11-26T18:00:00+00:00"),
        ("remind me to feed the fish at half past six", "2026-11-26T18:30:00+00:00"),
        ("remind me to feed the fish at quarter to nine", "2026-11-27T08:45:00+00:00"),
        ("remind me to feed the fish this afternoon at five", "2026-11-26T17:00:00+00:00"),
        ("remind me to feed the fish at ten in the morning", "2026-11-27T10:00:00+00:00"),
        ("remind me to feed the fish at six in the morning", "2026-11-27T06:00:00+00:00"),
        ("remind me to feed the fish in twenty minutes", "2026-11-26T10:20:00+00:00"),
        ("remind me to feed the fish on march fifth", "2027-03-05"),
        ("remind me to feed the fish on the twenty first", "2026-12-21"),
        ("remind me to feed the fish on christmas eve", "2026-12-24"),
        ("remind me to feed the fish in an hour and a half", "2026-11-26T11:30:00+00:00"),
    ],
)
def test_times_said_in_words(text: str, due: str) -> None:
    d = draft(text)
    assert (d.title, d.due) == ("feed the fish", due)


def test_rules_said_in_words() -> None:
    d = draft("remind me to water the ferns on the fifteenth of every month")
    assert (d.title, d.recurrence) == ("water the ferns", "FREQ=MONTHLY;BYMONTHDAY=15")
    d = draft("staff meeting every 2nd tuesday of the month")
    assert d.recurrence == "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"
    assert d.due == "2026-12-08"


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("remind me tonight to wash the car at eight pm", "2026-11-26T20:00:00+00:00"),
        ("set a reminder up next month to wash the car", "2026-12-01"),
        ("remind me on saturday at nine to wash the car", "2026-11-28T09:00:00+00:00"),
        ("every sunday at 10 remind me to wash the car", "2026-11-29T10:00:00+00:00"),
        ("remind me when i get back to wash the car", None),
    ],
)
def test_a_time_phrase_between_frame_and_task(text: str, due: str | None) -> None:
    d = draft(text)
    assert (d.title, d.due) == ("wash the car", due)


@pytest.mark.parametrize(
    ("text", "question", "due"),
    [
        ("remind me to do something", "What should I remind you about?", None),
        ("add something to my list", "What should I add?", None),
        ("add this to the list", "What should I add?", None),
        ("i need to make a reminder", "What should I remind you about?", None),
        ("set a reminder", "What should I remind you about?", None),
        ("remind me tomorrow at 3pm", "What should I remind you about?",
         "2026-11-27T15:00:00+00:00"),
        ("add a task", "What should I add?", None),
        ("i want to start a new list", "What should I add?", None),
        ("put it on the shopping list", "What should I add to your shopping list?", None),
    ],
)  # fmt: skip
def test_vague_requests_ask_and_keep_what_was_understood(
    text: str, question: str, due: str | None
) -> None:
    got = u(text)
    assert got.intent is Intent.CLARIFY
    assert got.question == question
    assert got.pending is not None and got.pending.draft is not None
    assert (got.pending.intent, got.pending.slot) == (Intent.ADD, "title")
    assert (got.pending.draft.title, got.pending.draft.due) == ("", due)
    assert got.rule.startswith("clarify.")


@pytest.mark.parametrize(
    "text",
    ["i want to know my reminders", "i'd like to hear what's on my list",
     "remind me what's on my list", "can i see my to do list"],
)  # fmt: skip
def test_wishes_to_see_the_list_are_queries(text: str) -> None:
    assert u(text).intent is Intent.LIST


@pytest.mark.parametrize(
    "text",
    ["i'd like to know your name", "i want to hear a joke", "remind me how to boil an egg",
     "set an alarm for 6 am", "set a timer for ten minutes", "turn the heating up at 6pm",
     "my brother is visiting next week", "the film starts at 8", "i had pasta for lunch today",
     "i have a cold today", "i'll be late tomorrow"],
)  # fmt: skip
def test_questions_and_remarks_never_become_tasks(text: str) -> None:
    assert u(text).intent not in (Intent.ADD, Intent.DELETE, Intent.COMPLETE, Intent.UPDATE)


@pytest.mark.parametrize(
    ("text", "intent", "title"),
    [
        ("i want to remove pears from list", Intent.DELETE, "pears"),
        ("the roof is fixed so take fix the roof off the list", Intent.DELETE, "fix the roof"),
        ("on my to dos remove wax the car", Intent.DELETE, "wax the car"),
        ("cross out butter from the shopping list", Intent.COMPLETE, "butter"),
        ("delete rice from groceries", Intent.DELETE, "rice"),
        ("remove jam from my list, i already bought it", Intent.DELETE, "jam"),
        ("i already paid the phone bill so you can delete that", Intent.DELETE,
         "pay the phone bill"),
        ("i don't need the ladder anymore, take it off", Intent.DELETE, "ladder"),
        ("i returned the drill", Intent.COMPLETE, "return the drill"),
        ("we bought the paint", Intent.COMPLETE, "paint"),
        ("the windows are clean now", Intent.COMPLETE, "windows"),
        ("finished sanding the deck", Intent.COMPLETE, "sand the deck"),
    ],
)  # fmt: skip
def test_removes_find_the_task_inside_the_sentence(text: str, intent: Intent, title: str) -> None:
    got = u(text)
    assert (got.intent, got.refs) == (intent, (TaskRef(title=title),))


@pytest.mark.parametrize(
    ("text", "title"),
    [("add item 3", "item 3"), ("add chapter 4 reading", "chapter 4 reading"),
     ("add step 2 of the recipe", "step 2 of the recipe")],
)  # fmt: skip
def test_numbers_inside_titles_stay(text: str, title: str) -> None:
    assert draft(text).title == title


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("pay rent on the first monday of next month", "pay rent", "2026-12-07"),
        ("call the bank in a week and a half", "call the bank", "2026-12-06"),
        ("book the venue on the last friday in january", "book the venue", "2027-01-29"),
        # not understood: the whole phrase stays in the title, never half of it
        ("add plan the launch on the first monday of the quarter",
         "plan the launch on the first monday of the quarter", None),
    ],
)  # fmt: skip
def test_date_phrases_are_read_whole_or_left_whole(text: str, title: str, due: str | None
                                                    ) -> None:  # fmt: skip
    d = draft(text)
    assert (d.title, d.due) == (title, due)


# ---------------------------------------------------------------- the pending question


def _asked() -> PendingQuestion:
    got = u("remind me tomorrow at 3pm")
    assert got.pending is not None
    return got.pending


def test_the_next_message_fills_the_pending_title() -> None:
    got = u("call the vet", Memory(_asked()))
    assert got.intent is Intent.ADD
    assert got.drafts == (TaskDraft(title="call the vet", due="2026-11-27T15:00:00+00:00"),)
    assert got.rule == "pending.answer"


def test_an_answer_with_its_own_time_keeps_it() -> None:
    got = u("to call the vet at 4pm", Memory(_asked()))
    assert got.drafts[0].title == "call the vet"
    assert got.drafts[0].due == "2026-11-26T16:00:00+00:00"


@pytest.mark.parametrize("text", ["never mind", "forget it", "cancel", "nvm!"])
def test_never_mind_drops_the_question(text: str) -> None:
    assert u(text, Memory(_asked())).intent is Intent.DISMISS
    assert u(text).intent is not Intent.DISMISS  # nothing to dismiss without a question


def test_another_command_is_understood_as_itself() -> None:
    memory = Memory(_asked())
    assert u("show my list", memory).intent is Intent.LIST
    assert u("what time is it?", memory).intent is Intent.UNKNOWN
    assert u("thanks", memory).intent is Intent.THANKS


def test_a_vague_answer_asks_again_and_keeps_the_time() -> None:
    got = u("something", Memory(_asked()))
    assert got.intent is not Intent.ADD
    again = u("add something", Memory(_asked()))
    assert again.intent is Intent.CLARIFY
    assert again.pending is not None and again.pending.draft is not None
    assert again.pending.draft.due == "2026-11-27T15:00:00+00:00"


# ---------------------------------------------------------------- confidence, rules, caps


@pytest.mark.parametrize(
    "text",
    ["add milk", "remind me to call mom", "show my tasks", "delete 2", "hi", "xyzzy", "",
     "i picked up the parcel", "remind me", "dentist friday 3pm"],
)  # fmt: skip
def test_every_result_names_its_rule_and_confidence(text: str) -> None:
    got = u(text)
    assert got.rule
    assert 0.0 <= got.confidence <= 1.0


def test_confidence_orders_readings() -> None:
    assert u("add call mom").confidence > u("i need to call mom").confidence
    assert u("i need to call mom").confidence > u("i picked up the cake").confidence
    assert u("i picked up the cake").confidence >= CONFIDENCE_THRESHOLD


def test_below_the_threshold_an_add_asks_instead() -> None:
    # Two different times and no command: the first would win, but that is a guess. Ask.
    got = u("gym friday at 6 or at 7")
    assert got.intent is Intent.CLARIFY
    assert got.confidence < CONFIDENCE_THRESHOLD
    assert got.pending is not None and got.pending.draft is not None
    assert got.pending.draft.due is not None


def test_at_most_one_past_fifty_tasks_and_targets_are_read() -> None:
    # One past the cap tells the pipeline's turn budget there were more (it adds the first
    # 50 and says so, or refuses); nothing after that is parsed.
    many = u("add " + ", ".join(f"item {i}" for i in range(300)))
    assert many.intent is Intent.ADD
    assert len(many.drafts) == MAX_DRAFTS + 1 == 51
    assert many.drafts[-1].title == "item 50"
    assert many.confidence < u("add item 1, item 2").confidence
    refs = u("complete " + ", ".join(str(i) for i in range(1, 120)))
    assert len(refs.refs) == MAX_REFS + 1 == 51


def test_the_whole_accepted_message_is_read() -> None:
    text = "add water the plants " + "very " * 760 + "#garden"
    assert len(text) > 3800
    assert draft(text).tags == ("garden",)


def test_a_rule_bug_degrades_to_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(nlu_understander, "RULES", (("broken", broken),))
    got = u("add milk")
    assert (got.intent, got.rule) == (Intent.UNKNOWN, "error")


# ---------------------------------------------------------------- templates


def test_a_template_compiles_to_an_anchored_pattern_with_its_slots() -> None:
    rx = compile_template("{verb} [me|us] (to|that) {task}", {"verb": "(?:remind)"}, {})
    m = rx.fullmatch("remind me to call mom")
    assert m is not None and m["task"] == "call mom"
    assert rx.fullmatch("remind us that the vet called") is not None
    assert rx.fullmatch("please remind me to x") is None


def test_a_template_with_two_free_slots_is_refused() -> None:
    with pytest.raises(TemplateError):
        compile_template("{task} and {ref}", {}, {})
    with pytest.raises(TemplateError):
        compile_template("{nope} {task}", {}, {})


def test_frames_know_their_first_words() -> None:
    assert first_words("[please] remind me {task}", {}) == frozenset({"please", "remind"})
    assert first_words("{task} please", {}) is None
    names = [frame.name for frame, _ in match(REMINDER_FRAMES, "remind me to call mom")]
    assert names[0] == "add.remind"
    assert all(frame.pattern.pattern for frame in ADD_FRAMES)


# ---------------------------------------------------------------- through the pipeline


def test_asking_back_through_the_pipeline(database: Database) -> None:
    sessions = database.sync_sessions()
    memory: dict[str, Any] = {}

    def say(text: str, turn: str) -> str:
        with sessions() as session:
            result = run_turn(session, user_id="bo", turn_id=turn, now=NOW, tz=UTC,
                              memory=memory, text=text)  # fmt: skip
            session.commit()
        return result.text

    assert say("remind me tomorrow at 3pm", "t1") == "What should I remind you about?"
    assert say("call the vet", "t2").startswith("Added")
    assert say("add something to my grocery list", "t3").startswith("What should I add")
    assert "never mind" in say("never mind", "t4").lower()
    with sessions() as session:
        tasks = TaskRepository(session, "bo").all()
    assert [(t.title, t.due) for t in tasks] == [("call the vet", "2026-11-27T15:00:00+00:00")]


# ---------------------------------------------------------------- more phrasings


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("todo book the plumber friday", "book the plumber", "2026-11-27"),
        ("reminder water the orchids at 6", "water the orchids", "2026-11-26T18:00:00+00:00"),
        ("remind me tomorrow morning at 6:45 to stretch", "stretch", "2026-11-27T06:45:00+00:00"),
        ("remind me on tuesday the 8th to call the school", "call the school", "2026-12-08"),
        ("remind me on the 9th of next month to call the school", "call the school",
         "2026-12-09"),
        ("remind me to check the stew at 4ish", "check the stew", "2026-11-26T16:00:00+00:00"),
        ("make sure i cancel the trial on the 30th", "cancel the trial", "2026-11-30"),
    ],
)  # fmt: skip
def test_more_add_phrasings(text: str, title: str, due: str) -> None:
    d = draft(text)
    assert (d.title, d.due) == (title, due)


@pytest.mark.parametrize(
    ("text", "intent", "title"),
    [
        ("nix the dentist thing", Intent.DELETE, "dentist"),
        ("no need to order the cake anymore", Intent.DELETE, "order the cake"),
        ("the cake order isn't needed anymore", Intent.DELETE, "cake order"),
        ("get the gym off my list", Intent.DELETE, "gym"),
        ("already did the ironing", Intent.COMPLETE, "ironing"),
    ],
)  # fmt: skip
def test_more_remove_phrasings(text: str, intent: Intent, title: str) -> None:
    got = u(text)
    assert (got.intent, got.refs) == (intent, (TaskRef(title=title),))


def test_a_typed_wat_is_what() -> None:
    assert u("wat do i have to do today").intent is Intent.LIST


def test_what_is_still_to_do_is_no_reference_of_a_completion() -> None:
    got = u("posted the parcel to gran, still need to ring her tho")
    assert got.intent is Intent.COMPLETE
    assert [r.title for r in got.refs] == ["post the parcel to gran"]


def test_a_comma_after_an_article_ends_the_item() -> None:
    assert [d.title for d in u("add a, b, c").drafts] == ["a", "b", "c"]
    assert u("make me a todo").intent is Intent.CLARIFY


# ---------------------------------------------------------------- a summary (worked example)


@pytest.mark.parametrize("text", ["how am i doing", "how are we doing with our tasks",
                                  "give me a quick summary", "status report please",
                                  "show me my progress"])
def test_a_request_for_a_summary_is_the_summary_intent(text: str) -> None:
    got = u(text)
    assert got.intent is Intent.SUMMARY and got.rule.startswith("summary."), got


@pytest.mark.parametrize("text", ["how's it going", "how many tasks do i have",
                                  "add write the summary of chapter 2"])
def test_greetings_lists_and_tasks_are_not_summaries(text: str) -> None:
    assert u(text).intent is not Intent.SUMMARY


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # a voice assistant's wake word and polite wrappers
        ("ok google add oat milk to my shopping list", "oat milk"),
        ("alexa, remind me to defrost the chicken", "defrost the chicken"),
        ("hey siri add renew the parking permit", "renew the parking permit"),
        ("would you mind reminding me to text the plumber", "text the plumber"),
        ("could you possibly add buy envelopes", "buy envelopes"),
        ("would you be able to add call the school", "call the school"),
        # a typo in a carrier noun; a name one edit from one is left alone
        ("set a remidner to order printer ink", "order printer ink"),
        ("add a tsak to wipe the counters", "wipe the counters"),
        ("add a call with Lisa", "call with Lisa"),
        # a remark after the list; an adverb after "i should"
        ("add coffee filters to the grocery list we used the last one", "coffee filters"),
        ("put a rain jacket on the packing list, it's supposed to pour", "rain jacket"),
        ("i should honestly book the eye exam, can you add that", "book the eye exam"),
    ],
)  # fmt: skip
def test_wrappers_typos_and_remarks_around_an_add(text: str, title: str) -> None:
    assert draft(text).title == title
