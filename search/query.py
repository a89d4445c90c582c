"""SearchRequest -> SearchResults: parsing, filters, facet counts, timeline, highlights and paging.

In: a validated SearchRequest and an open `IndexView`. Out: one SearchResults object that the CLI,
the HTML page and the JSON API all render. Facet filters arrive as values and become sets of documents
(never query text): OR within a facet, AND across facets; each facet's counts ignore that facet's own
selection (multi-select). Per-document facet values and dates are read once per index generation into
arrays (`IndexView`), so counting facets never walks whoosh's stored fields.
"""
from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date
from typing import Optional

import numpy as np
from whoosh.query import Term

from . import config, snippets, timelines
from .errors import BadQuery, NotFound
from .models import FACETS, SORTS, TAGGED, FacetValue, Hit, SearchRequest, SearchResults
from .parsing import parse_query
from .schema import author_key, split_facet
from .tuning import DEFAULT, Tuning
from .view import FacetScope, IndexView

FACET_LIMIT = 200  # facet values returned per facet (most frequent first); the UI shows the top ones
YEARLY_AFTER_MONTHS = 36  # a timeline longer than this is drawn per year


def build_request(q: str = "", country=(), person=(), topic=(), author: str = "", date_from: Optional[str] = None,
                  date_to: Optional[str] = None, sort: str = "relevance", page=1, per_page=None,
                  explain: bool = False) -> SearchRequest:
    """Validate raw search parameters (strings or numbers) and build a SearchRequest.

    The query text may be a paragraph (the web layer bounds what a request may carry).

    Raises:
        BadQuery: with a message naming the bad parameter.
    """
    q = (q or "").replace("\x00", " ")
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


def run(req: SearchRequest, view: IndexView, tuning: Tuning = DEFAULT) -> SearchResults:
    """Answer one search request from an open index view (ranked with `tuning`: the product's by default)."""
    t0 = time.perf_counter()
    m = match(req, view, tuning)
    final = m.final()
    facets, scopes = {}, {}
    for f in FACETS:
        key = frozenset(g for g in m.facet_masks if g != f)  # facets with the same filters share a scope
        if key not in scopes:
            scopes[key] = FacetScope(m.scope_for(f))
        facets[f] = _facet_values(view, f, scopes[key], getattr(req, f))
    total = int(final.sum())
    start = (req.page - 1) * req.per_page
    shown = view.copies.fold(final) if req.fold else final  # one row per group of near-copies
    hits = folded(view, _rank(req, view, m.parsed, shown, start, start + req.per_page, tuning), final)
    timeline, undated = _timeline(view, final)
    series = timelines.split(view, req, final, timeline, facets) if req.timeline_by else ()
    return SearchResults(request=req, total=total, hits=tuple(hits), facets=facets, timeline=tuple(timeline),
                         suggestion=m.parsed.suggestion, notices=m.notices,
                         took_ms=(time.perf_counter() - t0) * 1000, undated=undated, series=series,
                         shown=int(shown.sum()) if shown is not final else None)


def folded(view: IndexView, hits: list, final: np.ndarray) -> list:
    """Hits with their source, their group and the other matching members of their group as `copies`."""
    out = []
    for h in hits:
        d = view.docnum(h.id)
        copies = tuple(_brief(view, c) for c in view.copies.copies_in(d, final))
        source = view.facets["source"].value_of(d)
        out.append(replace(h, source=source, group=view.copies.label(d), copies=copies))
    return out


def _brief(view: IndexView, docnum: int) -> dict:
    """{id, title, date, source} of a document (a copy listed under its group's shown article)."""
    s = view.searcher.stored_fields(docnum)
    return {"id": s["id"], "title": s["title"], "date": s.get("date") or None, "source": s.get("source", "")}


class Match:
    """The documents a request matches, before paging: the query's matches with the author and date
    filters (`base`) and one mask per facet with a selection."""

    def __init__(self, parsed, base: np.ndarray, facet_masks: dict, notices: tuple):
        self.parsed, self.base, self.facet_masks, self.notices = parsed, base, facet_masks, notices
        self.rel = None

    def final(self) -> np.ndarray:
        out = self.base.copy()
        for m in self.facet_masks.values():
            out &= m
        return out

    def scope_for(self, facet: str) -> np.ndarray:
        """The documents a facet's counts are taken over: every filter but that facet's own."""
        out = self.base.copy()
        for g, m in self.facet_masks.items():
            if g != facet:
                out &= m
        return out


def match(req: SearchRequest, view: IndexView, tuning: Tuning = DEFAULT) -> Match:
    """Find the documents a request matches (query, fallback, author, dates, facet selections)."""
    rel = view.relevance(tuning)
    parsed = parse_query(req.q, lexicon=view, tuning=tuning)
    notices = list(parsed.notices)
    base = view.live.copy()
    if parsed.query is not None:
        words = rel.evaluate(parsed.query).mask & view.live
        if parsed.fallback is not None and not words.any():
            parsed = parsed.fall_back()
            words = rel.evaluate(parsed.query).mask & view.live
            notices.append("No article has every word; showing articles with any of them.")
        base &= words
    if req.author:
        base &= view.mask_for(Term("author_key", author_key(req.author)))
    if req.date_from or req.date_to:
        lo = _date_int(req.date_from) if req.date_from else 1
        hi = _date_int(req.date_to) if req.date_to else 99999999
        base &= (view.dates >= lo) & (view.dates <= hi)
    facet_masks = {f: view.facets[f].mask_any(vals) for f, vals in req.selections().items() if vals}
    return Match(parsed, base, facet_masks, tuple(notices))


