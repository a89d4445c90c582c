"""Attention over time per value: a search's timeline split into one series per value of a facet.

In: an IndexView, a request with `timeline_by` (a facet), the mask of its matches, the periods of its
whole timeline and its facet counts. Out: one `Series` per value (the values selected in that facet,
else the most frequent ones, at most MAX_SERIES), each counting the matches with that value per period
of the whole timeline, exactly, with the undated ones apart. An article with two values counts in both
series, so the series may add up to more than the timeline. It does not draw anything (see web/).
"""
from __future__ import annotations

import numpy as np

from ..models import Series

MAX_SERIES = 8


def split(view, req, final: np.ndarray, timeline, facets: dict) -> tuple:
    """The series of `req.timeline_by` over the matches `final`, on the periods of `timeline`."""
    facet = req.timeline_by
    selected = getattr(req, facet)
    if selected:
        values = list(selected[:MAX_SERIES])
    else:
        values = [v.value for v in facets.get(facet, ()) if v.count][:MAX_SERIES]
    yearly = bool(timeline) and len(timeline[0][0]) == 4
    first = _period_index(timeline[0][0]) if timeline else 0
    out = []
    for value in values:
        docs = view.facets[facet].docs_of(value)
        docs = docs[final[docs]]
        months = view.months[docs]
        dated = months[months >= 0]
        counts = np.zeros(len(timeline), dtype=np.int64)
        if dated.size and timeline:
            slots = (dated // 12 if yearly else dated) - first
            counts = np.bincount(slots, minlength=len(timeline))[:len(timeline)]
        out.append(Series(value=value, count=int(docs.size), undated=int(docs.size - dated.size),
                          timeline=tuple((p, int(c)) for (p, _), c in zip(timeline, counts.tolist())),
                          selected=value in selected))
    return tuple(out)


def _period_index(period: str) -> int:
    """A period's number: the year for "2025", months since year 0 for "2025-06" (as IndexView.months)."""
    if len(period) == 4:
        return int(period)
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def to_rows(results) -> list:
    """The timeline and its series as table rows: a header, one row per period, then the undated row."""
    header = ["period", "all"] + [s.value for s in results.series]
    rows = [header]
    for i, (period, count) in enumerate(results.timeline):
        rows.append([period, count] + [s.timeline[i][1] for s in results.series])
    rows.append(["undated", results.undated] + [s.undated for s in results.series])
    return rows
