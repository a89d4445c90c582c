"""Near-copies (wire copies, re-posts, updated versions of one story): found at index time, folded at search time.

In, at index time: each article's body, and the ledger of the live generation. Out: the new generation's
ledger (LEDGER, one file beside meta.json): for every article its id, its MinHash signature, the group of
near-copies it belongs to, and when it was first indexed. In, at search time: the ledger's groups and a
mask of matches. Out: the mask with one article per group (`Copies.fold`) and each shown article's copies.

How copies are found: a body is cut into shingles of SHINGLE_WORDS consecutive words (casefolded); the
MinHash signature keeps PERMUTATIONS minima of the shingles' hashes (one-permutation hashing, see
`signature`), each as its lowest 8 bits (b-bit minwise hashing): the share of equal positions estimates
the Jaccard similarity of two bodies' shingle sets. Locality-sensitive hashing over bands of BAND_ROWS positions finds the
candidates; a candidate is a copy when the estimated similarity reaches THRESHOLD (measured on the BBC
corpus: README, Near-copies). An article joins the group of its most similar earlier article, so a new
copy of an indexed article joins that article's group, and no article already indexed changes group when
others are added. Groups are labelled by the id of their first article.

Deliberately not done: containment (a short excerpt of a long article is not a copy of it), titles (a
re-post under a new headline is still a copy), merging two existing groups that a new article bridges.
"""
from __future__ import annotations

import os
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

LEDGER = "ledger.npz"
SHINGLE_WORDS = 5
PERMUTATIONS = 128
BAND_ROWS = 4  # 32 bands of 4 positions: a pair at similarity 0.5 shares a band with probability 0.87
THRESHOLD = 0.5  # estimated Jaccard similarity of the shingle sets from which two bodies are copies
BUCKET_CAP = 16  # an article is compared with at most this many earlier articles of each shared band
_WORD_RE = re.compile(r"\w+")
_RNG = np.random.default_rng(20251204)  # fixed: signatures must be the same in every process and run
_SHINGLE_MUL = _RNG.integers(1, 2**63, SHINGLE_WORDS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_BIN_SHIFT = np.uint64(64 - 7)  # the top 7 bits choose one of PERMUTATIONS = 128 bins
_BORROW = np.uint64(0x9E3779B97F4A7C15)  # what a borrowed minimum is shifted by per bin of distance
_CHANCE = 1 / 256  # two different minima still share their lowest 8 bits this often


def signature(text: str) -> np.ndarray:
    """The MinHash signature of a body: PERMUTATIONS bytes (module docstring).

    One-permutation hashing: each shingle is hashed once; the top bits of the hash choose one of
    PERMUTATIONS bins and each bin keeps its smallest hash, so the cost grows with the words, not with
    words times permutations. A bin no shingle fell into borrows from the next filled bin (rotation
    densification, Shrivastava and Li 2014), so equal bodies still give equal signatures and the share
    of equal positions still estimates the Jaccard similarity.

    >>> a = signature("the quick brown fox jumps over the lazy dog " * 3)
    >>> a.shape, a.dtype.name, bool((a == signature("The quick brown fox jumps over the lazy dog " * 3)).all())
    ((128,), 'uint8', True)
    """
    words = _WORD_RE.findall(text.casefold())
    h = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    if h.size < SHINGLE_WORDS:  # a body shorter than one shingle is one shingle
        h = np.concatenate([h, np.zeros(SHINGLE_WORDS - h.size, np.uint64)])
    n = h.size - SHINGLE_WORDS + 1
    x = np.zeros(n, np.uint64)
    for j in range(SHINGLE_WORDS):  # an order-sensitive hash of each run of SHINGLE_WORDS words
        x += h[j:j + n] * _SHINGLE_MUL[j]
    x ^= x >> np.uint64(31)  # mix the bits (splitmix64's finaliser): bins and minima from every word
    x *= _MIX
    x ^= x >> np.uint64(29)
    x.sort()
    bins = (x >> _BIN_SHIFT).astype(np.int64)
    filled, first = np.unique(bins, return_index=True)
    # each bin's smallest hash; an empty bin takes the next filled bin's (circularly), shifted by the distance
    at = np.searchsorted(filled, np.arange(PERMUTATIONS)) % filled.size
    distance = (filled[at] - np.arange(PERMUTATIONS)) % PERMUTATIONS
    mins = x[first][at] + distance.astype(np.uint64) * _BORROW
    return (mins & np.uint64(0xFF)).astype(np.uint8)


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The estimated Jaccard similarity of signature `a` with each row of `b` (or with one signature `b`)."""
    equal = (np.atleast_2d(b) == a).mean(axis=1)
    return np.clip((equal - _CHANCE) / (1 - _CHANCE), 0.0, 1.0)


@dataclass
class Ledger:
    """The per-generation record of every article: id, signature, group label ("" alone), first indexed
    (seconds since the epoch). Rows in no particular order; `save` and `load` keep it in LEDGER."""

    ids: list
    sigs: np.ndarray  # (n, PERMUTATIONS) uint8
    groups: list
    first_indexed: np.ndarray  # (n,) int64

    @classmethod
    def empty(cls) -> "Ledger":
        return cls([], np.zeros((0, PERMUTATIONS), np.uint8), [], np.zeros(0, np.int64))

    @classmethod
    def load(cls, gen: Optional[Path]) -> "Ledger":
        """The ledger of a generation folder (an empty one when the folder or its ledger is missing)."""
        path = Path(gen) / LEDGER if gen is not None else None
        if path is None or not path.exists():
            return cls.empty()
        with np.load(path) as z:
            ids = _unpack(z["ids"])
            # one article in no group packs to nothing, as no article does: one label per id, "" alone
            return cls(ids, z["sigs"], _unpack(z["groups"]) or [""] * len(ids), z["first_indexed"])

    @staticmethod
    def times(gen: Optional[Path]) -> dict:
        """{id: first indexed} of a generation's ledger, read without the signatures ({} without a ledger)."""
        path = Path(gen) / LEDGER if gen is not None else None
        if path is None or not path.exists():
            return {}
        with np.load(path) as z:
            return dict(zip(_unpack(z["ids"]), z["first_indexed"].tolist()))

    def save(self, gen: Path) -> None:
        """Write the ledger into a generation folder (atomically: a temporary file, then a rename)."""
        grouped = [i for i, g in enumerate(self.groups) if g]
        tmp = Path(gen) / (LEDGER + ".tmp.npz")
        with open(tmp, "wb") as fh:
            np.savez(fh, ids=_pack(self.ids), sigs=self.sigs, groups=_pack(self.groups),
                     first_indexed=self.first_indexed, grouped_ids=_pack([self.ids[i] for i in grouped]),
                     grouped_labels=_pack([self.groups[i] for i in grouped]))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(Path(gen) / LEDGER)


def _pack(strings: list) -> np.ndarray:
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8) if strings else np.zeros(0, np.uint8)


