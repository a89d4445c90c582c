"""Query text -> whoosh query: the query language journalists type.

In: the `q` string. Out: `ParsedQuery` (the query, a fallback for when nothing matches every word,
the terms to highlight and notices for the user). Plain words must all match (AND); when none of the
articles has them all, `fallback` (any word, OR) is used and the response says so. Supported syntax:
"exact phrase", -exclude / NOT, OR, parentheses, title: and author: fields, prefix* (not stemmed) and
proximity "a b"~5. Invalid syntax never errors: the text is read as plain words and a notice says so.
This module does not touch the index (except `settle`, which resolves the fallback against it).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Optional

from whoosh import qparser, query as wq

from . import analysis
from .schema import TEXT_FIELDS

SEARCH_FIELDS = TEXT_FIELDS
FIELD_ALIASES = {"title": "title", "body": "body", "text": "body", "author": "author"}
MAX_PREFIX_TERMS = 64
SHORT_QUERY_WORDS = 3  # up to this many words every word must match (falling back to any word)
MIN_SHOULD_MATCH = 0.25  # longer queries: this share of their words must match (rounded up); tuned on Cranfield
EXPANDED_FIELDS = set(TEXT_FIELDS)
OPERATOR_RE = re.compile(r'["()*~:]|(?:^|\s)-\S|\b(?:AND|OR|NOT)\b')  # anything beyond plain words


@dataclass(frozen=True)
class ParsedQuery:
    query: Optional[wq.Query]  # None: no words, every article matches
    fallback: Optional[wq.Query] = None
    notices: tuple = ()
    terms: frozenset = field(default_factory=frozenset)  # (field, text) pairs to highlight
    clauses: tuple = ()  # one query per word, when only `min_match` of them must match
    min_match: int = 0
    corrections: tuple = ()  # (typed word, corrected word) pairs: the basis of "did you mean"
    suggestion: Optional[str] = None

    def fall_back(self) -> "ParsedQuery":
        return replace(self, query=self.fallback, fallback=None, clauses=(), min_match=0)

    def highlight_terms(self) -> frozenset:
        return frozenset(t for f, t in self.terms if f in ("body", "title"))


def _parser(schema, group) -> qparser.QueryParser:
    p = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, group=group)
    p.remove_plugin_class(qparser.WildcardPlugin)
    p.add_plugin(qparser.PrefixPlugin())
    p.remove_plugin_class(qparser.BoostPlugin)
    return p


def parse_query(text: str, schema, lexicon=None) -> ParsedQuery:
    """Parse the user's query text; never raises for bad syntax.

    With a lexicon (an IndexView), each word is expanded with its name-variant key and its aliases, and
    a word the index does not know is replaced by the closest corpus word ("did you mean").
    """
    parsed = _parse(text, schema)
    if lexicon is None or parsed.query is None:
        return parsed
    return _expand_all(parsed, text, lexicon)


def _parse(text: str, schema) -> ParsedQuery:
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
        # "-word" excludes; an inner hyphen (Nur-Sultan, Kyrgyz-Russian) does not
        q = _parser(schema, qparser.AndGroup).parse(re.sub(r'(^|[\s(])-(?=[\w"(])', r"\1NOT ", text))
        q = _fix_prefixes(q)
        if q is wq.NullQuery or not list(q.iter_all_terms()) and not _has_prefix(q):
            raise ValueError("nothing searchable")
        if _only_negative(q):
            q = wq.And([wq.Every(), q])
        # a pasted sentence with brackets still falls back to any word; a phrase or an exclusion is
        # what the user asked for exactly, so it does not
        fallback = None
        if '"' not in text and not re.search(r"(?:^|\s)-\S|\bNOT\b", text):
            words = re.sub(r'[()*~:^]|\b(?:AND|OR)\b', " ", text)
            fallback = _plain(words, schema).fallback if len(analysis.terms(words)) > 1 else None
        return ParsedQuery(q, fallback=fallback, terms=_terms(q), notices=tuple(notices))
    except Exception:  # whoosh raises assorted errors on odd input: read it as words
        plain = _plain(re.sub(r'["()*~:^]', " ", text).replace(" -", " "), schema)
        return replace(plain, notices=("The query's syntax could not be read; it was searched as plain words.",))


def _plain(text: str, schema) -> ParsedQuery:
    q_and = _parser(schema, qparser.AndGroup).parse(_escape(text))
    if q_and is wq.NullQuery:
        return ParsedQuery(None, notices=("The query has only stop words; showing every article.",))
    q_or = _parser(schema, qparser.OrGroup).parse(_escape(text))
    n = len(set(analysis.terms(text)))
    if n > SHORT_QUERY_WORDS:
        # a pasted sentence: rank by any word, but require a share of them (minimum should match)
        parser = _parser(schema, qparser.OrGroup)
        clauses = []
        for word in dict.fromkeys(_escape(text).split()):
            c = parser.parse(word)
            if c is not wq.NullQuery:
                clauses.append(c)
        need = max(1, math.ceil(MIN_SHOULD_MATCH * len(clauses)))
        return ParsedQuery(q_or, fallback=q_or, terms=_terms(q_or), clauses=tuple(clauses), min_match=need)
    return ParsedQuery(q_and, fallback=q_or if n > 1 else None, terms=_terms(q_and))


# --- expansion: name variants, aliases, typo correction -------------------------------------------

@lru_cache(maxsize=1)
def aliases() -> dict:
    """{folded spelling: tuple of the other spellings of its group} from data/aliases.txt."""
    groups = {}
    for line in (analysis.DATA / "aliases.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        members = [analysis.fold(m.strip()) for m in line.split("=") if m.strip()]
        for m in members:
            groups[m] = tuple(x for x in members if x != m)
    return groups


def _alternatives(word: str) -> list:
    """Index terms that a typed word stands for: its stem, its name key, and those of its aliases."""
    out = []
    for w in (word, *aliases().get(word, ())):
        if " " in w:
            continue  # a multi-word alias ("kyrgyz republic") is found through its words anyway
        pieces = analysis.split_token(w)
        if pieces:
            p = pieces[-1]  # "nur-sultan" -> its joined form "nursultan"
            out += [analysis.stem(p), analysis.VARIANT_MARK + analysis.variant_key(p)]
    return list(dict.fromkeys(out))


def _expand_all(parsed: ParsedQuery, text: str, lexicon) -> ParsedQuery:
    typed = {}  # stem -> the folded word the user typed
    for m in analysis.TOKEN_RE.finditer(text):
        for piece in analysis.split_token(m.group()):
            if piece not in analysis.STOPWORDS:
                typed.setdefault(analysis.stem(piece), piece)
    corrections = {}
    capped = []

    def expand(q):
        if isinstance(q, wq.Prefix) and q.fieldname in EXPANDED_FIELDS:
            # complete the typed prefix against the corpus words, then search their stems
            words, cap = lexicon.complete(q.text, MAX_PREFIX_TERMS)
            if cap and q.text not in capped:
                capped.append(q.text)
            stems = list(dict.fromkeys(analysis.stem(w) for w in words))
            if not stems:
                return q
            return wq.Or([wq.Term(q.fieldname, t) for t in stems], boost=q.boost)
        if isinstance(q, wq.Term) and q.fieldname in EXPANDED_FIELDS:
            word = typed.get(q.text)
            if word is None:
                return q
            alts = _alternatives(word)
            if not any(lexicon.has_term(t) for t in alts):
                fixed = lexicon.correct(word)
                if fixed:
                    corrections[word] = fixed
                    alts = _alternatives(fixed)
            subs = [wq.Term(q.fieldname, t, boost=q.boost) for t in alts]
            return subs[0] if len(subs) == 1 else wq.DisjunctionMax(subs, boost=1.0)
        if q.is_leaf():
            return q
        return q.apply(expand)

    def fix(q):
        return expand(q) if q is not None else None

    out = replace(parsed, query=fix(parsed.query), fallback=fix(parsed.fallback),
                  clauses=tuple(expand(c) for c in parsed.clauses))
    terms = set(out.terms) | _terms(out.query)
    if capped:
        out = replace(out, notices=out.notices + tuple(
            f"{p}* matches many words: the {MAX_PREFIX_TERMS} most frequent were searched." for p in capped))
    if corrections:
        suggestion = text
        for wrong, right in corrections.items():
            suggestion = re.sub(rf"(?i)(?<!\w){re.escape(wrong)}(?!\w)", right, suggestion)
        notice = "Searched for " + ", ".join(f"{right} (not {wrong})" for wrong, right in corrections.items()) + "."
        out = replace(out, corrections=tuple(corrections.items()), suggestion=suggestion,
                      notices=out.notices + (notice,))
    return replace(out, terms=frozenset(terms))


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
    # a hyphenated word is searched as its joined form, which the index holds for every hyphenated
    # occurrence (Nur-Sultan -> nursultan); its parts alone would match far too much
    text = re.sub(r"\w+(?:[-‐‑–]\w+)+", lambda m: analysis.split_token(m.group())[-1], text)
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
