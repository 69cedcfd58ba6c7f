"""What people take back, hedge, mistype or only point at (issue 12, sets 41-42): a command
said again ("no actually just add X"), a weekday or "buy" mistyped, spoken times with no
"at", a day said only as "that day", a task slot that is only "yeah"/"ok", news told with a
contrast ("… but it's finally done"), and plans, hedges and let-downs that change nothing.
End to end on task state where the reading is about tasks. The sentences are written here
(none is copied from a set)."""

from __future__ import annotations

import pytest
from nlu_testing import open_after, tasks_after, u

from agents.types import Intent
from store import Database

# the tests' clock (nlu_testing.NOW) is Thursday 2026-11-26, 10:00 UTC
TOMORROW = "2026-11-27"
SATURDAY = "2026-11-28"
MONDAY = "2026-11-30"

ADDS = [
    # a command taken back and said again
    ("add rice and pasta... no actually just add pasta, there's rice left", "pasta", None),
    ("add bleach, no sorry, add washing up liquid", "washing up liquid", None),
    # typos of a weekday, of "buy", and "jus"
    ("remind me to by a new charger on saturdy", "buy a new charger", SATURDAY),
    ("remind me to ring the garage on mnoday", "ring the garage", MONDAY),
    ("jus add clean the oven", "clean the oven", None),
    # a spoken time with no "at" between the carrier and the task
    ("remind me half seven tomorrow morning to put the bins out", "put the bins out",
     f"{TOMORROW}T07:30:00+00:00"),
    # a day only pointed at: the task without it
    ("remind me the night before to charge the camera", "charge the camera", None),
    ("the plasterer comes on the 3rd so remind me that day to move the sofa", "move the sofa",
     None),
    # the date before the colon
    ("set a reminder for the 12th: school concert at 6pm", "school concert",
     "2026-12-12T18:00:00+00:00"),
    # what follows a reminder or "remember"
    ("remind me its recycling week on monday", "recycling week", MONDAY),
    ("remember i have to return the library books tomorrow", "return the library books",
     TOMORROW),
    ("i need reminding to water the seedlings", "water the seedlings", None),
    # the day named, then its date; a remark said last; no date wanted
    ("remind me to pay the builder on payday which is the 4th", "pay the builder",
     "2026-12-04"),
    ("remind me to send the tax form tomorrow its overdue again", "send the tax form",
     TOMORROW),
    ("can you put 'book the boiler service' on my list, no date needed",
     "book the boiler service", None),
    ("add descale the kettle no deadline", "descale the kettle", None),
    # a lead filler with a dash; the list named without "list", then a remark
    ("quick one - add bin bags to shopping", "bin bags", None),
    ("add sponges to the shopping pls we've run out", "sponges", None),
    # after "something", a deed is the item
    ("add something for me, reseal the bath", "reseal the bath", None),
    # carrier typos, "should prob", dictated punctuation, "please mate", "at like"
    ("rmnd me to book the vet sat", "book the vet", SATURDAY),
    ("i shud prob renew the parking permit, add that for monday", "renew the parking permit",
     MONDAY),
    ("add pick up the dry cleaning full stop", "pick up the dry cleaning", None),
    ("add sweep the yard please mate", "sweep the yard", None),
    ("remind me to call the council tomorrow at like 2pm", "call the council",
     f"{TOMORROW}T14:00:00+00:00"),
    # the carrier said last: "set that up", "don't let me sleep through it", "add that for X"
    ("every friday i do the bins, can you set that up", "do the bins", "2026-11-27"),
    ("sunday 8am parkrun, dont let me sleep through it", "parkrun",
     "2026-11-29T08:00:00+00:00"),
    ("i should really email the school, add that for monday please hun", "email the school",
     MONDAY),
    # "half six" first; a reminder stuck in
    ("half seven tonight remind me to take the bread out", "take the bread out",
     "2026-11-26T19:30:00+00:00"),
    ("stick a reminder in for friday to renew the rail card", "renew the rail card",
     "2026-11-27"),
    # the item said again; the old one's trouble and a mess said after; "put it down for X"
    ("add rice, no wait just couscous to the shopping list", "couscous", None),
    ("remind me tomorrow to buy a new toaster, this one's burning everything",
     "buy a new toaster", TOMORROW),
    ("i need to clean the fridge it's disgusting, remind me", "clean the fridge", None),
    ("need to renew the tv licence, put it down for the 30th", "renew the tv licence",
     MONDAY),
    # a head that reads as a command, then "remind me <day>"
    ("mark the year 9 essays... remind me sunday pls", "mark the year 9 essays", "2026-11-29"),
    # particles and vocatives: Singlish "can add … ah", "ayo", Filipino "po"
    ("eh can add one task ah, book the aircon servicing", "book the aircon servicing", None),
    ("ayo remind me to call the landlord friday", "call the landlord", "2026-11-27"),
    ("add 'renew the car insurance' po", "renew the car insurance", None),
    # a remark said after a list or a date
    ("add cling film to my shopping list while i think of it", "cling film", None),
    ("cn u add read the gas meter on the 10th its moving day", "read the gas meter",
     "2026-12-10"),
]

