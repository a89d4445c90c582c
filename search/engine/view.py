"""An open, read-only view of the live index generation with the arrays that make queries cheap.

In: INDEX_DIR. Out: `IndexView` — a whoosh searcher per thread, the live-document mask, dates as yyyymmdd
integers and months, per-facet value arrays (search.engine.facets), the id -> document map, the
near-copy groups, cached postings and phrases, the spelling lexicon, and the scorer of query trees
(`relevance`, search.engine.relevance). All of it is built once per generation (search.engine.handle
hands out the current one). `preload` maps the segment files into memory. This module does not parse
queries, page or render.
"""
from __future__ import annotations

import mmap
import threading
from pathlib import Path
from itertools import islice
from typing import Optional

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.filedb.structfile import BufferFile
from whoosh.query import Query

from .. import analysis, config
from ..duplicates import Copies, Ledger
from ..models import FACETS
from ..tuning import DEFAULT
from ..errors import IndexDamaged
from .cache import ByteCache
from .damage import READ_ERRORS, REBUILD, changed, damaged, mapped_sizes
from .facets import FacetArrays
from .postings import phrase_docs, read_postings
from .relevance import Relevance
from .schema import TEXT_FIELDS
from .sidecar import SIDECAR_EXT, sidecar_term
from .spelling import WORDS, Speller
from .store import current_generation, open_index, read_meta

BM25_B = 0.75
BM25_K1 = 1.2
WARM_WORDS = 50_000  # the most frequent surface words analysed when a view opens (see IndexView.warm)
POSTINGS_CACHE_MB = 256  # decoded postings (document numbers and weights) kept per index generation
# the parts of a segment IndexView.preload maps, most-read first; the small per-document columns go before all
PRELOAD_ORDER = (".trm", SIDECAR_EXT, "_stored.col", ".pst")
PRELOAD_STEP = 8 << 20  # bytes preload touches between two looks at stop_preload



