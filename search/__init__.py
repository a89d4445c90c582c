"""casearch: full-text search for a newsroom's archive.

The pipeline, one module per stage:
    sources.read(paths)         files -> Article | Rejected   (scraped pages, JSONL, CSV; boilerplate dropped)
    sources.merge(articles)     one document per article seen on several pages
    tagging.tag(article)        -> TaggedArticle              (countries, people, topics by salience)
    indexer.build_index(...)    -> a new index generation, swapped in atomically, with its ledger of
                                   near-copies and first-indexed times (duplicates)
    view.IndexView(index_dir)   the live generation with per-document arrays (dates, facets)
    query.build_request(...)    raw parameters -> SearchRequest (validated)
    query.run(request, view)    -> SearchResults               (rendered by CLI, web page and API alike)
    entities.dossier(view, ...) -> one person, country, topic or source (counts, timeline, co-mentions)
"""
from .errors import BadInput, BadQuery, DataMissing, IndexBusy, IndexMissing, IndexOutdated, NotFound, SearchError
from .models import Article, Hit, Rejected, SearchRequest, SearchResults, TaggedArticle

__all__ = ["Article", "Hit", "Rejected", "SearchRequest", "SearchResults", "TaggedArticle", "SearchError",
           "BadInput", "BadQuery", "DataMissing", "IndexBusy", "IndexMissing", "IndexOutdated", "NotFound"]
