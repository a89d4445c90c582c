"""A segment's text as numbers: each distinct raw token analysed once, each document's tokens as numbers.

In: the raw tokens of a segment's text fields. Out: `Vocabulary` (token -> number; per number, the terms
it indexes under and the positions it takes, from `analysis.index_entry`) and `TextBuffer` (the documents'
token numbers in chunks), which search.engine.builder inverts with numpy. This module writes nothing.
"""
from __future__ import annotations

from array import array

import numpy as np

from ..analysis import index_entry, looked_up


class Vocabulary:
    """The distinct raw tokens of a segment's text fields, each analyzed once (`analysis.index_entry`).

    A raw token gets a number; for each number the vocabulary keeps how many positions it consumes,
    its index terms (as term numbers) with their relative positions, and its surface words (as word
    numbers, for the spelling index), as flat arrays that `SegmentBuilder.finish` expands with numpy.
    """

    def __init__(self):
        self.ids: dict = {}  # raw token -> number
        self.advance = array("i")
        self.entry_start, self.entry_count = array("i"), array("i")
        self.entry_term, self.entry_rel = array("i"), array("i")
        self.word_start, self.word_count, self.word_ids = array("i"), array("i"), array("i")
        self.terms: list = []  # term number -> term
        self.term_ids: dict = {}
        self.words: list = []  # word number -> surface word
        self.word_numbers: dict = {}

    def numbers(self, raws: list) -> list:
        """The numbers of raw tokens, adding the new ones."""
        return looked_up(self.ids, raws, self._add)

    def _add(self, raw: str) -> int:
        n = self.ids.get(raw)
        if n is not None:
            return n
        n = self.ids[raw] = len(self.advance)
        entries, advance, pieces = index_entry(raw)
        self.advance.append(advance)
        self.entry_start.append(len(self.entry_term))
        self.entry_count.append(len(entries))
        for term, rel in entries:
            t = self.term_ids.get(term)
            if t is None:
                t = self.term_ids[term] = len(self.terms)
                self.terms.append(term)
            self.entry_term.append(t)
            self.entry_rel.append(rel)
        self.word_start.append(len(self.word_ids))
        self.word_count.append(len(pieces))
        for w in pieces:
            i = self.word_numbers.get(w)
            if i is None:
                i = self.word_numbers[w] = len(self.words)
                self.words.append(w)
            self.word_ids.append(i)
        return n

    def arrays(self) -> dict:
        return {name: as_array(getattr(self, name)) for name in (
            "advance", "entry_start", "entry_count", "entry_term", "entry_rel", "word_start", "word_count",
            "word_ids")}


def as_array(values: array, dtype=np.int32) -> np.ndarray:
    return np.frombuffer(values, dtype=dtype) if len(values) else np.zeros(0, dtype)


class TextBuffer:
    """One text field's raw token numbers, document by document, until `SegmentBuilder.finish`; the
    numbers are kept in one array per `chunk_docs` documents, so inverting lets each go in turn."""

    def __init__(self, chunk_docs: int):
        self.chunk_docs = chunk_docs
        self.docs, self.counts = array("i"), array("i")
        self.parts = {}  # chunk number (docnum // chunk_docs) -> the token numbers of its documents
        self.size = 0

    def add(self, docnum: int, numbers: list) -> None:
        self.docs.append(docnum)
        self.counts.append(len(numbers))
        part = self.parts.get(docnum // self.chunk_docs)
        if part is None:
            part = self.parts[docnum // self.chunk_docs] = array("i")
        part.extend(numbers)
        self.size += len(numbers)
