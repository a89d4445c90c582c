"""Export rows -> what an OpenSearch or Elasticsearch cluster loads: bulk NDJSON and an index template.

In: the rows of `query.export_rows` (dicts with `EXPORT_KEYS`) and the name of the index to create.
Out: `bulk_lines` yields the `_bulk` API's lines, an action line (`{"index": {"_id", "_index"}}`) then the
document: the export keys (empty author, url and source as null, dates as ISO dates, facets as lists) plus
`name_keys`, the name-variant keys the index holds for the names of the article (title, body and facet
values, as `analysis.index_entry` makes them, without the mark). `mapping` returns a composable index
template whose analysis mirrors ours as closely as a stock cluster allows (no plugins): folding, Snowball
English and Russian stems, the stop words, the aliases as search-time synonyms, facets as keywords,
dates, BM25 with our k1 and b. Lines are serialised as opensearch-py's JSONSerializer does (compact, UTF-8),
so the client's own bulk bodies are the same bytes.
This module talks to no server and reads no index: the CLI hands it rows and prints what it returns.
"""
from __future__ import annotations

import json
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Iterable, Iterator

from . import analysis
from .engine.schema import SCHEMA_VERSION
from .errors import BadQuery
from .query.variants import aliases
from .tuning import DEFAULT

DATE_FORMAT = "strict_date_optional_time"  # our dates are YYYY-MM-DD: the cluster's default ISO parser
KEYWORD_FACETS = ("countries", "people", "topics", "source")  # copied into `tags`, as our index does
NULL_WHEN_EMPTY = ("author", "url", "source")  # "" would be a keyword term and an aggregation bucket
URL_IGNORE_ABOVE = 2048  # longer URLs stay in _source but are not indexed (Lucene's term limit is 32 KB)

# the cluster's index names: lowercase, none of \ / * ? " < > | , # : or space, not starting with - _ +
_INDEX_NAME = re.compile(r"(?![-_+])[^\\/*?\"<>|,# :]{1,255}")


def check_index_name(name: str) -> str:
    """Return `name` if a cluster accepts it as an index name.

    Raises:
        BadQuery: with what is wrong with the name.
    """
    if (not _INDEX_NAME.fullmatch(name or "") or name != name.lower() or name in (".", "..")
            or len(name.encode("utf-8")) > 255):
        raise BadQuery(f"index name {str(name)[:60]!r} is not one OpenSearch accepts: lowercase, at most 255 "
                       f"bytes, no spaces or \\ / * ? \" < > | , # :, not starting with - _ +")
    return name


