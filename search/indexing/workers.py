"""The indexing run's worker processes: tagging, near-copy signatures and segment writing, one per core.

In: the articles (or prepared documents) of a run, inherited by forked workers (never pickled), and the
live index's id -> content hash map. Out: tags, MinHash signatures and whole new segments
(search.engine.writer.SegmentStream), gathered in input order whatever the scheduling. `pipeline` does
all three for large runs in three steps the parent sequences; `tag_all`, `signatures` and
`write_parallel` each do one. Where fork is unavailable everything runs in this process.
This module decides nothing about what is indexed (search.indexing.run does).
"""
from __future__ import annotations

import ctypes
import gc
import multiprocessing as mp
import os
import pickle
import signal
import time
from collections import Counter
from typing import Optional

import numpy as np

from .. import duplicates, tagging
from ..engine.generation import live_documents, prune_missing, small_segments
from ..engine.schema import to_document
from ..engine.writer import SegmentStream
from ..errors import SearchError
from ..models import TaggedArticle
from .report import BuildReport, Progress

PARALLEL_TAGGING_FROM = 400  # articles; below this a worker pool costs more than it saves
WORKERS = 4  # tagging and writer processes (at most one per core)
PARALLEL_WRITE_FROM = 2000  # documents; below this one process writes one segment
SEGMENT_DOCS = 250_000  # documents per segment written by one process (bounds a writer's memory)
MMAP_THRESHOLD = 128 << 10  # bytes; a worker's allocations from this size on are mapped (and unmapped) alone


def signatures(articles: list, progress: Progress, lock_fd: Optional[int] = None):
    """The MinHash signature of every article's body (search.duplicates), in one process per core from
    PARALLEL_TAGGING_FROM articles."""
    progress.start("Signing for near-copies", len(articles))
    n, workers = len(articles), worker_count()
    parts = []
    if n >= PARALLEL_TAGGING_FROM and workers > 1:
        step = 512
        _SHARED["articles"] = articles  # inherited by the forked workers
        try:
            with mp.get_context("fork").Pool(workers, initializer=worker_init, initargs=(lock_fd,)) as pool:
                for part in pool.imap(_signature_slice, [(i, min(i + step, n)) for i in range(0, n, step)]):
                    parts.append(part)
                    progress.advance(len(part))
        finally:
            _SHARED.clear()
    else:
        for a in articles:
            parts.append(duplicates.signature(a.body)[None, :])
            progress.advance()
    progress.finish()
    return np.concatenate(parts) if parts else duplicates.Ledger.empty().sigs


def _signature_slice(bounds: tuple):
    """In a worker: the signatures of articles[start:end]."""
    start, end = bounds
    return np.stack([duplicates.signature(a.body) for a in _SHARED["articles"][start:end]])


def worker_count() -> int:
    """Worker processes for tagging and writing: one per core, and none where fork is unavailable."""
    if "fork" not in mp.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, WORKERS)


_SHARED: dict = {}  # set before forking workers: they inherit the articles or documents instead of pickles


