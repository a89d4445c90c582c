"""Per-document facet values as numpy arrays, and counting them over a set of documents.

In: a whoosh reader and a facet field (its values stored tab-separated per document). Out:
`FacetArrays` — which documents hold a value (`docs_of`, `mask_any`), the values of a document, and the
counts of every value over a `FacetScope` (a mask made once and shared by the facets counted over it).
Counting never walks whoosh's stored fields. This module does not filter or rank.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .postings import postings_ids

DENSE_SHARE = 64  # a facet value on at least 1/64 of the documents is counted as a bitset


def _bitset(docs: np.ndarray, n: int) -> np.ndarray:
    """The documents as a bitset of n bits, in 64-bit words (bit order is packbits', the same for all)."""
    mask = np.zeros(-(-n // 64) * 64, dtype=bool)
    mask[docs] = True
    return np.packbits(mask).view(np.uint64)


class FacetScope:
    """The documents facets are counted over: a mask, its document numbers and its bitset, each made once
    and shared by the facets counted over the same documents."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask
        self.docs = np.flatnonzero(mask)
        self._bits = None

    def bits(self, n: int) -> np.ndarray:
        if self._bits is None:
            self._bits = _bitset(self.docs, n)
        return self._bits


class FacetCounts(Mapping):
    """{value: count} over a scope for the values with a count, read from the count array on demand."""

    def __init__(self, facet: "FacetArrays", counts: np.ndarray):
        self._facet, self._counts = facet, counts

    def __getitem__(self, value: str) -> int:
        i = self._facet.index.get(value)
        if i is None or not self._counts[i]:
            raise KeyError(value)
        return int(self._counts[i])

    def __iter__(self):
        return (self._facet.values[i] for i in np.flatnonzero(self._counts).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self._counts))


class FacetArrays:
    """One facet's values and, for each value, the sorted document numbers that carry it."""

    def __init__(self, reader, fieldname: str, n: int, live: np.ndarray):
        self.values = []
        self.postings = []
        for term in reader.lexicon(fieldname):
            value = term.decode("utf-8") if isinstance(term, bytes) else term
            docs = postings_ids(reader, fieldname, term)
            docs = docs[live[docs]]
            if not docs.size:
                continue  # every article with this value was deleted
            self.values.append(value)
            self.postings.append(docs)
        self.index = {v: i for i, v in enumerate(self.values)}
        self.n = n
        # Values carried by at least 1/DENSE_SHARE of the documents are counted as bitsets (a popcount of
        # bitset AND scope, one bit per document); the others through doc -> value pairs (CSR, sorted by
        # document), gathered for a small scope or selected from all pairs for a large one.
        is_dense = [n > 0 and len(p) * DENSE_SHARE >= n for p in self.postings]
        dense = [i for i, d in enumerate(is_dense) if d]
        sparse = [i for i, d in enumerate(is_dense) if not d]
        self.dense = np.array(dense, dtype=np.int64)
        self.bits = np.stack([_bitset(self.postings[i], n) for i in dense]) if dense else None
        pairs_doc = np.concatenate([self.postings[i] for i in sparse]) if sparse else np.zeros(0, np.int64)
        pairs_val = np.concatenate([np.full(len(self.postings[i]), i, np.int32) for i in sparse]) \
            if sparse else np.zeros(0, np.int32)
        order = np.argsort(pairs_doc, kind="stable")
        self.doc_of_pair = pairs_doc[order]
        self.val_of_pair = pairs_val[order]
        self.indptr = np.searchsorted(self.doc_of_pair, np.arange(n + 1))
        self.rank = np.argsort(np.argsort(np.array(self.values, dtype=object), kind="stable"))  # by value

    def docs_of(self, value: str) -> np.ndarray:
        """The live documents carrying a value (sorted document numbers; empty for an unknown value)."""
        i = self.index.get(value)
        return self.postings[i] if i is not None else np.zeros(0, np.int64)

    def value_of(self, docnum: int) -> str:
        """The first value (in value order) a document carries, "" when none: for a single-valued facet."""
        row = self.val_of_pair[self.indptr[docnum]:self.indptr[docnum + 1]]
        found = [self.values[i] for i in row.tolist()]
        for i in self.dense.tolist():
            p = self.postings[i]
            at = int(np.searchsorted(p, docnum))
            if at < p.size and p[at] == docnum:
                found.append(self.values[i])
        return min(found) if found else ""

    def mask_any(self, values) -> np.ndarray:
        """Documents that carry any of the values (OR within a facet)."""
        mask = np.zeros(self.n, dtype=bool)
        for v in values:
            i = self.index.get(v)
            if i is not None:
                mask[self.postings[i]] = True
        return mask

    def counts(self, scope, limit: int = None) -> tuple:
        """([(value, count)] of the `limit` most frequent values in scope, ties by value; {value: count} of all,
        as a FacetCounts mapping).

        A small scope gathers its documents' values (CSR rows); a large one selects from every pair.
        """
        if not len(self.values):
            return [], FacetCounts(self, np.zeros(0, np.int64))
        if not isinstance(scope, FacetScope):
            scope = FacetScope(scope)
        docs = scope.docs
        if docs.size * 8 < self.n:
            starts, ends = self.indptr[docs], self.indptr[docs + 1]
            lens = ends - starts
            idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
            vals = self.val_of_pair[idx]
        else:
            vals = self.val_of_pair[scope.mask[self.doc_of_pair]]
        c = np.bincount(vals, minlength=len(self.values))
        if self.bits is not None:
            c[self.dense] = np.bitwise_count(self.bits & scope.bits(self.n)).sum(axis=1)
        nz = np.flatnonzero(c)
        if limit is not None and 0 < limit < nz.size:  # the top `limit` counts first, then order only those
            nz = nz[c[nz] >= np.partition(c[nz], nz.size - limit)[nz.size - limit]]
        order = nz[np.lexsort((self.rank[nz], -c[nz]))]
        top = order if limit is None else order[:limit]
        return [(self.values[i], int(c[i])) for i in top.tolist()], FacetCounts(self, c)