def dumps(obj) -> str:
    """One bulk line: compact JSON, non-ASCII kept (opensearch-py's JSONSerializer writes the same)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def name_keys(row: dict) -> list:
    """The name-variant keys an article is indexed under, sorted: those of the capitalised or Cyrillic
    words of its title, body and facet values (the index's `tags` field), without VARIANT_MARK.

    >>> name_keys({"title": "Tokayev in Astana", "body": "Токаевым was there.", "countries": ["Kazakhstan"]})
    ['astana', 'kazakstan', 'tokaev', 'tokaevim']
    """
    texts = [row.get("title") or "", row.get("body") or ""]
    texts += [v for f in ("countries", "people", "topics") for v in row.get(f) or ()]
    # a name starts with a capital or is Cyrillic: a lowercase ASCII word is none, and most words are skipped here
    raws = {raw for text in texts for raw in analysis.tokens(text) if not (raw[0].islower() and raw.isascii())}
    mark = analysis.VARIANT_MARK
    return sorted({term[len(mark):] for raw in raws for term, _ in analysis.index_entry(raw)[0]
                   if term.startswith(mark)})


def document(row: dict) -> dict:
    """The cluster's document of one export row: the same keys, empty strings as null, plus `name_keys`."""
    doc = dict(row)
    for key in NULL_WHEN_EMPTY:
        if not doc.get(key):
            doc[key] = None
    doc["date"] = doc.get("date") or None
    doc["name_keys"] = name_keys(row)
    return doc


def bulk_lines(articles: Iterable[dict], index_name: str) -> Iterator[str]:
    """Yield the `_bulk` body of `articles` (export rows), two lines an article, without newlines.

    Raises:
        BadQuery: an index name the cluster would refuse (checked before the first line).
    """
    check_index_name(index_name)
    for row in articles:
        yield dumps({"index": {"_id": row["id"], "_index": index_name}})
        yield dumps(document(row))


def alias_groups() -> list:
    """The groups of data/aliases.txt, each in the file's order (as `variants.aliases` reads them)."""
    groups = {}
    for word, others in aliases().items():
        group = (word, *others)
        groups.setdefault(frozenset(group), group)
    return list(groups.values())


def analysis_settings() -> dict:
    """settings.analysis: the index analyzer `casearch_text`, the search analyzer `casearch_search` (the
    same chain with the aliases as synonyms and the query stop words) and the keyword normalizer."""
    # the standard tokenizer keeps "Kazakhstan’s", "O'Brien", "U.S" and "1,000" whole: after folding, the
    # possessive goes ('s or ’s), then apostrophes, dots after letters and thousands commas, as
    # analysis.split_token does; then stop words; then Snowball English (porter2, not "english", which is the
    # older Porter) and Snowball Russian: each leaves the other's alphabet alone, as analysis.stem chooses
    index_chain = ["lowercase", "asciifolding", "casearch_possessive", "casearch_marks", "casearch_stop",
                   "casearch_english", "casearch_russian"]
    search_chain = ["lowercase", "asciifolding", "casearch_possessive", "casearch_marks", "casearch_aliases",
                    "casearch_query_stop", "casearch_english", "casearch_russian"]
    return {
        "char_filter": {
            # analysis.fold turns ё into е (Мирзиёев = Мирзиеев); asciifolding leaves Cyrillic alone
            "casearch_yo": {"type": "mapping", "mappings": ["ё => е", "Ё => Е"]},
        },
        "filter": {
            "casearch_possessive": {"type": "stemmer", "language": "possessive_english"},
            "casearch_marks": {"type": "pattern_replace", "pattern": r"['’]|(?<=\p{L})\.|(?<=\d),(?=\d)",
                               "replacement": ""},
            "casearch_stop": {"type": "stop", "stopwords": sorted(analysis.STOPWORDS)},
            "casearch_query_stop": {"type": "stop", "stopwords": sorted(analysis.QUERY_STOPWORDS)},
            # search-time only (a graph filter cannot index); rules are parsed by the filters before it
            "casearch_aliases": {"type": "synonym_graph",
                                 "synonyms": [", ".join(group) for group in alias_groups()]},
            "casearch_english": {"type": "stemmer", "language": "porter2"},
            "casearch_russian": {"type": "stemmer", "language": "russian"},
        },
        "analyzer": {
            "casearch_text": {"type": "custom", "char_filter": ["casearch_yo"], "tokenizer": "standard",
                              "filter": index_chain},
            "casearch_search": {"type": "custom", "char_filter": ["casearch_yo"], "tokenizer": "standard",
                                "filter": search_chain},
        },
        "normalizer": {
            "casearch_fold": {"type": "custom", "filter": ["lowercase", "asciifolding"]},
        },
    }


def _text(similarity: str) -> dict:
    return {"type": "text", "analyzer": "casearch_text", "search_analyzer": "casearch_search",
            "similarity": similarity}


def properties() -> dict:
    """mappings.properties: one entry per field of a document, and `tags` (the facets as text)."""
    keyword = {"type": "keyword"}
    props = {
        "id": keyword,
        "title": _text("casearch_title"),
        "date": {"type": "date", "format": DATE_FORMAT},
        "author": {"type": "keyword", "fields": {"key": {"type": "keyword", "normalizer": "casearch_fold"}}},
        "url": {"type": "keyword", "ignore_above": URL_IGNORE_ABOVE},
        "body": _text("casearch_body"),
        "truncated": {"type": "boolean"},
        "group": keyword,
        "duplicate_of": keyword,
        "name_keys": keyword,
        "tags": _text("casearch_body"),
    }
    for facet in KEYWORD_FACETS:
        props[facet] = {"type": "keyword", "copy_to": "tags"}
    return props


def mapping(index_name: str = "casearch") -> dict:
    """The composable index template (`PUT _index_template/<index_name>`) for `index_name` and the indexes
    named `<index_name>-*`: settings (analysis, similarity) and the strict mappings of the documents.

    Raises:
        BadQuery: an index name the cluster would refuse.
    """
    check_index_name(index_name)
    try:
        made_by = f"casearch {version('casearch')}"
    except PackageNotFoundError:  # run from a checkout that was never installed
        made_by = "casearch"
    meta = {"made_by": made_by, "schema_version": SCHEMA_VERSION}
    # BM25 with the product's k1 and b, per field: the cluster sums per-field scores where we use BM25F
    similarity = {"casearch_title": {"type": "BM25", "k1": DEFAULT.k1, "b": DEFAULT.b_title},
                  "casearch_body": {"type": "BM25", "k1": DEFAULT.k1, "b": DEFAULT.b_body}}
    return {
        "index_patterns": [index_name, f"{index_name}-*"],
        "priority": 200,  # above the stock templates (100), so an index of these names takes this one
        "template": {
            "settings": {"index": {"similarity": similarity}, "analysis": analysis_settings()},
            "mappings": {"dynamic": "strict", "_meta": meta, "properties": properties()},
        },
        "_meta": meta,
    }
