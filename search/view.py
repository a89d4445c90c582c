"""An open, read-only view of the live index generation with the arrays that make queries cheap.

In: INDEX_DIR. Out: `IndexView` — a whoosh searcher (BM25F), the live-document mask, dates as
yyyymmdd integers, per-facet value arrays, the id -> document map. All of it is built once per
generation; `IndexHandle.get()` hands out the current view and reopens only when CURRENT changed, so
a server picks up a reindex without a restart while requests in flight keep their old view.
"""
from __future__ import annotations

import mmap
import threading
from collections import OrderedDict
from collections.abc import Mapping
from itertools import accumulate, islice
from pathlib import Path
from pickle import loads
from typing import Optional

import numpy as np
from whoosh import scoring
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.structfile import BufferFile
from whoosh.query import Query

from . import config
from .duplicates import Copies, Ledger
from .indexer import CURRENT, current_generation, open_index, read_meta
from .models import FACETS
from .segments import FAST_FIELDS, SIDECAR_EXT, SIDECAR_HEADER, SIDECAR_MAGIC, term_hash
from .schema import TEXT_FIELDS
from .spelling import Speller

BM25_B = 0.75
BM25_K1 = 1.2
DENSE_SHARE = 64  # a facet value on at least 1/64 of the documents is counted as a bitset
WARM_WORDS = 50_000  # the most frequent surface words analysed when a view opens (see IndexView.warm)
PEEK_BYTES = 256  # what _ViewFile.peek shows at most (pickle asks for 128 KB)
POSTINGS_CACHE_MB = 256  # decoded postings (document numbers and weights) kept per index generation
# the parts of a segment IndexView.preload maps, most-read first; the small per-document columns go before all
PRELOAD_ORDER = (".trm", SIDECAR_EXT, "_stored.col", ".pst")
PRELOAD_STEP = 8 << 20  # bytes preload touches between two looks at stop_preload


class _ViewFile:
    """A read-only file over a memoryview: read, readline, seek and tell, without copying the buffer."""

    def __init__(self, buf):
        self._buf = buf
        self._pos = 0
        self._len = len(buf)

    def read(self, n: int = -1) -> bytes:
        start = self._pos
        end = self._len if n is None or n < 0 else min(start + n, self._len)
        self._pos = end
        return bytes(self._buf[start:end])

    def readline(self, limit: int = -1) -> bytes:
        out = bytearray()
        while self._pos < self._len and (limit < 0 or len(out) < limit):
            chunk = bytes(self._buf[self._pos:self._pos + 256])
            cut = chunk.find(b"\n")
            take = chunk if cut < 0 else chunk[:cut + 1]
            out += take
            self._pos += len(take)
            if cut >= 0:
                break
        return bytes(out)

    def peek(self, n: int = 1) -> bytes:
        """Bytes ahead without moving: pickle.load then reads a block's small info tuple in two calls, not
        one read per opcode (whoosh unpickles one from the file for every posting block it visits)."""
        return bytes(self._buf[self._pos:self._pos + min(max(n, 1), PEEK_BYTES)])

    def seek(self, pos: int, whence: int = 0) -> int:
        self._pos = pos + (self._pos if whence == 1 else self._len if whence == 2 else 0)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None: ...

    def close(self) -> None:
        self._buf = memoryview(b"")


def _buffer_file_init(self, buf, name=None, onclose=None):
    """whoosh's BufferFile.__init__ with a _ViewFile where whoosh copies the buffer into a BytesIO.

    whoosh opens every file of a memory-mapped segment as a BufferFile, and whoosh-reloaded 2.7.5 copies
    it whole into memory there: every searcher (one per server thread) held its own copy of the
    index (about 1.4 GB for four threads at 100,000 articles). With this the mapped pages are shared.
    """
    self._buf, self._name, self.onclose = buf, name, onclose
    self.file = _ViewFile(buf)
    self.is_real = False
    self.is_closed = False


BufferFile.__init__ = _buffer_file_init


