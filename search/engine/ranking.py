"""Ranking helpers shared by the scorer (search.engine.relevance): the best k documents in whoosh's order, and
each document's field lengths read in bulk from whoosh's length columns.

`_lengths` reads whoosh's one-byte length column directly (the seam into whoosh's per-document storage);
tests/test_ranking_parity.py holds it, and the postings reading of search.engine.view, to whoosh's own scoring
through a reference BM25F ranker (tests/bm25_reference.py) that must give whoosh's exact scores and order.
"""
from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length


def best_first(docs: np.ndarray, scores: np.ndarray, k: int) -> tuple:
    """(documents, scores) of the best k, best first; ties by document number, as whoosh orders them (a tie
    at the cut keeps every document tied there)."""
    if k < docs.size:
        keep = np.argpartition(-scores, k - 1)[:k]
        keep = np.flatnonzero(scores >= scores[keep].min())
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))
    return docs[order], scores[order]



def _lengths(perdoc, field: str, n: int) -> np.ndarray:
    """Every document's length of one field, decoded from whoosh's one-byte length column."""
    out = np.ones(n, dtype=np.float64)
    reader = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if reader is None:
        return out
    table = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)
    codes = np.zeros(n, dtype=np.int64)
    if getattr(reader, "_typecode", None) == "B" and hasattr(reader, "_dbfile"):
        count = min(reader._count, n)  # the column's bytes in one read (rows past its end are 0)
        codes[:count] = np.frombuffer(bytes(reader._dbfile.get(reader._basepos, count)), dtype=np.uint8)
    else:
        codes[:] = np.fromiter((reader[d] or 0 for d in range(n)), dtype=np.int64, count=n)
    lengths = table[codes]
    lengths[codes == 0] = 1.0  # whoosh's scorer never sees an empty field for a matching term
    return lengths
