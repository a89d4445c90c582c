"""Raw search parameters -> a validated SearchRequest, and the date periods of the timeline.

In: strings or numbers as a URL or the CLI gives them. Out: a `SearchRequest` (`build_request`, `refine`), or
BadQuery naming the bad parameter; a query longer than the caller's bound is cut to its first words, with a
notice. `period_end` gives the last day of a timeline period (YYYY or YYYY-MM), `date_span` the days a typed
period or range covers (the query's date: field). This module does not search.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from typing import Optional

from .. import config
from ..errors import BadQuery
from ..models import FACETS, SORTS, SearchRequest


@dataclass(frozen=True)
class Limits:
    """What a request may ask: the page size when none is given, the largest page, the deepest result."""

    per_page: int = 10
    max_per_page: int = 100
    max_results_depth: int = 10_000

    @classmethod
    def from_settings(cls, values: Optional[dict] = None) -> "Limits":
        """The limits of the settings (search.config), read now unless `values` (config.load()) are given."""
        values = values or config.load()
        return cls(values["per_page"], values["max_per_page"], values["max_results_depth"])


def build_request(q: str = "", country=(), person=(), topic=(), author: str = "", date_from: Optional[str] = None,
                  date_to: Optional[str] = None, sort: str = "relevance", page=1, per_page=None,
                  explain: bool = False, limits: Optional[Limits] = None,
                  max_q_chars: Optional[int] = None) -> SearchRequest:
    """Validate raw search parameters (strings or numbers) and build a SearchRequest.

    The query text may be a paragraph; with `max_q_chars` (the web's bound) a longer one is cut to its words
    within that many characters, and the request's notices say so. `limits` default to the settings' (a server
    reads them once into its config and passes them).

    Raises:
        BadQuery: with a message naming the bad parameter.
    """
    q, notices = (q or "").replace("\x00", " ").strip(), ()
    if max_q_chars is not None and len(q) > max_q_chars:
        q = cut_words(q, max_q_chars)
        n = len(q.split())
        notices = (f"The query is longer than {max_q_chars:,} characters: it was cut to its first "
                   f"{n:,} word{'s' * (n != 1)}.",)
    if sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}, not {str(sort)[:30]!r}")
    limits = limits or Limits.from_settings()
    page = _int("page", page, 1)
    per_page = _int("per_page", per_page if per_page not in (None, "") else limits.per_page, 1)
    if per_page > limits.max_per_page:
        raise BadQuery(f"per_page must be at most {limits.max_per_page}")
    if page * per_page > limits.max_results_depth + per_page - 1 and page > 1:
        raise BadQuery(f"page {page} is too deep: results stop at {limits.max_results_depth:,}; "
                       f"narrow the search instead")
    d_from, d_to = _date("from", date_from), _date("to", date_to)
    if d_from and d_to and d_from > d_to:
        raise BadQuery(f"from ({d_from}) is after to ({d_to})")
    clean = lambda vals: tuple(dict.fromkeys(v.strip() for v in vals if v and v.strip()))
    return SearchRequest(q=q, country=clean(country), person=clean(person), topic=clean(topic),
                         author=(author or "").strip(), date_from=d_from, date_to=d_to, sort=sort,
                         page=page, per_page=per_page, explain=bool(explain), notices=notices)


def cut_words(text: str, most: int) -> str:
    """The text's whole words within its first `most` characters (a first word longer than that, cut).

    >>> cut_words("air taxi service", 12), cut_words("air taxi service", 8), cut_words("airtaxiservice", 6)
    ('air taxi', 'air taxi', 'airtax')
    """
    if len(text) <= most:
        return text
    head = text[:most]
    if text[most].isspace() or head[-1].isspace():  # the cut falls between two words
        return head.rstrip()
    words = head.rsplit(None, 1)  # else the word it falls inside goes, unless it is the only one
    return words[0] if len(words) > 1 else head


def refine(req: SearchRequest, source=(), timeline_by: Optional[str] = None, fold=True) -> SearchRequest:
    """Add the options of a request beyond build_request's: the source facet's selection, the facet the
    timeline is split by (`timeline_by`, "" or None for none) and whether near-copies are folded.

    Raises:
        BadQuery: a timeline_by that is not a facet.
    """
    timeline_by = (timeline_by or "").strip()
    if timeline_by and timeline_by not in FACETS:
        raise BadQuery(f"timeline_by must be one of {', '.join(FACETS)}, not {timeline_by[:30]!r}")
    clean = tuple(dict.fromkeys(v.strip() for v in source if v and v.strip()))
    return replace(req, source=clean, timeline_by=timeline_by, fold=bool(fold))


def _int(name: str, value, minimum: int) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise BadQuery(f"{name} must be a whole number, not {str(value)[:30]!r}") from None
    if n < minimum:
        raise BadQuery(f"{name} must be at least {minimum}")
    if n > 10**9:
        raise BadQuery(f"{name} is too large")
    return n


def _date(name: str, value) -> Optional[str]:
    if value in (None, ""):
        return None
    s = str(value).strip()
    for fmt_len, pad in ((10, ""), (7, "-01"), (4, "-01-01")):
        if len(s) == fmt_len:
            try:
                d = date.fromisoformat(s + pad)
            except ValueError:
                break
            if fmt_len < 10 and name == "to":  # "to=2025" means to the end of 2025
                d = period_end(s)
            return d.isoformat()
    raise BadQuery(f"{name} must be a date as YYYY-MM-DD (or YYYY-MM, YYYY), not {s[:30]!r}")


def date_span(text: str) -> Optional[tuple]:
    """The first and last day (ISO; None for an open end) of a period typed as YYYY, YYYY-MM or YYYY-MM-DD, or
    of two such periods joined by ".." (either one may be left out); None when the text is none of these.

    >>> date_span("2016"), date_span("2016-02..2016-03-05"), date_span("..2015")
    (('2016-01-01', '2016-12-31'), ('2016-02-01', '2016-03-05'), (None, '2015-12-31'))
    >>> date_span("2016-02-30"), date_span("2017..2016"), date_span(".."), date_span("yesterday")
    (None, None, None, None)
    """
    first, sep, last = text.strip().partition("..")
    try:
        span = _date("from", first), _date("to", last if sep else first)
    except BadQuery:
        return None
    if span == (None, None) or (None not in span and span[0] > span[1]):
        return None
    return span


def period_end(s: str) -> date:
    """The last day of a period: a year "YYYY" or a month "YYYY-MM" (any year 1 to 9999, padded or not).

    >>> period_end("2024-02"), period_end("9999-12"), period_end("999")
    (datetime.date(2024, 2, 29), datetime.date(9999, 12, 31), datetime.date(999, 12, 31))
    """
    year, _, month = s.partition("-")
    y, m = int(year), int(month or 12)
    return date(y, m, calendar.monthrange(y, m)[1])