def read_postings(reader, field: str, text, weights: bool = False) -> tuple:
    """A term's (document numbers, weights or None) over every segment, deleted documents included.

    A segment written by search.segments is read from its postings sidecar (`Sidecar`). Otherwise, the
    seam into whoosh internals: each segment's term matcher is a W3LeafMatcher whose blocks hold
    their ids and weights as arrays, read a block at a time, and shifted by the segment's document
    offset. Deleted documents are left in: callers mask them out with `IndexView.live` (whoosh's own
    deletion filter would hide the blocks). tests/test_view.py and tests/test_ranking_parity.py check
    the results against whoosh's own search, on one segment and on several with deletions.
    """
    ids, ws = [], []
    for leaf, base in reader.leaf_readers():
        got = _sidecar_term(leaf, field, text)  # found there, whoosh's term table is not asked
        if got is None and (field, text) not in leaf:
            continue
        if got is not None:  # sliced in place: no block to decode
            docs, counts, _ = got
            ids.append(docs.astype(np.int64) + base)
            if weights:  # as whoosh stores them: count * field boost, as float32
                boost = leaf.schema[field].format.field_boost
                ws.append((counts * boost).astype(np.float32).astype(np.float64))
            continue
        m = leaf._terms.matcher(field, leaf._text_to_bytes(field, text), leaf.schema[field].format)
        if not isinstance(m, W3LeafMatcher):  # another codec: the public API (deletions filtered)
            m = leaf.postings(field, text)
            while m.is_active():
                ids.append(np.array([m.id() + base], np.int64))
                ws.append(np.array([m.weight()], np.float64))
                m.next()
            continue
        while m.is_active():
            block_ids, block_ws = _block_arrays(m, weights)
            ids.append(block_ids + base)
            if weights:
                ws.append(block_ws)
            m._next_block()
    out_ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    if not weights:
        return out_ids, None
    return out_ids, (np.concatenate(ws) if ws else np.zeros(0, np.float64))


def _block_arrays(m, weights: bool = True) -> tuple:
    """The current block's (document numbers, weights or None) as arrays, from its data tuple.

    W3LeafMatcher would decode ids through a Python generator; the tuple holds them delta-encoded
    (a cumulative sum) and the weights as None (all 1.0), one float (all equal) or one per posting.
    """
    if m._data is None:
        m._read_data()
    ids, ws = m._data[0], m._data[1]
    block_ids = np.cumsum(np.asarray(ids, dtype=np.int64))
    if not weights:
        return block_ids, None
    if ws is None:
        return block_ids, np.ones(len(block_ids))
    if isinstance(ws, float):
        return block_ids, np.full(len(block_ids), ws)
    return block_ids, np.asarray(ws, dtype=np.float32).astype(np.float64)


def read_positions(reader, field: str, text, docs: np.ndarray) -> tuple:
    """(document numbers, positions) of a term's occurrences in the given documents (sorted numbers).

    A segment with a postings sidecar gives them with numpy (`_gather_positions`). Others go through the
    same seam as read_postings: a block whose last document comes before the next wanted one is
    skipped unread; the positions of the postings in the others are decoded a block at a time
    (`_block_positions`), so a phrase costs the blocks holding its candidates, not every posting.
    """
    out_docs, out_pos = [], []
    for leaf, base in reader.leaf_readers():
        wanted = docs[(docs >= base) & (docs < base + leaf.doc_count_all())] - base
        if not wanted.size:
            continue
        got = _sidecar_term(leaf, field, text)  # found there, whoosh's term table is not asked
        if got is None and (field, text) not in leaf:
            continue
        if got is not None:
            local, counts, flat = got
            d, p = _gather_positions(local.astype(np.int64), counts, flat, wanted)
            out_docs.append(d + base)
            out_pos.append(p)
            continue
        fmt = leaf.schema[field].format
        m = leaf._terms.matcher(field, leaf._text_to_bytes(field, text), fmt)
        if not isinstance(m, W3LeafMatcher):
            raise TypeError("positions are read from W3 postings only")
        ci = 0
        while m.is_active() and ci < wanted.size:
            if m.block_max_id() < wanted[ci]:
                m._next_block()  # no wanted document in this block: its data is never decompressed
                continue
            block_ids = _block_arrays(m, False)[0]
            at = np.searchsorted(wanted, block_ids)
            hit = (at < wanted.size) & (wanted[np.minimum(at, wanted.size - 1)] == block_ids)
            if hit.any():
                if m._values is None:
                    m._read_values()
                owner, pos = _block_positions(m._values)
                keep = hit[owner]
                out_docs.append(block_ids[owner[keep]] + base)
                out_pos.append(pos[keep])
            ci = int(np.searchsorted(wanted, block_ids[-1], side="right"))
            m._next_block()
    if not out_docs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_docs), np.concatenate(out_pos)


