"""Snippets: a stored body and the query's terms -> a short HTML excerpt with <mark>ed matches.

Everything but the <mark> tags is escaped. The excerpt is the window of about WINDOW_WORDS words that
holds the most distinct matching terms (the start of the body when nothing matches). This is cheaper
than whoosh's highlighter and never emits markup of its own.
"""
from __future__ import annotations

from html import escape

from . import analysis

WINDOW_WORDS = 40


def make_snippet(body: str, terms: frozenset, window: int = WINDOW_WORDS) -> str:
    """Return the best excerpt of body with the words whose index terms are in `terms` marked."""
    if not body:
        return ""
    tokens = []  # (start, end, matches)
    for m in analysis.TOKEN_RE.finditer(body):
        pieces = analysis.split_token(m.group())
        hit = any(analysis.stem(p) in terms or (analysis.VARIANT_MARK + analysis.variant_key(p)) in terms
                  for p in pieces)
        tokens.append((m.start(), m.end(), hit))
        if len(tokens) > 20000:
            break
    if not tokens:
        return escape(body[:300])
    best, best_score = 0, -1
    hits = [i for i, t in enumerate(tokens) if t[2]]
    for i in hits:
        start = max(0, i - window // 4)
        distinct = {body[tokens[j][0]:tokens[j][1]].lower() for j in range(start, min(len(tokens), start + window))
                    if tokens[j][2]}
        if len(distinct) > best_score:
            best, best_score = start, len(distinct)
    last = min(len(tokens), best + window) - 1
    lo = 0 if best == 0 else tokens[best][0]
    hi = len(body) if last == len(tokens) - 1 else tokens[last][1]
    out = ["…" if lo > 0 else ""]
    pos = lo
    for s, e, hit in tokens[best:best + window]:
        if hit:
            out.append(escape(body[pos:s]))
            out.append("<mark>" + escape(body[s:e]) + "</mark>")
            pos = e
    out.append(escape(body[pos:hi]))
    if hi < len(body):
        out.append("…")
    return "".join(out).replace("\n\n", " ").replace("\n", " ")
