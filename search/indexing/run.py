"""One indexing run: read the files, tag the articles, write a new generation, swap it in.

In: paths of article files and folders, INDEX_DIR. Out: a new index generation, swapped in atomically
(search.engine.store), and a BuildReport (added, updated, unchanged, rejected, removed, seconds).
A run writes a new generation beside the live one: a full rebuild starts empty, an incremental run starts
from hard links to the live generation's files (whoosh never rewrites a segment file, so the live
generation is untouched). Readers keep using the old generation until CURRENT names the new one; a crash at
any moment leaves CURRENT naming a complete generation. Old generations are removed after the swap,
keeping the previous one for readers still holding it open.
The work of large runs is spread over processes by search.indexing.workers; reading is search.sources,
tagging search.tagging, the segment files search.engine. This module decides what is added, updated,
unchanged or pruned, and in which order the steps run.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Iterable, Optional

from .. import duplicates, sources, tagging
from ..engine import generation, spelling
from ..engine.schema import to_document
from ..engine.schema import SCHEMA_VERSION
from ..engine import store
from ..engine.damage import require_whole
from ..errors import BadInput, SearchError
from ..models import Rejected
from ..sources.common import now_iso
from .report import BuildReport, Progress, count
from . import workers

SPELLING_MIN_DOCS = 1000  # from this corpus size on, words seen once are not offered as corrections
WARNINGS_PER_FILE = 5  # the problems of one file shown as warnings; the rest are counted in one more line


def build_index(paths: Iterable[str], index_dir: str, full: bool = False, strict: bool = False,
                prune: bool = False, progress: Optional[Progress] = None) -> BuildReport:
    """Ingest files and folders into the index at index_dir.

    Args:
        paths: files and folders of .txt pages, .jsonl/.ndjson and .csv records.
        index_dir: the index folder (created when missing).
        full: rebuild from scratch instead of updating the live generation.
        prune: also remove indexed articles whose source files no longer exist.
        strict: any rejected record aborts the run and leaves the index as it was.
        progress: receives the steps (reading, tagging, writing) and warnings.
    Returns:
        the BuildReport of the run.
    Raises:
        IndexBusy: another run holds the lock. BadInput: --strict and a bad record, or nothing to index.
        SearchError: the index folder cannot be written (read-only, disk full); the old index is untouched.
    """
    progress = progress or Progress()
    t0 = time.perf_counter()
    root = Path(index_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SearchError(f"cannot create the index folder {root}: {e.strerror}") from e
    if not os.access(root, os.W_OK):
        raise SearchError(f"the index folder {root} is not writable; the index was not changed")
    report = BuildReport()
    with store.Lock(root) as lock:
        articles = _read_all(paths, report, progress)
        if strict and report.rejected:
            shown = "; ".join(str(r) for r in report.rejected[:3])
            more = f" (and {len(report.rejected) - 3} more)" if len(report.rejected) > 3 else ""
            raise BadInput(f"--strict: {len(report.rejected)} bad record(s), nothing indexed: {shown}{more}")
        if not articles:
            raise BadInput("no articles found in the given paths; the index was not changed"
                           + (f" ({report.rejected[0]})" if report.rejected else ""))
        previous = store.current_generation(index_dir)
        live = None if full else previous
        if live is not None and store.read_meta(live).get("schema_version") != SCHEMA_VERSION:
            progress.warn("index built by another schema version: rebuilding it in full")
            live = None
        if live is not None:
            require_whole(live)  # an update starts from the live generation's segments: a damaged one stops it
        new = store.new_generation_dir(root)
        try:
            sigs = _write(new, live, articles, report, progress, prune, lock.fd)
            _write_ledger(new, previous, articles, live is None, progress, lock.fd, sigs)
            new = store.swap(root, new)
        except OSError as e:
            shutil.rmtree(new, ignore_errors=True)
            reason = "the disk is full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
            raise SearchError(f"cannot write the index at {root}: {reason}; the old index is unchanged") from e
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        store.remove_old_generations(root, keep=new.name)
    report.generation = new.name
    report.seconds = time.perf_counter() - t0
    return report


def _read_all(paths: Iterable[str], report: BuildReport, progress: Progress) -> list:
    paths = [str(p) for p in paths]
    report.missing = [p for p in paths if not os.path.exists(p)]
    files = []
    _sort_out(sources.iter_files(paths), files, report, progress)
    report.files = len(files)
    progress.start("Reading", len(files))
    found = []
    for f in files:
        _sort_out(sources.read_file(f), found, report, progress, shown=WARNINGS_PER_FILE, name=str(f))
        progress.advance()
    progress.finish()
    return sources.merge(found, warn=progress.warn)


def _sort_out(items, keep: list, report: BuildReport, progress: Progress, shown: Optional[int] = None,
              name: str = "") -> None:
    """Append good items to `keep`; report the rejected ones and warn about the first `shown` (all by default),
    then say how many more `name` has."""
    bad = 0
    for item in items:
        if isinstance(item, Rejected):
            report.rejected.append(item)
            bad += 1
            if shown is None or bad <= shown:
                progress.warn(str(item))
        else:
            keep.append(item)
    if shown is not None and bad > shown:
        progress.warn(f"… and {count(bad - shown, 'more problem')} in {name}")


def _write(new: Path, live: Optional[Path], articles: list, report: BuildReport, progress: Progress,
           prune: bool = False, lock_fd: Optional[int] = None):
    """Tag and write the articles into the new generation; return their near-copy signatures when the
    workers made them on the way (the pipeline), else None."""
    sigs = None
    ix, existing, known_people = generation.start(new, live)
    writer = generation.open_writer(ix)
    new_words = spelling.read_counts(live) if live is not None else Counter()
    try:
        if len(articles) >= workers.PARALLEL_WRITE_FROM and workers.worker_count() > 1:
            counts, dropped, sigs = workers.pipeline(ix, writer, articles, existing, known_people, report, progress,
                                              prune, lock_fd)
        else:
            counts, dropped = _tag_and_write(ix, writer, articles, existing, known_people, report, progress,
                                             prune, lock_fd)
        new_words.update(counts)
        progress.start("Committing", None)
        writer.commit(drop_segments=dropped)
        progress.finish()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    _finish_generation(new, ix, live, new_words, report)
    return sigs


def _tag_and_write(ix, writer, articles: list, existing: dict, known_people: list, report: BuildReport,
                   progress: Progress, prune: bool, lock_fd: Optional[int]) -> tuple:
    """Tag `articles` (in a pool from PARALLEL_TAGGING_FROM), then write the changed ones from this process
    (or forked writers for PARALLEL_WRITE_FROM documents with the folded segments'); return (word counts,
    dropped segments). The path of runs too small for `pipeline`."""
    tagged = tagging.unify_people(workers.tag_all(articles, progress, lock_fd), known_people)
    docs = []
    for a, t in zip(articles, tagged):
        doc = to_document(t)
        old = existing.get(a.id)
        if old is None:
            report.added += 1
        elif old != doc["hash"]:
            writer.delete_by_term("id", a.id)
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        docs.append(doc)
    del tagged  # the documents hold what the writers need
    if prune and existing:
        report.removed = generation.prune_missing(ix, writer, {a.id for a in articles})
    dropped = generation.small_segments(writer.segments, len(docs)) if docs else []
    docs.extend(generation.live_documents(ix, dropped))
    progress.start("Indexing", len(docs))
    if len(docs) >= workers.PARALLEL_WRITE_FROM and workers.worker_count() > 1:
        segs, counts = workers.write_parallel(ix, docs, progress, lock_fd)
        writer.add_segments(segs)
    else:
        for i, doc in enumerate(docs):
            writer.add_prepared(doc)
            if i % 256 == 255:
                progress.advance(256)
        counts = writer.builder.words
    progress.finish()
    return counts, dropped


def _finish_generation(new: Path, ix, live: Optional[Path], new_words: Counter, report: BuildReport) -> None:
    """Write the spelling index and meta.json of a committed generation."""
    report.articles = generation.doc_count(ix)
    spelling.write(new, new_words, min_count=1 if report.articles < SPELLING_MIN_DOCS else 2)
    meta = {"schema_version": SCHEMA_VERSION, "built_at": now_iso(), "articles": report.articles,
            "full": live is None, "added": report.added, "updated": report.updated}
    store.write_atomic(new / store.META, json.dumps(meta, indent=1))
    store.fsync_dir(new)


def _write_ledger(new: Path, previous: Optional[Path], articles: list, fresh: bool, progress: Progress,
                  lock_fd: Optional[int] = None, sigs=None) -> None:
    """Write the new generation's ledger (search.duplicates): near-copy groups and first-indexed times.

    The previous generation's ledger gives the signatures and groups of the articles not read in this run
    and every first-indexed time; `fresh` (a full rebuild) groups every article read anew. `sigs` are the
    articles' signatures when the indexing workers made them, else they are made here.
    """
    if sigs is None:
        sigs = workers.signatures(articles, progress, lock_fd)
    progress.start("Grouping near-copies", None)
    live = generation.live_ids(new)
    ledger = duplicates.update(duplicates.Ledger.load(previous), [a.id for a in articles], sigs, live,
                               fresh=fresh)
    ledger.save(new)
    store.fsync_dir(new)  # the ledger's name is durable before CURRENT names the generation
    progress.finish()
