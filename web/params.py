"""Query string -> SearchRequest: the one place the web layer reads search parameters."""
from __future__ import annotations

from search.errors import BadQuery
from search.query.request import Limits, build_request, refine

MAX_Q_CHARS = 2000  # a web request's query searched at most, cut at a word (the library and `casearch eval` take any)
KNOWN = {"q", "country", "person", "topic", "source", "author", "from", "to", "sort", "page", "per_page", "explain",
         "timeline_by", "fold"}
SINGLE = ("q", "author", "from", "to", "sort", "page", "per_page", "explain", "timeline_by", "fold")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse(args, limits: Limits):
    """Build a SearchRequest from request.args (a MultiDict) within the app's limits; raise BadQuery for bad values.
    A query longer than MAX_Q_CHARS is searched by its first words, with a notice.

    Unknown parameters are ignored (links from elsewhere may carry tracking parameters); a single-valued
    parameter given twice is refused, so the page never silently picks one.
    """
    for name in SINGLE:
        if len(args.getlist(name)) > 1:
            raise BadQuery(f"parameter {name} is given more than once")
    explain = args.get("explain", "") in TRUE
    fold = args.get("fold", "1").strip().lower()
    if fold not in TRUE + FALSE:
        raise BadQuery(f"fold must be 1 or 0, not {fold[:30]!r}")
    req = build_request(
        q=args.get("q", ""), country=args.getlist("country"), person=args.getlist("person"),
        topic=args.getlist("topic"), author=args.get("author", ""), date_from=args.get("from") or None,
        date_to=args.get("to") or None, sort=args.get("sort") or "relevance", page=args.get("page") or 1,
        per_page=args.get("per_page") or None, explain=explain, limits=limits, max_q_chars=MAX_Q_CHARS)
    return refine(req, source=args.getlist("source"), timeline_by=args.get("timeline_by"), fold=fold in TRUE)


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
