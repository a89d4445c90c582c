"""Build and update the index; the only writer.

In: paths of article files. Out: a new index generation under INDEX_DIR, swapped in atomically, and a
BuildReport (added, updated, unchanged, rejected, removed, seconds).

Layout of INDEX_DIR:
    CURRENT        the name of the live generation (replaced atomically with os.replace)
    gen-000007/    a complete whoosh index plus meta.json (schema version, build time, counts)
    .lock          held (flock) by the one indexing run; the pid inside is for the message only
A run writes a new generation beside the live one: a full rebuild starts empty, an incremental run
starts from hard links to the live generation's files (whoosh never rewrites a segment file, so the
live generation is untouched). Readers keep using the old generation until CURRENT names the new one;
a crash at any moment leaves CURRENT naming a complete generation. Old generations are removed
after the swap, keeping the previous one for readers still holding it open.
"""
from __future__ import annotations

import errno
import fcntl
import gc
import json
import multiprocessing as mp
import os
import pickle
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
from whoosh import index as windex
from whoosh.writing import LockError

from . import duplicates, segments, sources, spelling, tagging
from .errors import BadInput, IndexBusy, IndexMissing, IndexOutdated, SearchError
from .models import Rejected, TaggedArticle
from .schema import SCHEMA_VERSION, build_schema, from_stored, to_document
from .sources.common import now_iso

CURRENT = "CURRENT"
GEN_PREFIX = "gen-"
META = "meta.json"
KEEP_OLD_GENERATIONS = 1
PARALLEL_TAGGING_FROM = 400  # articles; below this a worker pool costs more than it saves
WORKERS = 4  # tagging and writer processes (at most one per core)
PARALLEL_WRITE_FROM = 2000  # documents; below this one process writes one segment
SEGMENT_DOCS = 250_000  # documents per segment written by one process (bounds a writer's memory)
MERGE_SHARE = 0.1  # an incremental run folds in the segments smaller than this share of the largest
MMAP_THRESHOLD = 128 << 10  # bytes; a worker's allocations from this size on are mapped (and unmapped) alone
SPELLING_MIN_DOCS = 1000  # from this corpus size on, words seen once are not offered as corrections


@dataclass
class BuildReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: list = field(default_factory=list)  # Rejected
    files: int = 0
    articles: int = 0  # in the index after the run
    seconds: float = 0.0
    generation: str = ""

    def summary(self) -> str:
        return (f"Indexed {self.added + self.updated + self.unchanged:,} articles from {self.files:,} files in "
                f"{self.seconds:.1f} s: {self.added:,} added, {self.updated:,} updated, {self.unchanged:,} "
                f"unchanged, {len(self.rejected):,} rejected, {self.removed:,} removed; "
                f"{self.articles:,} in the index")


class Progress:
    """The progress seam: the library reports steps, the CLI draws bars. This default stays silent."""

    def start(self, label: str, total: Optional[int]) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def finish(self) -> None: ...
    def warn(self, message: str) -> None: ...


# --- reading the live generation -----------------------------------------------------------------

def current_generation(index_dir: str) -> Optional[Path]:
    """Return the folder of the live generation, or None when there is no index."""
    root = Path(index_dir)
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise IndexMissing(f"cannot read the index at {root}: {e.strerror}") from e
    gen = root / name
    return gen if name.startswith(GEN_PREFIX) and gen.is_dir() else None


def read_meta(gen: Path) -> dict:
    try:
        return json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def open_index(index_dir: str):
    """Open the live generation for reading; raise IndexMissing or IndexOutdated with a clear message."""
    gen = current_generation(index_dir)
    if gen is None:
        if Path(index_dir).is_dir() and any(Path(index_dir).glob("_MAIN_*.toc")):
            raise IndexOutdated(f"the index at {index_dir} was built by an older version of casearch: "
                                f"rebuild with casearch index --full")
        raise IndexMissing(f"no index at {index_dir}: build one with `casearch index`")
    meta = read_meta(gen)
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise IndexOutdated(f"the index at {index_dir} has schema version {meta.get('schema_version')} but this "
                            f"casearch needs {SCHEMA_VERSION}: rebuild with casearch index --full")
    try:
        return windex.open_dir(str(gen))
    except Exception as e:  # whoosh raises several types for damaged indexes
        raise IndexMissing(f"the index at {index_dir} cannot be opened ({type(e).__name__}): "
                           f"rebuild with casearch index --full") from e


# --- the lock ------------------------------------------------------------------------------------

class _Lock:
    """An exclusive flock on INDEX_DIR/.lock; the kernel frees it when the holder dies (kill -9 included)."""

    def __init__(self, root: Path):
        self.path = root / ".lock"
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(self.fd)
            raise IndexBusy(f"another indexing run is in progress (pid {pid})") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)
        return self

    def __exit__(self, *exc):
        os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