class IndexView:
    """Everything a query needs from one index generation.

    Raises IndexMissing, IndexOutdated, or IndexDamaged naming the file that cannot be read (search.engine.damage).
    """

    def __init__(self, index_dir: str):
        self.index_dir = index_dir
        self.generation = current_generation(index_dir)
        self.ix = open_index(index_dir)  # which has whoosh read the mapped files in place (share_mapped_files)
        self.meta = read_meta(self.generation) if self.generation else {}
        self.schema = self.ix.schema
        # whoosh readers seek and read shared file objects: one searcher per thread, never shared
        self._local = threading.local()
        self._searchers: list = []  # every thread's, for close
        self._searchers_lock = threading.Lock()  # not _cache_lock: a cache filled under it may open a searcher
        self._cache_lock = threading.Lock()
        self._sizes = mapped_sizes(self.generation)  # the mapped files' sizes, checked before each request
        self._first_indexed: Optional[dict] = None
        self._field_terms: dict = {}  # field -> its terms (field_terms)
        self._speller: Optional[Speller] = None
        self._postings = ByteCache(POSTINGS_CACHE_MB << 20)
        self._relevance: dict = {}
        self._maps = []  # the segment files preload mapped, kept open for the life of the view
        self._stop = threading.Event()
        self.preloaded: list = []  # (part's file name, bytes mapped) in the order preload mapped them
        try:
            self._read_arrays()
        except READ_ERRORS as e:
            self.close()
            raise damaged(self.generation, e) from e

    def _read_arrays(self) -> None:
        reader = self.searcher.reader()
        n = reader.doc_count_all()
        self.n = n
        self.live = np.ones(n, dtype=bool)
        self._segments = []  # whoosh's Segment of each leaf (for preload, which opens its own maps of them)
        for leaf, base in reader.leaf_readers():
            self._segments.append(getattr(leaf, "_segment", None))
            if leaf.has_deletions():
                self.live[[base + d for d in leaf.deleted_docs_set]] = False
        ids = reader.column_reader("id")
        dates = reader.column_reader("date")
        self.ids = {}
        self.dates = np.zeros(n, dtype=np.int64)
        for d in np.flatnonzero(self.live).tolist():
            self.ids[ids[d]] = d
            iso = dates[d]
            if iso:
                self.dates[d] = int(iso.replace("-", ""))
        # months since year 0 of each dated document, -1 when undated (the timeline counts these)
        self.months = np.where(self.dates > 0, (self.dates // 10000) * 12 + (self.dates // 100 % 100) - 1, -1)
        self.facets = {f: FacetArrays(reader, f, n, self.live) for f in FACETS}
        self.copies = Copies(self.generation, self.ids.get, n)  # groups of near-copies (search.duplicates)

    @property
    def searcher(self):
        """This thread's whoosh searcher over the generation (BM25F)."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
            with self._searchers_lock:
                self._searchers.append(s)
        return s

    def check_intact(self) -> None:
        """Raise IndexDamaged when a file this view maps changed size since it opened (a truncated file read
        through its map would kill the process); a stat per file, made before each request."""
        found = changed(self._sizes)
        if found:
            path, was = found, self._sizes[found]
            raise IndexDamaged(f"the index is damaged: {path} changed size while it was served ({was:,} bytes, "
                               f"now {_size(path):,}); {REBUILD}")

    def relevance(self, tuning=None):
        """The scorer of query trees (search.engine.relevance) for a tuning (the product's by default), made once."""
        tuning = tuning or DEFAULT
        got = self._relevance.get(tuning)
        if got is None:
            with self._cache_lock:
                got = self._relevance.get(tuning)
                if got is None:
                    got = self._relevance[tuning] = Relevance(self, tuning)
        return got

    def warm(self, limit: int = WARM_WORDS, preload_mb: Optional[int] = None) -> int:
        """Preload the index (see preload; `preload_mb` defaults to the preload_mb setting), then prime the
        snippet analysis with the index's `limit` most frequent words (words.txt, most frequent first);
        returns how many words. `serve` runs this in a background thread when it opens a generation."""
        self.preload((config.get("preload_mb") if preload_mb is None else preload_mb) << 20)
        if self._stop.is_set():  # closed, or a newer generation is warming: its words are the ones worth it
            return 0
        path = Path(self.generation) / WORDS if self.generation else None
        if path is None or not path.exists():
            return 0
        with open(path, encoding="utf-8") as f:
            return analysis.prime(line.partition("\t")[0] for line in islice(f, limit))

    def preload(self, budget: int) -> int:
        """Map the most-read parts of the generation's segments into this process, up to `budget` bytes;
        returns the bytes mapped (`preloaded` lists them by part).

        Queries read the segments through whoosh's memory maps. A page the kernel has dropped from its
        cache (memory pressure, or a host reclaiming the cache pages no process maps) costs a disk read
        the first time a query touches it: the first queries after a start or a reindex, and any query
        reaching a part of the index not read for a while. preload touches every page of the parts in
        PRELOAD_ORDER (the small per-document columns first), segment by segment, in PRELOAD_STEP steps,
        and keeps its maps open until `close`, so the pages stay mapped. They are clean file pages: they
        count in the process's resident memory, and the kernel can still drop them when memory runs short.
        Segments that are not compound files, or are read without mmap, are left alone. `stop_preload`
        stops it between two steps.
        """
        if self._maps:  # once per view
            return self.preloaded_bytes
        parts = []
        for segment in self._segments if budget > 0 else ():
            if segment is None or not segment.is_compound() or self._stop.is_set():
                continue
            storage = segment.open_compound_file(self.ix.storage)
            self._maps.append(storage)
            for name in storage.list():
                f = storage.open_file(name)
                if isinstance(f, BufferFile):
                    rank = next((i for i, end in enumerate(PRELOAD_ORDER, 1) if name.endswith(end)), 0)
                    parts.append((rank, len(parts), name, f._buf))
        done = 0
        for _, _, name, buf in sorted(parts, key=lambda p: p[:2]):
            data = np.frombuffer(buf, np.uint8)[:budget - done]
            touched = 0
            for at in range(0, data.size, PRELOAD_STEP):
                if self._stop.is_set():
                    break
                step = data[at:at + PRELOAD_STEP]
                int(step[::mmap.PAGESIZE].sum()) + int(step[-1])  # a byte read in each page maps the page
                touched += step.size
            if touched:
                self.preloaded.append((name, touched))
                done += touched
            if done >= budget or self._stop.is_set():
                break
        return done

    @property
    def preloaded_bytes(self) -> int:
        return sum(n for _, n in self.preloaded)

    def stop_preload(self) -> None:
        """Make a running preload return after its current step."""
        self._stop.set()

    @property
    def first_indexed(self) -> dict:
        """{article id: when it was first indexed, in seconds since the epoch}, read from the generation's
        ledger on first use (feeds date undated articles with it)."""
        if self._first_indexed is None:
            try:
                self._first_indexed = Ledger.times(self.generation)
            except READ_ERRORS as e:
                raise damaged(self.generation, e) from e
        return self._first_indexed

    @property
    def doc_count(self) -> int:
        return int(self.live.sum())

    def term_mask(self, field: str, text: str) -> np.ndarray:
        """The live documents holding a term, as a boolean mask."""
        mask = np.zeros(self.n, dtype=bool)
        mask[self.term_ids(field, text)] = True
        return mask & self.live

    def mask_for(self, q: Query) -> np.ndarray:
        """Documents matching a query, as a boolean mask (boolean structure evaluated with numpy)."""
        return self._mask(q) & self.live

    def _mask(self, q: Query) -> np.ndarray:
        if isinstance(q, wq.Term):
            mask = np.zeros(self.n, dtype=bool)
            mask[self.term_ids(q.fieldname, q.text)] = True
            return mask
        if isinstance(q, (wq.Or, wq.DisjunctionMax)):
            mask = np.zeros(self.n, dtype=bool)
            for sub in q.subqueries:
                if isinstance(sub, wq.Term):  # straight into the mask: no array per term
                    mask[self.term_ids(sub.fieldname, sub.text)] = True
                else:
                    mask |= self._mask(sub)
            return mask
        if isinstance(q, wq.And):
            mask = self.live.copy()
            for sub in q.subqueries:
                mask &= self._mask(sub)
            return mask
        if isinstance(q, wq.AndNot):
            return self._mask(q.a) & ~self._mask(q.b)
        if isinstance(q, wq.Not):
            return ~self._mask(q.query)
        if isinstance(q, wq.Every):
            return self.live.copy()
        if isinstance(q, wq.Phrase) and q.fieldname in TEXT_FIELDS and len(q.words) > 1:
            mask = np.zeros(self.n, dtype=bool)
            mask[self.phrase_ids(q.fieldname, tuple(q.words), q.slop)] = True
            return mask
        mask = np.zeros(self.n, dtype=bool)  # ranges, prefixes and the rest: whoosh's own matcher
        mask[np.fromiter(q.docs(self.searcher), dtype=np.int64)] = True
        return mask

    def term_postings(self, field: str, text: str) -> tuple:
        """(document numbers, weights) of a term's postings, deleted documents included (cached)."""
        key = (field, text)
        got = self._postings.get(key)
        if got is None:
            got = read_postings(self.searcher.reader(), field, text, weights=True)
            self._postings.put(key, got, got[0].nbytes + got[1].nbytes)
        return got

    def phrase_ids(self, field: str, words: tuple, slop: int) -> np.ndarray:
        """The live documents where the words form a phrase (cached: masks and ranking both ask)."""
        key = ("phrase", field, words, slop)
        got = self._postings.get(key)
        if got is None:
            cand = self.live.copy()
            for w in words:
                cand &= self._mask(wq.Term(field, w))
            got = phrase_docs(self.searcher.reader(), field, words, slop, np.flatnonzero(cand))
            self._postings.put(key, got, got.nbytes + 64)
        return got

    def has_any(self, field: str, docnum: int, terms) -> bool:
        """Tell whether the document holds any of the terms in the field (from the cached postings)."""
        for t in terms:
            ids = self.term_ids(field, t)
            i = int(np.searchsorted(ids, docnum))
            if i < ids.size and ids[i] == docnum:
                return True
        return False

    def term_ids(self, field: str, text: str) -> np.ndarray:
        """The document numbers of a term's postings (cached with its weights: see term_postings)."""
        return self.term_postings(field, text)[0]

    def docnum(self, article_id: str) -> Optional[int]:
        return self.ids.get(article_id)

    def field_terms(self, field: str) -> tuple:
        """Every term of a field (deleted documents' included), read on first use: the authors' keys."""
        got = self._field_terms.get(field)
        if got is None:
            got = self._field_terms[field] = tuple(self.searcher.reader().field_terms(field))
        return got

    def similar(self, docnum: int, top: int = 5) -> list:
        """Up to `top` articles sharing the most distinctive words of this one's title and body."""
        stored = self.searcher.stored_fields(docnum)
        text = stored.get("title", "") + "\n" + stored.get("body", "")
        results = self.searcher.more_like(docnum, "body", text=text, top=top, numterms=25)
        return [{"id": h["id"], "title": h["title"]} for h in results]

    def has_term(self, text: str) -> bool:
        """Tell whether any text field of the index holds this term (a stem or a variant key), deleted
        documents included (as whoosh's document frequency counts them). A segment's postings sidecar
        answers first (a hash and a binary search); whoosh's term table only for a term it lacks."""
        for leaf, _ in self.searcher.reader().leaf_readers():
            for f in TEXT_FIELDS:
                if sidecar_term(leaf, f, text) is not None or leaf.doc_frequency(f, text):
                    return True
        return False

    def doc_frequency(self, text: str) -> int:
        """Articles holding a term in the text field where it is most frequent (deleted ones included)."""
        reader = self.searcher.reader()
        return max(reader.doc_frequency(f, text) for f in TEXT_FIELDS)

    @property
    def speller(self) -> Speller:
        return self._speller if self._speller is not None else self._speller_once()

    def _speller_once(self) -> Speller:
        with self._cache_lock:
            if self._speller is None:
                try:
                    self._speller = Speller(self.generation)
                except READ_ERRORS as e:
                    raise damaged(self.generation, e) from e
            return self._speller

    def correct(self, word: str) -> Optional[str]:
        """The closest corpus word to a word the index does not know (see search.engine.spelling)."""
        return self.speller.correct(word)

    def complete(self, prefix: str, limit: int) -> tuple:
        """The corpus words starting with a prefix, most frequent first: (words, capped)."""
        return self.speller.complete(prefix, limit)

    def close(self) -> None:
        """Let go of the generation's files: every thread's searcher, preload's maps, the mapped spelling table
        and the caches holding arrays read in place from the maps, so that the process maps nothing of it
        (search.engine.handle closes a replaced view when its last request ends). The view is unusable after."""
        self.stop_preload()
        with self._searchers_lock:
            searchers, self._searchers = self._searchers, []
            self._local = threading.local()
        with self._cache_lock:
            self._postings = ByteCache(POSTINGS_CACHE_MB << 20)
            self._relevance = {}
            self._speller = None
        for s in searchers:
            for leaf, _ in s.reader().leaf_readers():
                leaf.__dict__.pop("_casearch_sidecar", None)  # its arrays are views of the map
            s.close()
        for storage in self._maps:
            storage.close()  # a preload still touching one keeps its map alive until it returns (BufferError)
        self._maps = []


def _size(path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0
