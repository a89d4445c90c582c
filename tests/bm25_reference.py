"""A reference: whoosh's BM25F evaluated with numpy over search.engine.view's reading of the index.

In: a whoosh query (Term, Or, And, AndNot, Not, DisjunctionMax, Every, Phrase) and a mask of allowed documents.
Out: the top documents with whoosh's BM25F scores, in whoosh's order. tests/test_ranking_parity.py holds it to
whoosh's own search: equal results prove that `view.read_postings` (weights), `view.read_positions`,
`view.phrase_docs` and `ranking._lengths` read exactly what whoosh reads. The product ranks with
search.engine.relevance; this stays here as the parity tests' instrument.
"""
from __future__ import annotations

import math

import numpy as np
from whoosh import query as wq

from search.engine.ranking import _lengths, best_first
from search.engine.cache import ByteCache


class Unsupported(Exception):
    """A query node this module does not evaluate."""


class Ranker:
    """Scores queries over one index view; per-term scores are cached for the view's lifetime."""

    CACHE_MB = 128  # scores of recent terms (their postings are cached by the view)

    def __init__(self, view, k1: float, b: float, fields=("title", "body", "tags")):
        self.view = view
        self.k1, self.b = k1, b
        reader = view.searcher.reader()
        self.n = view.n
        self.lengths = {}
        self.avg = {}
        leaves = list(reader.leaf_readers())
        for f in fields:
            parts = [_lengths(leaf._perdoc, f, leaf.doc_count_all()) for leaf, _ in leaves if hasattr(leaf, "_perdoc")]
            self.lengths[f] = np.concatenate(parts) if parts else np.ones(self.n)
            self.avg[f] = (reader.field_length(f) / (self.n or 1)) or 1.0
        self._cache = ByteCache(self.CACHE_MB << 20)

    def term(self, field: str, text: str) -> tuple:
        """(document numbers, BM25F scores) of one term, as whoosh's BM25FScorer computes them."""
        key = (field, text)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        reader = self.view.searcher.reader()
        if field not in self.lengths:
            raise Unsupported(field)
        if (field, text) not in reader:
            out = (np.zeros(0, np.int64), np.zeros(0, np.float64))
        else:
            ids, tf = self.view.term_postings(field, text)
            df = reader.doc_frequency(field, text)
            idf = math.log(self.n / (df + 1)) + 1
            fl = self.lengths[field][ids]
            k1, b = self.k1, self.b
            scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / self.avg[field])))
            out = (ids, scores)
        self._cache.put(key, out, out[0].nbytes + out[1].nbytes)
        return out

    def evaluate(self, q) -> tuple:
        """(scores, matches) of a query as dense arrays over all documents."""
        if isinstance(q, wq.Term):
            ids, s = self.term(q.fieldname, q.text)
            scores = np.zeros(self.n)
            scores[ids] = s * q.boost
            match = np.zeros(self.n, dtype=bool)
            match[ids] = True
            return scores, match
        if isinstance(q, (wq.Or, wq.DisjunctionMax)):
            # terms are added (or maxed) straight into one pair of arrays: no dense arrays per term
            scores, match = np.zeros(self.n), np.zeros(self.n, dtype=bool)
            dismax = isinstance(q, wq.DisjunctionMax)
            for sub in q.subqueries:
                if isinstance(sub, wq.Term):
                    ids, sc = self.term(sub.fieldname, sub.text)
                    sc = sc * sub.boost
                    scores[ids] = np.maximum(scores[ids], sc) if dismax else scores[ids] + sc
                    match[ids] = True
                else:
                    sc, m = self.evaluate(sub)
                    (np.maximum if dismax else np.add)(scores, sc, out=scores)
                    match |= m
            if q.boost != 1:
                scores *= q.boost
            return scores, match
        if isinstance(q, wq.And):
            parts = [self.evaluate(sub) for sub in q.subqueries]
            if not parts:
                return np.zeros(self.n), np.zeros(self.n, dtype=bool)
            # combined in place into the first part's arrays (a list reduce would stack a copy of all)
            scores, match = parts[0]
            for sc, m in parts[1:]:
                np.add(scores, sc, out=scores)
                np.logical_and(match, m, out=match)
            if q.boost != 1:
                scores *= q.boost
            scores *= match
            return scores, match
        if isinstance(q, wq.AndNot):
            a, am = self.evaluate(q.a)
            _, bm = self.evaluate(q.b)
            match = am & ~bm
            return a * match, match
        if isinstance(q, wq.Not):
            _, m = self.evaluate(q.query)
            return np.zeros(self.n), ~m
        if isinstance(q, wq.Every):
            return np.zeros(self.n), np.ones(self.n, dtype=bool)
        if isinstance(q, wq.Phrase) and len(q.words) > 1:
            return self._phrase(q)
        raise Unsupported(type(q).__name__)

    def _phrase(self, q) -> tuple:
        """A phrase scores as whoosh's does: the sum of its words' scores, in the documents where they
        form the phrase (positions checked only in the documents holding every word)."""
        scores = np.zeros(self.n)
        for w in q.words:
            ids, s = self.term(q.fieldname, w)
            scores[ids] += s
        match = np.zeros(self.n, dtype=bool)
        match[self.view.phrase_ids(q.fieldname, tuple(q.words), q.slop)] = True
        return scores * q.boost * match, match

    def top(self, q, allowed: np.ndarray, start: int, stop: int) -> list:
        """[(docnum, score)] of ranks start..stop among the allowed documents, best first."""
        scores, match = self.evaluate(q)
        docs = np.flatnonzero(allowed & match)
        if docs.size == 0:
            return []
        docs, s = best_first(docs, scores[docs], stop)
        return [(int(d), float(x)) for d, x in zip(docs[start:stop], s[start:stop])]