# --- building ------------------------------------------------------------------------------------

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
    with _Lock(root) as lock:
        articles = _read_all(paths, report, progress)
        if strict and report.rejected:
            shown = "; ".join(str(r) for r in report.rejected[:3])
            more = f" (and {len(report.rejected) - 3} more)" if len(report.rejected) > 3 else ""
            raise BadInput(f"--strict: {len(report.rejected)} bad record(s), nothing indexed: {shown}{more}")
        if not articles:
            raise BadInput("no articles found in the given paths; the index was not changed"
                           + (f" ({report.rejected[0]})" if report.rejected else ""))
        previous = current_generation(index_dir)
        live = None if full else previous
        if live is not None and read_meta(live).get("schema_version") != SCHEMA_VERSION:
            progress.warn("index built by another schema version: rebuilding it in full")
            live = None
        new = _new_generation_dir(root)
        try:
            sigs = _write(new, live, articles, report, progress, prune, lock.fd)
            _write_ledger(new, previous, articles, live is None, progress, lock.fd, sigs)
            new = _swap(root, new)
        except OSError as e:
            shutil.rmtree(new, ignore_errors=True)
            reason = "the disk is full" if e.errno == errno.ENOSPC else (e.strerror or str(e))
            raise SearchError(f"cannot write the index at {root}: {reason}; the old index is unchanged") from e
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        _remove_old_generations(root, keep=new.name)
    report.generation = new.name
    report.seconds = time.perf_counter() - t0
    return report


def _read_all(paths: Iterable[str], report: BuildReport, progress: Progress) -> list:
    files = []
    _sort_out(sources.iter_files(paths), files, report, progress)
    report.files = len(files)
    progress.start("Reading", len(files))
    found = []
    for f in files:
        _sort_out(sources.read_file(f), found, report, progress)
        progress.advance()
    progress.finish()
    return sources.merge(found, warn=progress.warn)


def _sort_out(items, keep: list, report: BuildReport, progress: Progress) -> None:
    """Append good items to `keep`; report and warn about the rejected ones."""
    for item in items:
        if isinstance(item, Rejected):
            report.rejected.append(item)
            progress.warn(str(item))
        else:
            keep.append(item)


def _new_generation_dir(root: Path) -> Path:
    numbers = [int(p.name[len(GEN_PREFIX):].split(".")[0]) for p in root.glob(GEN_PREFIX + "*")
               if p.name[len(GEN_PREFIX):].split(".")[0].isdigit()]
    n = max(numbers, default=0) + 1
    path = root / f"{GEN_PREFIX}{n:06d}.tmp"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir()
    return path


