"""Snippets: a stored body and the query's terms -> a short HTML excerpt with <mark>ed matches.

Everything but the <mark> tags is escaped. The excerpt is a window of about WINDOW_WORDS words from a
little before the first match (the start of the body when nothing matches). This is cheaper
than whoosh's highlighter and never emits markup of its own.
"""
from __future__ import annotations

from html import escape
from itertools import islice

from . import analysis

WINDOW_WORDS = 40
MAX_SCAN_TOKENS = 3000  # without a match by then, the snippet is the start of the body
CHUNK_CHARS = 500  # the body is searched for its first match this many characters at a time


def make_snippet(body: str, terms: frozenset, window: int = WINDOW_WORDS) -> str:
    """Return an excerpt of body around its first matching words, those words marked.

    The window starts a little before the first match (at the start of the body when there is none
    in the first MAX_SCAN_TOKENS words), so the cost does not grow with the length of the article.
    """
    if not body:
        return ""
    best, at, skip = _window_start(body, terms, window // 4) if terms else (0, 0, 0)
    keys, disjoint = analysis.index_terms, terms.isdisjoint
    tokens = [(m.start(), m.end(), not disjoint(keys(m.group())))
              for m in islice(analysis.TOKEN_RE.finditer(body, at), skip, skip + window)]
    if not tokens:
        return escape(body[:300])
    return _render(body, tokens, best > 0)


def _window_start(body: str, terms: frozenset, before: int) -> tuple:
    """(index of the window's first word, an offset at or before it, words to skip from there).

    The words are found a chunk at a time (CHUNK_CHARS, cut at a space: no word spans one) by one regex
    call each, and checked in a plain loop: a match near the start costs one small chunk. The window
    opens `before` words ahead of the first match.
    """
    keys, disjoint = analysis.index_terms, terms.isdisjoint
    pos, seen, size = 0, 0, len(body)
    starts = []  # (offset, index of its first word) of each chunk read
    while pos < size and seen <= MAX_SCAN_TOKENS:
        end = body.find(" ", pos + CHUNK_CHARS)
        end = size if end < 0 else end
        starts.append((pos, seen))
        words = analysis.TOKEN_RE.findall(body, pos, end)
        for i, w in enumerate(words):
            if not disjoint(keys(w)):
                if seen + i > MAX_SCAN_TOKENS:
                    return 0, 0, 0
                best = max(0, seen + i - before)
                offset, index = next((o, k) for o, k in reversed(starts) if k <= best)
                return best, offset, best - index
        seen += len(words)
        pos = end
    return 0, 0, 0


def _render(body: str, tokens: list, inside: bool) -> str:
    """The excerpt of the window's `tokens` ((start, end, is_match) each), matches marked; `inside`: the
    window does not open at the start of the body."""
    lo = tokens[0][0] if inside else 0
    hi = tokens[-1][1]
    if not analysis.TOKEN_RE.search(body, hi):
        hi = len(body)
    out = ["…" if lo > 0 else ""]
    pos = lo
    for s, e, hit in tokens:
        if hit:
            out.append(escape(body[pos:s]))
            out.append("<mark>" + escape(body[s:e]) + "</mark>")
            pos = e
    out.append(escape(body[pos:hi]))
    if hi < len(body):
        out.append("…")
    return "".join(out).replace("\n\n", " ").replace("\n", " ")


def warm(words) -> int:
    """Analyse these words ahead of the first queries, lowercase and capitalised as text has them: a word's
    first snippet costs its stemming (about 15 µs), after that a cache lookup. Returns the words primed."""
    n = 0
    for n, w in enumerate(words, 1):
        analysis.index_terms(w)
        analysis.index_terms(w[:1].upper() + w[1:])
    return n