def pipeline(ix, writer, articles: list, existing: dict, known_people: list, report: BuildReport,
              progress: Progress, prune: bool, lock_fd: Optional[int]) -> tuple:
    """Tag and write `articles` in one forked process per core; return (word counts, dropped segments,
    near-copy signatures in input order).

    Each worker takes a contiguous slice of the articles (inherited, not pickled) and keeps its work to
    itself between three steps the parent sequences:
      1. tag and sign its articles, keep the tags (pickled: a tenth of the memory), send the people it
         found and the signatures;
      2. receive the corpus-wide spelling of each person (`tagging.unify_people`), make the documents,
         compare their hashes with the live index, write each changed one into a segment as it is made
         (`SegmentStream`: segments of at most SEGMENT_DOCS), send what is added, updated and unchanged;
      3. receive the small live segments to fold in (the last worker rewrites their documents), finish
         its segments, send them and the word counts.
    The parent holds only the articles; document order is input order whatever the scheduling.
    """
    ctx = mp.get_context("fork")
    n, w = len(articles), worker_count()
    per = -(-n // w)
    slices = [(i, min(i + per, n)) for i in range(0, n, per)]
    done = ctx.Value("l", 0)
    _SHARED.update(ix=ix, articles=articles, existing=existing, done=done)
    tagging.taggers()  # loaded once here: the forked workers share them instead of each loading its own
    conns, procs = [], []
    gc.freeze()  # the children's collector leaves the inherited objects alone: fewer copied pages
    try:
        for start, end in slices:
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_pipeline_worker, args=(start, end, theirs, lock_fd), daemon=True)
            proc.start()
            theirs.close()
            conns.append(ours)
            procs.append(proc)
        progress.start("Tagging", n)
        people, sigs = Counter(), []
        for found, signed in _gather(conns, done, progress):
            people.update(found)
            sigs.append(signed)
        progress.finish()
        mapping = tagging.canonical_people(people, known_people)
        done.value = 0
        for c in conns:
            c.send(mapping)
        updated = []
        adding = 0
        progress.start("Indexing", n)
        for added, ids, unchanged in _gather(conns, done, progress):
            report.added += added
            report.unchanged += unchanged
            report.updated += len(ids)
            updated.extend(ids)
            adding += added + len(ids)
        for doc_id in updated:
            writer.delete_by_term("id", doc_id)
        if prune and existing:
            report.removed = prune_missing(ix, writer, {a.id for a in articles})
        dropped = small_segments(writer.segments, adding) if adding else []
        for i, c in enumerate(conns):
            c.send(dropped if i == len(conns) - 1 else [])
        progress.start("Writing segments", None)
        counts = Counter()
        for segs, words in _gather(conns):
            writer.add_segments(segs)
            counts.update(words)
        progress.finish()
        for proc in procs:
            proc.join()
        return counts, dropped, np.concatenate(sigs)
    finally:
        gc.unfreeze()
        _SHARED.clear()
        for c in conns:
            c.close()
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join()


def _gather(conns: list, done=None, progress: Optional[Progress] = None) -> list:
    """One message from each worker, in worker order; progress follows the shared counter `done`.

    A worker that failed sends ("error", message); one that died closes its pipe. Either stops the run.
    """
    got: dict = {}
    seen = 0
    while len(got) < len(conns):
        for i, c in enumerate(conns):
            if i in got or not c.poll(0.1):
                continue
            try:
                kind, value = c.recv()
            except EOFError:
                raise SearchError("an indexing worker process died; the index was not changed") from None
            if kind == "error":
                raise SearchError(f"an indexing worker failed: {value}; the index was not changed")
            got[i] = value
        if progress is not None:
            now = done.value
            progress.advance(now - seen)
            seen = now
    return [got[i] for i in range(len(conns))]


def _pipeline_worker(start: int, end: int, conn, lock_fd: Optional[int]) -> None:
    """In a worker process: the three steps of `pipeline` for articles[start:end]."""
    worker_init(lock_fd)
    try:
        ix, articles, existing, done = (_SHARED[k] for k in ("ix", "articles", "existing", "done"))
        kept, people = [], Counter()
        sigs = np.zeros((end - start, duplicates.PERMUTATIONS), np.uint8)
        for i in range(start, end):
            t = tagging.tag(articles[i])
            sigs[i - start] = duplicates.signature(articles[i].body)
            people.update(t.people)
            kept.append(pickle.dumps((t.countries, t.people, t.topics, t.evidence), pickle.HIGHEST_PROTOCOL))
            if i % 64 == 63:
                with done.get_lock():
                    done.value += 64
        conn.send(("ok", (people, sigs)))
        mapping = conn.recv()
        out = SegmentStream(ix, SEGMENT_DOCS, done)
        updated, added, unchanged = [], 0, 0
        for i in range(start, end):
            c, p, t, ev = pickle.loads(kept[i - start])
            kept[i - start] = None
            a = articles[i]
            doc = to_document(tagging.unified(TaggedArticle(a, c, p, t, ev), mapping))
            old = existing.get(a.id)
            if old == doc["hash"]:
                unchanged += 1
                out.tick()  # done too
                continue
            if old is None:
                added += 1
            else:
                updated.append(a.id)
            out.add(doc)  # written as it is made: the documents are never all in memory
        del kept
        conn.send(("ok", (added, updated, unchanged)))
        for doc in live_documents(ix, conn.recv()):
            out.add(doc)
        conn.send(("ok", out.finish()))
    except BaseException as e:  # reported to the parent, which stops the run
        try:
            conn.send(("error", f"{type(e).__name__}: {e}"))
        except OSError:
            pass
    finally:
        conn.close()


