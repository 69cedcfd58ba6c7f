"""Date/time/recurrence phrase parsing (agents.nlu.dates), independent of intents."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agents.nlu.dates import parse_when

UTC = ZoneInfo("UTC")
NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
THU = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday


def due(text: str, now: datetime = THU, tz: ZoneInfo = UTC) -> str | None:
    return parse_when(text, now, tz).due


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", "2026-11-26"),
        ("tomorrow", "2026-11-27"),
        ("tmrw", "2026-11-27"),
        ("day after tomorrow", "2026-11-28"),
        ("in 3 days", "2026-11-29"),
        ("in 2 weeks", "2026-12-10"),
        ("in a month", "2026-12-26"),
        ("next week", "2026-11-30"),
        ("next month", "2026-12-01"),
        ("end of the month", "2026-11-30"),
        ("end of month", "2026-11-30"),
        ("dec 5", "2026-12-05"),
        ("5 December", "2026-12-05"),
        ("December 5th", "2026-12-05"),
        ("the 5th of december", "2026-12-05"),
        ("2026-12-05", "2026-12-05"),
        ("12/25", "2026-12-25"),
        ("12/25/2027", "2027-12-25"),
        ("on the 15th", "2026-12-15"),
    ],
)
def test_dates(text: str, expected: str) -> None:
    assert due(text) == expected


def test_month_day_in_the_past_rolls_to_next_year() -> None:
    assert due("jan 3") == "2027-01-03"
    assert due("nov 20") == "2027-11-20"
    assert due("nov 26") == "2026-11-26"  # today is still ahead of us


def test_slash_dates_read_month_first() -> None:
    assert due("5/12") == "2027-05-12"  # May 12 (US order), not 5 December
    assert due("12/5") == "2026-12-05"
    assert due("13/5") == "2027-05-13"  # no month 13: can only be day/month
    assert due("13/13") is None


def test_relative_dates_cross_month_and_year_ends() -> None:
    nye = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)
    assert due("tomorrow", nye) == "2027-01-01"
    assert due("next month", nye) == "2027-01-01"
    assert due("in 2 months", nye) == "2027-02-28"  # clamped to the month's last day
    assert due("end of month", datetime(2028, 2, 10, tzinfo=UTC)) == "2028-02-29"
    assert due("in 3 days", datetime(2026, 2, 27, tzinfo=UTC)) == "2026-03-02"


def test_weekday_rules() -> None:
    assert due("friday") == "2026-11-27"  # next occurrence after today
    assert due("thursday") == "2026-12-03"  # today is Thursday: a week ahead
    assert due("this thursday") == "2026-11-26"  # this week's: today
    assert due("this friday") == "2026-11-27"
    assert due("next friday") == "2026-12-04"  # the Friday of next week
    assert due("next monday") == "2026-11-30"
    assert due("monday") == "2026-11-30"
    assert due("this monday") == "2026-11-30"  # this week's Monday is past: roll forward


def test_times() -> None:
    assert due("at 5pm") == "2026-11-26T17:00:00+00:00"
    assert due("5:30pm") == "2026-11-26T17:30:00+00:00"
    assert due("17:30") == "2026-11-26T17:30:00+00:00"
    assert due("noon") == "2026-11-26T12:00:00+00:00"
    assert due("at 9am") == "2026-11-27T09:00:00+00:00"  # already past today → tomorrow
    assert due("at 5") == "2026-11-26T17:00:00+00:00"  # bare 1-7 means PM
    assert due("at 9") == "2026-11-27T09:00:00+00:00"  # bare 8-11 means AM
    assert due("tomorrow at 5pm") == "2026-11-27T17:00:00+00:00"
    assert due("friday morning") == "2026-11-27T09:00:00+00:00"
    assert due("tomorrow afternoon") == "2026-11-27T15:00:00+00:00"
    assert due("this evening") == "2026-11-26T19:00:00+00:00"


def test_tonight_is_today_at_eight_pm() -> None:
    assert due("tonight") == "2026-11-26T20:00:00+00:00"
    assert due("tonight", tz=NY, now=datetime(2026, 11, 26, 10, tzinfo=NY)) == (
        "2026-11-26T20:00:00-05:00"
    )


def test_dst_in_new_york() -> None:
    before = datetime(2027, 3, 13, 10, 0, tzinfo=NY)  # Saturday before the spring change
    assert due("tomorrow at 9am", before, NY) == "2027-03-14T09:00:00-04:00"
    assert due("today at 9pm", before, NY) == "2027-03-13T21:00:00-05:00"
    # 02:30 does not exist on 2027-03-14: it moves forward rather than raising.
    assert due("tomorrow at 2:30am", before, NY) == "2027-03-14T03:30:00-04:00"
    fall = datetime(2026, 10, 31, 12, 0, tzinfo=NY)
    assert due("tomorrow at 5pm", fall, NY) == "2026-11-01T17:00:00-05:00"


def test_dates_follow_the_users_zone() -> None:
    # 20:00 UTC on the 26th is already the 27th in Kolkata.
    late = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    assert due("today", late, KOLKATA) == "2026-11-27"
    assert due("tomorrow at 9am", late, KOLKATA) == "2026-11-28T09:00:00+05:30"


@pytest.mark.parametrize(
    ("text", "rule", "first"),
    [
        ("every day", "FREQ=DAILY", "2026-11-26"),
        ("daily", "FREQ=DAILY", "2026-11-26"),
        ("every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-11-26"),
        ("every monday", "FREQ=WEEKLY;BYDAY=MO", "2026-11-30"),
        ("every thursday", "FREQ=WEEKLY;BYDAY=TH", "2026-11-26"),
        ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2", "2026-11-26"),
        ("every other day", "FREQ=DAILY;INTERVAL=2", "2026-11-26"),
        ("every month on the 1st", "FREQ=MONTHLY;BYMONTHDAY=1", "2026-12-01"),
        ("weekly", "FREQ=WEEKLY", "2026-11-26"),
        ("monthly", "FREQ=MONTHLY", "2026-11-26"),
        ("yearly", "FREQ=YEARLY", "2026-11-26"),
        ("every monday and thursday", "FREQ=WEEKLY;BYDAY=MO,TH", "2026-11-26"),
        ("every weekday at 9am", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2026-11-27T09:00:00+00:00"),
    ],
)
def test_recurrence(text: str, rule: str, first: str) -> None:
    when = parse_when(text, THU, UTC)
    assert (when.recurrence, when.due) == (rule, first)


@pytest.mark.parametrize(
    "text",
    ["buy a new date palm", "read 1984", "watch may december", "call mom at the office",
     "weekly report", "the sun is out", "sat on the chair", "chapter 3", "50% off"],
)  # fmt: skip
def test_not_dates(text: str) -> None:
    assert parse_when(text, THU, UTC) == (None, None, ())


def test_never_raises_on_garbage() -> None:
    rng = random.Random(0)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 :/-.,#@'\"\n\t\x00😀éß"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        parse_when(text, THU, UTC)
    for text in ("99/99", "2026-02-30", "feb 30", "the 31st", "at 99", "25:61", "in 9999 days"):
        parse_when(text, THU, UTC)


def test_explicit_time_beats_part_of_day() -> None:
    assert due("tonight at 11") == "2026-11-26T23:00:00+00:00"  # bare 11 after "tonight" is PM
    assert due("tomorrow night at 8") == "2026-11-27T20:00:00+00:00"
    assert due("at 9 in the evening") == "2026-11-26T21:00:00+00:00"
    assert due("friday morning at 10") == "2026-11-27T10:00:00+00:00"


def test_end_of_day_is_a_time_that_takes_the_given_day() -> None:
    assert due("eod") == "2026-11-26T17:00:00+00:00"
    assert due("by eod friday") == "2026-11-27T17:00:00+00:00"
    assert due("end of day tomorrow") == "2026-11-27T17:00:00+00:00"


def test_more_time_and_recurrence_shapes() -> None:
    assert due("at 0900") == "2026-11-27T09:00:00+00:00"
    assert due("this coming tuesday") == "2026-12-01"
    assert parse_when("weekdays at 8", THU, UTC).recurrence == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert parse_when("every second week", THU, UTC).recurrence == "FREQ=WEEKLY;INTERVAL=2"
    assert parse_when("on weekends", THU, UTC).recurrence == "FREQ=WEEKLY;BYDAY=SA,SU"
    last = parse_when("on the last day of every month", THU, UTC)
    assert (last.recurrence, last.due) == ("FREQ=MONTHLY;BYMONTHDAY=-1", "2026-11-30")
    assert due("feb 29") == "2028-02-29"


def test_hours_from_now_count_elapsed_time_across_dst() -> None:
    before_change = datetime(2027, 3, 14, 1, 30, tzinfo=NY)  # 02:00 jumps to 03:00
    assert due("in 2 hours", before_change, NY) == "2027-03-14T04:30:00-04:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("book flights nxt week", "2026-11-30"),
        ("dentist nxt friday", "2026-12-04"),
        ("call mom in half an hour", "2026-11-26T10:30:00+00:00"),
        ("mow lawn sat", "2026-11-28"),  # an ambiguous short weekday at the very end
        ("order contacts wed #home", "2026-12-02"),
        ("move gym to sat", "2026-11-28"),
        ("sit in the sun", None),
        ("where we sat", None),
        ("buy a sat nav", None),
        ("call mike re: the sunday league", None),  # "the <weekday> <noun>" is a name
        ("submit the form b4 friday", "2026-11-27"),
    ],
)
def test_informal_dates(text: str, expected: str | None) -> None:
    assert due(text) == expected


def test_space_separated_weekdays_recur() -> None:
    when = parse_when("go running every mon wed fri", THU, UTC)
    assert when.recurrence == "FREQ=WEEKLY;BYDAY=MO,WE,FR"
    assert when.due == "2026-11-27"


def test_every_second_weekday_is_every_other_week() -> None:
    assert parse_when("call mom every 2nd sunday", THU, UTC).recurrence == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU"
    )
    assert parse_when("pay rent every 1st", THU, UTC).recurrence == "FREQ=MONTHLY;BYMONTHDAY=1"


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("remind me to stretch every morning at 6", "2026-11-27T06:00:00+00:00"),
        ("remind me every evening at 9 to floss", "2026-11-26T21:00:00+00:00"),
        ("take vitamins every night at 10", "2026-11-26T22:00:00+00:00"),
    ],
)
def test_a_recurrence_part_of_day_sets_am_or_pm(text: str, due: str) -> None:
    from agents.nlu import understand

    got = understand(text, now=datetime(2026, 11, 26, 10, 0, tzinfo=UTC), tz=UTC)
    assert [(d.due, d.recurrence) for d in got.drafts] == [(due, "FREQ=DAILY")]


@pytest.mark.parametrize(
    ("text", "rule"),
    [("give the cat her pill once a month", "FREQ=MONTHLY"),
     ("water the cactus once a week", "FREQ=WEEKLY"),
     ("stretch once a day", "FREQ=DAILY")],
)  # fmt: skip
def test_once_a_period_is_a_recurrence(text: str, rule: str) -> None:
    assert parse_when(text, datetime(2026, 11, 26, 10, 0, tzinfo=UTC), UTC).recurrence == rule


@pytest.mark.parametrize(("text", "expected"), [
    ("tomorrow at 07:00", "2026-11-27T07:00:00+00:00"),  # a leading zero: a 24-hour clock
    ("tomorrow at 7:00", "2026-11-27T07:00:00+00:00"),  # bare: the waking-hours reading
    ("tomorrow at 6:00", "2026-11-27T18:00:00+00:00"),
    ("dinner tomorrow at 7:00", "2026-11-27T19:00:00+00:00"),  # a meal tells the half
    ("breakfast tomorrow at 11", "2026-11-27T11:00:00+00:00"),
    ("sunday arvo", "2026-11-29T15:00:00+00:00"),  # "arvo": the afternoon
    ("tomorrow at 09:15", "2026-11-27T09:15:00+00:00"),
])
def test_a_zero_padded_hour_is_read_as_written(text: str, expected: str) -> None:
    assert due(text) == expected
