"""Every knob of relevance, declared once: its default, and what it was measured on (README: Relevance).

`Tuning` is handed to the parser (which words a query needs, name keys, term weights) and to the scorer
(BM25F, proximity, feedback). The defaults are the product; `casearch eval --set name=value` and the
ablation runner (search.ablation) measure any other setting on the same index. Settings that change what
is written to the index (stemming, stop words) are not here: they are analysis, fixed per schema version.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Tuning:
    # --- the model: BM25F (Robertson & Zaragoza), one saturation over the weighted, per-field
    # length-normalised term frequencies; idf = ln(1 + (N - df + 0.5) / (df + 0.5)) over the union of fields
    model: str = "bm25f"  # or "fieldsum": a BM25 per field with whoosh's idf, summed (the ranking before BM25F)
    k1: float = 1.8
    b_title: float = 0.75
    b_body: float = 0.75
    title_weight: float = 1.5
    tags_weight: float = 0.5  # facet values as text (the tags field); 0 leaves them out of the score
    # --- the query
    variant_keys: bool = True  # each word also matches its name-variant key (Tokaev ~ Tokayev ~ Токаев)
    synonyms: str = "maxtf"  # a word's terms as one (largest frequency, df of the union) or "dismax" (best score)
    short_query_words: int = 3  # up to this many words every word must match (falling back to any word)
    min_should_match: float = 0.0  # longer queries: this share of their words must match; 0: any word
    query_term_weight: bool = True  # a word typed twice in a long query weighs twice
    joined_weight: float = 0.5  # a long query's hyphenated word: its joined form's weight (its parts weigh 1)
    query_stopwords: bool = True  # a plain query drops function words (data/query_stopwords.txt) if others remain
    # --- proximity: adjacent query words near each other in a field add to the score (top documents only)
    proximity: float = 0.0  # weight of the proximity part; 0 turns it off
    proximity_window: int = 5  # words apart at most (either order)
    rerank_depth: int = 100  # documents the proximity part is computed for (the best by BM25F)
    # --- pseudo-relevance feedback: words of the best documents added to a long query (RM3, each document
    # weighed by exp(its score)); they reorder the matches, never add any
    feedback_docs: int = 10  # the best documents read; 0 turns feedback off
    feedback_terms: int = 30
    feedback_weight: float = 0.4  # the feedback terms' share of the query's weight
    feedback_query_words: float = 8.0  # ... counting the query's words up to this many

    def with_settings(self, pairs) -> "Tuning":
        """A copy with `name=value` strings applied (for `casearch eval --set`).

        Raises:
            ValueError: an unknown name or a value of the wrong type.
        """
        known = {f.name: f.type for f in fields(self)}
        changes = {}
        for pair in pairs:
            name, sep, value = pair.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ValueError(f"unknown setting {pair!r}; settings: {', '.join(known)}")
            current = getattr(self, name)
            try:
                if isinstance(current, bool):
                    if value.strip().lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                        raise ValueError
                    changes[name] = value.strip().lower() in ("true", "1", "yes", "on")
                else:
                    changes[name] = type(current)(value.strip())
            except ValueError:
                raise ValueError(f"{name} must be a {type(current).__name__}, not {value!r}") from None
        return replace(self, **changes)

    def changed(self) -> dict:
        """{name: value} of the settings that differ from the defaults."""
        base = Tuning()
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(base, f.name)}


DEFAULT = Tuning()
