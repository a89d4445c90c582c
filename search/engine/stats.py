"""Index statistics and verification: IndexView -> plain dicts for `stats`, `verify` and /api/stats."""
from __future__ import annotations

import numpy as np
from whoosh.query import Term

from ..errors import IndexMissing
from ..models import FACETS
from .damage import READ_ERRORS, damaged, require_whole
from .schema import SCHEMA_VERSION


def collect(view, disk: dict) -> dict:
    """Article count, date range, facet value counts, size on disk, schema version and last build time."""
    dates = view.dates[view.live]
    dated = dates[dates > 0]
    iso = lambda d: f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}"
    return {
        "articles": view.doc_count,
        "dated": int(dated.size),
        "date_from": iso(int(dated.min())) if dated.size else None,
        "date_to": iso(int(dated.max())) if dated.size else None,
        "facets": {f: [{"value": v, "count": c} for v, c in view.facets[f].counts(view.live)[0]] for f in FACETS},
        "size_bytes": disk.get("size_bytes"),
        "generation": disk.get("generation"),
        "generations": disk.get("generations"),
        "schema_version": disk.get("schema_version") or SCHEMA_VERSION,
        "built_at": disk.get("built_at"),
    }


def verify(view) -> int:
    """Check every file of the generation reads (search.engine.damage), every stored article is found by a
    search for its id and is in the generation's ledger (near-copies, first-indexed times); return the article
    count.

    Raises:
        IndexMissing: naming the first problem found (IndexDamaged: the file that cannot be read).
    """
    if view.generation is not None:
        require_whole(view.generation)
    try:
        return _verify_articles(view)
    except READ_ERRORS as e:
        raise damaged(view.generation, e) from e


def _verify_articles(view) -> int:
    reader = view.searcher.reader()
    stored_ids = reader.column_reader("id")
    n = 0
    for docnum in np.flatnonzero(view.live).tolist():
        aid = stored_ids[docnum]
        found = list(Term("id", aid).docs(view.searcher))
        if docnum not in found:
            raise IndexMissing(f"article {aid} is stored but not found by its id: rebuild with casearch index --full")
        stored = view.searcher.stored_fields(docnum)
        if stored.get("id") != aid or not stored.get("title"):
            raise IndexMissing(f"article {aid} has damaged stored fields: rebuild with casearch index --full")
        n += 1
    if n != view.meta.get("articles", n):
        raise IndexMissing(f"the index holds {n} articles but its build recorded {view.meta.get('articles')}")
    missing = [aid for aid in view.ids if aid not in view.first_indexed]
    if missing:
        raise IndexMissing(f"{len(missing)} article(s) missing from the near-copy ledger (first {missing[0]}): "
                           f"rebuild with casearch index --full")
    return n
