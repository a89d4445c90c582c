"""SearchRequest -> SearchResults: parsing, filters, facet counts, timeline, highlights and paging.

In: a validated SearchRequest and an open `IndexView`. Out: one SearchResults object that the CLI,
the HTML page and the JSON API all render. Facet filters arrive as values and become sets of documents
(never query text): OR within a facet, AND across facets; each facet's counts ignore that facet's own
selection (multi-select). Per-document facet values and dates are read once per index generation into
arrays (`IndexView`), so counting facets never walks whoosh's stored fields.
"""
from __future__ import annotations

import time
from datetime import date
from typing import Optional

import numpy as np
from whoosh import scoring
from whoosh.query import And, Every, Or, Term

from . import config, snippets
from .errors import BadQuery, NotFound
from .models import FACETS, FACET_KEYS, SORTS, FacetValue, Hit, SearchRequest, SearchResults
from .parsing import parse_query
from .schema import author_key, split_facet
from .view import IndexView

FACET_LIMIT = 200  # facet values returned per facet (most frequent first); the UI shows the top ones
YEARLY_AFTER_MONTHS = 36  # a timeline longer than this is drawn per year


def build_request(q: str = "", country=(), person=(), topic=(), author: str = "", date_from: Optional[str] = None,
                  date_to: Optional[str] = None, sort: str = "relevance", page=1, per_page=None,
                  explain: bool = False) -> SearchRequest:
    """Validate raw search parameters (strings or numbers) and build a SearchRequest.

    Raises:
        BadQuery: with a message naming the bad parameter.
    """
    q = (q or "").replace("\x00", " ")
    if len(q) > 2000:
        raise BadQuery("q is longer than 2,000 characters")
    if sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}, not {str(sort)[:30]!r}")
    page = _int("page", page, 1)
    per_page = _int("per_page", per_page if per_page not in (None, "") else config.get("per_page"), 1)
    if per_page > config.get("max_per_page"):
        raise BadQuery(f"per_page must be at most {config.get('max_per_page')}")
    if page * per_page > config.get("max_results_depth") + per_page - 1 and page > 1:
        raise BadQuery(f"page {page} is too deep: results stop at {config.get('max_results_depth'):,}; "
                       f"narrow the search instead")
    d_from, d_to = _date("from", date_from), _date("to", date_to)
    if d_from and d_to and d_from > d_to:
        raise BadQuery(f"from ({d_from}) is after to ({d_to})")
    clean = lambda vals: tuple(dict.fromkeys(v.strip() for v in vals if v and v.strip()))
    return SearchRequest(q=q.strip(), country=clean(country), person=clean(person), topic=clean(topic),
                         author=(author or "").strip(), date_from=d_from, date_to=d_to, sort=sort,
                         page=page, per_page=per_page, explain=bool(explain))


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
                d = _period_end(s)
            return d.isoformat()
    raise BadQuery(f"{name} must be a date as YYYY-MM-DD (or YYYY-MM, YYYY), not {s[:30]!r}")


def _period_end(s: str) -> date:
    if len(s) == 4:
        return date(int(s), 12, 31)
    y, m = int(s[:4]), int(s[5:7])
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def _date_int(iso: str) -> int:
    return int(iso.replace("-", ""))


def run(req: SearchRequest, view: IndexView) -> SearchResults:
    """Answer one search request from an open index view."""
    t0 = time.perf_counter()
    parsed = parse_query(req.q, view.schema)
    notices = list(parsed.notices)
    searcher = view.searcher
    base = view.live.copy()
    if parsed.query is not None:
        base &= view.mask_for(parsed.query)
        if parsed.fallback is not None and not base.any():
            base = view.live & view.mask_for(parsed.fallback)
            parsed = parsed.fall_back()
            notices.append("No article has every word; showing articles with any of them.")
    # filters common to every facet count: author and dates
    if req.author:
        base &= view.mask_for(Term("author_key", author_key(req.author)))
    if req.date_from or req.date_to:
        lo = _date_int(req.date_from) if req.date_from else 1
        hi = _date_int(req.date_to) if req.date_to else 99999999
        base &= (view.dates >= lo) & (view.dates <= hi)
    facet_masks = {f: view.facets[f].mask_any(vals) for f, vals in req.selections().items() if vals}
    final = base.copy()
    for m in facet_masks.values():
        final &= m
    facets = {}
    for f in FACETS:
        scope = base.copy()
        for g, m in facet_masks.items():
            if g != f:
                scope &= m
        facets[f] = _facet_values(view, f, scope, getattr(req, f))
    total = int(final.sum())
    start = (req.page - 1) * req.per_page
    hits = _rank(req, view, parsed, final, start, start + req.per_page, searcher)
    timeline, undated = _timeline(view, final)
    return SearchResults(request=req, total=total, hits=tuple(hits), facets=facets, timeline=tuple(timeline),
                         suggestion=view.suggest(req.q, parsed) if req.q else None, notices=tuple(notices),
                         took_ms=(time.perf_counter() - t0) * 1000, undated=undated)


