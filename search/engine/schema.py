"""The whoosh schema and SCHEMA_VERSION: the single source of field names.

Text fields (title, body, tags, author) are analyzed by `search.analysis`; facet fields hold canonical
values (multi-valued, separated by FACET_SEP; `source` holds one, see `source_of`); `spelling` holds the
texts each tagged value was found as (see `spelling_terms`), indexed only; `date` is "YYYY-MM-DD" or "" and sortable; `hash` tells a
changed article from an unchanged one. Bump SCHEMA_VERSION whenever a field or the analysis changes:
an index of another version is refused with "rebuild with casearch index --full".
"""
from __future__ import annotations

import json
from pathlib import PurePath
from urllib.parse import urlsplit

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from ..models import FACETS, TAGGED
from ..sources.common import content_hash, fold_key
from .analyzers import NewsAnalyzer, PlainAnalyzer

SCHEMA_VERSION = 2  # 2: `source` became a facet (was the file name, stored only); `spelling` added
FACET_SEP = "|"  # facet values never contain it: taggers emit names, and readers strip it
TITLE_BOOST = 2.5  # tuned by `casearch eval` (README: Ranking)
TAGS_BOOST = 0.5
TEXT_FIELDS = ("title", "body", "tags")


def build_schema() -> Schema:
    """Return the index schema."""
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=NewsAnalyzer(), stored=True, phrase=True, field_boost=TITLE_BOOST),
        body=TEXT(analyzer=NewsAnalyzer(), stored=True, phrase=True),
        tags=TEXT(analyzer=NewsAnalyzer(), stored=False, phrase=True, field_boost=TAGS_BOOST),
        author=TEXT(analyzer=PlainAnalyzer(), stored=True, phrase=True),
        author_key=ID(stored=False),
        date=ID(stored=True, sortable=True),
        url=STORED(),
        files=STORED(),
        truncated=STORED(),
        hash=ID(stored=True, sortable=True),
        evidence=STORED(),
        spelling=_facet_field(stored=False),
        **{f: _facet_field() for f in FACETS},
    )


def _facet_field(stored: bool = True) -> KEYWORD:
    """A multi-valued exact field: values separated by FACET_SEP, kept whole (spaces and case)."""
    field = KEYWORD(stored=stored, scorable=False, lowercase=False)
    field.analyzer = RegexTokenizer(r"[^|]+")
    return field


def author_key(author: str) -> str:
    """The exact-match key of an author filter: folded and space-normalised."""
    return fold_key(author)


def to_document(tagged) -> dict:
    """Turn a TaggedArticle into the field values of one whoosh document."""
    a = tagged.article
    values = {"country": tagged.countries, "person": tagged.people, "topic": tagged.topics,
              "source": (source_of(a),)}
    doc = {
        "id": a.id, "title": a.title, "body": a.body, "author": a.author, "author_key": author_key(a.author),
        "date": a.date or "", "url": a.url, "truncated": a.truncated,
        "files": "\n".join(a.files),
        "tags": " ; ".join(v for f in TAGGED for v in values[f]),
        "evidence": json.dumps(tagged.evidence, ensure_ascii=False),
        "spelling": spelling_terms(tagged.evidence),
    }
    for f, vals in values.items():
        doc[f] = FACET_SEP.join(v.replace(FACET_SEP, "/") for v in vals if v)
    doc["hash"] = content_hash(a.title, a.body, a.date or "", a.author, a.url, doc["country"], doc["person"],
                               doc["topic"], doc["source"], str(SCHEMA_VERSION))
    return doc


def source_of(article) -> str:
    """The publication or site of an article: the record's own `source`, else its URL's host (without
    "www."), else the name of the folder its file is in; "" when none is known.

    >>> from search.models import Article
    >>> source_of(Article("a", "T", "B", url="https://www.example.org/x", files=("/data/wire/a.jsonl",)))
    'example.org'
    >>> source_of(Article("a", "T", "B", files=("/data/wire/a.jsonl",))), source_of(Article("a", "T", "B"))
    ('wire', '')
    """
    if article.publication.strip():
        return " ".join(article.publication.split())
    try:
        host = urlsplit(article.url.strip()).hostname or ""
    except ValueError:  # a malformed URL (bad port, brackets): no host
        host = ""
    if host:
        return host[4:] if host.startswith("www.") else host
    if article.files:
        return PurePath(article.files[0]).parent.name
    return ""


SPELLING_SEP = "\x1f"  # between facet, value and text in a `spelling` term (never in any of them)
SPELLINGS_PER_VALUE = 8  # distinct texts kept per value and article
TOPIC_TERMS = 3  # a topic's terms kept per article, the most frequent first (each term costs a posting)


def spelling_terms(evidence: dict) -> str:
    r"""The `spelling` field of an article: one term per facet value and distinct text that gave it
    ("person\x1fKassym-Jomart Tokayev\x1fTokaev"), so a dossier counts the articles of each spelling.

    >>> spelling_terms({"person": {"Ann Lee": [["Ann Lee", "body", 0], ["Lee", "body", 9], ["Lee", "title", 0]]}})
    'person\x1fAnn Lee\x1fAnn Lee|person\x1fAnn Lee\x1fLee'
    """
    terms = []
    for f in TAGGED:
        for value, mentions in (evidence.get(f) or {}).items():
            if f == "topic":  # [term, field, count]: the terms that counted most
                mentions = sorted(mentions, key=lambda m: -m[2] if len(m) > 2 and isinstance(m[2], int) else 0)
            texts = dict.fromkeys(" ".join(str(m[0]).split()) for m in mentions if m and m[0])
            for text in list(texts)[:TOPIC_TERMS if f == "topic" else SPELLINGS_PER_VALUE]:
                terms.append(SPELLING_SEP.join((f, value, text)).replace(FACET_SEP, "/"))
    return FACET_SEP.join(terms)


def from_stored(stored: dict) -> dict:
    """Rebuild the field values of a document from its stored fields (to rewrite it into a new segment)."""
    doc = {k: v for k, v in stored.items()}
    doc["author_key"] = author_key(stored.get("author", ""))
    doc["tags"] = " ; ".join(v for f in TAGGED for v in split_facet(stored.get(f, "")))
    doc["spelling"] = spelling_terms(json.loads(stored.get("evidence") or "{}"))
    return doc


def split_facet(value: str) -> list:
    return [v for v in (value or "").split(FACET_SEP) if v]