def _unpack(blob: np.ndarray) -> list:
    return blob.tobytes().decode("utf-8").split("\n") if blob.size else []


def update(old: Ledger, read_ids: list, read_sigs: np.ndarray, live: set, now: Optional[int] = None,
           fresh: bool = False) -> Ledger:
    """The ledger of a new generation: `old` (the live generation's) updated with the articles read in this
    run (`read_ids` in input order, their signatures `read_sigs`), keeping only the `live` ids.

    An article whose signature did not change keeps its group; a new or changed one joins the group of its
    most similar earlier article (`assign`). `fresh` (a full rebuild): every article read is grouped
    again. First-indexed times are kept for every id the old ledger knows; the others get `now`.
    """
    now = int(time.time()) if now is None else now
    old_at = {aid: i for i, aid in enumerate(old.ids)}
    read_at = {aid: i for i, aid in enumerate(read_ids)}  # the last copy read of an id wins, as in merge
    kept = [i for i, aid in enumerate(old.ids) if aid in live and aid not in read_at]
    same = []  # read and unchanged: kept as they were, unless the whole index is rebuilt
    changed = []
    for aid, r in read_at.items():
        o = old_at.get(aid)
        if not fresh and o is not None and np.array_equal(old.sigs[o], read_sigs[r]):
            same.append(o)
        elif aid in live:
            changed.append(r)
    rows_old = kept + same
    ids = [old.ids[i] for i in rows_old] + [read_ids[r] for r in changed]
    sigs = np.concatenate([old.sigs[rows_old], read_sigs[changed]]) if ids else Ledger.empty().sigs
    groups = [old.groups[i] for i in rows_old] + [""] * len(changed)
    times = np.concatenate([old.first_indexed[rows_old],
                            np.array([old.first_indexed[old_at[read_ids[r]]] if read_ids[r] in old_at else now
                                      for r in changed], dtype=np.int64)])
    # a group whose members all left keeps its label on the rest (never reused: labels are article ids)
    assign(sigs, ids, groups, start=len(rows_old))
    return Ledger(ids, sigs, groups, times)


