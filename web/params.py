"""Query string -> SearchRequest: the one place the web layer reads search parameters, and the rules it reads them by.

In: request.args and the app's Limits. Out: a SearchRequest (`parse`), or BadQuery naming the bad parameter;
`to_args`, the query-string pairs of a request (for links); `schemas`, each parameter's rule as the OpenAPI
document declares it (web.openapi), and `longest_query_string`, the longest query string a request within those
rules can be (the server's cap is above it, so no declared request is refused as too long). The rules are
checked here exactly as declared: an empty value is the parameter left out; a value with spaces around it, a
sign, a date as 01/02/2025 or a boolean as TRUE is refused rather than guessed. What the document can only say
in words, the library checks: `from` not after `to`, and the page within the deepest result. A `q` longer than
MAX_Q_CHARS (and within MAX_Q_GIVEN) is searched by its first words, with a notice.
"""
from __future__ import annotations

import re

from search.errors import BadQuery
from search.models import FACETS, SORTS
from search.query.request import Limits, build_request, refine

MAX_Q_CHARS = 2000  # a web request's query searched at most, cut at a word (the library and `casearch eval` take any)
MAX_Q_GIVEN = 8000  # characters of q a request may carry at all (400 beyond; what is past MAX_Q_CHARS is not searched)
MAX_VALUES = 10  # values of one facet in one request
MAX_VALUE_CHARS = 100  # characters of a facet value or an author
BOOLEAN = ("1", "0", "true", "false", "yes", "no", "on", "off")
TRUE = BOOLEAN[::2]
KNOWN = {"q", "country", "person", "topic", "source", "author", "from", "to", "sort", "page", "per_page", "explain",
         "timeline_by", "fold"}
SINGLE = ("q", "author", "from", "to", "sort", "page", "per_page", "explain", "timeline_by", "fold")
_YEAR = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"  # 0001 to 9999, as Python's dates
_DATE_SHAPE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
_WHOLE = re.compile(r"-?[0-9]+")
_EMPTY = {"type": "string", "maxLength": 0}
_STRINGS = {"type": "array", "maxItems": MAX_VALUES, "items": {"type": "string", "maxLength": MAX_VALUE_CHARS}}


def schemas(limits: Limits) -> dict:
    """{parameter: its OpenAPI schema} of /api/search (and the pages), within the app's limits."""
    date = {"anyOf": [{"type": "string", "format": "date"},
                      {"type": "string", "pattern": f"^{_YEAR}-(?:0[1-9]|1[0-2])$"},
                      {"type": "string", "pattern": f"^{_YEAR}$"}, _EMPTY]}
    return {
        "q": {"type": "string", "maxLength": MAX_Q_GIVEN},
        **{f: _STRINGS for f in FACETS},
        "author": {"type": "string", "maxLength": MAX_VALUE_CHARS},
        "from": date, "to": date,
        "sort": {"type": "string", "enum": ["", *SORTS]},
        "page": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": limits.max_results_depth}, _EMPTY]},
        "per_page": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": limits.max_per_page}, _EMPTY]},
        "explain": {"type": "string", "enum": ["", *BOOLEAN]},
        "timeline_by": {"type": "string", "enum": ["", *FACETS]},
        "fold": {"type": "string", "enum": ["", *BOOLEAN]},
    }


def longest_query_string(limits: Limits) -> int:
    """Bytes of the longest query string within the rules: every character a 4-byte one, percent-encoded (12
    bytes), every parameter at its limit."""
    longest = {"q": MAX_Q_GIVEN * 12, "author": MAX_VALUE_CHARS * 12, "from": 10, "to": 10,
               "sort": max(map(len, SORTS)), "page": len(str(limits.max_results_depth)),
               "per_page": len(str(limits.max_per_page)), "explain": 5, "timeline_by": 7, "fold": 5}
    single = sum(len(name) + 2 + n for name, n in longest.items())
    return single + sum(MAX_VALUES * (len(f) + 2 + MAX_VALUE_CHARS * 12) for f in FACETS)


def parse(args, limits: Limits):
    """Build a SearchRequest from request.args (a MultiDict) within the app's limits; raise BadQuery for bad values.
    A query longer than MAX_Q_CHARS is searched by its first words, with a notice.

    Unknown parameters are ignored (links from elsewhere may carry tracking parameters); a single-valued
    parameter given twice is refused, so the page never silently picks one.
    """
    for name in SINGLE:
        if len(args.getlist(name)) > 1:
            raise BadQuery(f"parameter {name} is given more than once")
    _check(args)
    req = build_request(
        q=args.get("q", ""), country=args.getlist("country"), person=args.getlist("person"),
        topic=args.getlist("topic"), author=args.get("author", ""), date_from=args.get("from") or None,
        date_to=args.get("to") or None, sort=args.get("sort") or "relevance", page=args.get("page") or 1,
        per_page=args.get("per_page") or None, explain=args.get("explain", "") in TRUE, limits=limits,
        max_q_chars=MAX_Q_CHARS)
    return refine(req, source=args.getlist("source"), timeline_by=args.get("timeline_by"),
                  fold=args.get("fold") in TRUE + ("", None))


def _check(args) -> None:
    """Refuse what the declared rules refuse (the library checks ranges and dates' days and months)."""
    if len(args.get("q", "")) > MAX_Q_GIVEN:
        raise BadQuery(f"q is longer than {MAX_Q_GIVEN:,} characters")
    for name in ("author", *FACETS):
        values = args.getlist(name)
        if name != "author" and len(values) > MAX_VALUES:
            raise BadQuery(f"{name} is given more than {MAX_VALUES} times")
        if any(len(v) > MAX_VALUE_CHARS for v in values):
            raise BadQuery(f"a value of {name} is longer than {MAX_VALUE_CHARS} characters")
    shown = lambda v: repr(v[:30])
    for name in ("from", "to"):
        v = args.get(name, "")
        if v and not _DATE_SHAPE.fullmatch(v):
            raise BadQuery(f"{name} must be a date as YYYY-MM-DD (or YYYY-MM, YYYY), not {shown(v)}")
    for name in ("page", "per_page"):
        v = args.get(name, "")
        if v and not _WHOLE.fullmatch(v):
            raise BadQuery(f"{name} must be a whole number, not {shown(v)}")
    for name, allowed in (("sort", SORTS), ("explain", BOOLEAN), ("fold", BOOLEAN), ("timeline_by", FACETS)):
        v = args.get(name, "")
        if v and v not in allowed:
            raise BadQuery(f"{name} must be one of {', '.join(allowed)}, not {shown(v)}")


def to_args(req, default_per_page: int, **changes) -> list:
    """The query-string pairs that reproduce a request (with changes), for links that keep every state; values
    that are the defaults are left out."""
    d = {"q": req.q, "country": list(req.country), "person": list(req.person), "topic": list(req.topic),
         "source": list(req.source), "author": req.author, "from": req.date_from or "", "to": req.date_to or "",
         "sort": req.sort, "page": req.page, "per_page": req.per_page, "explain": 1 if req.explain else "",
         "timeline_by": req.timeline_by, "fold": "" if req.fold else 0}
    d.update(changes)
    pairs = []
    for k, v in d.items():
        if k == "sort" and v == "relevance":
            continue
        if k == "page" and v == 1:
            continue
        if k == "per_page" and v == default_per_page:
            continue
        for item in (v if isinstance(v, list) else [v]):
            if item not in ("", None):
                pairs.append((k, item))
    return pairs
