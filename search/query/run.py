"""SearchRequest -> SearchResults: parsing, filters, facet counts, timeline, highlights and paging.

In: a validated SearchRequest and an open `IndexView`. Out: one SearchResults object that the CLI,
the HTML page and the JSON API all render. Facet filters arrive as values and become sets of documents
(never query text): OR within a facet, AND across facets; each facet's counts ignore that facet's own
selection (multi-select). Per-document facet values and dates are read once per index generation into
arrays (`IndexView`), so counting facets never walks whoosh's stored fields. Filter values are first read as
the index spells them (search.query.filters): the results' request holds those.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ..engine import FacetScope, IndexView
from ..engine.nodes import positive_words
from ..engine.schema import split_facet
from ..models import FACETS, FacetValue, Hit, SearchRequest, SearchResults
from ..tuning import DEFAULT, Tuning
from . import snippets, timelines
from .filters import resolve_filters
from .parsing import parse_query

FACET_LIMIT = 200  # facet values returned per facet (most frequent first); the UI shows the top ones
YEARLY_AFTER_MONTHS = 36  # a timeline longer than this is drawn per year


def _date_int(iso: str) -> int:
    return int(iso.replace("-", ""))


def run(req: SearchRequest, view: IndexView, tuning: Tuning = DEFAULT) -> SearchResults:
    """Answer one search request from an open index view (ranked with `tuning`: the product's by default)."""
    t0 = time.perf_counter()
    m = match(req, view, tuning)
    req = m.request  # the filters as the index spells them
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
    hits = folded(view, rank(req, view, m.parsed, shown, start, start + req.per_page, tuning), final)
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
        copies = tuple(brief(view, c) for c in view.copies.copies_in(d, final))
        source = view.facets["source"].value_of(d)
        out.append(replace(h, source=source, group=view.copies.label(d), copies=copies))
    return out


def brief(view: IndexView, docnum: int) -> dict:
    """{id, title, date, source} of a document (a copy listed under its group's shown article)."""
    s = view.searcher.stored_fields(docnum)
    return {"id": s["id"], "title": s["title"], "date": s.get("date") or None, "source": s.get("source", "")}


class Match:
    """The documents a request matches, before paging: the query's matches with the author and date
    filters (`base`) and one mask per facet with a selection; `request` has the filters as the index spells them."""

    def __init__(self, request, parsed, base: np.ndarray, facet_masks: dict, notices: tuple):
        self.request, self.parsed, self.notices = request, parsed, notices
        self.base, self.facet_masks = base, facet_masks
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
    """Find the documents a request matches (query, fallback, author, dates, facet selections), its filter
    values read as the index spells them."""
    rel = view.relevance(tuning)
    filters = resolve_filters(req, view)
    req = filters.request
    parsed = parse_query(req.q, lexicon=view, tuning=tuning)
    notices = list(req.notices) + list(filters.notices) + list(parsed.notices)
    base = view.live.copy()
    if parsed.query is not None:
        words = rel.evaluate(parsed.query).mask & view.live
        if parsed.fallback is not None and not words.any():
            parsed = parsed.fall_back()
            words = rel.evaluate(parsed.query).mask & view.live
            notices.append("No article has every word; showing articles with any of them.")
        base &= words
    if req.author:  # any of the authors it was read as (none: no article)
        by = np.zeros(view.n, dtype=bool)
        for k in filters.author_keys:
            by |= view.term_mask("author_key", k)
        base &= by
    if req.date_from or req.date_to:
        lo = _date_int(req.date_from) if req.date_from else 1
        hi = _date_int(req.date_to) if req.date_to else 99999999
        base &= (view.dates >= lo) & (view.dates <= hi)
    facet_masks = {f: view.facets[f].mask_any(vals) for f, vals in req.selections().items() if vals}
    return Match(req, parsed, base, facet_masks, tuple(notices))


def _facet_values(view: IndexView, facet: str, scope: FacetScope, selected: tuple) -> tuple:
    counts, present = view.facets[facet].counts(scope, FACET_LIMIT)
    out = [FacetValue(v, c, v in selected) for v, c in counts]
    # a selected value with no match in scope is still shown (count 0), so it can be removed
    out += [FacetValue(v, 0, True) for v in selected if v not in present]
    return tuple(out)


def rank(req, view, parsed, final, start, stop, tuning: Tuning = DEFAULT) -> list:
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
        return [(f"{int(years.min()) + i:04d}", int(c)) for i, c in enumerate(counts)], undated
    counts = np.bincount(months - lo, minlength=hi - lo + 1)
    return [(f"{(lo + i) // 12:04d}-{(lo + i) % 12 + 1:02d}", int(c)) for i, c in enumerate(counts)], undated
