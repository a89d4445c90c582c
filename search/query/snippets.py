"""Snippets: a stored body and the query's terms -> a short HTML excerpt with <mark>ed matches.

Everything but the <mark> tags is escaped. The excerpt is a window of about WINDOW_WORDS words from a
little before the first match (the start of the body when nothing matches). This is cheaper
than whoosh's highlighter and never emits markup of its own.
"""
from __future__ import annotations

from html import escape
from itertools import islice
from typing import Optional

from .. import analysis
from ..engine.nodes import Any, Near, Phrase, Word

WINDOW_WORDS = 40
MAX_SCAN_TOKENS = 3000  # without a match by then, the snippet is the start of the body
CHUNK_CHARS = 500  # the body is searched for its first match this many characters at a time
CHUNK_WORDS = 200  # words read at a time when looking for a phrase


def make_snippet(body: str, terms: frozenset, window: int = WINDOW_WORDS, phrases: tuple = (),
                 loose: Optional[frozenset] = None) -> str:
    """Return an excerpt of body around its first matching words, those words marked.

    The window starts a little before the first match (at the start of the body when there is none
    in the first MAX_SCAN_TOKENS words), so the cost does not grow with the length of the article.
    With `phrases` (Phrase and Near nodes of the query), the window opens at the first place one of them
    holds and each such place is marked whole, from its first word to its last; then only the `loose`
    terms (those of the query's words outside phrases) are marked one by one.
    """
    if not body:
        return ""
    if phrases:
        got = _phrase_snippet(body, phrases, loose if loose is not None else terms, window)
        if got is not None:
            return got
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


def _phrase_snippet(body: str, phrases: tuple, loose: frozenset, window: int) -> Optional[str]:
    """The excerpt around the first place a phrase or w/N holds, each such place marked whole; None when
    none holds in the first MAX_SCAN_TOKENS words. Positions are counted in words as the text shows them."""
    keys = analysis.index_terms
    tokens = analysis.TOKEN_RE.finditer(body)
    found, spans = [], []
    while len(found) < MAX_SCAN_TOKENS:  # a chunk of words at a time, until a match and its window are read
        chunk = [(m.start(), m.end(), keys(m.group())) for m in islice(tokens, CHUNK_WORDS)]
        found += chunk
        spans = sorted({s for node in phrases for s in _spans(node, found)})
        if not chunk or (spans and len(found) >= spans[0][0] + window):
            break
    if not spans:
        return None
    first = max(0, spans[0][0] - window // 4)
    last = first + window
    marks = [False] * len(found)
    for i, (_, _, ts) in enumerate(found):
        marks[i] = not loose.isdisjoint(ts)
    out = ["…" if first > 0 else ""]
    pos = found[first][0] if first > 0 else 0
    i = first
    spans = [s for s in spans if s[0] >= first]
    while i < min(last, len(found)):
        span = next((s for s in spans if s[0] == i), None)
        if span is not None:
            a, b = span
            out.append(escape(body[pos:found[a][0]]))
            out.append("<mark>" + escape(body[found[a][0]:found[b][1]]) + "</mark>")
            pos, i = found[b][1], b + 1
            continue
        if marks[i]:
            s0, e0, _ = found[i]
            out.append(escape(body[pos:s0]))
            out.append("<mark>" + escape(body[s0:e0]) + "</mark>")
            pos = e0
        i += 1
    hi = found[min(i, len(found)) - 1][1]
    if not analysis.TOKEN_RE.search(body, hi):
        hi = len(body)
    out.append(escape(body[pos:hi]))
    if hi < len(body):
        out.append("…")
    return "".join(out).replace("\n\n", " ").replace("\n", " ")


def _where(node, found: list) -> list:
    """(first, last) word indexes where a word, phrase or Any of those stands in the text."""
    if isinstance(node, Word):
        alts = set(node.alts)
        return [(i, i) for i, (_, _, ts) in enumerate(found) if not alts.isdisjoint(ts)]
    if isinstance(node, Any):
        return sorted({s for c in node.children for s in _where(c, found)})
    if isinstance(node, (Phrase, Near)):
        return _spans(node, found)
    return []


def _spans(node, found: list) -> list:
    """(first, last) word indexes of the places a phrase or w/N holds (the first place per start)."""
    if isinstance(node, Phrase):
        heads = _where(node.words[0], found)
        if node.slop == 0:
            out = []
            for i, _ in heads:
                if all(i + off < len(found) and not set(w.alts).isdisjoint(found[i + off][2])
                       for w, off in zip(node.words[1:], node.offsets[1:])):
                    out.append((i, i + node.offsets[-1]))
            return out
        left, right, dist, ordered = node.words[0], node.words[-1], node.slop + node.offsets[-1], False
    elif isinstance(node, Near):
        left, right, dist, ordered = node.left, node.right, node.distance, node.ordered
    else:
        return []
    a, b = _where(left, found), _where(right, found)
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            if (0 < s2 - e1 <= dist) or (not ordered and 0 < s1 - e2 <= dist):
                out.append((min(s1, s2), max(e1, e2)))
                break
    return out