def _gather_positions(local: np.ndarray, counts: np.ndarray, flat: np.ndarray, wanted: np.ndarray) -> tuple:
    """(document, position) pairs of the postings of `local` (a term's documents in one segment, with
    `counts` positions each, concatenated in `flat`) whose document is in `wanted` (sorted)."""
    at = np.searchsorted(wanted, local)
    hit = (at < wanted.size) & (wanted[np.minimum(at, wanted.size - 1)] == local)
    counts = counts.astype(np.int64)
    starts = np.cumsum(counts) - counts
    c, s = counts[hit], starts[hit]
    # positions of posting k run from s[k] to s[k] + c[k]: one index array for all of them
    index = np.repeat(s - (np.cumsum(c) - c), c) + np.arange(int(c.sum()))
    return np.repeat(local[hit], c), flat[index].astype(np.int64)


class Sidecar:
    """A segment's postings sidecar (layout in search.segments), read in place from its bytes."""

    def __init__(self, buf):
        magic, n, docs_at, counts_at, positions_at, directory_at, csize, psize = SIDECAR_HEADER.unpack_from(buf, 0)
        if magic != SIDECAR_MAGIC:
            raise ValueError("not a postings sidecar")
        sizes = {2: np.uint16, 4: np.uint32}
        self.docs = np.frombuffer(buf, np.uint32, (counts_at - docs_at) // 4, docs_at)
        self.counts = np.frombuffer(buf, sizes[csize], (positions_at - counts_at) // csize, counts_at)
        self.positions = np.frombuffer(buf, sizes[psize], (directory_at - positions_at) // psize, positions_at)
        self.keys = np.frombuffer(buf, np.uint64, n, directory_at)
        if not self.keys.flags.aligned:  # inside a compound file: searchsorted would copy it on every call
            self.keys = self.keys.copy()
        self.rows = np.frombuffer(buf, np.int64, 4 * n, directory_at + 8 * n).reshape(n, 4)

    def term(self, key: bytes):
        """(document numbers, positions per posting, all positions) of a term-table key, or None."""
        h = np.uint64(term_hash(key))
        i = int(np.searchsorted(self.keys, h))
        if i == self.keys.size or self.keys[i] != h:
            return None
        c0, n, p0, npos = self.rows[i].tolist()
        return self.docs[c0:c0 + n], self.counts[c0:c0 + n], self.positions[p0:p0 + npos]


_NO_SIDECAR = object()


def _sidecar(leaf):
    """The leaf segment's Sidecar, or None (whoosh's writer, another codec); opened once per reader."""
    got = getattr(leaf, "_casearch_sidecar", _NO_SIDECAR)
    if got is _NO_SIDECAR:
        got = None
        segment, storage = getattr(leaf, "_segment", None), getattr(leaf, "_storage", None)
        if segment is not None and storage is not None:
            name = segment.make_filename(SIDECAR_EXT)
            if storage.file_exists(name):
                f = storage.open_file(name)
                if isinstance(f, BufferFile):
                    got = Sidecar(f._buf)  # the mapped bytes, read in place
                else:
                    try:
                        got = Sidecar(f.read())
                    finally:
                        f.close()
        leaf._casearch_sidecar = got
    return got


def _sidecar_term(leaf, field: str, text):
    """A term's arrays from the leaf's sidecar (see Sidecar.term), or None."""
    side = _sidecar(leaf) if field in FAST_FIELDS else None
    if side is None:
        return None
    return side.term(leaf._terms._keycoder(field, leaf._text_to_bytes(field, text)))


_ONE_POSITION = b"\x00\x00\x00\x01\x80\x02]q\x00"  # pack_uint(1) + pickle protocol 2 of a one-item list


def _block_positions(values) -> tuple:
    """(posting index, position) pairs of a block's Positions values, as whoosh's decode_positions reads them.

    Most postings hold one position below 65,536, pickled in 12 or 13 bytes (opcode K or M): those are
    read from the joined bytes with numpy; the others are unpickled one by one.
    """
    lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    buf = np.frombuffer(b"".join(values), dtype=np.uint8)
    starts = np.cumsum(lens) - lens
    short = lens <= 13
    op = np.zeros(len(values), dtype=np.uint8)
    op[short] = buf[starts[short] + 9]
    one_k = (lens == 12) & (op == 75)
    one_m = (lens == 13) & (op == 77)
    pos = np.zeros(len(values), dtype=np.int64)
    pos[one_k] = buf[starts[one_k] + 10]
    pos[one_m] = buf[starts[one_m] + 10].astype(np.int64) | (buf[starts[one_m] + 11].astype(np.int64) << 8)
    fast = one_k | one_m
    fast &= [v.startswith(_ONE_POSITION) if f else False for v, f in zip(values, fast.tolist())]
    if fast.all():
        return np.arange(len(values)), pos
    owners, positions = np.flatnonzero(fast).tolist(), pos[fast].tolist()
    for i in np.flatnonzero(~fast).tolist():
        v = values[i]
        ps = list(accumulate(loads(v[4:] if v.endswith(b".") else v[4:] + b".")))
        owners += [i] * len(ps)
        positions += ps
    owner = np.array(owners, dtype=np.int64)
    order = np.argsort(owner, kind="stable")
    return owner[order], np.array(positions, dtype=np.int64)[order]


def phrase_docs(reader, field: str, words, slop: int, docs: np.ndarray) -> np.ndarray:
    """The documents among `docs` (which hold every word) where the words occur as a phrase.

    whoosh's SpanNear2 rule, as whoosh's Phrase query applies it: each word starts 1 to `slop` positions
    after the end of the span matched so far. Consecutive words (slop 1) are matched with numpy on
    (document, position) keys; wider slops per document.
    """
    if docs.size == 0:
        return docs
    occ = [read_positions(reader, field, w, docs) for w in words]
    if slop == 1:  # follow the possible end positions: key = document << 32 | position
        ends = _sorted_keys(occ[0][0], occ[0][1])
        for d, p in occ[1:]:
            keys = _sorted_keys(d, p)
            ends = ends + 1
            at = np.searchsorted(keys, ends)
            ends = ends[keys[np.minimum(at, keys.size - 1)] == ends] if keys.size else keys
            if not ends.size:
                break
        docs = ends >> 32
        return docs[np.r_[True, docs[1:] != docs[:-1]]] if docs.size else docs
    positions = []
    for d, p in occ:
        per = {}
        for doc, pos in zip(d.tolist(), p.tolist()):
            per.setdefault(doc, []).append(pos)
        positions.append(per)
    keep = []
    for d in docs.tolist():
        spans = {(p, p) for p in positions[0].get(d, ())}
        for nxt in positions[1:]:
            spans = {(a, q) for a, e in spans for q in nxt.get(d, ()) if 1 <= q - e <= slop}
            if not spans:
                break
        if spans:
            keep.append(d)
    return np.array(keep, dtype=np.int64)


def _sorted_keys(docs: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """document << 32 | position, sorted and unique (read_positions gives them in that order already)."""
    keys = (docs << 32) | positions
    if keys.size > 1 and not (keys[1:] > keys[:-1]).all():
        keys = np.unique(keys)
    return keys


def postings_ids(reader, field: str, text) -> np.ndarray:
    """A term's document numbers as one array (deleted documents included: see read_postings)."""
    return read_postings(reader, field, text)[0]


class ByteCache:
    """A least-recently-used map bounded by the bytes of its values; safe to share between threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key, value, nbytes: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, nbytes)
            self.used += nbytes
            while self.used > self.max_bytes and len(self._items) > 1:
                _, (_, n) = self._items.popitem(last=False)
                self.used -= n


def _bitset(docs: np.ndarray, n: int) -> np.ndarray:
    """The documents as a bitset of n bits, in 64-bit words (bit order is packbits', the same for all)."""
    mask = np.zeros(-(-n // 64) * 64, dtype=bool)
    mask[docs] = True
    return np.packbits(mask).view(np.uint64)


class FacetScope:
    """The documents facets are counted over: a mask, its document numbers and its bitset, each made once
    and shared by the facets counted over the same documents."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask
        self.docs = np.flatnonzero(mask)
        self._bits = None

    def bits(self, n: int) -> np.ndarray:
        if self._bits is None:
            self._bits = _bitset(self.docs, n)
        return self._bits


class FacetCounts(Mapping):
    """{value: count} over a scope for the values with a count, read from the count array on demand."""

    def __init__(self, facet: "FacetArrays", counts: np.ndarray):
        self._facet, self._counts = facet, counts

    def __getitem__(self, value: str) -> int:
        i = self._facet.index.get(value)
        if i is None or not self._counts[i]:
            raise KeyError(value)
        return int(self._counts[i])

    def __iter__(self):
        return (self._facet.values[i] for i in np.flatnonzero(self._counts).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self._counts))


class FacetArrays:
    """One facet's values and, for each value, the sorted document numbers that carry it."""

    def __init__(self, reader, fieldname: str, n: int, live: np.ndarray):
        self.values = []
        self.postings = []
        for term in reader.lexicon(fieldname):
            value = term.decode("utf-8") if isinstance(term, bytes) else term
            docs = postings_ids(reader, fieldname, term)
            docs = docs[live[docs]]
            if not docs.size:
                continue  # every article with this value was deleted
            self.values.append(value)
            self.postings.append(docs)
        self.index = {v: i for i, v in enumerate(self.values)}
        self.n = n
        # Values carried by at least 1/DENSE_SHARE of the documents are counted as bitsets (a popcount of
        # bitset AND scope, one bit per document); the others through doc -> value pairs (CSR, sorted by
        # document), gathered for a small scope or selected from all pairs for a large one.
        is_dense = [n > 0 and len(p) * DENSE_SHARE >= n for p in self.postings]
        dense = [i for i, d in enumerate(is_dense) if d]
        sparse = [i for i, d in enumerate(is_dense) if not d]
        self.dense = np.array(dense, dtype=np.int64)
        self.bits = np.stack([_bitset(self.postings[i], n) for i in dense]) if dense else None
        pairs_doc = np.concatenate([self.postings[i] for i in sparse]) if sparse else np.zeros(0, np.int64)
        pairs_val = np.concatenate([np.full(len(self.postings[i]), i, np.int32) for i in sparse]) \
            if sparse else np.zeros(0, np.int32)
        order = np.argsort(pairs_doc, kind="stable")
        self.doc_of_pair = pairs_doc[order]
        self.val_of_pair = pairs_val[order]
        self.indptr = np.searchsorted(self.doc_of_pair, np.arange(n + 1))
        self.rank = np.argsort(np.argsort(np.array(self.values, dtype=object), kind="stable"))  # by value

    def docs_of(self, value: str) -> np.ndarray:
        """The live documents carrying a value (sorted document numbers; empty for an unknown value)."""
        i = self.index.get(value)
        return self.postings[i] if i is not None else np.zeros(0, np.int64)

    def value_of(self, docnum: int) -> str:
        """The first value (in value order) a document carries, "" when none: for a single-valued facet."""
        row = self.val_of_pair[self.indptr[docnum]:self.indptr[docnum + 1]]
        found = [self.values[i] for i in row.tolist()]
        for i in self.dense.tolist():
            p = self.postings[i]
            at = int(np.searchsorted(p, docnum))
            if at < p.size and p[at] == docnum:
                found.append(self.values[i])
        return min(found) if found else ""

    def mask_any(self, values) -> np.ndarray:
        """Documents that carry any of the values (OR within a facet)."""
        mask = np.zeros(self.n, dtype=bool)
        for v in values:
            i = self.index.get(v)
            if i is not None:
                mask[self.postings[i]] = True
        return mask

    def counts(self, scope, limit: int = None) -> tuple:
        """([(value, count)] of the `limit` most frequent values in scope, ties by value; {value: count} of all,
        as a FacetCounts mapping).

        A small scope gathers its documents' values (CSR rows); a large one selects from every pair.
        """
        if not len(self.values):
            return [], FacetCounts(self, np.zeros(0, np.int64))
        if not isinstance(scope, FacetScope):
            scope = FacetScope(scope)
        docs = scope.docs
        if docs.size * 8 < self.n:
            starts, ends = self.indptr[docs], self.indptr[docs + 1]
            lens = ends - starts
            idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
            vals = self.val_of_pair[idx]
        else:
            vals = self.val_of_pair[scope.mask[self.doc_of_pair]]
        c = np.bincount(vals, minlength=len(self.values))
        if self.bits is not None:
            c[self.dense] = np.bitwise_count(self.bits & scope.bits(self.n)).sum(axis=1)
        nz = np.flatnonzero(c)
        if limit is not None and 0 < limit < nz.size:  # the top `limit` counts first, then order only those
            nz = nz[c[nz] >= np.partition(c[nz], nz.size - limit)[nz.size - limit]]
        order = nz[np.lexsort((self.rank[nz], -c[nz]))]
        top = order if limit is None else order[:limit]
        return [(self.values[i], int(c[i])) for i in top.tolist()], FacetCounts(self, c)


class IndexView:
    """Everything a query needs from one index generation."""

    def __init__(self, index_dir: str):
        self.index_dir = index_dir
        self.generation = current_generation(index_dir)
        self.ix = open_index(index_dir)
        self.meta = read_meta(self.generation) if self.generation else {}
        self.schema = self.ix.schema
        # whoosh readers seek and read shared file objects: one searcher per thread, never shared
        self._local = threading.local()
        self._cache_lock = threading.Lock()
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
        self._first_indexed: Optional[dict] = None
        self._speller: Optional[Speller] = None
        self._postings = ByteCache(POSTINGS_CACHE_MB << 20)
        self._relevance: dict = {}
        self._maps = []  # the segment files preload mapped, kept open for the life of the view
        self._stop = threading.Event()
        self.preloaded: list = []  # (part's file name, bytes mapped) in the order preload mapped them

    @property
    def searcher(self):
        """This thread's whoosh searcher over the generation (BM25F)."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
        return s

    def relevance(self, tuning=None):
        """The scorer of query trees (search.relevance) for a tuning (the product's by default), made once."""
        from .relevance import Relevance
        from .tuning import DEFAULT
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
        from . import snippets
        from .spelling import WORDS
        self.preload((config.get("preload_mb") if preload_mb is None else preload_mb) << 20)
        path = Path(self.generation) / WORDS if self.generation else None
        if path is None or not path.exists():
            return 0
        with open(path, encoding="utf-8") as f:
            return snippets.warm(line.partition("\t")[0] for line in islice(f, limit))

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
            self._first_indexed = Ledger.times(self.generation)
        return self._first_indexed

    @property
    def doc_count(self) -> int:
        return int(self.live.sum())

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
                if _sidecar_term(leaf, f, text) is not None or leaf.doc_frequency(f, text):
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
                self._speller = Speller(self.generation)
            return self._speller

    def correct(self, word: str) -> Optional[str]:
        """The closest corpus word to a word the index does not know (see search.spelling)."""
        return self.speller.correct(word)

    def complete(self, prefix: str, limit: int) -> tuple:
        """The corpus words starting with a prefix, most frequent first: (words, capped)."""
        return self.speller.complete(prefix, limit)

    def explain(self, parsed, docnum: int, score: float) -> dict:
        """Which query terms the document contains, per field, and its score."""
        matched = []
        reader = self.searcher.reader()
        for field, term in sorted(parsed.terms):
            if (field, term) not in reader:
                continue
            m = reader.postings(field, term)
            if m.supports("weight"):
                m.skip_to(docnum)
                if m.is_active() and m.id() == docnum:
                    matched.append({"field": field, "term": term, "weight": round(float(m.weight()), 3)})
        return {"score": round(score, 4), "matched": matched}

    def close(self) -> None:
        self.stop_preload()
        self.searcher.close()
        for storage in self._maps:
            storage.close()  # a preload still touching one keeps its map alive until it returns (BufferError)
        self._maps = []


class IndexHandle:
    """Hands out the IndexView of the live generation, reopening it when a reindex swapped CURRENT."""

    def __init__(self, index_dir: str):
        self.index_dir = index_dir
        self._view: Optional[IndexView] = None
        self._stamp = None
        self._lock = threading.Lock()
        self.warmer: Optional[threading.Thread] = None  # the thread warming the latest view

    def _current_stamp(self):
        try:
            return (Path(self.index_dir) / CURRENT).read_text(encoding="utf-8").strip()
        except OSError:
            return None

    def get(self) -> IndexView:
        """Return the view of the live generation (raises IndexMissing / IndexOutdated)."""
        stamp = self._current_stamp()
        view = self._view
        if view is not None and stamp == self._stamp:
            return view
        with self._lock:
            if self._view is None or stamp != self._stamp:
                if self._view is not None:
                    self._view.stop_preload()  # the new generation's parts are the ones worth mapping
                self._view = IndexView(self.index_dir)  # the old view stays usable by requests holding it
                self._stamp = stamp
                self.warmer = threading.Thread(target=self._view.warm, name="casearch-warm", daemon=True)
                self.warmer.start()
            return self._view