VAGUE = [
    "don't let me forget ok?",
    "remind me of that yeah",
    "put something in for the 20th, i'll say what later",
    "i have to remember something for friday but i forgot what, add it anyway",
    "add a thing to my list, erm, hang on",
    "i need to sort that thing again, the one from before",
    "oh remind me to... nah hold on, forgot what it was",
    "add a reminder for my sister's thing",
    "remind me about you-know-what tomorrow",
    "pop a reminder on for me",
    "remind me to sort it out",
    "add that thing dad was on about",
    "abeg remind me about that matter tomorrow",
    "add the school thing for the kids",
    "christening stuff for next week, add it",
]

TALK = [
    # a hedge, a question, a shrug: a dated remark is not a to-do
    ("the chemist shuts at 6 right?", ("collect prescription",)),
    ("i might just get a pizza tonight", ("meal prep",)),
    ("mum's 70 on saturday can you believe it", ("call mum",)),
    ("school's closed on monday apparently", ("pick up the kids",)),
    ("double shift tomorrow pray for me", ("buy coffee",)),
    # someone else calling it off is no cancel
    ("the dog walker cancelled on us for friday", ("book dog walker",)),
    # part way through, or someone poorly: not done
    ("halfway through the tax return, my head hurts", ("finish tax return",)),
    ("nursery rang, ellie's got a temperature", ("email ellie's nursery",)),
    # after a contrast, what foiled it
    ("phoned the surgery but i missed the callback", ("phone the surgery",)),
    ("bought the seeds for the veg patch but it's too wet to plant", ("plant the veg patch",)),
    # a plan told, a mood, an opinion: no task
    ("i'll sort the gutters at the weekend", ("clean the gutters",)),
    ("going to the big tesco in a bit", ("buy milk",)),
    ("i don't really feel like ironing tonight", ("do the ironing",)),
    ("gorgeous sunset over the bay tonight", ("walk the dog",)),
    ("dad's a bit worried about his scan on monday bless him", ("call dad",)),
    # run out again, cut off, still looking, the deed put off, not today
    ("the printer ink is finished again ugh", ("buy printer ink",)),
    ("got cut off after 30 mins on hold with the bank", ("ring the bank",)),
    ("spent ages looking for the spare key this morning", ("get spare key cut",)),
    ("got the tiles for the bathroom, fitting them saturday", ("tile the bathroom",)),
    ("boss is stressed today, not bringing up the rota", ("ask boss about the rota",)),
    # the old thing gone is not the new one bought
    ("the council took the old fridge away this morning", ("buy new fridge",)),
    # a try that failed, a hope, a plan said after "ok ok"
    ("started the tax return but got nowhere", ("do the tax return",)),
    ("began clearing the loft then gave up", ("clear the loft",)),
    ("auntie's not well, hope she's better by sunday", ("visit auntie",)),
    ("surgery opens at 8, i'll try then", ("ring the surgery",)),
    ("ok ok i'll sort the sofa tomorrow", ("sell the sofa",)),
    # an exclamation is news, not a to-do
    ("first frost this morning!!", ("cover the plants",)),
]

