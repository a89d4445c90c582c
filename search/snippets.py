"""Snippets: a stored body and the query's terms -> a short HTML excerpt with <mark>ed matches.

Everything but the <mark> tags is escaped. The excerpt is a window of about WINDOW_WORDS words from a
little before the first match (the start of the body when nothing matches). This is cheaper
than whoosh's highlighter and never emits markup of its own.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import islice
from html import escape

from . import analysis

WINDOW_WORDS = 40
MAX_SCAN_TOKENS = 3000  # without a match by then, the snippet is the start of the body


def make_snippet(body: str, terms: frozenset, window: int = WINDOW_WORDS) -> str:
    """Return an excerpt of body around its first matching words, those words marked.

    The window starts a little before the first match; scanning stops once the window is full, so the
    cost does not grow with the length of the article.
    """
    if not body:
        return ""
    if not terms:  # nothing to find: the start of the body
        tokens = [(m.start(), m.end(), False) for m in islice(analysis.TOKEN_RE.finditer(body), window)]
        return _render(body, tokens, 0, len(tokens) - 1) if tokens else escape(body[:300])
    tokens = []  # (start, end, is_match)
    first_hit = None
    keys, disjoint = _token_keys, terms.isdisjoint  # _is_match inlined: this loop is most of a snippet's cost
    for m in analysis.TOKEN_RE.finditer(body):
        hit = not disjoint(keys(m.group()))
        tokens.append((m.start(), m.end(), hit))
        if hit and first_hit is None:
            first_hit = len(tokens) - 1
        if first_hit is not None and len(tokens) >= first_hit + window:
            break
        if first_hit is None and len(tokens) > MAX_SCAN_TOKENS:
            break
    if not tokens:
        return escape(body[:300])
    best = 0 if first_hit is None else max(0, first_hit - window // 4)
    return _render(body, tokens, best, min(len(tokens), best + window) - 1)


def _render(body: str, tokens: list, best: int, last: int) -> str:
    """The excerpt from token `best` to token `last` of `tokens` ((start, end, is_match) each), matches marked."""
    lo = 0 if best == 0 else tokens[best][0]
    hi = tokens[last][1]
    if last == len(tokens) - 1 and not analysis.TOKEN_RE.search(body, hi):
        hi = len(body)
    out = ["…" if lo > 0 else ""]
    pos = lo
    for s, e, hit in tokens[best:last + 1]:
        if hit:
            out.append(escape(body[pos:s]))
            out.append("<mark>" + escape(body[s:e]) + "</mark>")
            pos = e
    out.append(escape(body[pos:hi]))
    if hi < len(body):
        out.append("…")
    return "".join(out).replace("\n\n", " ").replace("\n", " ")


def _is_match(raw: str, terms: frozenset) -> bool:
    return not terms.isdisjoint(_token_keys(raw))


def warm(words) -> int:
    """Analyse these words ahead of the first queries, lowercase and capitalised as text has them: a word's
    first snippet costs its stemming (about 15 µs), after that a cache lookup. Returns the words primed."""
    n = 0
    for n, w in enumerate(words, 1):
        _token_keys(w)
        _token_keys(w[:1].upper() + w[1:])
    return n


@lru_cache(maxsize=200_000)
def _token_keys(raw: str) -> tuple:
    """The terms a raw token can match: the stems of its parts and their name-variant keys."""
    out = []
    for p in analysis.split_token(raw):
        out += (analysis.stem(p), analysis.VARIANT_MARK + analysis.variant_key(p))
    return tuple(out)