def write_parallel(ix, docs: list, progress: Progress, lock_fd: Optional[int]) -> tuple:
    """Write `docs` as segments from one forked process per core; return (segments, word counts).

    Each process writes contiguous slices of at most SEGMENT_DOCS documents, so document order (and with
    it the order of equal-score results) does not depend on scheduling.
    """
    ctx = mp.get_context("fork")
    done = ctx.Value("l", 0)
    n, w = len(docs), worker_count()
    per = -(-n // w)
    slices = [(i, min(i + per, n)) for i in range(0, n, per)]
    _SHARED.update(ix=ix, docs=docs, done=done)
    gc.freeze()  # the children's collector leaves the inherited objects alone: fewer copied pages
    try:
        with ctx.Pool(len(slices), initializer=worker_init, initargs=(lock_fd,)) as pool:
            results = [pool.apply_async(_write_slice, s) for s in slices]
            seen = 0
            while not all(r.ready() for r in results):
                time.sleep(0.2)
                now = done.value
                progress.advance(now - seen)
                seen = now
            out = [r.get() for r in results]
            progress.advance(n - seen)
    finally:
        gc.unfreeze()
        _SHARED.clear()
    counts = Counter()
    segs = []
    for s, c in out:
        segs.extend(s)
        counts.update(c)
    return segs, counts


def _write_slice(start: int, end: int) -> tuple:
    """In a writer process: write docs[start:end] as segments of at most SEGMENT_DOCS documents."""
    return _write_docs(_SHARED["ix"], _SHARED["docs"][start:end], _SHARED["done"])


def _write_docs(ix, docs: list, done) -> tuple:
    """Write `docs` as segments of at most SEGMENT_DOCS documents; return (segments, word counts).

    The list is emptied as the documents are written (a written document is not needed any more)."""
    out = SegmentStream(ix, SEGMENT_DOCS, done)
    for i in range(len(docs)):
        doc, docs[i] = docs[i], None
        out.add(doc)
    return out.finish()


def worker_init(lock_fd: Optional[int]) -> None:
    """In a worker: let go of the index lock, die with the parent, give freed arrays back to the system.

    A forked worker inherits the lock's file descriptor; if the parent were killed, a worker still
    holding it would keep the index locked. Closing it here leaves the lock to the parent alone.
    glibc raises its mmap threshold each time a large block is freed, after which the writer's freed
    numpy arrays stay in the heap instead of going back to the system: a fixed threshold keeps the
    writer's peak at what it holds at once, not at the sum of what it held.
    """
    if lock_fd is not None:
        try:
            os.close(lock_fd)
        except OSError:
            pass
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def tag_all(articles: list, progress: Progress, lock_fd: Optional[int] = None) -> list:
    """Tag every article; large runs use one worker process per core (tagging is pure Python)."""
    progress.start("Tagging", len(articles))
    workers = worker_count()
    tagged = []
    if len(articles) >= PARALLEL_TAGGING_FROM and workers > 1:
        tagging.taggers()  # load the gazetteers once; forked workers share them
        with mp.get_context("fork").Pool(workers, initializer=worker_init, initargs=(lock_fd,)) as pool:
            for a, (c, p, t, ev) in zip(articles, pool.imap(_tag_values, articles, chunksize=64)):
                # only the values come back: the parent keeps its own copy of the article
                tagged.append(TaggedArticle(article=a, countries=c, people=p, topics=t, evidence=ev))
                progress.advance()
    else:
        for a in articles:
            tagged.append(tagging.tag(a))
            progress.advance()
    progress.finish()
    return tagged


def _tag_values(article) -> tuple:
    """In a tagging worker: an article's facet values and evidence, without the article."""
    t = tagging.tag(article)
    return t.countries, t.people, t.topics, t.evidence