def assign(sigs: np.ndarray, ids: list, groups: list, start: int = 0) -> int:
    """Give rows `start`... (in order) the group of their most similar earlier row, when one reaches
    THRESHOLD; `groups` is updated in place (a row that gains a first copy is labelled with its own id).
    Returns the rows that joined a group."""
    n = len(ids)
    if n - start <= 0 or n < 2:
        return 0
    bands = PERMUTATIONS // BAND_ROWS
    keys = np.ascontiguousarray(sigs[:, :bands * BAND_ROWS]).view(np.uint32).astype(np.uint64)
    keys |= np.arange(bands, dtype=np.uint64) << np.uint64(32)  # (n, bands): band number and its 4 bytes
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")  # stable: rows of one bucket stay in row order
    sorted_keys = flat[order]
    cut = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
    candidates = {}
    for lo, hi in zip(cut[:-1].tolist(), cut[1:].tolist()):
        if hi - lo < 2:
            continue
        rows = (order[lo:hi] // bands).tolist()
        if rows[-1] < start:
            continue
        for k, r in enumerate(rows):
            if r >= start and k:
                candidates.setdefault(r, set()).update(rows[:min(k, BUCKET_CAP)])
    joined = 0
    for r in sorted(candidates):
        cand = np.array(sorted(candidates[r]), dtype=np.int64)
        sim = similarity(sigs[r], sigs[cand])
        best = int(np.argmax(sim))
        if sim[best] >= THRESHOLD:
            c = int(cand[best])
            if not groups[c]:
                groups[c] = ids[c]
            groups[r] = groups[c]
            joined += 1
    return joined


class Copies:
    """The groups of near-copies of one index generation, as per-document arrays (built by IndexView).

    `group[d]` is the number of document d's group, -1 when it has no live copy; `labels[g]` the label.
    """

    def __init__(self, gen: Optional[Path], docnum_of, n: int):
        self.group = np.full(n, -1, dtype=np.int64)
        self.labels: list = []
        self._by_group, self._starts = np.zeros(0, np.int64), np.zeros(1, np.int64)
        path = Path(gen) / LEDGER if gen is not None else None
        if path is None or not path.exists():
            return
        with np.load(path) as z:
            ids, labels = _unpack(z["grouped_ids"]), _unpack(z["grouped_labels"])
        number = {}
        docs, groups = [], []
        for aid, label in zip(ids, labels):
            d = docnum_of(aid)
            if d is not None:
                docs.append(d)
                groups.append(number.setdefault(label, len(number)))
        sizes = np.bincount(np.array(groups, dtype=np.int64), minlength=len(number))
        alone = sizes[np.array(groups, dtype=np.int64)] < 2 if groups else np.zeros(0, bool)
        docs_a, groups_a = np.array(docs, dtype=np.int64), np.array(groups, dtype=np.int64)
        self.group[docs_a[~alone]] = groups_a[~alone]  # a group of one live article is no group
        self.labels = list(number)
        # each group's documents, in document order: the grouped documents sorted by (group, document)
        grouped = np.flatnonzero(self.group >= 0)
        self._by_group = grouped[np.lexsort((grouped, self.group[grouped]))]
        self._starts = np.searchsorted(self.group[self._by_group], np.arange(len(self.labels) + 1))

    @property
    def any(self) -> bool:
        return bool(self.labels) and bool((self.group >= 0).any())

    def members(self, docnum: int) -> np.ndarray:
        """The documents of docnum's group (itself included), in document order; empty when alone."""
        g = int(self.group[docnum])
        return self._by_group[self._starts[g]:self._starts[g + 1]] if g >= 0 else np.zeros(0, np.int64)

    def label(self, docnum: int) -> Optional[str]:
        g = self.group[docnum]
        return self.labels[g] if g >= 0 else None

    def fold(self, mask: np.ndarray) -> np.ndarray:
        """The mask with only the first matching document (in document order) of each group."""
        if not self.any:
            return mask
        docs = np.flatnonzero(mask & (self.group >= 0))
        if not docs.size:
            return mask
        _, first = np.unique(self.group[docs], return_index=True)
        out = mask.copy()
        out[docs] = False
        out[docs[first]] = True
        return out

    def copies_in(self, docnum: int, mask: np.ndarray) -> list:
        """The other documents of docnum's group within mask, in document order."""
        return [d for d in self.members(docnum).tolist() if d != docnum and mask[d]]
