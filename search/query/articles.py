"""One article as its page shows it: the stored fields, its near-copies, similar articles, tag evidence.

In: an open IndexView and an article id. Out: plain dicts (`article`, `tag_evidence`) that the CLI, the
HTML page and the JSON API render; NotFound for an unknown id. This module does not search.
"""
from __future__ import annotations

import json

from ..engine import IndexView
from ..engine.schema import split_facet
from ..errors import NotFound
from ..models import TAGGED
from .run import brief


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
        out["copies"] = [brief(view, int(c)) for c in members if c != docnum]
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
