"""The engine: everything that knows whoosh's files, held to whoosh's format by the parity and byte tests.

Its public face:
- reading: `IndexView` (one generation, with its arrays, caches and the scorer `relevance`), `IndexHandle`
  (the live view, reopened after a reindex), `FacetScope`;
- the index on disk: `current_generation`, `read_meta`, `index_stats` (search.engine.store);
- writing: search.engine.generation and search.engine.writer (used by search.indexing only).
Inside: the schema and its whoosh analyzers, one module per on-disk format (encoding: posting blocks;
sidecar: the postings sidecar, written and read), the segment builder, postings and phrase reading,
facet arrays, the view and its preload, the query tree (nodes), scoring (relevance, spans, ranking),
spelling and stats.
"""
from .facets import FacetScope
from .handle import IndexHandle
from .store import current_generation, index_stats, read_meta
from .view import IndexView

__all__ = ["FacetScope", "IndexHandle", "IndexView", "current_generation", "index_stats", "read_meta"]
