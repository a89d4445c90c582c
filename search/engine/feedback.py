"""Pseudo-relevance feedback: the words of a long query's best documents, added to it (RM3).

In: a query tree, its first-pass evaluation and the documents allowed (a Relevance's, which this mixes into:
it supplies `view`, `t` (the Tuning), `_cache`, `first_pass`, `_postings` and `bm25f_at`). Out: ((Word,
weight), ...) to add, and their part of the scores of the first pass's best documents. Each of the
`feedback_docs` best documents is weighed by exp(its score): BM25 is a sum of log-odds, so this is its odds
of relevance up to a constant (RM1 weighs by the query's likelihood, the language model's analogue); a
document under FEEDBACK_MIN_SHARE of the total is not read. The likeliest
`feedback_terms` content words the query lacks weigh `feedback_weight` of the query, the query counted up to
`feedback_query_words` words. They reorder the first pass's FEEDBACK_DEPTH best matches, which stay above
the rest, and never add a match. Short queries, and queries with operators, get none.
"""
from __future__ import annotations

import heapq
from collections import Counter

import numpy as np

from .. import analysis
from .nodes import Any, AtLeast, Word
from .ranking import best_first
from .spans import union

FEEDBACK_MIN_SHARE = 0.01  # a feedback document whose weight is under this share of the total is not read
FEEDBACK_DEPTH = 1000  # the feedback reorders this many of the first pass's best documents


class Feedback:
    """The feedback half of search.engine.relevance.Relevance (a mixin: see the module docstring)."""

    def feedback(self, node, allowed: np.ndarray) -> tuple:
        """((Word, weight), ...) added to a long query: the terms of its best documents (RM3's relevance
        model: each document's odds, exp(its first-pass score), times the term's share of the document),
        weighted against the query's words as feedback_weight to 1 - feedback_weight. Empty when off, for
        short queries and for queries with operators."""
        t = self.t
        if t.feedback_docs <= 0 or not isinstance(node, (Any, AtLeast)):
            return ()
        words = [c for c in node.children if isinstance(c, Word)]
        if len(words) != len(node.children) or len(words) <= t.short_query_words:
            return ()
        key = ("feedback", node, hash(np.packbits(allowed).tobytes()))
        got = self._cache.get(key)
        if got is not None:
            return got
        docs, s = self.first_pass(node, allowed)
        got = ()
        if docs.size:
            best, scores = best_first(docs, s, t.feedback_docs)  # a tie at the cut may keep more: cut again
            got = self._relevance_model(words, best[:t.feedback_docs], scores[:t.feedback_docs])
        self._cache.put(key, got, 64 * (len(got) + 1))
        return got

    def _relevance_model(self, words: list, docs: np.ndarray, scores: np.ndarray) -> tuple:
        searcher = self.view.searcher
        # each document's weight is exp(its score): BM25 is a sum of log-odds, so this is its odds of
        # relevance up to a constant (RM1 weighs by the query's likelihood, the language model's analogue)
        odds = np.exp(scores - scores.max())
        keep = odds >= odds.sum() * FEEDBACK_MIN_SHARE  # documents that would add under 1% are not read
        docs, scores = docs[keep], odds[keep]
        total = float(scores.sum()) or 1.0
        model: dict = {}
        for d, sc in zip(docs.tolist(), scores.tolist()):
            stored = searcher.stored_fields(d)
            counts = Counter(analysis.content_stems(stored.get("title", "") + "\n" + stored.get("body", "")))
            length = sum(counts.values())
            if not length:
                continue
            share = sc / total / length
            for term, c in counts.items():
                model[term] = model.get(term, 0.0) + share * c
        asked = {a for w in words for a in w.alts}
        ranked = heapq.nlargest(self.t.feedback_terms, ((p, term) for term, p in model.items() if term not in asked))
        mass = sum(p for p, _ in ranked)
        if not mass:
            return ()
        lam = self.t.feedback_weight
        # the feedback terms weigh lam / (1 - lam) of the query's words, counted up to feedback_query_words
        # (a long passage already says what it wants: its feedback does not grow with it)
        asked_weight = min(sum(w.weight for w in words), self.t.feedback_query_words)
        scale = lam / (1 - lam) * asked_weight / mass
        return tuple((Word(term, (term,)), p * scale) for p, term in ranked)

    def _expansion_scores(self, expansion: tuple, docs: np.ndarray) -> np.ndarray:
        """The feedback terms' part of the scores of these documents (in any order)."""
        order = np.argsort(docs)
        sdocs, out = docs[order], np.zeros(docs.size)
        for w, weight in expansion:
            out[order] += self.word_at(w, sdocs) * weight
        return out

    def word_at(self, w: Word, docs: np.ndarray) -> np.ndarray:
        """A word's BM25F scores (weight 1) at these sorted documents, as `word` gives them, without scoring
        its whole postings (the feedback's words are scored at the first pass's best documents only)."""
        post = self._postings(w)
        if not post:
            return np.zeros(docs.size)
        key = ("df", w.alts, w.fields)
        df = self._cache.get(key)
        if df is None:  # the documents holding any of its terms, as `word` counts them
            df = int(np.count_nonzero(self.view.live[union([p[2] for p in post])]))
            self._cache.put(key, df, 64)
        return self.bm25f_at(post, docs, df)[0]


def best_positions(scores: np.ndarray, k: int):
    """The positions of the k largest scores (all of them when there are no more than k)."""
    return np.argpartition(-scores, k)[:k] if scores.size > k else np.arange(scores.size)

