"""Query words -> `Word` nodes: every index term that stands for a word, corrections and prefix completions.

In: a word as typed (or a piece of a hyphenated word), the fields it is searched in, the lexicon (an open
IndexView: its terms, corpus words and their completions) and the tuning. Out: `Word(text, alts, fields)`
with the word's stem, its name-variant keys and its aliases' (search.query.variants); a word no indexed term
matches is replaced by the closest corpus word (in a long query only a one-letter slip), recorded in
`corrections` for the "did you mean". `WordMaker` holds that state for one query, and combines plain words
by the plain rules (every word of a short query, any of a long one, function words left out, a word typed
twice weighing twice); search.query.parsing's parser is one. This module does not read the query's syntax.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Optional

from .. import analysis
from ..engine.nodes import TEXT, All, Any, AtLeast, Phrase, Word
from ..tuning import Tuning
from .variants import alternatives, keys_if_they_add, looks_like_name, one_letter_apart

MAX_PREFIX_TERMS = 64


class WordMaker:
    """Makes the Word nodes of one query and remembers what it corrected and completed."""

    def __init__(self, lexicon, tuning: Tuning):
        self.lexicon = lexicon
        self.tuning = tuning
        self.corrections: dict = {}
        self.capped: list = []  # prefixes with more completions than MAX_PREFIX_TERMS
        self.long = False  # a plain query of more than short_query_words words
        self.hyphenated: dict = {}  # Word of a hyphenated word's joined form -> Words of its parts
        self.literal: set = set()  # folded words never corrected (a field's name searched as a word)

    def _is_long(self, text: str) -> bool:
        """Whether the words typed (function words included) make more than a short query."""
        distinct = {p for r in analysis.tokens(text) for p in analysis.split_token(r)[-1:]
                    if p not in analysis.STOPWORDS}
        return len(distinct) > self.tuning.short_query_words

    def _weighed(self, counts: dict) -> tuple:
        """The words of {Word: times typed}: function words left out when others remain, and in a long
        query a word typed twice weighing twice."""
        t = self.tuning
        if t.query_stopwords:
            content = {w: c for w, c in counts.items() if w.text not in analysis.QUERY_STOPWORDS}
            counts = content or counts
        if t.query_term_weight and self.long:
            return tuple(replace(w, weight=float(c)) if c > 1 else w for w, c in counts.items())
        return tuple(counts)

    def _combine(self, words: tuple, long: bool) -> tuple:
        """(query, fallback) of plain words: all of a few (else any), any of many (at least a share, if set);
        `long` is told by the words typed, function words included ("why few targets are better than many"
        is a sentence even when only "targets" and "better" are searched). A hyphenated word stands for its
        joined form or its parts in a row; in a long query its parts also count as words of their own, and
        the joined form (the same concept again) weighs `joined_weight`."""
        t = self.tuning
        out = []
        for w in words:
            parts = self.hyphenated.get(replace(w, weight=1.0)) if isinstance(w, Word) else None
            if not parts:
                out.append(w)
            elif long:
                out += [replace(w, weight=w.weight * t.joined_weight), *parts]
            else:
                out.append(Any((w, Phrase(parts, tuple(range(len(parts))), 0, w.fields))))
        words = tuple(dict.fromkeys(out))
        if len(words) == 1:
            return words[0], None
        if not long:
            return All(words), Any(words)
        need = math.ceil(t.min_should_match * len(words))
        if need > 1:
            return AtLeast(words, need), Any(words)
        return Any(words), None

    def _word(self, raw: str, fields=None, correct: bool = True) -> Optional[Word]:
        pieces = analysis.split_token(raw)
        if not pieces:
            return None
        piece = pieces[-1]  # a hyphenated word: its joined form, which the index holds for every occurrence
        if piece in analysis.STOPWORDS:
            return None
        word = self._word_from_piece(piece, raw, fields, correct)
        if len(pieces) > 1 and fields in (None, TEXT):  # and its parts, for _combine
            parts = tuple(self._word_from_piece(p, p, fields, False) for p in pieces[:-1]
                          if p not in analysis.STOPWORDS)
            if len(parts) > 1:
                self.hyphenated[word] = parts
        return word

    def _word_from_piece(self, piece: str, raw: str, fields, correct: bool = True) -> Word:
        fields = fields or TEXT
        if fields == ("author",):  # the author field is neither stemmed nor keyed
            return Word(piece, (piece,), fields)
        alts = alternatives(piece, self.tuning.variant_keys)
        lex = self.lexicon
        if lex is not None and correct and piece not in self.literal and not any(lex.has_term(t) for t in alts):
            fixed = lex.correct(piece)
            if fixed and self.long and not one_letter_apart(piece, fixed):
                fixed = None
            if fixed:
                self.corrections[piece] = fixed
                alts = alternatives(fixed, self.tuning.variant_keys)
        if lex is not None and not looks_like_name(raw):
            alts = keys_if_they_add(alts, lex)
        return Word(piece, alts, fields)

    def _prefix(self, typed: str, fields) -> Optional[Word]:
        prefix = analysis.fold(typed).strip("'")
        if not prefix:
            return None
        if self.lexicon is None:
            return Word(prefix + "*", (analysis.stem(prefix),), fields or TEXT)
        words, cap = self.lexicon.complete(prefix, MAX_PREFIX_TERMS)
        if cap and prefix not in self.capped:
            self.capped.append(prefix)
        stems = tuple(dict.fromkeys(analysis.stem(w) for w in words))
        return Word(prefix + "*", stems, fields or TEXT)
