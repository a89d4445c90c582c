"""Typo tolerance: the corpus vocabulary and a precomputed deletion index over it (the SymSpell idea).

In: words seen while indexing (folded, not stemmed) with their counts. Out, on disk beside the index
generation: `words.txt` ("word<TAB>count", most frequent first) and `deletes.npy` (sorted pairs of a
stable hash of every one-letter deletion of every word, and the word's number). At query time
`Speller.correct(word)` hashes the word's own deletions (two for long words), looks them up with a
binary search and keeps the candidates within the allowed edit distance (Damerau, optimal string
alignment), the closest and most frequent first. Nothing here scans the term dictionary.
"""
from __future__ import annotations

import bisect
import re
import zlib
from collections import Counter
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from .. import analysis

WORDS = "words.txt"
DELETES = "deletes.npy"
MIN_LEN = 4
MAX_LEN = 30
_WORD_RE = re.compile(r"^[^\W\d_]+$")


def _h(s: str) -> int:
    return (zlib.crc32(s.encode("utf-8")) << 8) | min(len(s), 255)


def _deletes(word: str) -> set:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def eligible(word: str) -> bool:
    return MIN_LEN <= len(word) <= MAX_LEN and bool(_WORD_RE.match(word))


def write(folder: Path, counts: Counter, min_count: int = 1) -> None:
    """Write the vocabulary and its deletion index into an index generation folder."""
    words = [(w, c) for w, c in counts.most_common() if c >= min_count and eligible(w)]
    with open(folder / WORDS, "w", encoding="utf-8") as fh:
        for w, c in words:
            fh.write(f"{w}\t{c}\n")
    pairs = []
    for i, (w, _) in enumerate(words):
        pairs.append((_h(w), i))
        for d in _deletes(w):
            pairs.append((_h(d), i))
    arr = np.array(pairs, dtype=np.uint64).reshape(-1, 2) if pairs else np.zeros((0, 2), np.uint64)
    arr = arr[np.argsort(arr[:, 0], kind="stable")]
    np.save(folder / DELETES, arr)


def read_counts(folder: Path) -> Counter:
    """Read words.txt back (for an incremental run that extends the vocabulary)."""
    counts: Counter = Counter()
    path = folder / WORDS
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            w, _, c = line.partition("\t")
            if w and c.isdigit():
                counts[w] = int(c)
    return counts


def distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (optimal string alignment); anything above `limit` is limit + 1.

    >>> distance("tokayev", "tokyaev"), distance("glacier", "glaicer"), distance("kazakstan", "kazakhstan")
    (1, 1, 1)
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


class Speller:
    """Finds corpus words close to a word that is not in the index."""

    def __init__(self, folder: Path):
        self.words: list = []
        self.counts: list = []
        path = Path(folder) / WORDS
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                w, _, c = line.partition("\t")
                self.words.append(w)
                self.counts.append(int(c or 0))
        order = sorted(range(len(self.words)), key=self.words.__getitem__)
        self.sorted_words = [self.words[i] for i in order]
        self.sorted_counts = [self.counts[i] for i in order]
        dpath = Path(folder) / DELETES
        self.table = np.load(dpath, mmap_mode="r") if dpath.exists() else np.zeros((0, 2), np.uint64)
        self.keys = np.ascontiguousarray(self.table[:, 0]) if len(self.table) else np.zeros(0, np.uint64)

    def complete(self, prefix: str, limit: int) -> tuple:
        """Return (the most frequent corpus words starting with prefix, at most `limit`; whether capped)."""
        lo = bisect.bisect_left(self.sorted_words, prefix)
        hi = bisect.bisect_left(self.sorted_words, prefix + "\U0010ffff")
        found = sorted(range(lo, hi), key=lambda i: -self.sorted_counts[i])
        return [self.sorted_words[i] for i in found[:limit]], len(found) > limit

    def max_distance(self, word: str) -> int:
        return 1 if len(word) < 7 else 2

    def correct(self, word: str) -> Optional[str]:
        """Return the best corpus word within the allowed distance of `word`, or None."""
        cands = self.candidates(word)
        return cands[0] if cands else None

    def candidates(self, word: str, limit: int = 5) -> list:
        if not eligible(word) or not len(self.keys):
            return []
        maxd = self.max_distance(word)
        probes = {word} | _deletes(word)
        if maxd >= 2:
            for d in list(probes):
                probes |= _deletes(d)
        hashes = np.array(sorted({_h(p) for p in probes}), dtype=np.uint64)
        lo = np.searchsorted(self.keys, hashes, side="left")
        hi = np.searchsorted(self.keys, hashes, side="right")
        ids = set()
        for a, b in zip(lo.tolist(), hi.tolist()):
            if b > a:
                ids.update(self.table[a:b, 1].tolist())
        scored = []
        for i in ids:
            w = self.words[int(i)]
            if w == word:
                continue
            d = distance(word, w, maxd)
            if d <= maxd:
                scored.append((d, -self.counts[int(i)], w))
        scored.sort()
        return [w for _, _, w in scored[:limit]]


def count_words(texts: Iterable[str], counts: Counter) -> None:
    """Add the folded, unstemmed words of texts to counts (each word once per text)."""
    for text in texts:
        counts.update(set(analysis.terms(text, stemmed=False, keep_stopwords=True)))
