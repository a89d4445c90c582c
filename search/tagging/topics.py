"""Topic tagger: Article -> 1 to 3 topics of the fixed taxonomy, the ones it is mainly about.

Knowledge: data/topics.tsv, weighted words and phrases per topic (stemmed when loaded, so "election"
also matches "elections"). Score = sum of weights of the matched terms, a title match counting
TITLE_WEIGHT times. A topic is kept when its score reaches MIN_SCORE and a share of the best score.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from .. import analysis
from ..models import Article
from .gazetteer import read_table

TITLE_WEIGHT = 2.0
MIN_SCORE = 3.0
SHARE_OF_BEST = 0.35
MAX_TOPICS = 3


class TopicTagger:
    """Scores an article against each topic's vocabulary."""

    def __init__(self, rows: list):
        self.terms = defaultdict(list)  # first stem -> [(stems tuple, topic, weight, surface)]
        self.topics = []
        for topic, weight, term in rows:
            if not term:
                continue
            stems = tuple(analysis.terms(term, keep_stopwords=True))
            if not stems:
                continue
            if topic not in self.topics:
                self.topics.append(topic)
            self.terms[stems[0]].append((stems, topic, float(weight or 1), term))
        self.needed = frozenset(s for entries in self.terms.values() for e in entries for s in e[0])

    @classmethod
    def load(cls) -> "TopicTagger":
        return cls(read_table("topics.tsv", 3))

    def tag(self, article: Article) -> tuple:
        """Return (topics, evidence {topic: [[term, field, count], ...]})."""
        scores = defaultdict(float)
        hits = defaultdict(lambda: defaultdict(int))
        for field, text, mult in (("title", article.title, TITLE_WEIGHT), ("body", article.body, 1.0)):
            stems = analysis.terms(text, keep_stopwords=True)
            needed = self.needed
            counts = Counter([x for x in stems if x in needed])  # only the vocabulary's stems are looked up
            for s in [x for x in counts if x in self.terms]:  # in order of first occurrence
                where = None  # the positions of s, found when a phrase starting with it may occur
                for seq, topic, weight, surface in self.terms[s]:
                    if len(seq) == 1:
                        n = counts[s]
                    elif not all(x in counts for x in seq[1:]):
                        continue
                    else:  # a phrase: look at each place its first word occurs
                        if where is None:
                            where = _places(stems, s, counts[s])
                        n = sum(1 for i in where if tuple(stems[i:i + len(seq)]) == seq)
                    if n:
                        scores[topic] += weight * mult * n  # integer weights: exact in any order
                        hits[topic][(surface, field)] += n
        if not scores:
            return [], {}
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self.topics.index(kv[0])))
        best = ranked[0][1]
        chosen = [t for t, s in ranked[:MAX_TOPICS] if s >= MIN_SCORE and s >= SHARE_OF_BEST * best]
        ev = {t: [[term, field, n] for (term, field), n in sorted(hits[t].items(), key=lambda kv: -kv[1])[:20]]
              for t in chosen}
        return chosen, ev


def _places(items: list, x, n: int) -> list:
    """The indexes of the n occurrences of x in items (list.index scans at C speed)."""
    out, i = [], -1
    for _ in range(n):
        i = items.index(x, i + 1)
        out.append(i)
    return out
