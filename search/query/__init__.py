"""The query side: a request in, results out (parsing, filters, facets, ranking, snippets, pages, exports).

The public face used by the CLI, the web app and the measurement tools:
`build_request`, `refine` (search.query.request), `run` (search.query.run), `article`, `tag_evidence`
(search.query.articles), `export_rows` and the export formats (search.query.exports), `dossier`
(search.query.entities).
"""
from .articles import article, tag_evidence
from .entities import dossier, resolve
from .exports import EXPORT_KEYS, csv_lines, export_rows, json_chunks, jsonl_lines
from .request import build_request, period_end, refine
from .run import run

__all__ = ["EXPORT_KEYS", "article", "build_request", "csv_lines", "dossier", "export_rows", "json_chunks",
           "jsonl_lines", "period_end", "refine", "resolve", "run", "tag_evidence"]
