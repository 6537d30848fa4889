"""Time in words: "2019", "summer 2019", "last christmas", "march", "yesterday", "last
week", "on this day" become date ranges, for the query planner (core/query/planner.py).

A small grammar over the query's words, longest phrase first. Every range is in local
time, its end exclusive, and computed from `today` (injectable, so tests are fixed):

- days: today, yesterday, N days ago, on this day (this date in every earlier year);
- weeks (Monday first), months, years: this / last week|month|year, N weeks|months|years ago;
- a year (1900 to this year), a decade ("the 90s", "1990s"), YYYY-MM, YYYY-MM-DD;
- a month: "march 2019"; "march" alone is every March (a yearly range);
- seasons, as the northern hemisphere's meteorological ones (spring = March-May, summer
  = June-August, autumn/fall = September-November, winter = December-February, a winter
  named by the year of its December): "summer 2019", "last summer" (the last one that has
  ended), "this summer", "summer" alone (every summer);
- holidays with a fixed date: christmas (Dec 24-26), new year's eve (Dec 31), new year
  (Jan 1), halloween (Oct 31), valentine's day (Feb 14): alone (every year), with a year,
  or "last" (the last one that has begun).

Words that are also everyday words ("may", "march", "fall", "spring", "summer", "winter")
count as dates only next to a year or after "in", "last", "this", "every", "during";
a month written with a capital ("March") counts alone too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

FIRST_YEAR = 1900
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
_MONTH = {m: i + 1 for i, m in enumerate(MONTHS)} | {m[:3]: i + 1 for i, m in enumerate(MONTHS) if m != "may"}
_MONTH["sept"] = 9
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}  # first month, 3 months each
HOLIDAYS = {  # name words -> (month, day, days)
    ("christmas",): (12, 24, 3), ("xmas",): (12, 24, 3), ("christmas", "eve"): (12, 24, 1),
    ("new", "year's", "eve"): (12, 31, 1), ("new", "years", "eve"): (12, 31, 1), ("nye",): (12, 31, 1),
    ("new", "year"): (1, 1, 1), ("new", "year's"): (1, 1, 1), ("new", "years"): (1, 1, 1),
    ("halloween",): (10, 31, 1), ("valentine's", "day"): (2, 14, 1), ("valentines", "day"): (2, 14, 1),
    ("valentine's",): (2, 14, 1),
}
AMBIGUOUS = frozenset({"may", "march", "fall", "spring", "summer", "winter", "autumn"} | set(_MONTH) - set(MONTHS))
LEADS = frozenset({"in", "last", "this", "every", "during", "on", "from", "of"})
_UNITS = {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
          "year": "year", "years": "year"}
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10}
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_DECADE = re.compile(r"^(?:(\d{2})(\d{2})s|'?(\d{2})s)$")


@dataclass(frozen=True)
class DateSpan:
    """A time the query names: a range (after <= taken < before, epoch seconds, local time),
    or, for "march" or "on this day", a yearly one (month-day from/to, to exclusive)."""

    label: str  # the words as a date ("summer 2019")
    detail: str  # what it covers ("1 Jun 2019 - 31 Aug 2019", "every March")
    after: float | None = None
    before: float | None = None
    yearly: tuple[str, str] | None = None  # ("03-01", "04-01"); from > to wraps the year


@dataclass(frozen=True)
class DateMatch:
    start: int  # first word (index into the words)
    end: int  # one past the last
    span: DateSpan


def _stamp(d: date) -> float:
    return datetime(d.year, d.month, d.day).timestamp()


def _add_months(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def _fmt(d: date) -> str:
    return f"{d.day} {d.strftime('%b')} {d.year}"


def _span(label: str, first: date, end: date) -> DateSpan:
    """From `first` to `end` (exclusive)."""
    last = end - timedelta(days=1)
    detail = _fmt(first) if last == first else f"{_fmt(first)} - {_fmt(last)}"
    return DateSpan(label, detail, _stamp(first), _stamp(end))


def _yearly(label: str, detail: str, first: tuple[int, int], end: tuple[int, int], before: date | None = None) -> DateSpan:
    return DateSpan(label, detail, None, _stamp(before) if before else None,
                    (f"{first[0]:02d}-{first[1]:02d}", f"{end[0]:02d}-{end[1]:02d}"))


def _year(word: str, today: date) -> int | None:
    if word.isdigit() and len(word) == 4 and FIRST_YEAR <= int(word) <= today.year:
        return int(word)
    return None


def _month_span(year: int, month: int, label: str) -> DateSpan:
    first = date(year, month, 1)
    return _span(label, first, _add_months(first, 1))


def _season_span(year: int, season: str, label: str) -> DateSpan:
    first = date(year, SEASONS[season], 1)
    return _span(label, first, _add_months(first, 3))


def _last_season(season: str, today: date) -> int:
    """The year of the last `season` that has ended."""
    year = today.year
    while _add_months(date(year, SEASONS[season], 1), 3) > today:
        year -= 1
    return year


def _holiday_span(year: int, month: int, day: int, days: int, label: str) -> DateSpan:
    first = date(year, month, day)
    return _span(label, first, first + timedelta(days=days))


def _unit_span(unit: str, back: int, today: date, label: str) -> DateSpan:
    if unit == "day":
        d = today - timedelta(days=back)
        return _span(label, d, d + timedelta(days=1))
    if unit == "week":
        monday = today - timedelta(days=today.weekday()) - timedelta(weeks=back)
        return _span(label, monday, monday + timedelta(weeks=1))
    if unit == "month":
        first = _add_months(date(today.year, today.month, 1), -back)
        return _span(label, first, _add_months(first, 1))
    return _span(label, date(today.year - back, 1, 1), date(today.year - back + 1, 1, 1))


def _holiday_at(words: Sequence[str], i: int) -> tuple[int, tuple[int, int, int]] | None:
    for key in sorted(HOLIDAYS, key=len, reverse=True):
        if tuple(words[i:i + len(key)]) == key:
            return len(key), HOLIDAYS[key]
    return None


def _match_at(words: Sequence[str], raw: Sequence[str], i: int, today: date) -> tuple[int, DateSpan] | None:
    """The longest date phrase starting at word i: (its length, the span)."""
    w = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    year_next = _year(nxt, today)

    if w in ("today", "yesterday"):
        return 1, _unit_span("day", 0 if w == "today" else 1, today, w)
    if w == "on" and tuple(words[i + 1:i + 3]) == ("this", "day"):
        md = (today.month, today.day)
        tomorrow = today + timedelta(days=1)
        return 3, _yearly("on this day", f"every {today.day} {today.strftime('%B')} before this year", md,
                          (tomorrow.month, tomorrow.day), before=date(today.year, 1, 1))
    if w in ("this", "last") and nxt in ("week", "month", "year"):
        return 2, _unit_span(nxt, int(w == "last"), today, f"{w} {nxt}")
    if w in ("this", "last") and (nxt in ("weekend",)):
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        if w == "last" and saturday + timedelta(days=2) > today:
            saturday -= timedelta(weeks=1)
        return 2, _span(f"{w} weekend", saturday, saturday + timedelta(days=2))
    count = _NUMBERS.get(w) or (int(w) if w.isdigit() and len(w) <= 3 else None)
    if count is not None and nxt in _UNITS and i + 2 < len(words) and words[i + 2] == "ago":
        return 3, _unit_span(_UNITS[nxt], count, today, f"{w} {nxt} ago")
    if w in ("this", "last") and nxt in SEASONS:
        year = _last_season(nxt, today) if w == "last" else today.year - (nxt == "winter" and today.month < 3)
        return 2, _season_span(year, nxt, f"{w} {nxt}")
    if w in ("this", "last") and (h := _holiday_at(words, i + 1)):
        n, (month, day, days) = h
        year = today.year if w == "this" or date(today.year, month, day) <= today else today.year - 1
        return 1 + n, _holiday_span(year, month, day, days, " ".join(raw[i:i + 1 + n]))
    if h := _holiday_at(words, i):
        n, (month, day, days) = h
        named_year = _year(words[i + n], today) if i + n < len(words) else None
        label = " ".join(raw[i:i + n])
        if named_year:
            return n + 1, _holiday_span(named_year, month, day, days, f"{label} {named_year}")
        end = date(2001, month, day) + timedelta(days=days)
        return n, _yearly(label, f"{label}, every year", (month, day), (end.month, end.day))
    if w in SEASONS and year_next:
        return 2, _season_span(year_next, w, f"{w} {year_next}")
    if w in _MONTH and year_next:
        return 2, _month_span(year_next, _MONTH[w], f"{MONTHS[_MONTH[w] - 1]} {year_next}")
    if w in SEASONS or w in _MONTH:
        capital = raw[i][:1].isupper() and w in _MONTH
        led = i > 0 and words[i - 1] in LEADS
        if w in AMBIGUOUS and not (capital or led):
            return None
        if w in SEASONS:
            first_month = SEASONS[w]
            season_end = _add_months(date(2001, first_month, 1), 3)
            return 1, _yearly(w, f"every {w}", (first_month, 1), (season_end.month, 1))
        month = _MONTH[w]
        month_end = _add_months(date(2001, month, 1), 1)
        return 1, _yearly(MONTHS[month - 1], f"every {MONTHS[month - 1].capitalize()}", (month, 1),
                          (month_end.month, 1))
    if (single := _year(w, today)) is not None:
        return 1, _span(w, date(single, 1, 1), date(single + 1, 1, 1))
    if iso := _ISO.match(w):
        y, mo, d = int(iso.group(1)), int(iso.group(2)), iso.group(3)
        try:
            if d:
                one = date(y, mo, int(d))
                return (1, _span(w, one, one + timedelta(days=1))) if FIRST_YEAR <= y and one <= today else None
            return (1, _month_span(y, mo, w)) if FIRST_YEAR <= y <= today.year else None
        except ValueError:
            return None
    decade = _DECADE.match(nxt if w == "the" else w)
    if decade:
        century, tens = decade.group(1), decade.group(2) or decade.group(3)
        start = int(century + tens) if century else (1900 + int(tens) if int(tens) >= 30 else 2000 + int(tens))
        if start % 10 == 0 and FIRST_YEAR <= start <= today.year:
            return 2 if w == "the" else 1, _span(f"the {start}s", date(start, 1, 1), date(start + 10, 1, 1))
    return None


def find_dates(raw: Sequence[str], today: date) -> list[DateMatch]:
    """The date phrases among the words (left to right, longest first, not overlapping)."""
    words = [w.lower().strip(",.;!?") for w in raw]
    found: list[DateMatch] = []
    i = 0
    while i < len(words):
        hit = _match_at(words, raw, i, today)
        if hit:
            n, span = hit
            found.append(DateMatch(i, i + n, span))
            i += n
        else:
            i += 1
    return found
