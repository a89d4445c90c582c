"""An article as a reader sees it: paragraphs, the words of the search that led there marked.

In: a stored body (plain text, paragraphs separated by blank lines) and optionally a query. Out: blocks
(("p" | "sub" | "list", content)) whose text is HTML: escaped, with only <mark> around the words that
match the query's terms, as a snippet marks them. A body scraped as one long line (some seed pages
lost their paragraph breaks) is cut at sentence ends into paragraphs of READ_CHARS characters or more;
the words are not changed. It does not decide what the page shows around the body (see web/).
"""
from __future__ import annotations

import re
from html import escape

from .. import analysis
from .parsing import parse_query

READ_CHARS = 320  # a paragraph cut from a run-on body has at least this many characters (and two sentences)
RUN_ON_CHARS = 900  # a single-line paragraph longer than this is cut at sentence ends
_SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"’]?\s+(?=[“\"‘(A-ZА-ЯЁ0-9])")
_ABBREV = re.compile(r"(?:\b(?:[A-Za-z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Col|Lt|Prof|No|Jan|Feb|Mar|Apr|Aug|"
                     r"Sep|Sept|Oct|Nov|Dec|Inc|Ltd|Co|vs))$")


def terms_of(q: str, view) -> frozenset:
    """The index terms a query's words match (what its snippets mark); empty without a query."""
    if not (q or "").strip():
        return frozenset()
    return parse_query(q, lexicon=view).highlight_terms()


def mark(text: str, terms: frozenset) -> str:
    """The text as HTML: escaped, each word matching one of the terms wrapped in <mark>.

    >>> mark("Tokayev <met> Putin", frozenset({"tokayev"}))
    '<mark>Tokayev</mark> &lt;met&gt; Putin'
    """
    if not terms:
        return escape(text)
    out, pos = [], 0
    for m in analysis.TOKEN_RE.finditer(text):
        if not terms.isdisjoint(analysis.index_terms(m.group())):
            out.append(escape(text[pos:m.start()]))
            out.append("<mark>" + escape(m.group()) + "</mark>")
            pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def paragraphs(text: str) -> list:
    """A run-on paragraph cut at sentence ends into paragraphs of READ_CHARS or more (short ones as they are).

    >>> len(paragraphs("One sentence here. " * 10)), len(paragraphs(("A long sentence about Mr. Smith. " * 30).strip()))
    (1, 3)
    """
    if len(text) <= RUN_ON_CHARS or "\n" in text:
        return [text]
    sentences, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if _ABBREV.search(text, max(0, m.start() - 12), m.start()):  # "U.S. Central", "Mr. Smith"
            continue
        sentences.append(text[start:m.end()].strip())
        start = m.end()
    sentences.append(text[start:].strip())
    out, current = [], []
    for s in sentences:
        current.append(s)
        if sum(map(len, current)) >= READ_CHARS and len(current) >= 2:
            out.append(" ".join(current))
            current = []
    if current:
        if out and sum(map(len, current)) < READ_CHARS / 2:
            out[-1] += " " + " ".join(current)
        else:
            out.append(" ".join(current))
    return out


def blocks(body: str, terms: frozenset = frozenset()) -> list:
    """The body's blocks as (kind, HTML): "list" (bullet items, a list of HTML), "sub" (a subheading) or "p"."""
    out = []
    for p in (p.strip() for p in body.split("\n\n")):
        if not p:
            continue
        if p.startswith("• "):
            out.append(("list", [mark(item[2:], terms) for item in p.split("\n")]))
        elif len(p.split()) <= 12 and p[-1] not in ".!?:;,”\"'…" and p[0].isupper():
            out.append(("sub", mark(p, terms)))
        else:
            out += [("p", mark(part, terms)) for part in paragraphs(p)]
    return out
