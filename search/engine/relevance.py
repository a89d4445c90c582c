"""Query tree -> matching documents and their scores: BM25F, proximity, and the parts of each score.

In: a tree of search.engine.nodes and an open IndexView. Out: a boolean mask of the matching documents, the
best of them in order with their scores, and on request the parts each score is made of.

- A `Word` scores as BM25F (Robertson & Zaragoza): its frequency in each field, taken as the largest
  over the terms standing for it (stem, name keys, aliases: the same token indexed under several terms
  counts once), is normalised by that field's length and weighted by the field; one saturation with k1 over
  the sum; idf = ln(1 + (N - df + 0.5) / (df + 0.5)) with df the documents holding any of its terms.
- `All`, `Any` and `AtLeast` add their children's scores; a phrase or w/N adds its words' scores in the
  documents where they stand together; `Not`, `Facet` and `Dates` only filter.
- Proximity: among the `rerank_depth` best documents, adjacent query words standing within
  `proximity_window` words of each other in the title or body add min(idf) * c (k1 + 1) / (c + k1) per
  pair of words, c the number of such meetings (weighted as the fields are), times `proximity`.
- Pseudo-relevance feedback (search.engine.feedback, mixed in): a long query's best documents add their
  likeliest words to it, reordering the first pass's best matches.

Postings come from `view.term_postings` (cached per generation); positions, phrases, w/N and proximity
are in search.engine.spans. This module does not parse, page or render; it does not know whoosh's files.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .nodes import All, Any, AtLeast, Dates, Every, Facet, Near, Not, Phrase, Word, positive_words
from .ranking import _lengths, best_first
from .feedback import FEEDBACK_DEPTH, Feedback, best_positions
from .spans import SCORED, Positions, union, values_at
from ..tuning import DEFAULT, Tuning
from .cache import ByteCache


@dataclass(frozen=True)
class Scored:
    """A node's evaluation: which documents match, and their scores (dense, over all documents)."""

    mask: np.ndarray
    scores: np.ndarray


