"""Reading whoosh's posting lists fast: document numbers, weights and positions as numpy arrays.

In: a whoosh reader, a field and a term (or a phrase's words). Out: arrays — a term's document numbers
and weights (`read_postings`), the positions of chosen documents (`read_positions`), the documents where
words stand as a phrase or within N words (`phrase_docs`). A segment this project wrote is read from its
postings sidecar (search.engine.sidecar); any other segment from whoosh's own W3 blocks, decoded a block
at a time. `share_mapped_files` makes whoosh keep a memory-mapped segment's bytes shared instead of
copying them per searcher (called by IndexView when it opens; never on import).
This module does not cache (IndexView does), score, or know about facets.
"""
from __future__ import annotations

from itertools import accumulate
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.filedb.structfile import BufferFile

from .sidecar import sidecar_term

PEEK_BYTES = 256  # what _ViewFile.peek shows at most (pickle asks for 128 KB)


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


def share_mapped_files() -> None:
    """Make whoosh read memory-mapped segment files in place (`_buffer_file_init`); idempotent.

    Called by every engine function that opens a whoosh index (store.open_index, generation.start and
    live_ids) before it opens one, so importing this module changes nothing.
    """
    if BufferFile.__init__ is not _buffer_file_init:
        BufferFile.__init__ = _buffer_file_init


def read_postings(reader, field: str, text, weights: bool = False) -> tuple:
    """A term's (document numbers, weights or None) over every segment, deleted documents included.

    A segment written by this project is read from its postings sidecar (`Sidecar`). Otherwise, the
    seam into whoosh internals: each segment's term matcher is a W3LeafMatcher whose blocks hold
    their ids and weights as arrays, read a block at a time, and shifted by the segment's document
    offset. Deleted documents are left in: callers mask them out with `IndexView.live` (whoosh's own
    deletion filter would hide the blocks). tests/test_view.py and tests/test_ranking_parity.py check
    the results against whoosh's own search, on one segment and on several with deletions.
    """
    ids, ws = [], []
    for leaf, base in reader.leaf_readers():
        got = sidecar_term(leaf, field, text)  # found there, whoosh's term table is not asked
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
        got = sidecar_term(leaf, field, text)  # found there, whoosh's term table is not asked
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