def _facet_values(view: IndexView, facet: str, scope: FacetScope, selected: tuple) -> tuple:
    counts, present = view.facets[facet].counts(scope, FACET_LIMIT)
    out = [FacetValue(v, c, v in selected) for v, c in counts]
    # a selected value with no match in scope is still shown (count 0), so it can be removed
    out += [FacetValue(v, 0, True) for v in selected if v not in present]
    return tuple(out)


def _rank(req, view, parsed, final, start, stop, tuning: Tuning = DEFAULT) -> list:
    searcher = view.searcher
    if stop <= start or not final.any():
        return []
    sort = req.sort
    if _unscored(parsed.query) and sort == "relevance":
        sort = "newest"  # no words to rank by (nothing, or only filters): newest first
    rel = view.relevance(tuning)
    if sort == "relevance":
        page = rel.top(parsed.query, final, start, stop)
    else:
        docs = np.flatnonzero(final)
        d = view.dates[docs]
        undated = d == 0
        key = d if sort == "oldest" else -d
        order = np.lexsort((docs, key, undated))  # dated first, then by date, ties by index order
        page = [(int(docs[i]), 0.0) for i in order[start:stop]]
    terms = parsed.highlight_terms()
    phrases = parsed.phrases()
    loose = parsed.loose_terms() if phrases else None
    hits = []
    for docnum, score in page:
        stored = searcher.stored_fields(docnum)
        explanation = (rel.explain(parsed.query, docnum, score, final) if req.explain and parsed.query is not None
                       else None)
        hits.append(Hit(
            id=stored["id"], title=stored["title"], date=stored.get("date") or None, author=stored.get("author", ""),
            url=stored.get("url", ""), score=float(score),
            # a body none of whose words matched (a title-only hit) opens the snippet without a scan
            snippet=snippets.make_snippet(stored.get("body", ""),
                                          terms if view.has_any("body", docnum, terms) else frozenset(),
                                          phrases=phrases, loose=loose),
            countries=tuple(split_facet(stored.get("country"))), people=tuple(split_facet(stored.get("person"))),
            topics=tuple(split_facet(stored.get("topic"))), explanation=explanation))
    return hits


def _unscored(node) -> bool:
    """Whether a query tree has no word that scores (None, or only filters and exclusions)."""
    from .nodes import positive_words
    return node is None or not any(set(w.fields) & {"title", "body", "tags"} for w in positive_words(node))


def _timeline(view: IndexView, final: np.ndarray) -> tuple:
    months = view.months[final]
    months = months[months >= 0]
    undated = int(np.count_nonzero(final)) - months.size
    if months.size == 0:
        return [], undated
    # every period from the first match to the last, empty ones included, so the chart shows gaps
    lo, hi = int(months.min()), int(months.max())
    if hi - lo > YEARLY_AFTER_MONTHS:
        years = months // 12
        counts = np.bincount(years - years.min(), minlength=int(years.max() - years.min()) + 1)
        return [(str(int(years.min()) + i), int(c)) for i, c in enumerate(counts)], undated
    counts = np.bincount(months - lo, minlength=hi - lo + 1)
    return [(f"{(lo + i) // 12:04d}-{(lo + i) % 12 + 1:02d}", int(c)) for i, c in enumerate(counts)], undated


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
           "body": s.get("body", ""), "truncated": bool(s.get("truncated")), "source": s.get("source", ""),
           "group": view.copies.label(docnum), "duplicate_of": None}
    members = view.copies.members(docnum)
    if members.size:
        first = int(members[0])  # the group's first article in index order is its original
        out["duplicate_of"] = None if first == docnum else view.searcher.stored_fields(first)["id"]
        out["copies"] = [_brief(view, int(c)) for c in members if c != docnum]
    if similar:
        out["similar"] = _similar(view, docnum, similar)
    return out


def _similar(view: IndexView, docnum: int, top: int) -> list:
    """Up to `top` similar articles: never a copy of the article itself, and one article per group."""
    own = set(view.copies.members(docnum).tolist()) | {docnum}
    seen, out = set(), []
    for s in view.similar(docnum, top + len(own) + 5):
        d = view.docnum(s["id"])
        g = view.copies.group[d] if d is not None else -1
        if d in own or (g >= 0 and g in seen):
            continue
        if g >= 0:
            seen.add(g)
        out.append(s)
        if len(out) == top:
            break
    return out


def tag_evidence(view: IndexView, article_id: str) -> dict:
    """Why each facet value was given: {"id", "title", "facets": {facet: [{"value", "mentions"}]}}.

    Mentions are [text, field, offset] for countries and people, [term, field, count] for topics.
    """
    docnum = view.docnum(article_id)
    if docnum is None:
        raise NotFound(f"no article with id {article_id[:64]!r}")
    s = view.searcher.stored_fields(docnum)
    evidence = json.loads(s.get("evidence") or "{}")
    facets = {}
    for f in TAGGED:
        facets[f] = [{"value": v, "mentions": evidence.get(f, {}).get(v, [])} for v in split_facet(s.get(f))]
    return {"id": s["id"], "title": s["title"], "facets": facets}


def export_rows(req: SearchRequest, view: IndexView, batch: int = 500):
    """Yield every matching article (not just a page) as export rows, in the request's order."""
    m = match(req, view)
    final = m.final()
    total = int(final.sum())
    for start in range(0, total, batch):
        for h in _rank(req, view, m.parsed, final, start, min(start + batch, total)):
            row = article(view, h.id, similar=0)
            yield {k: row[k] for k in EXPORT_KEYS}


# what `export` writes of each article: the keys of a result but score and snippet, the body, and the article's
# group of near-copies (`group`: the group's label, `duplicate_of`: the id of its original, null for that one)
EXPORT_KEYS = ("id", "title", "date", "author", "url", "countries", "people", "topics", "source", "body",
               "truncated", "group", "duplicate_of")
