"""The whoosh analyzers of the schema's text fields: search.analysis's rules in whoosh's Tokenizer/Filter shape.

In: text (whoosh calls these when it indexes or parses through the schema). Out: whoosh Tokens with
positions and character offsets, the same terms as `analysis.index_entry` gives the fast writer
(tests/test_segments.py holds them equal). Used by whoosh's own writer (the parity tests), `more_like`
and the schema; the product's writer and query parser call search.analysis directly.
"""
from __future__ import annotations

from whoosh.analysis import Composable, Filter, Token, Tokenizer

from ..analysis import _CYRILLIC, STOPWORDS, TOKEN_RE, VARIANT_MARK, name_keys, split_token, stem


class NewsTokenizer(Tokenizer):
    """Whoosh tokenizer yielding news terms with positions and character offsets.

    A hyphenated word yields its parts at successive positions and the joined form at the first
    part's position, so "Nur-Sultan", "Nur Sultan" (as a phrase) and "Nursultan" all match it.
    """

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        for m in TOKEN_RE.finditer(value):
            pieces = split_token(m.group())
            if not pieces:
                continue
            joined = len(pieces) > 1
            if joined and mode == "query":
                pieces = pieces[:-1]  # in a query phrase the parts match; plain queries use the joined form
            for k, piece in enumerate(pieces):
                is_join = joined and mode != "query" and k == len(pieces) - 1
                t.text = piece
                t.name = m.group()[0].isupper() or bool(_CYRILLIC.match(m.group()))
                t.original = m.group() if keeporiginal else piece
                t.boost = 1.0
                t.stopped = False
                if positions:
                    t.pos = pos - (len(pieces) - 1) if is_join else pos
                if chars:
                    t.startchar, t.endchar = start_char + m.start(), start_char + m.end()
                yield t
                if not is_join:
                    pos += 1


class NewsStopFilter(Filter):
    """Drop stop words from the data file (kept in phrase-free query modes by whoosh's own rules)."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        for t in tokens:
            if t.text in STOPWORDS:
                if t.removestops:
                    continue
                t.stopped = True
            yield t


class NewsStemFilter(Filter):
    """Replace each term with its Snowball stem; when indexing a name, also emit its variant key.

    A name is a token written with a capital or in Cyrillic. Its key (`variant_key`, prefixed with
    VARIANT_MARK) goes at the same position, so Tokayev, Tokaev and Токаев share the term "~tokaev".
    Queries are analyzed without keys: `parsing` adds them as alternatives of each query word.
    """

    is_morph = True

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, tokens):
        for t in tokens:
            if t.stopped:
                yield t
                continue
            word = t.text
            t.text = stem(word)
            yield t
            if t.mode == "index" and getattr(t, "name", False):
                for k in name_keys(word):
                    t.text = VARIANT_MARK + k
                    yield t


def NewsAnalyzer() -> Composable:
    """The analyzer of the title and body fields: tokenize, fold, drop stop words, stem (+ name keys)."""
    return NewsTokenizer() | NewsStopFilter() | NewsStemFilter()


# --- name variants -----------------------------------------------------------------------------


def PlainAnalyzer() -> Composable:
    """The same chain without stemming or stop words: for names (author) and facet values as text."""
    return NewsTokenizer()
