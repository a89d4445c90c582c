"""The query tree: the small frozen nodes `parsing` builds and `relevance` matches and scores.

A `Word` is one word of the query with every index term that stands for it (its stem, its name-variant
keys, the terms of its aliases or of a prefix's completions) and the fields it is searched in; a
`Phrase` is words at fixed relative positions with a Lucene slop; `Near` is Factiva's and Nexis' w/N
and pre/N between two operands. `All`, `Any`, `AtLeast`, `Not` and `Every` combine them; `Facet`
restricts to documents tagged with facet values and `Dates` to those dated in a period (filters: they add
nothing to the score).
This module holds data only: no index access, no scoring.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

TEXT = ("title", "body", "tags")  # the fields a word is searched in unless the query names one


@dataclass(frozen=True)
class Word:
    """One query word: `alts` are the index terms it matches (stem first), searched in `fields`."""

    text: str  # the word as typed, folded ("tokayev", "migra*")
    alts: tuple  # index terms: stems, "~" variant keys, alias terms; empty: matches nothing
    fields: tuple = TEXT
    weight: float = 1.0  # times the word was typed in a long query


@dataclass(frozen=True)
class Phrase:
    """Words at relative positions (`offsets`: a stop word between two words leaves a gap), matched in
    one field within `slop` as Lucene's sloppy phrase: 0 is the exact phrase, "a b"~2 also matches "b a"."""

    words: tuple  # of Word
    offsets: tuple  # position of each word relative to the first
    slop: int = 0
    fields: tuple = TEXT


@dataclass(frozen=True)
class Near:
    """Two operands within `distance` words of each other in one field: either order (w/N), or the
    left one first (pre/N). Operands are words, phrases, or Any of those."""

    left: object
    right: object
    distance: int
    ordered: bool = False


@dataclass(frozen=True)
class All:
    children: tuple


@dataclass(frozen=True)
class Any:
    children: tuple


@dataclass(frozen=True)
class AtLeast:
    """At least `need` of the children match (a pasted sentence: minimum should match)."""

    children: tuple
    need: int


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class Every:
    pass


@dataclass(frozen=True)
class Facet:
    """Documents tagged with any of `values` (canonical facet values) of `facet`."""

    facet: str
    values: tuple


@dataclass(frozen=True)
class Dates:
    """Documents dated from `start` to `end`, both included, as YYYYMMDD integers (undated ones never)."""

    start: int
    end: int


@dataclass(frozen=True)
class Parsed:
    """What the parser understood: the tree, what to try when nothing matches it, what it told the user."""

    query: Optional[object]  # None: no words, every article matches
    fallback: Optional[object] = None  # used when `query` matches nothing (any word instead of every word)
    notices: tuple = ()
    corrections: tuple = ()  # (typed word, corrected word) pairs: the basis of "did you mean"
    suggestion: Optional[str] = None

    def fall_back(self) -> "Parsed":
        return replace(self, query=self.fallback, fallback=None)

    def highlight_terms(self) -> frozenset:
        """The index terms of every positive word searched in the title or body (for snippets)."""
        return frozenset(t for w in positive_words(self.query) if {"title", "body"} & set(w.fields)
                         for t in w.alts)

    def loose_terms(self) -> frozenset:
        """The highlight terms of the words outside phrases and w/N (marked one by one)."""
        inside = {w for n in self.phrases() for w in positive_words(n)}
        return frozenset(t for w in positive_words(self.query) if w not in inside
                         and {"title", "body"} & set(w.fields) for t in w.alts)

    def phrases(self) -> tuple:
        """Phrase and Near nodes outside a Not: the snippet marks their whole match."""
        return tuple(n for n in walk(self.query, skip_not=True) if isinstance(n, (Phrase, Near)))


def children(node) -> tuple:
    if isinstance(node, (All, Any, AtLeast)):
        return node.children
    if isinstance(node, Not):
        return (node.child,)
    if isinstance(node, Phrase):
        return node.words
    if isinstance(node, Near):
        return node.left, node.right
    return ()


def walk(node, skip_not: bool = False):
    """Every node of a tree, depth first, in query order."""
    if node is None or (skip_not and isinstance(node, Not)):
        return
    yield node
    for c in children(node):
        yield from walk(c, skip_not)


def positive_words(node) -> list:
    """The words of a tree outside any Not, in query order (a word repeated in several places once)."""
    return list(dict.fromkeys(n for n in walk(node, skip_not=True) if isinstance(n, Word)))