NEWS = [
    # the news after a contrast
    ("the post office queue was ages but my passport form is sent", (
        "send passport form", "buy stamps"), "send passport form"),
    ("word kept crashing all afternoon but the cv is finally updated", (
        "update cv", "call the agency"), "update cv"),
    # things said by another name, a win, a sale, a deposit
    ("paid the leccy this morning", ("pay electricity bill", "pay water bill"),
     "pay electricity bill"),
    ("picked up my new specs from the optician",
     ("collect glasses from optician", "book eye test"), "collect glasses from optician"),
    ("the stall at the craft fair is ours for sunday",
     ("book craft fair stall", "make price tags"), "book craft fair stall"),
    ("cheque's in the bank finally", ("deposit cheque", "order cheque book"), "deposit cheque"),
    ("old bike went on gumtree for £60 not bad", ("sell old bike", "fix bike light"),
     "sell old bike"),
    ("the new opening times are on the website now", ("update opening times", "order stock"),
     "update opening times"),
    ("licence renewal came through in the post, can't believe it", (
        "renew driving licence", "book driving lesson"), "renew driving licence"),
    # what the visitor did is told beside the thing that is done
    ("the electrician came this morning, kitchen lights are sorted", (
        "fix kitchen lights", "book electrician for the garage"), "fix kitchen lights"),
    # the deed said picks the task that says it
    ("invoice sent to dave for approval", ("reply to dave's text", "send dave the invoice",
                                           "print invoice"), "send dave the invoice"),
]

GONE = [
    # the app named like a person
    ("hey app please take off ring the bank they rang me", ("ring the bank", "pay the bank"),
     "ring the bank"),
    # the visit is off; a cancel with a remark that is news of someone else
    ("the trip to grandad's isn't happening this weekend, he's got a cold", (
        "visit grandad", "buy grandad's present"), "visit grandad"),
    ("cancel the coach to york, jo's driving us", ("book coach to york", "book hotel in york"),
     "book coach to york"),
    # "sorry," first; "skip the reminder to X" is no music command
    ("sorry, skip the reminder to feed the fish, my sister's doing it",
     ("feed the fish", "clean the fish tank"), "feed the fish"),
]

NEWS_2 = [
    # a name, then its deed; pidgin and patois deeds
    ("flock sheared this morning", ("shear the flock", "order shears"), "shear the flock"),
    ("emeka don pay finally", ("chase payment from emeka", "pay the rent"),
     "chase payment from emeka"),
    # "can we", and a reason glued on after the command
    ("can we cross off the printer ink we have loads now", ("buy printer ink", "fix printer"),
     "buy printer ink"),
    ("mi get di yam from di market dis morning", ("buy yam", "buy rice"), "buy yam"),
    # a stretched word, a tag that is a time word, working again
    ("dentist bookedddd for the kids", ("book dentist for the kids", "buy toothbrushes"),
     "book dentist for the kids"),
    ("all the lambs are tagged now", ("tag the lambs", "order ear tags"), "tag the lambs"),
    ("the boiler man came, it's working grand now", ("fix the boiler", "pay the window cleaner"),
     "fix the boiler"),
    # what is ahead is not done beside what is
    ("met the mortgage adviser today, signing is in january", (
        "meet mortgage adviser", "sign mortgage papers"), "meet mortgage adviser"),
]


@pytest.mark.parametrize(("text", "title", "due"), ADDS)
def test_the_task_as_meant(text: str, title: str, due: str | None) -> None:
    got = u(text)
    assert got.intent is Intent.ADD, (text, got.rule)
    assert [(d.title, d.due) for d in got.drafts] == [(title, due)], text


@pytest.mark.parametrize("text", VAGUE)
def test_nothing_named_asks(text: str) -> None:
    assert u(text).intent is Intent.CLARIFY, text


@pytest.mark.parametrize(("text", "seeds"), TALK)
def test_talk_changes_nothing(database: Database, text: str, seeds: tuple[str, ...]) -> None:
    assert open_after(database, seeds, text) == (sorted(seeds), len(seeds)), text


@pytest.mark.parametrize(("text", "seeds", "done"), NEWS + NEWS_2)
def test_news_closes_the_one_task_it_names(database: Database, text: str,
                                           seeds: tuple[str, ...], done: str) -> None:
    left = tasks_after(database, seeds, text)
    assert [t.title for t in left if t.completed] == [done], text


@pytest.mark.parametrize(("text", "seeds", "gone"), GONE)
def test_a_removal_said_to_the_app(database: Database, text: str, seeds: tuple[str, ...],
                                   gone: str) -> None:
    left = tasks_after(database, seeds, text)
    assert sorted(t.title for t in left) == sorted(set(seeds) - {gone}), text
