"""A new index generation as an indexing run sees it: opened from the live one, read, pruned, merged.

In: the new generation's folder (and the live one's, for an incremental run). Out: the open whoosh index
with what the run compares against — each indexed article's content hash, the people already indexed —
a `FastWriter` on it, the documents still live in segments being folded together, and the articles whose
source files are gone. Everything here reads or writes whoosh's files so that search.indexing does not
have to; what to add, update or prune is decided there.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from whoosh import index as windex
from whoosh.reading import SegmentReader
from whoosh.writing import LockError

from ..errors import SearchError
from .postings import share_mapped_files
from .schema import build_schema, from_stored
from .spelling import DELETES, WORDS
from .store import META
from .writer import FastWriter

MERGE_SHARE = 0.1  # an incremental run folds in the segments smaller than this share of the largest


def start(new: Path, live: Optional[Path]) -> tuple:
    """Open the new generation: empty, or hard links to the live one's files (whoosh never rewrites a segment
    file, so the live generation is untouched). Returns (index, {id: content hash}, [people indexed])."""
    existing, people = {}, []
    share_mapped_files()  # whoosh reads the segments in place, here and in the run's workers (forked later)
    if live is None:
        return windex.create_in(str(new), build_schema()), existing, people
    own_files = {META, WORDS, DELETES}  # rewritten, so never shared with the live copy
    for f in live.iterdir():
        if f.is_file() and f.name not in own_files and not f.name.endswith("LOCK"):
            os.link(f, new / f.name)
    ix = windex.open_dir(str(new))
    with ix.reader() as r:
        ids, hashes = r.column_reader("id"), r.column_reader("hash")
        for docnum in r.all_doc_ids():
            existing[ids[docnum]] = hashes[docnum]
        if existing:
            people = [t.decode("utf-8") for t in r.lexicon("person")]
    return ix, existing, people


def open_writer(ix) -> FastWriter:
    """The one writer of the new generation."""
    try:
        return FastWriter(ix)
    except LockError as e:
        raise SearchError("the new index generation is locked by another writer") from e


def doc_count(ix) -> int:
    """Live documents of an index."""
    with ix.reader() as r:
        return r.doc_count()


def live_ids(folder: Path) -> set:
    """The ids of the live documents of the generation in `folder`."""
    share_mapped_files()
    with windex.open_dir(str(folder)).reader() as r:
        ids = r.column_reader("id")
        return {ids[d] for d in r.all_doc_ids()}


def prune_missing(ix, writer, seen: set) -> int:
    """Delete the articles not read in this run whose every source file is gone; return how many."""
    removed = 0
    with ix.reader() as r:
        for docnum, stored in r.iter_docs():
            if stored["id"] in seen:
                continue
            files = [f for f in (stored.get("files") or "").split("\n") if f]
            if files and not any(os.path.exists(f) for f in files):
                writer.delete_by_term("id", stored["id"])
                removed += 1
    return removed


def small_segments(segs: list, adding: int) -> list:
    """The segments to fold into this run's new segment: those under MERGE_SHARE of the largest.

    Keeps the index at a few large segments plus a few small ones after many incremental runs (every
    segment adds a pass per query term); whoosh's own merge would go through its slow posting pool.
    """
    if len(segs) < 2:
        return []
    largest = max(max(s.doc_count() for s in segs), adding)
    return [s for s in segs if s.doc_count() < MERGE_SHARE * largest]


def live_documents(ix, dropped: list) -> list:
    """The documents (rebuilt from stored fields) still live in the segments being dropped."""
    docs = []
    for seg in dropped:
        r = SegmentReader(ix.storage, ix.schema, seg)
        try:
            docs.extend(from_stored(r.stored_fields(n)) for n in r.all_doc_ids())
        finally:
            r.close()
    return docs