def _facet_values(view: IndexView, facet: str, scope: np.ndarray, selected: tuple) -> tuple:
    counts = view.facets[facet].counts(scope)
    out = [FacetValue(v, c, v in selected) for v, c in counts[:FACET_LIMIT]]
    present = {v for v, _ in counts}
    # a selected value with no match in scope is still shown (count 0), so it can be removed
    out += [FacetValue(v, 0, True) for v in selected if v not in present]
    return tuple(out)


def _rank(req, view, parsed, final, start, stop, searcher) -> list:
    if stop <= start or not final.any():
        return []
    sort = req.sort
    if parsed.query is None and sort == "relevance":
        sort = "newest"  # no words to rank by: newest first
    if sort == "relevance":
        allowed = set(np.flatnonzero(final).tolist())
        results = searcher.search(parsed.query, limit=stop, filter=allowed, terms=req.explain)
        page = [(hit.docnum, hit.score) for hit in results[start:stop]]
    else:
        docs = np.flatnonzero(final)
        d = view.dates[docs]
        undated = d == 0
        key = d if sort == "oldest" else -d
        order = np.lexsort((docs, key, undated))  # dated first, then by date, ties by index order
        page = [(int(docs[i]), 0.0) for i in order[start:stop]]
    terms = parsed.highlight_terms()
    hits = []
    for docnum, score in page:
        stored = searcher.stored_fields(docnum)
        explanation = view.explain(parsed, docnum, score) if req.explain else None
        hits.append(Hit(
            id=stored["id"], title=stored["title"], date=stored.get("date") or None, author=stored.get("author", ""),
            url=stored.get("url", ""), score=float(score),
            snippet=snippets.make_snippet(stored.get("body", ""), terms),
            countries=tuple(split_facet(stored.get("country"))), people=tuple(split_facet(stored.get("person"))),
            topics=tuple(split_facet(stored.get("topic"))), explanation=explanation))
    return hits


def _timeline(view: IndexView, final: np.ndarray) -> tuple:
    d = view.dates[final]
    undated = int((d == 0).sum())
    d = d[d > 0]
    if d.size == 0:
        return [], undated
    months = d // 100
    span = (months.max() // 100 - months.min() // 100) * 12 + (months.max() % 100 - months.min() % 100)
    if span > YEARLY_AFTER_MONTHS:
        keys, counts = np.unique(months // 100, return_counts=True)
        return [(str(k), int(c)) for k, c in zip(keys, counts)], undated
    keys, counts = np.unique(months, return_counts=True)
    return [(f"{k // 100:04d}-{k % 100:02d}", int(c)) for k, c in zip(keys, counts)], undated


def article(view: IndexView, article_id: str, similar: int = 5) -> dict:
    """Return one article as a dict (the result keys plus body, truncated, source and similar).

    Raises:
        NotFound: no article has this id.
    """
    docnum = view.docnum(article_id)
    if docnum is None:
        raise NotFound(f"no article with id {article_id[:64]!r}")
    s = view.searcher.stored_fields(docnum)
    out = {"id": s["id"], "title": s["title"], "date": s.get("date") or None, "author": s.get("author", ""),
           "url": s.get("url", ""), "countries": split_facet(s.get("country")),
           "people": split_facet(s.get("person")), "topics": split_facet(s.get("topic")),
           "body": s.get("body", ""), "truncated": bool(s.get("truncated")), "source": s.get("source", "")}
    if similar:
        out["similar"] = view.similar(docnum, similar)
    return out


def export_rows(req: SearchRequest, view: IndexView):
    """Yield every matching article (not just a page) as export rows, in the request's order."""
    first = run(SearchRequest(**{**req.__dict__, "page": 1, "per_page": 1}), view)
    total = first.total
    batch = 500
    for start in range(0, total, batch):
        page_req = SearchRequest(**{**req.__dict__, "page": start // batch + 1, "per_page": batch})
        res = _rank(page_req, view, parse_query(req.q, view.schema).settle(view), _final_mask(req, view),
                    start, min(start + batch, total), view.searcher)
        for h in res:
            row = article(view, h.id, similar=0)
            yield {k: row[k] for k in ("id", "title", "date", "author", "url", "countries", "people", "topics",
                                      "body", "truncated")}


def _final_mask(req: SearchRequest, view: IndexView) -> np.ndarray:
    parsed = parse_query(req.q, view.schema).settle(view)
    mask = view.live.copy()
    if parsed.query is not None:
        mask &= view.mask_for(parsed.query)
    if req.author:
        mask &= view.mask_for(Term("author_key", author_key(req.author)))
    if req.date_from or req.date_to:
        lo = _date_int(req.date_from) if req.date_from else 1
        hi = _date_int(req.date_to) if req.date_to else 99999999
        mask &= (view.dates >= lo) & (view.dates <= hi)
    for f, vals in req.selections().items():
        if vals:
            mask &= view.facets[f].mask_any(vals)
    return mask


__all__ = ["build_request", "run", "article", "export_rows", "FACET_KEYS", "scoring", "And", "Or", "Every"]
