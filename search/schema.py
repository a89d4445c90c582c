"""The whoosh schema and SCHEMA_VERSION: the single source of field names.

Text fields (title, body, tags, author) are analyzed by `search.analysis`; facet fields hold canonical
values (multi-valued, separated by FACET_SEP); `date` is "YYYY-MM-DD" or "" and sortable; `hash` tells a
changed article from an unchanged one. Bump SCHEMA_VERSION whenever a field or the analysis changes:
an index of another version is refused with "rebuild with casearch index --full".
"""
from __future__ import annotations

import json

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from .analysis import NewsAnalyzer, PlainAnalyzer
from .models import FACETS

SCHEMA_VERSION = 1
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
        source=STORED(),
        files=STORED(),
        truncated=STORED(),
        hash=ID(stored=True, sortable=True),
        evidence=STORED(),
        **{f: _facet_field() for f in FACETS},
    )


def _facet_field() -> KEYWORD:
    """A multi-valued exact field: values separated by FACET_SEP, kept whole (spaces and case)."""
    field = KEYWORD(stored=True, scorable=False, lowercase=False)
    field.analyzer = RegexTokenizer(r"[^|]+")
    return field


def author_key(author: str) -> str:
    """The exact-match key of an author filter: folded and space-normalised."""
    from .sources.common import fold_key
    return fold_key(author)


def to_document(tagged) -> dict:
    """Turn a TaggedArticle into the field values of one whoosh document."""
    from .sources.common import content_hash
    a = tagged.article
    values = {"country": tagged.countries, "person": tagged.people, "topic": tagged.topics}
    doc = {
        "id": a.id, "title": a.title, "body": a.body, "author": a.author, "author_key": author_key(a.author),
        "date": a.date or "", "url": a.url, "source": a.source, "truncated": a.truncated,
        "files": "\n".join(a.files),
        "tags": " ; ".join(v for vals in values.values() for v in vals),
        "evidence": json.dumps(tagged.evidence, ensure_ascii=False),
    }
    for f, vals in values.items():
        doc[f] = FACET_SEP.join(v.replace(FACET_SEP, "/") for v in vals)
    doc["hash"] = content_hash(a.title, a.body, a.date or "", a.author, a.url, doc["country"], doc["person"],
                               doc["topic"], str(SCHEMA_VERSION))
    return doc


def from_stored(stored: dict) -> dict:
    """Rebuild the field values of a document from its stored fields (to rewrite it into a new segment)."""
    doc = {k: v for k, v in stored.items()}
    doc["author_key"] = author_key(stored.get("author", ""))
    doc["tags"] = " ; ".join(v for f in FACETS for v in split_facet(stored.get(f, "")))
    return doc


def split_facet(value: str) -> list:
    return [v for v in (value or "").split(FACET_SEP) if v]