class Relevance(Positions, Feedback):
    """Matches and scores query trees over one IndexView with one Tuning (made once per generation)."""

    CACHE_MB = 96

    def __init__(self, view, tuning: Tuning = DEFAULT):
        self.view, self.t = view, tuning
        reader = view.searcher.reader()
        self.n = view.n
        self.live_count = max(1, int(view.live.sum()))
        leaves = [leaf for leaf, _ in reader.leaf_readers() if hasattr(leaf, "_perdoc")]
        self.norm, self.boost = {}, {}
        weights = {"title": tuning.title_weight, "body": 1.0, "tags": tuning.tags_weight}
        bees = {"title": tuning.b_title, "body": tuning.b_body, "tags": 0.75}
        for f in SCORED:
            parts = [_lengths(leaf._perdoc, f, leaf.doc_count_all()) for leaf in leaves]
            lengths = np.concatenate(parts) if parts else np.ones(self.n)
            avg = (reader.field_length(f) / (self.n or 1)) or 1.0
            b = bees[f]
            # weight / (1 - b + b * length / average): a field's frequency times this is its share of tf
            self.norm[f] = weights[f] / ((1 - b) + b * lengths / avg)
            self.boost[f] = view.schema[f].format.field_boost or 1.0
        self.weights = weights
        self._cache = ByteCache(self.CACHE_MB << 20)

    # --- words -----------------------------------------------------------------------------------

    def _postings(self, w: Word) -> list:
        """[(field, term, document numbers, frequencies)] of every (field, term) of a word in the index."""
        out = []
        reader = self.view.searcher.reader()
        for f in w.fields:
            if f in self.weights and self.weights[f] <= 0:
                continue  # a field weighted 0 is not searched
            for term in w.alts:
                if (f, term) not in reader:
                    continue
                ids, weights = self.view.term_postings(f, term)
                if ids.size:
                    out.append((f, term, ids, weights / self.boost.get(f, 1.0)))
        return out

    def word(self, w: Word) -> tuple:
        """(document numbers, BM25F scores for weight 1, idf) of a word, cached."""
        key = ("word", w.alts, w.fields)
        got = self._cache.get(key)
        if got is not None:
            return got
        post = self._postings(w)
        if not post:
            got = (np.zeros(0, np.int64), np.zeros(0), 0.0)
        elif self.t.model == "fieldsum":
            got = self._fieldsum(post)
        elif self.t.synonyms == "dismax":  # each term scored alone (its own df), the best per document
            docs = union([p[2] for p in post])
            best, idf = np.zeros(docs.size), 0.0
            for term in dict.fromkeys(p[1] for p in post):
                ids, sc, term_idf = self._bm25f([p for p in post if p[1] == term])
                at = np.searchsorted(docs, ids)
                best[at] = np.maximum(best[at], sc)
                idf = max(idf, term_idf)
            got = (docs, best, idf)
        else:
            got = self._bm25f(post)
        self._cache.put(key, got, got[0].nbytes + got[1].nbytes + 64)
        return got

    def _bm25f(self, post: list) -> tuple:
        """(documents, BM25F scores, idf) of postings taken as one word, over every document holding one of
        its terms (df counts them)."""
        docs = union([p[2] for p in post])
        scores, idf = self.bm25f_at(post, docs, int(np.count_nonzero(self.view.live[docs])))
        return docs, scores, idf

    def bm25f_at(self, post: list, docs: np.ndarray, df: int) -> tuple:
        """(BM25F scores, idf) of postings taken as one word at these sorted documents: per field, the largest
        frequency of its terms, normalised by the field's length and weighted; one saturation over the sum."""
        idf = math.log(1 + (self.live_count - df + 0.5) / (df + 0.5))
        tf = np.zeros(docs.size)
        for f in SCORED:
            per = None
            for pf, _, ids, freq in post:
                if pf == f:
                    got = values_at(ids, freq, docs)
                    per = got if per is None else np.maximum(per, got)
            if per is not None and self.weights[f] > 0:
                tf += per * self.norm[f][docs]
        k1 = self.t.k1
        return idf * tf * (k1 + 1) / (tf + k1), idf

    def _fieldsum(self, post: list) -> tuple:
        """The old ranking, for comparison: whoosh's BM25F, a BM25 per field (idf ln(N / (df + 1)) + 1 of
        that field's term, frequency times the field's weight), the best term per field, summed over fields."""
        docs = union([p[2] for p in post])
        total = np.zeros(docs.size)
        k1, n = self.t.k1, self.live_count
        for f in SCORED:
            best = None
            for pf, _, ids, freq in post:
                if pf != f:
                    continue
                idf = math.log(n / (ids.size + 1)) + 1
                weighted = freq * self.weights[f]
                # norm[f] holds weight / (1 - b + b * length / average)
                sc = idf * weighted * (k1 + 1) / (weighted + k1 * self.weights[f] / self.norm[f][ids])
                at = np.searchsorted(docs, ids)
                best = np.zeros(docs.size) if best is None else best
                best[at] = np.maximum(best[at], sc)
            if best is not None:
                total += best
        df = int(np.count_nonzero(self.view.live[docs]))
        return docs, total, math.log(1 + (n - df + 0.5) / (df + 0.5))

    # --- matching and scoring the tree -------------------------------------------------------------

    def evaluate(self, node) -> Scored:
        """The documents a tree matches (deleted ones included: the caller masks them) and their scores."""
        key = ("node", node)
        got = self._cache.get(key)
        if got is None:
            got = self._evaluate(node)
            self._cache.put(key, got, got.mask.nbytes + got.scores.nbytes + 64)
        return got

    def _evaluate(self, node) -> Scored:
        n = self.n
        if isinstance(node, Word):
            docs, scores, _ = self.word(node)
            mask = np.zeros(n, dtype=bool)
            out = np.zeros(n)
            mask[docs] = True
            out[docs] = scores * node.weight
            for f in node.fields:
                if f not in SCORED:  # author: matches, adds nothing
                    for term in node.alts:
                        mask[self.view.term_ids(f, term)] = True
            return Scored(mask, out)
        if isinstance(node, (Any, All, AtLeast)):
            mask = np.zeros(n, dtype=bool) if not isinstance(node, All) else np.ones(n, dtype=bool)
            scores = np.zeros(n)
            counts = np.zeros(n, dtype=np.int32) if isinstance(node, AtLeast) else None
            for c in node.children:
                if isinstance(c, Word) and not isinstance(node, All) and set(c.fields) <= set(SCORED):
                    docs, s, _ = self.word(c)  # straight into the arrays: no dense pair per word
                    scores[docs] += s * c.weight
                    if counts is not None:
                        counts[docs] += 1
                    else:
                        mask[docs] = True
                    continue
                sub = self.evaluate(c)
                scores += sub.scores
                if isinstance(node, All):
                    mask &= sub.mask
                elif counts is not None:
                    counts += sub.mask
                else:
                    mask |= sub.mask
            if counts is not None:
                mask = counts >= node.need
            if not isinstance(node, Any):
                scores *= mask
            return Scored(mask, scores)
        if isinstance(node, Not):
            return Scored(~self.evaluate(node.child).mask, np.zeros(n))
        if isinstance(node, Every):
            return Scored(np.ones(n, dtype=bool), np.zeros(n))
        if isinstance(node, Facet):
            return Scored(self.view.facets[node.facet].mask_any(node.values).copy(), np.zeros(n))
        if isinstance(node, Dates):
            return Scored((self.view.dates >= node.start) & (self.view.dates <= node.end), np.zeros(n))
        if isinstance(node, (Phrase, Near)):
            words = [w for w in positive_words(node)]
            cand = self.view.live.copy()
            scores = np.zeros(n)
            for w in (node.words if isinstance(node, Phrase) else (node.left, node.right)):
                sub = self.evaluate(w)
                cand &= sub.mask
            for w in words:
                docs, s, _ = self.word(w)
                scores[docs] += s * w.weight
            mask = np.zeros(n, dtype=bool)
            mask[self.span_docs(node, np.flatnonzero(cand))] = True
            return Scored(mask, scores * mask)
        raise TypeError(f"not a query node: {type(node).__name__}")

    # --- ranking ------------------------------------------------------------------------------------

    def first_pass(self, node, allowed: np.ndarray) -> tuple:
        """(documents, scores) of the allowed documents a tree matches, by document number, before feedback."""
        ev = self.evaluate(node)
        docs = np.flatnonzero(allowed & ev.mask)
        return docs, ev.scores[docs]

    def top(self, node, allowed: np.ndarray, start: int, stop: int) -> list:
        """[(docnum, score)] of ranks start..stop among the allowed documents, best first (ties by number)."""
        docs, s = self.first_pass(node, allowed)
        if docs.size == 0 or stop <= start:
            return []
        expansion = self.feedback(node, allowed)
        if expansion:  # the first pass's best FEEDBACK_DEPTH only: they stay above the rest, as they were
            head = best_positions(s, FEEDBACK_DEPTH)
            s = s.copy()
            s[head] += self._expansion_scores(expansion, docs[head])
        docs, s = best_first(docs, s, max(stop, self.t.rerank_depth if self.t.proximity > 0 else 0))
        if self.t.proximity > 0:
            head = min(docs.size, self.t.rerank_depth)
            bonus = self.proximity(node, docs[:head])
            if bonus is not None:
                s = s.copy()
                s[:head] += bonus
                docs, s = best_first(docs, s, docs.size)
        return [(int(d), float(x)) for d, x in zip(docs[start:stop], s[start:stop])]

    # --- explain ------------------------------------------------------------------------------------

    def explain(self, node, docnum: int, score: float, allowed=None) -> dict:
        """The parts of one hit's score: each matched word's BM25F part (with the terms and fields it
        matched), each feedback term's and each proximity pair's part; `score` is their sum."""
        parts = []
        self._explain(node, docnum, parts)
        expansion = self.feedback(node, allowed) if allowed is not None else ()
        if expansion:  # only the first pass's best have a feedback part (top)
            docs, s = self.first_pass(node, allowed)
            if docnum not in docs[best_positions(s, FEEDBACK_DEPTH)]:
                expansion = ()
        for w, weight in expansion:
            ids, sc, idf = self.word(w)
            i = int(np.searchsorted(ids, docnum))
            if i < ids.size and ids[i] == docnum:
                parts.append({"kind": "feedback", "word": w.text, "idf": round(idf, 4),
                              "score": float(sc[i] * weight)})
        got = self.proximity(node, np.array([docnum]), per_pair=True) if self.t.proximity > 0 else None
        if got is not None:
            for a, b, p in got[1]:
                if p[0] > 0:
                    parts.append({"kind": "proximity", "words": [a.text, b.text], "score": float(p[0])})
        total = sum(p["score"] for p in parts)
        return {"score": round(score, 6), "sum": round(total, 6),
                "parts": [dict(p, score=round(p["score"], 6)) for p in parts],
                "matched": [m for p in parts for m in p.get("matched", ())]}

    def _explain(self, node, doc: int, parts: list) -> None:
        if isinstance(node, Word):
            docs, scores, idf = self.word(node)
            i = int(np.searchsorted(docs, doc))
            if i < docs.size and docs[i] == doc and scores[i] > 0:
                matched = []
                for f, term, ids, freq in self._postings(node):
                    j = int(np.searchsorted(ids, doc))
                    if j < ids.size and ids[j] == doc:
                        matched.append({"field": f, "term": term, "tf": int(freq[j])})
                parts.append({"kind": "word", "word": node.text, "idf": round(idf, 4),
                              "score": float(scores[i] * node.weight), "matched": matched})
            return
        if isinstance(node, (Not, Facet, Dates, Every)):
            return
        if isinstance(node, (Phrase, Near)):
            if self.evaluate(node).mask[doc]:
                for w in positive_words(node):
                    self._explain(w, doc, parts)
            return
        if not self.evaluate(node).mask[doc]:
            return
        for c in node.children:
            if isinstance(c, Word) or self.evaluate(c).mask[doc]:
                self._explain(c, doc, parts)
