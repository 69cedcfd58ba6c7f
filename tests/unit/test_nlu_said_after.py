"""What people say after the task (issue 12, sets 33-34): the carrier or the date said last
("…, remind me friday", "… can u remind me", "…, needs doing by the 4th"), a remark about
the item ("…, the big bag", "… would ya"), and news that must not be read as a deed (someone
else's own doings, a price going up, a thing falling due). End to end on task state where
the reading is about tasks. The sentences are written here (none is copied from a set)."""

from __future__ import annotations

import pytest
from nlu_testing import open_after, tasks_after, u

from agents.types import Intent
from store import Database

# the tests' clock (nlu_testing.NOW) is Thursday 2026-11-26, 10:00 UTC
FRIDAY = "2026-11-27"
MONDAY = "2026-11-30"
TOMORROW = "2026-11-27"


ADDS_1 = [
    # the carrier or the date said after the task, as an item of its own
    ("need to renew the bike lock, remind me friday", "renew the bike lock", FRIDAY),
    ("add order printer paper, needs doing by the 4th of december", "order printer paper",
     "2026-12-04"),
    ("add defrost the freezer, whenever, no rush", "defrost the freezer", None),
    ("remind me to book the vet, its 4.30pm on monday", "book the vet",
     f"{MONDAY}T16:30:00+00:00"),
    ("add renew the tv licence, must do before the end of the month", "renew the tv licence",
     "2026-11-30"),
    # … or without a comma
    ("i need to post the forms on monday can u remind me", "post the forms", MONDAY),
    ("i gotta pay the window cleaner by the 3rd can u put that in", "pay the window cleaner",
     "2026-12-03"),
    # the deadline's event is no part of the title
    ("remind me to buy batteries before the camping trip", "buy batteries", None),
    # a remark or a kiss after the list, politeness after the item
    ("put porridge oats on the grocery list, the big bag", "porridge oats", None),
    ("add kitchen roll to the shopping list pls, the cheap one", "kitchen roll", None),
    ("stick dog treats on the list would ya", "dog treats", None),
    ("hun can u add tea bags to the list x", "tea bags", None),
    ("ya add descale the kettle pls, it's been months", "descale the kettle", None),
    ("lemme add clean the gutters real quick", "clean the gutters", None),
    ("we're out of lemons again, put em on the shopping list", "lemons", None),
    ("add milk to the list, due friday", "milk", FRIDAY),
    # frames that read the wrong slot before
    ("add a reminder for me tomorrow at half past four to collect the parcel",
     "collect the parcel", f"{TOMORROW}T16:30:00+00:00"),
    ("reminder pls - water the tomatoes", "water the tomatoes", None),
    ("remind me christmas eve to wrap the presents", "wrap the presents", "2026-12-24"),
    ("put cancel the magazine trial on there before i get charged",
     "cancel the magazine trial", None),
    # about a time: the clock said wins over the meal or the "like"
    ("i wanna remember to stretch saturday morning like 8ish", "stretch",
     "2026-11-28T08:00:00+00:00"),
    ("tomorrow i gotta call the garage, remind me around lunch like 12:45", "call the garage",
     f"{TOMORROW}T12:45:00+00:00"),
    ("i want a todo for emptying the dehumidifier", "empty the dehumidifier", None),
]


def test_a_named_list_remark_keeps_the_tag() -> None:
    got = u("put porridge oats on the grocery list, the big bag")
    assert got.drafts[0].tags == ("grocery",)


def test_a_capital_x_is_still_a_task_named_x() -> None:
    assert u("uncheck X").intent is Intent.REOPEN
    assert [d.title for d in u("add X").drafts] == ["X"]


def test_my_jobs_for_today_is_a_list() -> None:
    assert u("tell me my jobs for today").intent is Intent.LIST


@pytest.mark.parametrize(("text", "seeds", "gone"), [
    # a removal said outright, whatever the reason after it
    ("scratch the toner, my boss says he's ordering a box for the office",
     ("buy printer toner", "call the bank"), "buy printer toner"),
    # someone else has it in hand
    ("sam's dropping maya at swimming tonight so i'm off the hook",
     ("take maya to swimming", "buy bread"), "take maya to swimming"),
    # "like 5 min" is about five minutes, not a liking
    ("i just submitted the essay like 5 min before the deadline",
     ("finish history essay", "buy milk"), "finish history essay"),
    # a verdict after the news, after an emoji
    ("the florist says the wreath for gran is sorted for friday 🌸 one less thing",
     ("order wreath for gran", "pay the gas bill"), "order wreath for gran"),
])
def test_news_said_with_a_reason_closes_the_task(database: Database, text: str,
                                                 seeds: tuple[str, ...], gone: str) -> None:
    left, _ = open_after(database, seeds, text)
    assert gone not in left and len(left) == len(seeds) - 1, text


