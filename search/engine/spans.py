"""Positions of query words in documents: phrases, w/N and pre/N, and the proximity part of a score.

In: query nodes (search.engine.nodes) and candidate documents. Out: which documents hold a phrase or a w/N, the
(start, end) keys of their matches (document << 32 | position), and for proximity the number of times
adjacent query words meet within a window. Positions come from `view.read_positions` (a segment's postings
sidecar, or whoosh's blocks). `Positions` is mixed into search.engine.relevance.Relevance, which supplies `view`,
`t` (the tuning), `weights` and `word()`; this module does not score words or parse.
"""
from __future__ import annotations

import numpy as np

from .nodes import Any, Near, Phrase, Word, positive_words
from .postings import read_positions

SCORED = ("title", "body", "tags")  # the fields BM25F adds up; others (author) only match
SPAN_FIELDS = ("title", "body")  # where w/N and proximity look for words near each other
POS_BITS = 32
BIAS = 1 << 16  # added to positions in sloppy phrase matching (position - offset stays positive)


def union(arrays: list) -> np.ndarray:
    """The sorted distinct values of arrays that are each sorted: a merge (timsort finds the runs), not a hash.

    >>> union([np.array([1, 4, 9]), np.array([2, 4])]).tolist()
    [1, 2, 4, 9]
    """
    if len(arrays) == 1:
        return arrays[0]
    out = np.sort(np.concatenate(arrays), kind="stable")
    return out[np.r_[True, out[1:] != out[:-1]]] if out.size else out