def _write(new: Path, live: Optional[Path], articles: list, report: BuildReport, progress: Progress,
           prune: bool = False, lock_fd: Optional[int] = None):
    """Tag and write the articles into the new generation; return their near-copy signatures when the
    workers made them on the way (the pipeline), else None."""
    sigs = None
    existing = {}
    words = spelling.read_counts(live) if live is not None else None
    if live is not None:
        own_files = {META, spelling.WORDS, spelling.DELETES}  # rewritten, so never shared with the live copy
        for f in live.iterdir():
            if f.is_file() and f.name not in own_files and not f.name.endswith("LOCK"):
                os.link(f, new / f.name)
        ix = windex.open_dir(str(new))
        with ix.reader() as r:
            ids, hashes = r.column_reader("id"), r.column_reader("hash")
            for docnum in r.all_doc_ids():
                existing[ids[docnum]] = hashes[docnum]
    else:
        ix = windex.create_in(str(new), build_schema())
    try:
        writer = segments.FastWriter(ix)
    except LockError as e:
        raise SearchError("the new index generation is locked by another writer") from e
    new_words = words if words is not None else Counter()
    known_people = []
    if existing:
        with ix.reader() as r:
            known_people = [t.decode("utf-8") for t in r.lexicon("person")]
    try:
        if len(articles) >= PARALLEL_WRITE_FROM and _workers() > 1:
            counts, dropped, sigs = _pipeline(ix, writer, articles, existing, known_people, report, progress,
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
    dropped segments). The path of runs too small for `_pipeline`."""
    tagged = tagging.unify_people(_tag_all(articles, progress, lock_fd), known_people)
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
        report.removed = _prune(ix, writer, {a.id for a in articles})
    dropped = _small_segments(writer.segments, len(docs)) if docs else []
    docs.extend(_live_docs(ix, dropped))
    progress.start("Indexing", len(docs))
    if len(docs) >= PARALLEL_WRITE_FROM and _workers() > 1:
        segs, counts = _write_parallel(ix, docs, progress, lock_fd)
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
    with ix.reader() as r:
        report.articles = r.doc_count()
    spelling.write(new, new_words, min_count=1 if report.articles < SPELLING_MIN_DOCS else 2)
    meta = {"schema_version": SCHEMA_VERSION, "built_at": now_iso(), "articles": report.articles,
            "full": live is None, "added": report.added, "updated": report.updated}
    _write_atomic(new / META, json.dumps(meta, indent=1))
    _fsync_dir(new)


def _write_ledger(new: Path, previous: Optional[Path], articles: list, fresh: bool, progress: Progress,
                  lock_fd: Optional[int] = None, sigs=None) -> None:
    """Write the new generation's ledger (search.duplicates): near-copy groups and first-indexed times.

    The previous generation's ledger gives the signatures and groups of the articles not read in this run
    and every first-indexed time; `fresh` (a full rebuild) groups every article read anew. `sigs` are the
    articles' signatures when the indexing workers made them, else they are made here.
    """
    if sigs is None:
        sigs = _signatures(articles, progress, lock_fd)
    progress.start("Grouping near-copies", None)
    with windex.open_dir(str(new)).reader() as r:
        ids = r.column_reader("id")
        live = {ids[d] for d in r.all_doc_ids()}
    ledger = duplicates.update(duplicates.Ledger.load(previous), [a.id for a in articles], sigs, live,
                               fresh=fresh)
    ledger.save(new)
    _fsync_dir(new)  # the ledger's name is durable before CURRENT names the generation
    progress.finish()


def _signatures(articles: list, progress: Progress, lock_fd: Optional[int] = None):
    """The MinHash signature of every article's body (search.duplicates), in one process per core from
    PARALLEL_TAGGING_FROM articles."""
    progress.start("Signing for near-copies", len(articles))
    n, workers = len(articles), _workers()
    parts = []
    if n >= PARALLEL_TAGGING_FROM and workers > 1:
        step = 512
        _SHARED["articles"] = articles  # inherited by the forked workers
        try:
            with mp.get_context("fork").Pool(workers, initializer=_worker_init, initargs=(lock_fd,)) as pool:
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


def _small_segments(segs: list, adding: int) -> list:
    """The segments to fold into this run's new segment: those under MERGE_SHARE of the largest.

    Keeps the index at a few large segments plus a few small ones after many incremental runs (every
    segment adds a pass per query term); whoosh's own merge would go through its slow posting pool.
    """
    if len(segs) < 2:
        return []
    largest = max(max(s.doc_count() for s in segs), adding)
    return [s for s in segs if s.doc_count() < MERGE_SHARE * largest]


def _live_docs(ix, dropped: list) -> list:
    """The documents (rebuilt from stored fields) still live in the segments being dropped."""
    from whoosh.reading import SegmentReader
    docs = []
    for seg in dropped:
        r = SegmentReader(ix.storage, ix.schema, seg)
        try:
            docs.extend(from_stored(r.stored_fields(n)) for n in r.all_doc_ids())
        finally:
            r.close()
    return docs


def _workers() -> int:
    """Worker processes for tagging and writing: one per core, and none where fork is unavailable."""
    if "fork" not in mp.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, WORKERS)


_SHARED: dict = {}  # set before forking workers: they inherit the articles or documents instead of pickles


def _pipeline(ix, writer, articles: list, existing: dict, known_people: list, report: BuildReport,
              progress: Progress, prune: bool, lock_fd: Optional[int]) -> tuple:
    """Tag and write `articles` in one forked process per core; return (word counts, dropped segments,
    near-copy signatures in input order).

    Each worker takes a contiguous slice of the articles (inherited, not pickled) and keeps its work to
    itself between three steps the parent sequences:
      1. tag and sign its articles, keep the tags (pickled: a tenth of the memory), send the people it
         found and the signatures;
      2. receive the corpus-wide spelling of each person (`tagging.unify_people`), make the documents,
         compare their hashes with the live index, write each changed one into a segment as it is made
         (`_SegmentStream`: segments of at most SEGMENT_DOCS), send what is added, updated and unchanged;
      3. receive the small live segments to fold in (the last worker rewrites their documents), finish
         its segments, send them and the word counts.
    The parent holds only the articles; document order is input order whatever the scheduling.
    """
    ctx = mp.get_context("fork")
    n, w = len(articles), _workers()
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
            report.removed = _prune(ix, writer, {a.id for a in articles})
        dropped = _small_segments(writer.segments, adding) if adding else []
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
    """In a worker process: the three steps of `_pipeline` for articles[start:end]."""
    _worker_init(lock_fd)
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
        out = _SegmentStream(ix, done)
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
        for doc in _live_docs(ix, conn.recv()):
            out.add(doc)
        conn.send(("ok", out.finish()))
    except BaseException as e:  # reported to the parent, which stops the run
        try:
            conn.send(("error", f"{type(e).__name__}: {e}"))
        except OSError:
            pass
    finally:
        conn.close()


def _write_parallel(ix, docs: list, progress: Progress, lock_fd: Optional[int]) -> tuple:
    """Write `docs` as segments from one forked process per core; return (segments, word counts).

    Each process writes contiguous slices of at most SEGMENT_DOCS documents, so document order (and with
    it the order of equal-score results) does not depend on scheduling.
    """
    ctx = mp.get_context("fork")
    done = ctx.Value("l", 0)
    n, w = len(docs), _workers()
    per = -(-n // w)
    slices = [(i, min(i + per, n)) for i in range(0, n, per)]
    _SHARED.update(ix=ix, docs=docs, done=done)
    gc.freeze()  # the children's collector leaves the inherited objects alone: fewer copied pages
    try:
        with ctx.Pool(len(slices), initializer=_worker_init, initargs=(lock_fd,)) as pool:
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


class _SegmentStream:
    """Documents written as new segments of at most SEGMENT_DOCS documents, as they come.

    `done` (a shared counter) follows the documents written; `finish` returns (segments, word counts).
    """

    def __init__(self, ix, done):
        self.ix, self.done = ix, done
        self.segments, self.counts = [], Counter()
        self.builder, self.n = None, 0

    def tick(self) -> None:
        """Count one document done (written, or left as it is)."""
        self.n += 1
        if self.n % 256 == 0:
            with self.done.get_lock():
                self.done.value += 256

    def add(self, doc: dict) -> None:
        if self.builder is None:
            self.builder = segments.SegmentWriting(self.ix)
        self.builder.add(doc)
        self.tick()
        if self.builder.docnum >= SEGMENT_DOCS:
            self.segments.append(self.builder.close(self.counts))
            self.builder = None

    def finish(self) -> tuple:
        if self.builder is not None:
            self.segments.append(self.builder.close(self.counts))
            self.builder = None
        return self.segments, self.counts


def _write_docs(ix, docs: list, done) -> tuple:
    """Write `docs` as segments of at most SEGMENT_DOCS documents; return (segments, word counts).

    The list is emptied as the documents are written (a written document is not needed any more)."""
    out = _SegmentStream(ix, done)
    for i in range(len(docs)):
        doc, docs[i] = docs[i], None
        out.add(doc)
    return out.finish()


def _worker_init(lock_fd: Optional[int]) -> None:
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
        import ctypes
        import signal
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def _tag_all(articles: list, progress: Progress, lock_fd: Optional[int] = None) -> list:
    """Tag every article; large runs use one worker process per core (tagging is pure Python)."""
    progress.start("Tagging", len(articles))
    workers = _workers()
    tagged = []
    if len(articles) >= PARALLEL_TAGGING_FROM and workers > 1:
        tagging.taggers()  # load the gazetteers once; forked workers share them
        with mp.get_context("fork").Pool(workers, initializer=_worker_init, initargs=(lock_fd,)) as pool:
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


def _prune(ix, writer, seen: set) -> int:
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


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap(root: Path, new: Path) -> Path:
    """Make `new` the live generation: rename it to its final name, then replace CURRENT atomically."""
    final = new.with_name(new.name[:-len(".tmp")])
    os.rename(new, final)
    _write_atomic(root / CURRENT, final.name + "\n")
    _fsync_dir(root)
    return final


def _remove_old_generations(root: Path, keep: str) -> None:
    gens = sorted(p for p in root.glob(GEN_PREFIX + "*") if p.is_dir())
    old = [p for p in gens if p.name != keep]
    finished = [p for p in old if not p.name.endswith(".tmp")]
    for p in [p for p in old if p.name.endswith(".tmp")] + finished[:-KEEP_OLD_GENERATIONS or None]:
        shutil.rmtree(p, ignore_errors=True)


def index_stats(index_dir: str) -> dict:
    """Size on disk and generations of the index (for `casearch stats`)."""
    root = Path(index_dir)
    gen = current_generation(index_dir)
    size = sum(f.stat().st_size for f in gen.iterdir() if f.is_file()) if gen else 0
    meta = read_meta(gen) if gen else {}
    return {"generation": gen.name if gen else None, "size_bytes": size,
            "generations": sorted(p.name for p in root.glob(GEN_PREFIX + "*") if p.is_dir()),
            "schema_version": meta.get("schema_version"), "built_at": meta.get("built_at")}