TALK_1 = [
    # someone named in the task did something of their own
    ("priya scored a goal at netball today", ("pick up Priya from netball", "buy eggs")),
    # someone else's own thing
    ("my mate dev got his car serviced in a day", ("get the car serviced", "buy eggs")),
    # a price went up; a thing falls due; one more message came in
    ("the council tax went up by 5% this year", ("pay council tax", "buy eggs")),
    ("the dvds are due back on friday i think, loads of time", ("return the dvds", "buy eggs")),
    ("ben sent another text, that's three today", ("reply to Ben's text", "buy eggs")),
    # what others are doing is no deed; trouble that came back is not the fix
    ("the lawn is a jungle, the neighbours are staring", ("mow the lawn", "buy eggs")),
    ("the fox got into the bin again last night, spent an hour cleaning up",
     ("fix the bin lid", "buy eggs")),
    # remarks strung together with a time in them add nothing
    ("no power again this morning, cold tea at 6am", ("buy eggs",)),
    ("today so humid, 31 degrees at 9am", ("buy eggs",)),
    ("load shedding stage 2 tonight, so that's fun", ("buy eggs",)),
    # news told with a past verb first is never a dated add
    ("omg just booked my train home for new year, 30th dec", ("buy eggs",)),
    ("spent the whole saturday at nan's, she made a roast", ("buy eggs",)),
]


def test_the_household_s_own_haircut_still_closes_the_task(database: Database) -> None:
    left = tasks_after(database, ("get the kids' hair cut", "buy eggs"),
                       "both girls have had their hair cut")
    assert [t.title for t in left if t.completed] == ["get the kids' hair cut"]


@pytest.mark.parametrize(("text", "seeds", "done"), [
    # who came for a thing that is the task's, not the participle after it
    ("the gas cylinder guy came this morning", ("get gas cylinder refilled", "buy curd"),
     "get gas cylinder refilled"),
    ("the aircon man came already, all cleaned", ("service aircon", "pay rent"),
     "service aircon"),
    # off the phone with someone, and a call made to settle something
    ("mi just come off the phone wid cousin joy", ("call cousin Joy", "buy yam"),
     "call cousin Joy"),
    ("just called the florist, they know it's 30 guests now",
     ("confirm numbers with florist", "buy stamps"), "confirm numbers with florist"),
    ("rang my parents and they're coming friday", ("invite my parents", "buy wine"),
     "invite my parents"),
    # a reason after the news does not unsay it
    ("maya's got her new school bag, purple because she still can't decide",
     ("buy school bag for Maya", "pay rent"), "buy school bag for Maya"),
    # "like" that is "about" or a likeness
    ("submitted the grant form at like 1am", ("submit grant form", "buy milk"),
     "submit grant form"),
    ("new kettle arrived and its like magic", ("buy a new kettle", "call gran"),
     "buy a new kettle"),
    # deeds said for the task's verb
    ("essay submitted on the portal 10 mins before the deadline",
     ("upload essay to portal", "buy milk"), "upload essay to portal"),
    ("the brownies are out and cooling", ("bake brownies", "buy milk"), "bake brownies"),
    ("swapped the gas bottle at the garage", ("refill gas bottle", "buy milk"),
     "refill gas bottle"),
    ("just hit send on the quote to mr patel", ("email Mr Patel the quote", "buy milk"),
     "email Mr Patel the quote"),
    ("signed tom's trip form", ("sign permission slip for trip", "buy milk"),
     "sign permission slip for trip"),
    ("we don pay the light bill", ("pay light bill", "buy milk"), "pay light bill"),
    ("the pond pump is working again", ("fix the pond pump", "buy milk"), "fix the pond pump"),
    ("the tree is up!!", ("get a tree", "buy fairy lights"), "get a tree"),
    ("went and got my suit from the tailor", ("pick up suit", "buy socks"), "pick up suit"),
    ("the client finally paid up so no more chasing needed thank god",
     ("chase unpaid invoice from client", "renew domain"), "chase unpaid invoice from client"),
    ("the parcel for nan went off at the post office this morning",
     ("post parcel to nan", "buy milk"), "post parcel to nan"),
])
def test_news_in_other_words_closes_the_task(database: Database, text: str,
                                             seeds: tuple[str, ...], done: str) -> None:
    left = tasks_after(database, seeds, text)
    assert [t.title for t in left if t.completed] == [done], text
    assert len(left) == len(seeds), text