def contains(sorted_values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Which of x are in sorted_values (a binary search each)."""
    if not sorted_values.size:
        return np.zeros(x.size, dtype=bool)
    at = np.searchsorted(sorted_values, x)
    return sorted_values[np.minimum(at, sorted_values.size - 1)] == x


def values_at(ids: np.ndarray, values: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """values[i] where ids[i] (sorted) is one of the sorted documents; 0 for a document not in ids.

    >>> values_at(np.array([2, 5, 9]), np.array([1.0, 2.0, 3.0]), np.array([1, 5, 9])).tolist()
    [0.0, 2.0, 3.0]
    """
    out = np.zeros(docs.size)
    if ids.size:
        at = np.minimum(np.searchsorted(ids, docs), ids.size - 1)
        hit = ids[at] == docs
        out[hit] = values[at[hit]]
    return out


class Positions:
    """Phrase, w/N and proximity matching over a Relevance's view (a mixin: see the module docstring)."""

    # --- positions ----------------------------------------------------------------------------------

    def keys(self, w: Word, field: str, docs: np.ndarray) -> np.ndarray:
        """Sorted (document << 32 | position) of a word's occurrences in a field, in the given documents."""
        reader = self.view.searcher.reader()
        parts = []
        for term in w.alts:
            if (field, term) in reader:
                d, p = read_positions(reader, field, term, docs)
                if d.size:
                    parts.append((d << POS_BITS) | p)
        if not parts:
            return np.zeros(0, np.int64)
        return union(parts)

    def spans(self, node, field: str, docs: np.ndarray) -> tuple:
        """(start keys, end keys) of a node's matches in a field: a word's occurrences, a phrase's matches,
        the union for Any (operands of w/N)."""
        if isinstance(node, Word):
            k = self.keys(node, field, docs)
            return k, k
        if isinstance(node, Phrase):
            return self._phrase_spans(node, field, docs)
        if isinstance(node, Any):
            got = [self.spans(c, field, docs) for c in node.children]
            starts = np.concatenate([g[0] for g in got])
            ends = np.concatenate([g[1] for g in got])
            order = np.argsort(starts, kind="stable")
            return starts[order], ends[order]
        raise TypeError(f"{type(node).__name__} has no positions")

    def _phrase_spans(self, p: Phrase, field: str, docs: np.ndarray) -> tuple:
        keys = [self.keys(w, field, docs) for w in p.words]
        if any(k.size == 0 for k in keys):
            empty = np.zeros(0, np.int64)
            return empty, empty
        # Lucene's rule: with v = position - offset, one occurrence per word and max(v) - min(v) <= slop
        if p.slop == 0:
            starts = keys[0]
            for k, o in zip(keys[1:], p.offsets[1:]):
                starts = starts[contains(k, starts + o)]
            return starts, starts + p.offsets[-1]
        # BIAS keeps position - offset from borrowing from the document bits
        return _sloppy([k + (BIAS - o) for k, o in zip(keys, p.offsets)], p.slop, p.offsets[-1])

    def span_docs(self, node, cand: np.ndarray) -> np.ndarray:
        """The candidate documents where a phrase or a w/N holds in one of its fields."""
        if cand.size == 0:
            return cand
        # not in tags: they hold facet values one after another, which no phrase should join
        fields = [f for f in node.fields if f in SPAN_FIELDS] if isinstance(node, Phrase) else SPAN_FIELDS
        found = []
        for f in fields:
            if isinstance(node, Phrase):
                starts, _ = self._phrase_spans(node, f, cand)
            else:
                starts = self._near_starts(node, f, cand)
            if starts.size:
                found.append(starts >> POS_BITS)
        return union(found) if found else np.zeros(0, np.int64)

    def _near_starts(self, node: Near, field: str, docs: np.ndarray) -> np.ndarray:
        """Start keys of the left operand's matches that have the right operand within the distance."""
        ls, le = self.spans(node.left, field, docs)
        rs, re_ = self.spans(node.right, field, docs)
        if not ls.size or not rs.size:
            return np.zeros(0, np.int64)
        d = node.distance
        order = np.sort(rs)
        # right after left: a right start in (left end, left end + d]
        after = np.searchsorted(order, le + d, side="right") > np.searchsorted(order, le, side="right")
        if node.ordered:
            return ls[after]
        ends = np.sort(re_)
        # right before left: a right end in [left start - d, left start)
        before = np.searchsorted(ends, ls, side="left") > np.searchsorted(ends, ls - d, side="left")
        return ls[after | before]

    def pairs(self, node) -> list:
        """Adjacent positive words of the query (distinct terms), the pairs proximity looks at."""
        words = [w for w in positive_words(node) if set(w.fields) & set(SPAN_FIELDS) and w.alts]
        return [(a, b) for a, b in zip(words, words[1:]) if set(a.alts).isdisjoint(b.alts)]

    def proximity(self, node, docs: np.ndarray, per_pair: bool = False):
        """The proximity part of the score of each document (sorted or not), None without pairs; with
        per_pair, also [(word, word, part per document)]."""
        pairs = self.pairs(node)
        if not pairs or docs.size == 0:
            return None
        order = np.argsort(docs)
        sdocs = docs[order]
        window, k1 = self.t.proximity_window, self.t.k1
        total = np.zeros(docs.size)
        parts = []
        keys = {}
        for a, b in pairs:
            count = np.zeros(docs.size)
            for f in SPAN_FIELDS:
                ka = keys.setdefault((a, f), self.keys(a, f, sdocs))
                kb = keys.setdefault((b, f), self.keys(b, f, sdocs))
                if not ka.size or not kb.size:
                    continue
                near = np.searchsorted(kb, ka + window, side="right") > np.searchsorted(kb, ka - window)
                met = ka[near] >> POS_BITS
                if met.size:  # every meeting counts, weighted as its field
                    uniq, c = np.unique(met, return_counts=True)
                    count[np.searchsorted(sdocs, uniq)] += c * self.weights[f]
            idf = min(self.word(a)[2], self.word(b)[2])
            part = self.t.proximity * idf * count * (k1 + 1) / (count + k1)
            total += part
            if per_pair:
                parts.append((a, b, part))
        out = np.empty(docs.size)
        out[order] = total
        if per_pair:
            return out, [(a, b, _unsort(p, order)) for a, b, p in parts]
        return out


def _unsort(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty(values.size)
    out[order] = values
    return out


def _sloppy(rel: list, slop: int, width: int) -> tuple:
    """(start keys, end keys) where one key of each list lies within `slop` of the others (same document).

    Two words: each key of the first with the nearest of the second, with numpy. More: per document, the
    smallest window holding one key of every list (a sweep over their merged keys).
    """
    if len(rel) == 2:
        a, b = rel
        lo = np.searchsorted(b, a - slop)
        hi = np.searchsorted(b, a + slop, side="right")
        ok = (hi > lo) & ((a >> POS_BITS) == (b[np.minimum(lo, b.size - 1)] >> POS_BITS))
        starts = a[ok] - BIAS
        return starts, starts + width + slop
    tagged = sorted((int(k), i) for i, r in enumerate(rel) for k in r.tolist())
    need = len(rel)
    starts = []
    have: dict = {}
    left = 0
    for right in range(len(tagged)):
        k, i = tagged[right]
        have[i] = have.get(i, 0) + 1
        while len(have) == need:
            lk, li = tagged[left]
            if (k >> POS_BITS) == (lk >> POS_BITS) and k - lk <= slop:
                starts.append(lk - BIAS)
                break
            have[li] -= 1
            if not have[li]:
                del have[li]
            left += 1
    s = np.unique(np.array(starts, dtype=np.int64))
    return s, s + width + slop
