"""Frozen dataclasses that carry data between the stages of the pipeline.

Article (from a source) -> TaggedArticle (with facets) -> index; SearchRequest -> SearchResults.
They hold plain values only, so every stage can be tested by building its input by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Optional

FACETS = ("country", "person", "topic", "source")
TAGGED = ("country", "person", "topic")  # the facets the taggers give (with evidence); `source` comes from the record
# the key under which each facet's values appear in a result or an export row (a list, `source` a string)
FACET_KEYS = {"country": "countries", "person": "people", "topic": "topics", "source": "source"}
SORTS = ("relevance", "newest", "oldest")


@dataclass(frozen=True)
class Article:
    """One article as read from a source, before tagging."""

    id: str
    title: str
    body: str
    date: Optional[str] = None  # ISO yyyy-mm-dd or None when the source does not tell it
    author: str = ""
    url: str = ""
    source: str = ""  # file the article came from (several, joined by "; ", after a merge)
    truncated: bool = False
    files: tuple = ()  # absolute paths of the files it was read from (for --prune)
    publication: str = ""  # the record's own `source` (a publication or site), when it gives one
    where: str = field(default="", compare=False)  # `file:line` it was read from (`file` for a page), for messages


@dataclass(frozen=True)
class Rejected:
    """A record or page a reader could not turn into an article: `where` is `file:line`."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Mention:
    """Why a facet value was given: the matched text and where it was found."""

    text: str
    field: str  # "title" or "body"
    offset: int


@dataclass(frozen=True)
class TaggedArticle:
    """An article with its facet values, each facet ordered by salience (first = main)."""

    article: Article
    countries: tuple = ()
    people: tuple = ()
    topics: tuple = ()
    evidence: dict = field(default_factory=dict)  # {facet: {value: [Mention, ...]}}


@dataclass(frozen=True)
class SearchRequest:
    """A search as the user asked it; facet selections are values, never query text."""

    q: str = ""
    country: tuple = ()
    person: tuple = ()
    topic: tuple = ()
    source: tuple = ()
    author: str = ""
    date_from: Optional[str] = None
    date_to: Optional[str] = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    explain: bool = False
    timeline_by: str = ""  # a facet: the timeline is also split into one series per value of it
    fold: bool = True  # near-copies of one article shown once (search.duplicates)
    notices: tuple = ()  # what reading the parameters did on its own (a long query cut to its first words)

    def selections(self) -> dict:
        """Return {facet: tuple of selected values}."""
        return {f: getattr(self, f) for f in FACETS}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["from"] = d.pop("date_from")
        d["to"] = d.pop("date_to")
        for f in FACETS:
            d[f] = list(d[f])
        return d


@dataclass(frozen=True)
class Hit:
    """One ranked result."""

    id: str
    title: str
    date: Optional[str]
    author: str
    url: str
    score: float
    snippet: str  # HTML: only <mark> tags, everything else escaped
    countries: tuple = ()
    people: tuple = ()
    topics: tuple = ()
    explanation: Optional[dict] = None
    source: str = ""
    group: Optional[str] = None  # the id of its group of near-copies (search.duplicates), None when alone
    copies: tuple = ()  # the other matching members of its group, folded under it: ({id, title, date, source}, ...)

    def to_dict(self) -> dict:
        d = {"id": self.id, "title": self.title, "date": self.date, "author": self.author,
             "url": self.url, "score": round(self.score, 4), "snippet": self.snippet,
             "countries": list(self.countries), "people": list(self.people), "topics": list(self.topics),
             "source": self.source, "group": self.group, "copies": [dict(c) for c in self.copies]}
        if self.explanation is not None:
            d["explanation"] = self.explanation
        return d


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool = False

    def to_dict(self) -> dict:
        return {"value": self.value, "count": self.count, "selected": self.selected}


@dataclass(frozen=True)
class Series:
    """One value's share of a timeline: its matches per period, on the periods of the whole timeline."""

    value: str
    count: int  # matches carrying the value (dated and undated)
    undated: int  # of those, the ones without a date (in no period)
    timeline: tuple  # ((period, count), ...)
    selected: bool = False

    def to_dict(self) -> dict:
        return {"value": self.value, "count": self.count, "undated": self.undated, "selected": self.selected,
                "timeline": [{"period": p, "count": c} for p, c in self.timeline]}


@dataclass(frozen=True)
class SearchResults:
    """Everything one search answers; the CLI, the HTML page and the API all render this object."""

    request: SearchRequest
    total: int
    hits: tuple
    facets: dict  # {facet: tuple of FacetValue}, most frequent first
    timeline: tuple  # ((period, count), ...) in date order
    suggestion: Optional[str] = None
    notices: tuple = ()  # what the engine did on its own: fallback to any word, syntax read as words, ...
    took_ms: float = 0.0
    undated: int = 0  # matches without a date (not in the timeline)
    series: tuple = ()  # with request.timeline_by: one Series per value (search.query.timelines)
    shown: Optional[int] = None  # result rows once near-copies are folded (None: as many as total)

    @property
    def rows(self) -> int:
        """The result rows the pages go through: every match, less the copies folded under another."""
        return self.total if self.shown is None else self.shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.rows // self.request.per_page))

    def to_dict(self) -> dict:
        query = self.request.to_dict()
        query["notices"] = list(self.notices)
        return {
            "query": query,
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "results": [h.to_dict() for h in self.hits],
            "facets": {f: [v.to_dict() for v in vals] for f, vals in self.facets.items()},
            "timeline": [{"period": p, "count": c} for p, c in self.timeline],
            "undated": self.undated,
            "shown": self.rows,
            "series": [s.to_dict() for s in self.series],
            "suggestion": self.suggestion,
            "took_ms": round(self.took_ms, 2),
        }