def test_no_need_anymore_deletes_the_thing_not_the_reason(database: Database) -> None:
    seeds = ("book dog walker", "buy treats for Bruno")
    left, _ = open_after(database, seeds,
                         "no need for the dog walker anymore my brother said he'll take bruno out")
    assert left == ["buy treats for Bruno"]


def test_milk_gone_off_is_no_deed(database: Database) -> None:
    assert open_after(database, ("buy milk",), "the milk in the fridge has gone off") == (
        ["buy milk"], 1)


ADDS_2 = [
    # a time said right after "reminder" is the reminder's, not the task's
    ("set a reminder for 8 tonight to bring the washing in", "bring the washing in",
     "2026-11-26T20:00:00+00:00"),
    ("chuck on a reminder in 3 days to repot the basil", "repot the basil", "2026-11-29"),
    ("sort me a reminder for 6am tomorrow: lunchbox in the fridge", "lunchbox in the fridge",
     "2026-11-27T06:00:00+00:00"),
    ("set a task for friday 9am: drop the keys at the agent", "drop the keys at the agent",
     "2026-11-27T09:00:00+00:00"),
    # a when said first survives a remark cut from the end
    ("in 4 days remind me to cancel the trial before it charges me", "cancel the trial",
     "2026-11-30"),
    # "note to self," and a list named with a colon
    ("note to self, renew the parking permit on friday", "renew the parking permit", FRIDAY),
    ("add to shopping: bin bags", "bin bags", None),
    # a laugh ends a clause; the remark after it is no part of the task
    ("remind me at noon to drink water lol i always forget at work", "drink water",
     "2026-11-26T12:00:00+00:00"),
    # dictated clock times
    ("ring the dentist at 9 15 tomorrow", "ring the dentist", f"{TOMORROW}T09:15:00+00:00"),
    ("swim tomorrow morning 6.45", "swim", f"{TOMORROW}T06:45:00+00:00"),
    # the particle is the verb's: "put … on", "put … out"
    ("remind me at half 5 this evening to put the oven on", "put the oven on",
     "2026-11-26T17:30:00+00:00"),
    ("put the recycling out on monday", "put the recycling out", MONDAY),
]


def test_a_daily_task_repeats() -> None:
    got = u("add a daily task to take my vitamins")
    assert [d.title for d in got.drafts] == ["take my vitamins"]
    assert "DAILY" in (got.drafts[0].recurrence or "")


NEWS_1 = [
    ("the gas guy came and serviced the boiler, all good till next year",
     ("service boiler", "buy milk"), "service boiler"),
    ("just hit submit on the bursary application", ("apply for the bursary", "buy milk"),
     "apply for the bursary"),
    ("the cab's booked for 5am", ("book taxi to the station", "buy milk"),
     "book taxi to the station"),
    ("a man from the charity came and took the couch", ("donate old sofa", "buy milk"),
     "donate old sofa"),
    ("ben's pressie is ordered, comes friday", ("order birthday present for ben", "buy milk"),
     "order birthday present for ben"),
    ("signed up for the thursday pottery class", ("enrol in pottery classes", "buy milk"),
     "enrol in pottery classes"),
    ("the van sailed through its mot", ("take van for mot", "buy milk"), "take van for mot"),
    ("dolapo paid up finally", ("chase unpaid invoice from dolapo", "buy milk"),
     "chase unpaid invoice from dolapo"),
]


def test_a_fix_told_is_not_a_thing_of_get_it_fixed(database: Database) -> None:
    # "fixed" said as the deed names nothing of "get the blinds fixed"
    assert open_after(database, ("get the blinds fixed", "buy milk"),
                      "fixed the windscreen chip") == (["buy milk", "get the blinds fixed"], 2)


