"""Tagging: Article -> TaggedArticle with canonical country, person and topic values.

Each facet has one tagger with one signature, `tag(article) -> (values ordered by salience, evidence)`;
their knowledge lives in data files beside them (data/countries.tsv, data/people.tsv, data/topics.tsv),
loaded once per process. Salience: a mention in the title counts most, then the lead, then the count.
"""
from __future__ import annotations

import gc
from collections import Counter
from dataclasses import replace
from functools import lru_cache

from ..models import Article, TaggedArticle
from . import cache
from .countries import CountryTagger
from .people import PersonTagger, canonical_people
from .topics import TopicTagger


@lru_cache(maxsize=1)
def taggers() -> tuple:
    """Load the three taggers once (their gazetteers are read-only after loading), from the cache of
    loaded taggers when it has them (cache.py)."""
    # the load makes some 200,000 long-lived objects (forms, names, tuples): the cyclic collector's passes
    # over them while they are made cost a third of the load and free nothing
    enabled = gc.isenabled()
    gc.disable()
    try:
        return cache.load(lambda: (CountryTagger.load(), PersonTagger.load(), TopicTagger.load()))
    finally:
        if enabled:
            gc.enable()


def tag(article: Article) -> TaggedArticle:
    """Tag one article with its countries, people and topics, each with the mentions that justify it."""
    countries, people, topics = taggers()
    c_vals, c_ev = countries.tag(article)
    p_vals, p_ev = people.tag(article)
    t_vals, t_ev = topics.tag(article)
    return TaggedArticle(article=article, countries=tuple(c_vals), people=tuple(p_vals), topics=tuple(t_vals),
                         evidence={"country": c_ev, "person": p_ev, "topic": t_ev})


def unify_people(tagged: list, known=()) -> list:
    """Give each person one spelling across the corpus (Guchgeldiev and Guchgeldiyev become one value).

    `known` are the person values already in the index: an existing spelling wins, so an incremental
    run never renames a facet value that readers see.
    """
    mapping = canonical_people(Counter(p for t in tagged for p in t.people), known)
    return [unified(t, mapping) for t in tagged] if mapping else tagged


def unified(t: TaggedArticle, mapping: dict) -> TaggedArticle:
    """A tagged article with its people spelled as `mapping` says, their mentions merged."""
    if not mapping or not any(p in mapping for p in t.people):
        return t
    people = tuple(dict.fromkeys(mapping.get(p, p) for p in t.people))
    ev = dict(t.evidence)
    merged = {}
    for p, ms in ev.get("person", {}).items():
        merged.setdefault(mapping.get(p, p), []).extend(ms)
    ev["person"] = merged
    return replace(t, people=people, evidence=ev)
