"""When an event happens: date expressions in a sentence, resolved against the article's publication date.

Resolution (``published`` is the article's publication day; ``forward`` is true for planned events):

- ``on Thursday`` / ``Thursday``: the nearest Thursday on or before ``published`` for a past or
  ongoing event, on or after it for a planned one (``YYYY-MM-DD``);
- ``yesterday``, ``today``, ``tonight``, ``last night``, ``tomorrow``: that day;
- ``next week`` / ``last week``: ``published`` plus / minus 7 days (``YYYY-MM-DD``; a day in that
  week, not its Monday: the exact day is unknown either way, and a day keeps one format);
- ``this/last/next month`` -> ``YYYY-MM``; ``this/last/next year`` -> ``YYYY``;
- ``March 3``, ``3 March``, ``March 3, 2021``: with its year when given, else the most recent
  March 3 on or before ``published`` (the next one for a planned event);
- ``in March`` (no day) -> ``YYYY-MM`` with the year chosen the same way;
- ``in 2022`` (also ``during``/``since``/``early``/``late``) -> ``2022``; ISO dates as written.

Relative expressions need ``published``; without it only explicit dates and years resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["DateMention", "find_dates", "resolve"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH = r"(?P<{name}>January|February|March|April|May|June|July|August|September|October|November|December" \
         r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
_DATE = re.compile(
    r"\b(?:"
    r"(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)"
    r"|" + _MONTH.format(name="md_month") + r"\s+(?P<md_day>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<md_year>(?:19|20)\d\d))?"
    r"|(?P<dm_day>[0-3]?\d)(?:st|nd|rd|th)?\s+" + _MONTH.format(name="dm_month") + r"(?:,?\s+(?P<dm_year>(?:19|20)\d\d))?"
    r"|(?:in|during|since|by|until|early|late|mid-?)\s+(?:early\s+|late\s+|mid-?)?" + _MONTH.format(name="m_month")
    + r"(?:\s+(?P<m_year>(?:19|20)\d\d))?"
    r"|(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"|(?P<relday>yesterday|today|tonight|tomorrow|last\s+night)"
    r"|(?P<rel>last|next|this|coming|past)\s+(?P<unit>week|month|year)"
    r"|(?:in|during|since|by|until|early|late|mid-?)\s+(?:early\s+|late\s+|mid-?)?(?P<year>(?:19|20)\d\d)\b"
    r")",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression at ``[start, end)`` and its regex groups."""

    start: int
    end: int
    groups: dict[str, str]


def find_dates(text: str, start: int, end: int) -> list[DateMention]:
    """Date expressions in ``text[start:end]``."""
    found = []
    for match in _DATE.finditer(text, start, end):
        groups = {k: v for k, v in match.groupdict().items() if v}
        if "md_month" in groups and groups["md_month"].lower() == "may" and not groups.get("md_year"):
            # "May 3" is a date, but "may 3" (the modal before a number) is not
            if match.group()[0].islower():
                continue
        if "weekday" in groups and not groups["weekday"][0].isupper():
            continue
        if "m_month" in groups and not groups["m_month"][0].isupper():
            continue
        found.append(DateMention(match.start(), match.end(), groups))
    return found


def _month(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _day_in_direction(published: date, month: int, day: int, forward: bool) -> date | None:
    for year in ((published.year, published.year + 1) if forward else (published.year, published.year - 1)):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if (candidate >= published) if forward else (candidate <= published):
            return candidate
    return None


def resolve(mention: DateMention, published: date | None, forward: bool) -> str | None:
    """The ISO date, month or year ``mention`` denotes (see the module docstring), or None."""
    g = mention.groups
    if "iso" in g:
        return g["iso"]
    if "md_month" in g or "dm_month" in g:
        month = _month(g.get("md_month") or g["dm_month"])
        day = int(g.get("md_day") or g["dm_day"])
        written = g.get("md_year") or g.get("dm_year")
        if written:
            try:
                return date(int(written), month, day).isoformat()
            except ValueError:
                return None
        if published is None:
            return None
        found = _day_in_direction(published, month, day, forward)
        return found.isoformat() if found else None
    if "m_month" in g:
        month = _month(g["m_month"])
        if g.get("m_year"):
            return f"{int(g['m_year']):04d}-{month:02d}"
        if published is None:
            return None
        year = published.year
        if forward and month < published.month:
            year += 1
        elif not forward and month > published.month:
            year -= 1
        return f"{year:04d}-{month:02d}"
    if "year" in g:
        return g["year"]
    if published is None:
        return None
    return _relative(g, published, forward)


def _relative(g: dict[str, str], published: date, forward: bool) -> str | None:
    if "weekday" in g:
        target = _WEEKDAYS.index(g["weekday"].lower())
        delta = (target - published.weekday()) % 7
        day = published + timedelta(days=delta) if forward else published - timedelta(days=(7 - delta) % 7)
        return day.isoformat()
    if "relday" in g:
        word = g["relday"].lower().split()[0]
        shift = {"yesterday": -1, "last": -1, "today": 0, "tonight": 0, "tomorrow": 1}[word]
        return (published + timedelta(days=shift)).isoformat()
    rel, unit = g["rel"].lower(), g["unit"].lower()
    step = {"last": -1, "past": -1, "this": 0, "next": 1, "coming": 1}[rel]
    if unit == "week":
        return (published + timedelta(days=7 * step)).isoformat() if step else None
    if unit == "month":
        index = published.year * 12 + published.month - 1 + step
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    return f"{published.year + step:04d}"