TITLES_1 = [
    # the task first, then "add it" with whatever people put after it
    ("book the church hall for the party, put it on me list would ye",
     "book the church hall for the party"),
    ("i need to send the deposit to kemi before the weekend, add it abeg",
     "send the deposit to kemi"),
    ("hmm i should probably book the vet for the cat, yeah add that", "book the vet for the cat"),
    ("i keep forgetting to ring my aunt back, put it on the list so i actually do it",
     "ring my aunt back"),
    ("a new chain for the bike, put that on my list pet", "a new chain for the bike"),
    ("grab nappies on the way home, can u add that", "grab nappies"),
    ("note to self: get the mower blades sharpened. add it", "get the mower blades sharpened"),
    ("need dog food size large can you add it", "dog food size large"),
    ("we're out of rice, put em on the shopping list", "rice"),
    # a remark after the list and the item, and fillers around it
    ("chuck plasters on the shopping list eh, kids keep falling over", "plasters"),
    ("put renew my first aid cert on my list before i forget, it runs out soon",
     "renew my first aid cert"),
    ("ehh can you put coconut milk on the market list", "coconut milk"),
    ("so i need to like post the form by thursday can you put that in",
     "post the form"),
    ("add call Bayo about the catering order, thanks boss", "call Bayo about the catering order"),
    ("pls add get new pencils for the kids, they've all lost theirs",
     "get new pencils for the kids"),
    ("remind me at four twenty p m to feed the fish", "feed the fish"),
    ("set a reminder for friday at ten thirty in the morning for the optician", "optician"),
]


@pytest.mark.parametrize("text", [
    "make a new task pls, I'll tell u what later",
    "put a reminder in for me love",
])
def test_a_carrier_with_a_remark_asks(text: str) -> None:
    assert u(text).intent is Intent.CLARIFY


TALK_2 = [
    ("the car's service is booked for next week, fingers crossed it passes",
     ("car service", "buy milk")),
    ("the gas bill went up £40 this month, daylight robbery", ("pay gas bill", "buy milk")),
    ("my glasses are held together with tape at this point lol", ("buy new glasses", "buy milk")),
    ("got a puncture on the way to the wedding, what a day", ("buy eggs",)),
    ("rex is still limping, if he's no better by tomorrow i'll ring the vet", ("buy eggs",)),
    ("the landlord ask when i want to pay, i say end of month", ("buy eggs",)),
]


NEWS_2 = [
    ("CHAPTER TWO IS WITH MY SUPERVISOR I AM FREE", ("finish thesis chapter 2", "buy milk"),
     "finish thesis chapter 2"),
    ("the van passed its wof no dramas", ("book WOF for the van", "buy milk"),
     "book WOF for the van"),
    ("the drip in the bathroom tap has stopped, new washer did the trick",
     ("fix leaky faucet", "buy milk"), "fix leaky faucet"),
    ("replied to dana finally", ("text Dana back", "buy milk"), "text Dana back"),
    ("the bookcase is built, two screws left over", ("assemble bookcase", "buy milk"),
     "assemble bookcase"),
    ("apple trees cut back, arms scratched to bits", ("prune the apple trees", "buy milk"),
     "prune the apple trees"),
    ("the mower's going again, new spark plug", ("mend the mower", "buy milk"),
     "mend the mower"),
    ("called them about the position and they'll be in touch", ("call about the job",
                                                                 "buy milk"),
     "call about the job"),
]


TITLES_2 = [
    # an item and a named list, nothing else
    ("ibuprofen on the shopping list please", "ibuprofen"),
    ("sunscreen - add it to the list before i forget again", "sunscreen"),
    ("add dog shampoo to shopping", "dog shampoo"),
    ("add porridge tae the shopping list", "porridge"),
    # carriers inside the slot
    ("dont let me forget to send the quote to Mr Okafor, add it to the list",
     "send the quote to Mr Okafor"),
    ("i wish i'd stop forgetting to floss, add that to my list", "floss"),
    ("we're out of bin liners at home, add them to my shopping list", "bin liners"),
    # a condition said first, its date kept
    ("after my shift tomorrow remind me to book the mot", "book the mot"),
    ("before the school trip i need to label the lunchbox, add that pls", "label the lunchbox"),
    ("collect the parcel friday after work add pls", "collect the parcel"),
]


