"""Dossiers: what the archive holds about one person, country, topic or source, built from the index itself.

In: an open IndexView, a facet and a name as a person types it ("tokaev", "kazakstan"). Out: one dict (the
JSON of /api/entities/<facet>/<name>, rendered by the page and `casearch entity` alike): the canonical
value, its article count, first and last seen, a monthly timeline, the values of every facet that appear
with it most, the spellings its mentions were found as, its latest and its most relevant articles.

Everything is read from the per-document arrays of IndexView (FacetArrays, dates, months) and the
`spelling` terms written at index time (search.engine.schema.spelling_terms), never by walking stored fields, so
the cost depends on the number of values, not of articles; only the articles listed are read. "Most
relevant" means what a search for the value's name ranks first among its articles. Copies: counts are
of articles (near-copies included, as the search's counts are); the article lists fold them.
"""
from __future__ import annotations

import time

import numpy as np

from ..errors import NotFound
from ..models import FACETS
from ..engine.schema import SPELLING_SEP
from .request import build_request, refine
from .run import run
from .variants import candidates
from ..engine.facets import FacetScope
from ..engine.view import IndexView

CO_VALUES = 10  # values of each facet listed as appearing with the entity
ARTICLES = 10  # latest and most relevant articles listed
SPELLINGS = 20


def resolve(view: IndexView, facet: str, name: str) -> str:
    """The facet value a typed name means: the exact value, else the one equal ignoring case, else the one
    with the same spelling-insensitive key (name_key), else for people the one whose surname has that key.

    Raises:
        NotFound: no value matches, or several do (the message names up to five of them).
    """
    if facet not in FACETS:
        raise NotFound(f"no such facet {facet[:30]!r}: use one of {', '.join(FACETS)}")
    found = candidates(view, facet, name)
    if len(found) == 1:
        return found[0]
    name = " ".join((name or "").split())
    if len(found) > 1:
        raise NotFound(f"{name[:80]!r} could be several {facet} values: {', '.join(sorted(found)[:5])}")
    raise NotFound(f"no {facet} named {name[:80]!r} in the index")


def dossier(view: IndexView, facet: str, name: str) -> dict:
    """The dossier of one facet value (module docstring); `name` is resolved as `resolve` does.

    Raises:
        NotFound: an unknown facet or value.
    """
    t0 = time.perf_counter()
    value = resolve(view, facet, name)
    docs = view.facets[facet].docs_of(value)
    mask = np.zeros(view.n, dtype=bool)
    mask[docs] = True
    dates = view.dates[docs]
    dated = dates[dates > 0]
    latest = run(refine(build_request("", sort="newest", per_page=ARTICLES, **_selection(facet, value)),
                        **_source(facet, value)), view)
    co = {}
    for f in FACETS:
        if f == facet:  # the search's counts of its own facet ignore the selection: count over the value's articles
            top, _ = view.facets[f].counts(FacetScope(mask), CO_VALUES + 1)
            co[f] = [{"value": v, "count": c} for v, c in top if v != value][:CO_VALUES]
        else:  # the other facets were counted over exactly the value's articles
            co[f] = [{"value": v.value, "count": v.count} for v in latest.facets[f][:CO_VALUES] if v.count]
    relevant = ()
    if facet != "source":  # a search for a source's name says nothing about its articles
        found = run(refine(build_request(value, per_page=ARTICLES, **_selection(facet, value)),
                           **_source(facet, value)), view)
        relevant = found.hits
    return {
        "facet": facet, "value": value, "asked": name,
        "articles": int(docs.size), "shown": latest.rows, "dated": int(dated.size),
        "undated": int(docs.size - dated.size),
        "first_seen": _iso(int(dated.min())) if dated.size else None,
        "last_seen": _iso(int(dated.max())) if dated.size else None,
        "timeline": [{"period": p, "count": c} for p, c in monthly(view.months[docs])],
        "co_mentions": co,
        "spellings": spellings(view, facet, value),
        "latest": [_row(h) for h in latest.hits],
        "relevant": [_row(h) for h in relevant],
        "took_ms": round((time.perf_counter() - t0) * 1000, 2),
    }


def _selection(facet: str, value: str) -> dict:
    return {facet: (value,)} if facet != "source" else {}


def _source(facet: str, value: str) -> dict:
    return {"source": (value,)} if facet == "source" else {}


def monthly(months: np.ndarray) -> list:
    """[(yyyy-mm, count)] of every month from the first to the last dated one (months as IndexView.months)."""
    months = months[months >= 0]
    if not months.size:
        return []
    lo, hi = int(months.min()), int(months.max())
    counts = np.bincount(months - lo, minlength=hi - lo + 1)
    return [(f"{(lo + i) // 12:04d}-{(lo + i) % 12 + 1:02d}", int(c)) for i, c in enumerate(counts.tolist())]


def spellings(view: IndexView, facet: str, value: str) -> list:
    """[{text, articles}]: the texts the value's mentions were found as, by the number of live articles."""
    prefix = SPELLING_SEP.join((facet, value, ""))
    out = []
    reader = view.searcher.reader()
    for term in reader.expand_prefix("spelling", prefix):
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        ids = view.term_ids("spelling", text)
        n = int(np.count_nonzero(view.live[ids]))
        if n:
            out.append({"text": text[len(prefix):], "articles": n})
    out.sort(key=lambda s: (-s["articles"], s["text"]))
    return out[:SPELLINGS]


def _row(hit) -> dict:
    return {"id": hit.id, "title": hit.title, "date": hit.date, "source": hit.source, "snippet": hit.snippet,
            "copies": len(hit.copies)}


def _iso(d: int) -> str:
    return f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}"

