"""Query text -> whoosh query: the query language journalists type.

In: the `q` string. Out: `ParsedQuery` (the query, a fallback for when nothing matches every word,
the terms to highlight and notices for the user). Plain words must all match (AND); when none of the
articles has them all, `fallback` (any word, OR) is used and the response says so. Supported syntax:
"exact phrase", -exclude / NOT, OR, parentheses, title: and author: fields, prefix* (not stemmed) and
proximity "a b"~5. Invalid syntax never errors: the text is read as plain words and a notice says so.
This module does not touch the index (except `settle`, which resolves the fallback against it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

from whoosh import qparser, query as wq

from . import analysis
from .schema import TEXT_FIELDS

SEARCH_FIELDS = TEXT_FIELDS
FIELD_ALIASES = {"title": "title", "body": "body", "text": "body", "author": "author"}
MAX_PREFIX_TERMS = 64
OPERATOR_RE = re.compile(r'["()*~:]|(?:^|\s)-\S|\b(?:AND|OR|NOT)\b')


@dataclass(frozen=True)
class ParsedQuery:
    query: Optional[wq.Query]  # None: no words, every article matches
    fallback: Optional[wq.Query] = None
    notices: tuple = ()
    terms: frozenset = field(default_factory=frozenset)  # (field, text) pairs to highlight

    def fall_back(self) -> "ParsedQuery":
        return replace(self, query=self.fallback, fallback=None)

    def highlight_terms(self) -> frozenset:
        return frozenset(t for f, t in self.terms if f in ("body", "title"))

    def settle(self, view) -> "ParsedQuery":
        """Return the query that `run` would use: the fallback when the AND query matches nothing."""
        if self.query is not None and self.fallback is not None and not view.mask_for(self.query).any():
            return self.fall_back()
        return self


def _parser(schema, group) -> qparser.QueryParser:
    p = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=group)
    p.add_plugin(qparser.PlusMinusPlugin())
    p.remove_plugin_class(qparser.WildcardPlugin)
    p.add_plugin(qparser.PrefixPlugin())
    p.remove_plugin_class(qparser.BoostPlugin)
    return p


def parse_query(text: str, schema) -> ParsedQuery:
    """Parse the user's query text; never raises for bad syntax."""
    text = (text or "").strip()
    if not text:
        return ParsedQuery(None)
    notices = []
    words = analysis.terms(text)
    if not words and not re.search(r"\w", text):
        return ParsedQuery(None, notices=("The query has no words to search for; showing every article.",))
    if not OPERATOR_RE.search(text):
        return _plain(text, schema)
    if not _balanced(text):
        plain = _plain(_escape(text), schema)
        return replace(plain, notices=("Unbalanced quotes or parentheses: the query was searched as plain words.",))
    try:
        q = _parser(schema, qparser.AndGroup).parse(text)
        q = _fix_prefixes(q)
        if q is wq.NullQuery or not list(q.iter_all_terms()) and not _has_prefix(q):
            raise ValueError("nothing searchable")
        if _only_negative(q):
            q = wq.And([wq.Every(), q])
        return ParsedQuery(q, terms=_terms(q), notices=tuple(notices))
    except Exception:  # whoosh raises assorted errors on odd input: read it as words
        plain = _plain(re.sub(r'["()*~:^]', " ", text).replace(" -", " "), schema)
        return replace(plain, notices=("The query's syntax could not be read; it was searched as plain words.",))


def _plain(text: str, schema) -> ParsedQuery:
    q_and = _parser(schema, qparser.AndGroup).parse(_escape(text))
    if q_and is wq.NullQuery:
        return ParsedQuery(None, notices=("The query has only stop words; showing every article.",))
    q_or = _parser(schema, qparser.OrGroup).parse(_escape(text))
    return ParsedQuery(q_and, fallback=q_or if len(analysis.terms(text)) > 1 else None, terms=_terms(q_and))


def _balanced(text: str) -> bool:
    if text.count('"') % 2:
        return False
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _escape(text: str) -> str:
    return re.sub(r'["()*~:^\[\]{}+]', " ", text).replace(" -", " ").replace("'", "’") \
        .replace(" AND ", " and ").replace(" OR ", " or ").replace(" NOT ", " not ")


def _terms(q: wq.Query) -> frozenset:
    out = set()
    for f, t in q.iter_all_terms():
        out.add((f, t.decode("utf-8") if isinstance(t, bytes) else t))
    return frozenset(out)


def _has_prefix(q: wq.Query) -> bool:
    return any(isinstance(s, wq.Prefix) for s in q.leaves())


def _only_negative(q: wq.Query) -> bool:
    if isinstance(q, wq.Not):
        return True
    if isinstance(q, wq.AndNot):
        return False
    if isinstance(q, wq.And):
        return all(_only_negative(s) for s in q.subqueries)
    return False


def _fix_prefixes(q: wq.Query) -> wq.Query:
    """Re-create prefix queries from the folded, unstemmed prefix, capped at MAX_PREFIX_TERMS."""
    if isinstance(q, wq.Prefix):
        text = analysis.fold(q.text).strip("'")
        return wq.Prefix(q.fieldname, text, boost=q.boost, constantscore=True)
    if isinstance(q, wq.Wildcard):
        return wq.Prefix(q.fieldname, analysis.fold(q.text).rstrip("*?"))
    if q.is_leaf():
        return q
    return q.apply(_fix_prefixes)