@pytest.mark.parametrize("text", ["milk is on the shopping list", "what's on the shopping list",
                                  "show me everything on my list", "read me whats on my todo"])
def test_an_item_on_a_list_said_is_no_add(text: str) -> None:
    assert u(text).intent is not Intent.ADD


@pytest.mark.parametrize("text", ["remind me to, um, you know",
                                  "erm put down the... ah, it's gone, I'll think of it"])
def test_a_forgotten_thing_asks(text: str) -> None:
    assert u(text).intent is Intent.CLARIFY


TALK_3 = [
    ("one of the ewes is limping, gonna watch her another day before i call anybody",
     ("call the vet about the ewes", "buy eggs")),
    ("got sunburnt at the beach, should've worn sunscreen", ("buy sunscreen", "buy eggs")),
    ("got ANOTHER parking ticket today", ("pay parking ticket", "buy eggs")),
    ("swimming lessons are booked out for next term", ("book swimming lessons", "buy eggs")),
    ("festival tickets sold out in 10 mins, fuming", ("buy tickets for the festival",
                                                      "buy eggs")),
    ("my work trousers have got a tear in the knee", ("get new work trousers", "buy eggs")),
    ("whit's the weather daein tomorrow?", ("buy eggs",)),
]


ADDS_3 = [
    ("set a reminder for 3 pm to ring the bursary", "ring the bursary",
     "2026-11-26T15:00:00+00:00"),
    ("add cat litter to the shopping list eh", "cat litter", None),
    ("oh shoot i gotta get dad a birthday card, put it down", "get dad a birthday card", None),
    ("monday, remember to hand in the essay", "hand in the essay", MONDAY),
    ("i would love if you could remind me saturday morning to fill the bird feeder",
     "fill the bird feeder", "2026-11-28T09:00:00+00:00"),
    ("friday i need to drop the library books back can u add that",
     "drop the library books back", FRIDAY),
    ("gas meter top up, add it for tomorrow please bab", "gas meter top up", TOMORROW),
    ("wei add change the car battery", "change the car battery", None),
    ("honestly i wish i could remember to water the ferns, can you put that on for me",
     "water the ferns", None),
    ("remind me to buy rice hmm like, uh, sunday", "buy rice", "2026-11-29"),
    ("add engine oil to the shop list, the 5 litre one", "engine oil", None),
    ("eggs for the pancakes, add to shopping list", "eggs for the pancakes", None),
    ("remind me to do the lotto on friday, feeling lucky", "do the lotto", FRIDAY),
    ("stick brown sauce on the shopping", "brown sauce", None),
    ("i have a dentist appointment on monday at 9, put that in", "dentist appointment",
     f"{MONDAY}T09:00:00+00:00"),
]


def test_things_i_like_keeps_its_like() -> None:
    assert [x.title for x in u("add things i like, books and tea").drafts] == [
        "things i like", "books", "tea"]


# One test per reading; the tables above were written round by round (sets 33-40).
@pytest.mark.parametrize(("text", "title", "due"), ADDS_1 + ADDS_2 + ADDS_3)
def test_the_task_without_what_was_said_around_it(text: str, title: str,
                                                  due: str | None) -> None:
    got = u(text)
    assert got.intent is Intent.ADD, (text, got.rule)
    assert [(d.title, d.due) for d in got.drafts] == [(title, due)], text


@pytest.mark.parametrize(("text", "title"), TITLES_1 + TITLES_2)
def test_the_task_said_before_its_carrier(text: str, title: str) -> None:
    got = u(text)
    assert got.intent is Intent.ADD, (text, got.rule)
    assert [d.title for d in got.drafts] == [title], text


@pytest.mark.parametrize(("text", "seeds"), TALK_1 + TALK_2 + TALK_3)
def test_talk_changes_nothing(database: Database, text: str, seeds: tuple[str, ...]) -> None:
    assert open_after(database, seeds, text) == (sorted(seeds), len(seeds)), text


@pytest.mark.parametrize(("text", "seeds", "done"), NEWS_1 + NEWS_2)
def test_more_news_in_other_words(database: Database, text: str, seeds: tuple[str, ...],
                                  done: str) -> None:
    left = tasks_after(database, seeds, text)
    assert [t.title for t in left if t.completed] == [done], text
