"""The fast write path: whoosh segments written from our own analysis, bypassing whoosh's posting pool.

In: documents as `schema.to_document` makes them. Out: ordinary whoosh W3 segments: the same files, term
table, columns and posting blocks whoosh's own SegmentWriter writes (`tests/test_segments.py` compares
them), except that block data is pickled with protocol 5 (DATA_PROTOCOL) instead of 2 and compressed with a
smaller zlib window (`_compress`), plus one file
of our own in each segment: the postings sidecar (SIDECAR_EXT), the text terms' postings and positions
as flat arrays that `search.view` slices in place.

Why: whoosh's writer runs every posting through a pickled external sort and several Python calls
(about 110 articles/s here). This module keeps a text field as raw-token numbers (each distinct token
analysed once by `analysis.index_entry`), inverts them per segment with numpy, and writes each term's
posting blocks in one go.
Whoosh internals touched, all in this file: the W3 field writer's term table and postings file, the
W3 block layout (`_write_blocks`) and W3TermInfo's statistics. Everything else (per-document values,
columns, deletions, the TOC, locking) goes through whoosh's own classes.
"""
from __future__ import annotations

import struct
import zlib
from array import array
from collections import Counter
from hashlib import blake2b
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from .analysis import index_entry, looked_up, tokens

FAST_FIELDS = ("title", "body", "tags")  # analyzed by analysis.index_entry (NewsAnalyzer's twin)
# other indexed fields whose values recur across documents: whoosh analyses each value once per segment
REPEATED_FIELDS = ("author", "author_key", "date", "country", "person", "topic", "source")
INDEXED_KEPT = 200_000  # (field, value) analyses remembered per segment
BLOCK = 128  # postings per block, as W3Codec
CHUNK_DOCS = 5_000  # documents expanded at a time when a segment's text fields are inverted
GROUP_POSITIONS = 1_000_000  # positions of the terms inverted and written at a time (a few tens of MB)
try:  # ISA-L's deflate writes the same zlib streams 2 to 3.5 times faster than zlib (README: Dependencies)
    from isal import isal_zlib as _deflate
    COMPRESSION = 1  # ISA-L's level 1: posting blocks 8% larger than zlib's level 3, stored fields the same
except ImportError:  # a platform without isal's wheels
    _deflate = None
    COMPRESSION = 3  # zlib's level, as W3Codec
# whoosh pickles a block's data with protocol 2, where every bytes value costs a function call to
# unpickle; protocol 5 stores bytes natively: blocks read about 8x faster and compress to about a third.
# whoosh's reader unpickles any protocol, so the index stays a whoosh index.
DATA_PROTOCOL = 5
# The postings sidecar: one file per segment (inside its compound .seg file) holding every text term's
# postings as flat arrays (document numbers, positions per posting, positions), so queries slice them
# in place with numpy instead of decompressing and unpickling whoosh's blocks, which stay as they are
# (whoosh's own search reads them). Layout: a header (magic, number of terms, offsets of the four
# sections, item sizes of counts and positions); all terms' document numbers (uint32) and counts, in
# posting order; all their positions (each posting's ascending); then the directory: the terms'
# 8-byte key hashes sorted, and for each (first posting, postings, first position, positions).
SIDECAR_EXT = ".cpst"
SIDECAR_MAGIC = b"CAPST\x00\x00\x01"
SIDECAR_HEADER = struct.Struct("<8sqqqqqqq")  # magic, terms, docs/counts/positions/directory at, count and position item size


def term_hash(key: bytes) -> int:
    """The sidecar's 8-byte hash of a term-table key (field number + term bytes)."""
    return int.from_bytes(blake2b(key, digest_size=8).digest(), "little")


def _compress(data: bytes) -> bytes:
    """A posting block's data as a zlib stream, which whoosh's zlib.decompress reads: ISA-L's when installed,
    else zlib at level COMPRESSION with a 4 KB window and a small hash table (setting up zlib's default
    32 KB window costs about 20-50 us a call, more than compressing a typical block)."""
    if _deflate is not None:
        return _deflate.compress(data, COMPRESSION)
    c = zlib.compressobj(COMPRESSION, zlib.DEFLATED, 12, 5)
    return c.compress(data) + c.flush()


def fast_stored_fields(perdoc) -> None:
    """Have whoosh's per-document writer compress each document's stored fields with ISA-L (when installed):
    the same zlib stream, read by whoosh's own reader, at about a third of the time."""
    if _deflate is not None:
        column = perdoc._colwriters["_stored"]._child  # whoosh's CompressedBytesColumn.Writer
        column._compress, column._level = _deflate.compress, COMPRESSION


_pack_int = struct.Struct("!i").pack
_pack_uint = struct.Struct("!I").pack


def _encode_positions(poslist) -> bytes:
    """whoosh.formats.Positions.encode, for a list of positions."""
    deltas, base = [], 0
    for p in poslist:
        deltas.append(p - base)
        base = p
    return _pack_uint(len(deltas)) + dumps(deltas, 2)


_SINGLES: dict = {}


def _single(p: int) -> bytes:
    """The encoded value of a posting with one position (most postings): computed once per position."""
    v = _SINGLES.get(p)
    if v is None:
        v = _SINGLES[p] = _encode_positions((p,))
    return v


def _position_values(counts: np.ndarray, firsts: np.ndarray, positions: np.ndarray) -> list:
    """Each posting's positions encoded as whoosh's Positions format stores them."""
    single = counts == 1
    out = np.empty(counts.size, dtype=object)
    if single.any():
        at = positions[firsts[single]]
        table = np.empty(int(at.max()) + 1, dtype=object)
        table[:] = [_single(p) for p in range(table.size)]
        out[single] = table[at]
    several = np.flatnonzero((counts > 1) & (counts <= PICKLE_BATCH))
    if several.size:
        out[several] = _encode_many(counts[several], firsts[several], positions)
    for i in np.flatnonzero(counts > PICKLE_BATCH).tolist():
        f = int(firsts[i])
        out[i] = _encode_positions(positions[f:f + int(counts[i])].tolist())
    return out.tolist()


PICKLE_BATCH = 1000  # pickle writes a list's items in batches of this many (one MARK ... APPENDS each)
_LIST_START = np.frombuffer(b"\x80\x02]q\x00(", np.uint8)  # protocol 2, empty list, memo 0, MARK
_LIST_END = np.frombuffer(b"e.", np.uint8)  # APPENDS, STOP


def _encode_many(counts: np.ndarray, firsts: np.ndarray, positions: np.ndarray) -> list:
    """`_encode_positions` for postings of 2 to PICKLE_BATCH positions each, all at once with numpy.

    Each value is the count (4 bytes, big-endian), then pickle protocol 2 of the list of position deltas:
    a small int as BININT1 ("K", 1 byte), BININT2 ("M", 2 bytes) or BININT ("J", 4 bytes, little-endian);
    `tests/test_segments.py` checks the bytes against pickle's.
    """
    counts = counts.astype(np.int64)
    item = _expand(firsts.astype(np.int64), counts)  # every position of these postings, in order
    p = positions[item].astype(np.int64)
    starts = np.cumsum(counts) - counts  # each posting's first item
    d = np.diff(p, prepend=0)
    d[starts] = p[starts]  # deltas from 0 at each posting's start
    width = np.where(d < 256, 2, np.where(d < 65536, 3, 5))
    inner = np.add.reduceat(width, starts)
    size = 4 + _LIST_START.size + inner + _LIST_END.size
    end = np.cumsum(size)
    begin = end - size
    buf = np.zeros(int(end[-1]), np.uint8)
    head = begin[:, None] + np.arange(4)
    buf[head] = (counts[:, None] >> np.array([24, 16, 8, 0])) & 0xFF
    buf[begin[:, None] + 4 + np.arange(_LIST_START.size)] = _LIST_START
    buf[end[:, None] - _LIST_END.size + np.arange(_LIST_END.size)] = _LIST_END
    # each item's opcode: from its posting's list start plus the widths of the items before it
    within = np.cumsum(width) - width
    within -= np.repeat(within[starts], counts)
    at = np.repeat(begin + 4 + _LIST_START.size, counts) + within
    buf[at] = np.where(width == 2, ord("K"), np.where(width == 3, ord("M"), ord("J")))
    buf[at + 1] = d & 0xFF
    wide = width > 2
    buf[at[wide] + 2] = (d[wide] >> 8) & 0xFF
    wider = width == 5
    buf[at[wider] + 3] = (d[wider] >> 16) & 0xFF
    buf[at[wider] + 4] = (d[wider] >> 24) & 0xFF
    data = buf.tobytes()
    return [data[a:b] for a, b in zip(begin.tolist(), end.tolist())]


# a length byte as a block's info stores it, and as the term's statistics store it
_BYTE_LEN = [byte_to_length(b) for b in range(256)]
_LEN_BYTE = [length_to_byte(n) for n in _BYTE_LEN]


class _Vocabulary:
    """The distinct raw tokens of a segment's text fields, each analyzed once (`analysis.index_entry`).

    A raw token gets a number; for each number the vocabulary keeps how many positions it consumes,
    its index terms (as term numbers) with their relative positions, and its surface words (as word
    numbers, for the spelling index), as flat arrays that `SegmentBuilder.finish` expands with numpy.
    """

    def __init__(self):
        self.ids: dict = {}  # raw token -> number
        self.advance = array("i")
        self.entry_start, self.entry_count = array("i"), array("i")
        self.entry_term, self.entry_rel = array("i"), array("i")
        self.word_start, self.word_count, self.word_ids = array("i"), array("i"), array("i")
        self.terms: list = []  # term number -> term
        self.term_ids: dict = {}
        self.words: list = []  # word number -> surface word
        self.word_numbers: dict = {}

    def numbers(self, raws: list) -> list:
        """The numbers of raw tokens, adding the new ones."""
        return looked_up(self.ids, raws, self._add)

    def _add(self, raw: str) -> int:
        n = self.ids.get(raw)
        if n is not None:
            return n
        n = self.ids[raw] = len(self.advance)
        entries, advance, pieces = index_entry(raw)
        self.advance.append(advance)
        self.entry_start.append(len(self.entry_term))
        self.entry_count.append(len(entries))
        for term, rel in entries:
            t = self.term_ids.get(term)
            if t is None:
                t = self.term_ids[term] = len(self.terms)
                self.terms.append(term)
            self.entry_term.append(t)
            self.entry_rel.append(rel)
        self.word_start.append(len(self.word_ids))
        self.word_count.append(len(pieces))
        for w in pieces:
            i = self.word_numbers.get(w)
            if i is None:
                i = self.word_numbers[w] = len(self.words)
                self.words.append(w)
            self.word_ids.append(i)
        return n

    def arrays(self) -> dict:
        return {name: _np(getattr(self, name)) for name in (
            "advance", "entry_start", "entry_count", "entry_term", "entry_rel", "word_start", "word_count",
            "word_ids")}


def _np(values: array, dtype=np.int32) -> np.ndarray:
    return np.frombuffer(values, dtype=dtype) if len(values) else np.zeros(0, dtype)


def _expand(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The indexes starts[i], starts[i] + 1, ... starts[i] + counts[i] - 1, for every i, in order."""
    total = int(counts.sum())
    firsts = np.cumsum(counts) - counts
    return np.repeat(starts - firsts, counts) + np.arange(total, dtype=np.int64)


class _TextBuffer:
    """One text field's raw token numbers, document by document, until `SegmentBuilder.finish`; the
    numbers are kept in one array per CHUNK_DOCS documents, so inverting lets each go in turn."""

    def __init__(self):
        self.docs, self.counts = array("i"), array("i")
        self.parts = {}  # chunk number (docnum // CHUNK_DOCS) -> the token numbers of its documents
        self.size = 0

    def add(self, docnum: int, numbers: list) -> None:
        self.docs.append(docnum)
        self.counts.append(len(numbers))
        part = self.parts.get(docnum // CHUNK_DOCS)
        if part is None:
            part = self.parts[docnum // CHUNK_DOCS] = array("i")
        part.extend(numbers)
        self.size += len(numbers)


class SegmentBuilder:
    """Collects documents for one new segment and writes its files.

    Use: `add(doc)` for each document in docnum order, then `finish()` (postings) on the writers given.
    Text fields are kept as raw token numbers while documents are added and inverted at the end with
    numpy: analysis costs a dictionary lookup per token, and nothing per posting in Python. The
    per-document writer given gets its stored fields compressed by `fast_stored_fields`.
    """

    def __init__(self, schema, perdocwriter, fieldwriter):
        self.schema = schema
        self.perdoc = perdocwriter
        fast_stored_fields(perdocwriter)
        self.fieldwriter = fieldwriter
        self.docnum = 0
        self.vocab = _Vocabulary()
        self.text = {f: _TextBuffer() for f in FAST_FIELDS}
        self.other_postings = {}  # field -> term -> [docnums, weights, values]
        self.lengths = {}  # field -> array of each document's length byte (whoosh's lossy length_to_byte)
        self._fields = sorted(schema.names())
        self._words = None
        self._indexed = {}  # (field, value) -> whoosh's field.index entries, for REPEATED_FIELDS

    def add(self, doc: dict) -> None:
        """Add one document (field -> value); the equivalent of whoosh's SegmentWriter.add_document."""
        schema, perdoc, docnum = self.schema, self.perdoc, self.docnum
        perdoc.start_doc(docnum)
        for name in self._fields:
            value = doc.get(name)
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if name in self.text:
                    length = self._add_text(name, value, docnum)
                else:
                    length = self._add_other(name, field, value, docnum)
                if not field.scorable:
                    length = 0
                if length:
                    self._length_array(name)[docnum] = length_to_byte(length)
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.docnum += 1
        self._words = None

    def _length_array(self, name: str) -> array:
        arr = self.lengths.get(name)
        if arr is None:
            arr = self.lengths[name] = array("I")
        if len(arr) <= self.docnum:
            arr.extend([0] * (self.docnum + 1 - len(arr)))
        return arr

    def _add_text(self, name: str, value: str, docnum: int) -> int:
        """Buffer a text field's token numbers; return its length (the positions it indexes)."""
        numbers = self.vocab.numbers(tokens(value))
        if not numbers:
            return 0
        self.text[name].add(docnum, numbers)
        return sum(map(self.vocab.entry_count.__getitem__, numbers))

    def _add_other(self, name: str, field, value, docnum: int) -> int:
        terms = self.other_postings.setdefault(name, {})
        length = 0
        if name in REPEATED_FIELDS:  # whoosh's analysis of a value that recurs: done once per value
            entries = self._indexed.get((name, value))
            if entries is None:
                entries = list(field.index(value))
                if len(self._indexed) < INDEXED_KEPT:
                    self._indexed[name, value] = entries
        else:
            entries = field.index(value)
        for btext, freq, weight, vbytes in entries:
            entry = terms.get(btext)
            if entry is None:
                entry = terms[btext] = (array("I"), array("f"), [])
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(vbytes)
            length += freq
        return length

    def _chunks(self, name: str, drop: bool = False):
        """A text field's buffer as (first document, documents, token counts, token numbers) of at most
        CHUNK_DOCS documents each: numpy's intermediate arrays stay small whatever the segment's size.
        With `drop`, each chunk's token numbers leave the buffer once yielded."""
        buf = self.text[name]
        docs, counts = _np(buf.docs), _np(buf.counts)
        for k in sorted(buf.parts):
            d0 = k * CHUNK_DOCS
            i0, i1 = np.searchsorted(docs, [d0, d0 + CHUNK_DOCS]).tolist()
            numbers = _np(buf.parts.pop(k) if drop else buf.parts[k])
            yield d0, docs[i0:i1], counts[i0:i1], numbers
            del numbers

    @property
    def words(self) -> Counter:
        """Surface word -> documents whose title or body holds it (stop words included), for the spelling
        index."""
        if self._words is None:
            v = self.vocab.arrays()
            counts = np.zeros(len(self.vocab.words), np.int64)
            chunks = {name: {d0: rest for d0, *rest in self._chunks(name)} for name in ("title", "body")}
            for d0 in sorted(set(chunks["title"]) | set(chunks["body"])):
                pairs = []  # (document, word) of every token of the chunk's titles and bodies
                for name in ("title", "body"):
                    if d0 not in chunks[name]:
                        continue
                    docs, ntok, numbers = chunks[name][d0]
                    n = v["word_count"][numbers]
                    at = _expand(v["word_start"][numbers], n)
                    pairs.append((np.repeat(np.repeat(docs, ntok), n).astype(np.int64) << 32) | v["word_ids"][at])
                present = np.sort(np.concatenate(pairs))  # np.unique hashes, slowly
                if present.size:
                    present = present[np.concatenate(([True], present[1:] != present[:-1]))] & 0xFFFFFFFF
                    counts += np.bincount(present, minlength=counts.size)
            nz = np.flatnonzero(counts)
            self._words = Counter(dict(zip([self.vocab.words[i] for i in nz.tolist()], counts[nz].tolist())))
        return self._words

    def _inverted(self, name: str, v: dict, rank: np.ndarray, by_rank: list):
        """A text field's postings, in groups of terms of about GROUP_POSITIONS positions each: yields
        (terms in byte order, each term's first posting, posting documents, posting counts, positions),
        postings in (term, document) order, positions ascending. Drops the field's token buffer.

        The groups are cut from the terms' position counts, known before any expansion. Each chunk of
        documents is expanded into (term, document, position) triples, sorted by term and cut into the
        groups' pieces; a group joins its pieces in document order and lets them go once written. At most
        the triples (8 to 12 bytes a position) and one group's arrays are held, whatever the segment's size.
        rank: each term number's place in byte order; by_rank: the terms in that order.
        """
        # each term's positions, before anything is expanded: a raw token's index entries take one each
        uses = np.zeros(v["advance"].size, np.int64)
        for part in self.text[name].parts.values():
            uses += np.bincount(_np(part), minlength=uses.size)
        per_key = np.bincount(rank[v["entry_term"]], weights=np.repeat(uses, v["entry_count"]),
                              minlength=len(by_rank)).astype(np.int64)
        total = int(per_key.sum())
        if not total:
            self.text[name] = _TextBuffer()
            return
        # groups of terms: each ends at the first term whose positions reach GROUP_POSITIONS past its start
        ends = np.searchsorted(np.cumsum(per_key), np.arange(GROUP_POSITIONS, total + GROUP_POSITIONS,
                                                             GROUP_POSITIONS), side="left") + 1
        bounds = np.unique(np.minimum(ends, per_key.size))  # each group's first key past its end
        pieces = [[] for _ in bounds]  # per group: its (keys, documents, positions) from each chunk
        for d0, cdocs, counts, numbers in self._chunks(name, drop=True):
            advance = v["advance"][numbers]
            start = np.cumsum(advance, dtype=np.int64) - advance  # from the start of the chunk ...
            start -= np.repeat(start[np.cumsum(counts) - counts], counts)  # ... and of the token's document
            n = v["entry_count"][numbers]
            at = _expand(v["entry_start"][numbers], n)
            key = rank[v["entry_term"][at]]
            pos = (np.repeat(start, n) + v["entry_rel"][at]).astype(np.int32)
            doc = np.repeat(np.repeat(cdocs, counts), n)
            del advance, start, n, at
            o = np.argsort(key, kind="stable")  # the chunk's documents stay ascending within a term
            key, doc, pos = key[o], doc[o], pos[o]
            del o
            # kept narrow: documents from the chunk's first, positions in 16 bits when they fit
            doc = (doc - d0).astype(np.uint16 if CHUNK_DOCS <= 65536 else np.int32)
            pos = _narrowest(pos)
            cut = np.searchsorted(key, bounds).tolist()
            for g, (lo, hi) in enumerate(zip([0] + cut[:-1], cut)):
                if hi > lo:  # copies: the chunk's arrays go
                    pieces[g].append((key[lo:hi].copy(), d0, doc[lo:hi].copy(), pos[lo:hi].copy()))
            del key, pos, doc, numbers
        self.text[name] = _TextBuffer()
        for g in range(len(pieces)):
            parts, pieces[g] = pieces[g], None  # a group's triples go once it is written
            if not parts:
                continue
            key = np.concatenate([p[0] for p in parts])
            o = np.argsort(key, kind="stable")  # chunk after chunk: documents stay ascending
            key = key[o]
            doc = np.concatenate([p[2].astype(np.int32) + p[1] for p in parts])[o]
            pos = np.concatenate([p[3].astype(np.int32) for p in parts])[o]
            del parts, o
            new = np.empty(key.size, bool)
            new[0] = True
            np.not_equal(key[1:], key[:-1], out=new[1:])
            new[1:] |= doc[1:] != doc[:-1]
            pstart = np.flatnonzero(new)
            del new
            pcount = np.diff(np.append(pstart, key.size)).astype(np.int32)
            pkey = key[pstart]
            tfirst = np.flatnonzero(np.concatenate(([True], pkey[1:] != pkey[:-1])))
            yield [by_rank[r] for r in pkey[tfirst].tolist()], tfirst, doc[pstart], pcount, pos

    def finish(self, sidecar_file=None) -> None:
        """Write the term table and postings of every field (the fieldwriter is closed by the caller), and
        the postings sidecar to `sidecar_file` when given (closed here)."""
        fw = self.fieldwriter
        self.words  # computed before the token buffers go
        v = self.vocab.arrays()
        by_rank = sorted(self.vocab.terms, key=lambda t: t.encode("utf-8"))
        rank = np.zeros(len(by_rank), np.int32)
        rank[[self.vocab.term_ids[t] for t in by_rank]] = np.arange(len(by_rank), dtype=np.int32)
        sidecar = ([], [], [], [], []) if sidecar_file is not None else None
        # (hashes, document numbers, counts, positions, rows)
        names = sorted(set(self.other_postings) | {f for f, b in self.text.items() if b.size})
        for name in names:
            field = self.schema[name]
            fw.start_field(name, field)
            key = pack_ushort(fw._fieldid)
            lengths = self.lengths.get(name)
            if lengths is not None and len(lengths) < self.docnum:
                lengths.extend([0] * (self.docnum - len(lengths)))
            if name in self.text:
                for terms, tfirst, pdocs, pcounts, pos in self._inverted(name, v, rank, by_rank):
                    self._write_text_terms(key, terms, tfirst, pdocs, pcounts, pos, lengths,
                                           field.format.field_boost, sidecar)
            else:
                terms = self.other_postings[name]
                for btext in sorted(terms):
                    docs, weights, values = terms[btext]
                    self._write_term(key + btext, docs, weights, values, lengths, field.format)
            fw.finish_field()
        if sidecar is not None:
            write_sidecar(sidecar_file, *sidecar)

    def _write_text_terms(self, key: bytes, terms: list, tfirst, pdocs, pcounts, pos, lengths, boost,
                          sidecar) -> None:
        """Write a text field's posting blocks and term-table rows as W3PostingsWriter would, with the block
        statistics computed for all blocks at once; add the field's postings to the sidecar."""
        if not terms:
            return
        npost = pdocs.size
        tlast = np.append(tfirst[1:], npost)
        tn = tlast - tfirst
        # blocks of BLOCK postings within each term
        nblocks = -(-tn // BLOCK)
        tblock = np.cumsum(nblocks) - nblocks  # each term's first block
        # a term's k-th block starts k * BLOCK postings after the term's first
        bstart = np.repeat(tfirst, nblocks) + (np.arange(nblocks.sum()) - np.repeat(tblock, nblocks)) * BLOCK
        bend = np.minimum(bstart + BLOCK, np.repeat(tlast, nblocks))
        weights = pcounts.astype(np.float32) * np.float32(boost) if boost != 1 else pcounts.astype(np.float32)
        w64 = weights.astype(np.float64)
        bmax = np.maximum.reduceat(w64, bstart)
        bmin = np.minimum.reduceat(w64, bstart)
        bsum = np.add.reduceat(w64, bstart)
        lens = np.frombuffer(lengths, dtype=np.uint32)[pdocs] if lengths is not None else None
        if lens is None or not lens.all():
            raise ValueError("a text posting in a document without a length")  # cannot happen: length >= 1
        bminlen = np.minimum.reduceat(lens, bstart)
        bmaxlen = np.maximum.reduceat(lens, bstart)
        deltas = np.diff(pdocs, prepend=0)
        deltas[bstart] = pdocs[bstart]
        pfirst = np.cumsum(pcounts, dtype=np.int64) - pcounts
        values = _position_values(pcounts, pfirst, pos)
        docs_l, deltas_l, w_l = pdocs.tolist(), deltas.tolist(), w64.tolist()
        bstart_l, bend_l = bstart.tolist(), bend.tolist()
        bmax_l, bmin_l, bsum_l = bmax.tolist(), bmin.tolist(), bsum.tolist()
        bminlen_l, bmaxlen_l = bminlen.tolist(), bmaxlen.tolist()
        postfile = self.fieldwriter._postfile
        tindex = self.fieldwriter._tindex
        tminlen = np.minimum.reduceat(bminlen, tblock).tolist()
        tmaxlen = np.maximum.reduceat(bmaxlen, tblock).tolist()
        tmax = np.maximum.reduceat(bmax, tblock).tolist()
        tblock_l, tfirst_l, tlast_l = tblock.tolist(), tfirst.tolist(), tlast.tolist()
        tblock_l.append(len(bstart_l))
        here = postfile.tell()  # then counted: each term's blocks are written in one piece
        for t, term in enumerate(terms):
            tkey = key + term.encode("utf-8")
            info = W3TermInfo()
            parts = [WHOOSH3_HEADER_MAGIC]
            last_block = tblock_l[t + 1] - 1
            weight = 0.0
            for b in range(tblock_l[t], last_block + 1):
                lo, hi = bstart_l[b], bend_l[b]
                maxw = bmax_l[b]
                if bmin_l[b] == maxw:  # the weights as W3PostingsWriter._mini_weights gives them
                    first = w_l[lo]
                    mw = None if first == 1.0 else first
                else:
                    mw = tuple(w_l[lo:hi])
                data = _compress(dumps((tuple(deltas_l[lo:hi]), mw, tuple(values[lo:hi])), DATA_PROTOCOL))
                infobytes = dumps((hi - lo, docs_l[hi - 1], maxw if maxw > 0 else 0, COMPRESSION,
                                   _LEN_BYTE[bminlen_l[b]], _LEN_BYTE[bmaxlen_l[b]]), 2)
                size = len(infobytes) + len(data)
                parts += (_pack_int(-size if b == last_block else size), infobytes, data)
                weight += bsum_l[b]
            blob = b"".join(parts)
            postfile.write(blob)
            lo, hi = tfirst_l[t], tlast_l[t]
            info._weight = weight
            info._df = hi - lo
            info._minlength, info._maxlength = _BYTE_LEN[tminlen[t]], _BYTE_LEN[tmaxlen[t]]
            info._maxweight = tmax[t]
            info._minid, info._maxid = docs_l[lo], docs_l[hi - 1]
            info.set_extent(here, len(blob))
            here += len(blob)
            tindex.add(tkey, info.to_bytes())
            if sidecar is not None:
                sidecar[0].append(term_hash(tkey))
        if sidecar is not None:
            hashes, docnums, counts, positions, rows = sidecar
            first_posting = sum(a.size for a in docnums)
            first_position = sum(a.size for a in positions)
            tpos = pfirst[tfirst]
            tnpos = np.append(tpos[1:], pos.size) - tpos
            rows.append(np.stack([tfirst + first_posting, tn, tpos + first_position, tnpos], axis=1))
            docnums.append(pdocs.astype(np.uint32))
            counts.append(_narrowest(pcounts))  # kept narrow until written
            positions.append(_narrowest(pos))

    def _write_term(self, key: bytes, docs, weights, values, lengths, fmt) -> None:
        """Write one term's posting blocks as W3PostingsWriter does (data pickled with DATA_PROTOCOL), and its
        term-table row. The blocks are joined and written in one piece (most terms of these fields have one
        posting: an article's id and hash)."""
        postfile = self.fieldwriter._postfile
        fixed = fmt.fixed_value_size()
        info = W3TermInfo()
        parts = [WHOOSH3_HEADER_MAGIC]
        n = len(docs)
        weight = 0.0
        minlength, maxlength, maxweight = None, 0, 0
        for b in range(0, n, BLOCK):
            ids, ws = docs[b:b + BLOCK], weights[b:b + BLOCK]
            minlen, maxlen = None, 0
            if lengths is not None:
                # as whoosh reads lengths back: byte 0 means no length
                lens = [v for v in map(lengths.__getitem__, ids) if v]
                if lens:
                    minlen, maxlen = byte_to_length(min(lens)), byte_to_length(max(lens))
            maxw = max(ws)
            blockmax = maxw if maxw > 0 else 0
            if fixed is None or fixed < 0:
                vs = tuple(values[b:b + BLOCK])
            elif fixed == 0:
                vs = None
            else:
                vs = b"".join(values[b:b + BLOCK])
            first = ws[0]
            if min(ws) == maxw:  # the weights as W3PostingsWriter._mini_weights gives them
                mw = None if first == 1.0 else first
            else:
                mw = tuple(ws)
            deltas = (ids[0],) + tuple([b - a for a, b in zip(ids, ids[1:])])
            data = _compress(dumps((deltas, mw, vs), DATA_PROTOCOL))
            infobytes = dumps((len(ids), ids[-1], blockmax, COMPRESSION, length_to_byte(minlen),
                               length_to_byte(maxlen)), 2)
            size = len(infobytes) + len(data)
            parts += (_pack_int(-size if b + BLOCK >= n else size), infobytes, data)
            # the term's statistics, block by block as W3TermInfo.add_block gathers them
            weight += sum(ws)
            if minlength is None or minlen is None:
                minlength = minlen if minlength is None else minlength
            else:
                minlength = min(minlength, minlen)
            maxlength = max(maxlength, maxlen)
            maxweight = max(maxweight, blockmax)
        blob = b"".join(parts)
        start = postfile.tell()
        postfile.write(blob)
        info._weight, info._df = weight, n
        info._minlength, info._maxlength, info._maxweight = minlength, maxlength, maxweight
        info._minid, info._maxid = docs[0], docs[-1]
        info.set_extent(start, len(blob))
        self.fieldwriter._tindex.add(key, info.to_bytes())


def _narrowest(values: np.ndarray) -> np.ndarray:
    """The (non-negative) values as uint16 when they all fit, else uint32."""
    return values.astype(_item_type([values]))


def _item_type(parts: list):
    """uint16 when every value of the arrays fits, else uint32."""
    top = max((int(a.max()) for a in parts if a.size), default=0)
    return np.uint16 if top < 65536 else np.uint32


def write_sidecar(f, hashes: list, docnums: list, counts: list, positions: list, rows: list) -> None:
    """Write a postings sidecar (layout above SIDECAR_EXT) to the whoosh file f and close it.

    hashes: the terms' hashes; docnums, counts, positions: arrays of postings, each field's in turn;
    rows: per field, an array of (first posting, postings, first position, positions) per term.
    The sections are written part by part: no copy of the whole postings is made.
    """
    keys = np.array(hashes, dtype=np.uint64)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    table = (np.concatenate(rows) if rows else np.zeros((0, 4))).astype(np.int64)[order]
    if keys.size > 1:  # two terms sharing a hash (never seen): both left out, read from whoosh's postings
        dup = np.zeros(keys.size, dtype=bool)
        same = keys[1:] == keys[:-1]
        dup[1:] |= same
        dup[:-1] |= same
        keys, table = keys[~dup], table[~dup]
    sections = [(docnums, np.uint32), (counts, _item_type(counts)), (positions, _item_type(positions))]
    at, offsets = SIDECAR_HEADER.size, []
    for parts, dtype in sections:
        offsets.append(at)
        nbytes = sum(a.size for a in parts) * np.dtype(dtype).itemsize
        at += nbytes + (-nbytes) % 8
    f.write(SIDECAR_HEADER.pack(SIDECAR_MAGIC, keys.size, *offsets, at, np.dtype(sections[1][1]).itemsize,
                                np.dtype(sections[2][1]).itemsize))
    for parts, dtype in sections:
        nbytes = 0
        for a in parts:
            a = np.ascontiguousarray(a, dtype=dtype)
            f.write(memoryview(a).cast("B"))
            nbytes += a.nbytes
        f.write(b"\x00" * ((-nbytes) % 8))
    f.write(keys.tobytes())
    f.write(table.tobytes())
    f.close()


class FastWriter(SegmentWriter):
    """whoosh's SegmentWriter with `add_prepared` (the fast path) and segments written by other processes.

    Deletions, the TOC, locking and cancel are whoosh's own. Merging is ours (`commit(merge_into=...)`):
    whoosh's merge would send every posting of the merged segments through its slow pool.
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.builder = SegmentBuilder(self.schema, self.perdocwriter, self.fieldwriter)
        self.extra_segments = []

    def add_prepared(self, doc: dict) -> None:
        self.builder.add(doc)
        self.docnum = self.builder.docnum
        self._added = True

    def add_document(self, **fields):
        raise NotImplementedError("FastWriter indexes through add_prepared")

    def add_segments(self, segments: list) -> None:
        """Add whole segments written into this index's storage by `SegmentWriting` (in other processes)."""
        self.extra_segments.extend(segments)

    def _flush_segment(self):
        self.perdocwriter.close()
        self.builder.finish(self.newsegment.create_file(self.storage, SIDECAR_EXT))
        self.fieldwriter.close()

    def commit(self, drop_segments=(), **_ignored):
        """Write the new segment and the TOC; `drop_segments` are left out (their documents were re-added)."""
        self._check_state()
        dropped = {s.segment_id() for s in drop_segments}
        final = [s for s in self.segments if s.segment_id() not in dropped]
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        final.extend(self.extra_segments)
        self._commit_toc(final)
        self._finish()


class SegmentWriting:
    """One new segment of an index, written document by document: `add` each, then `close`.

    Takes no lock and writes no TOC: the caller (a worker process) hands the Segment to a FastWriter.
    """

    def __init__(self, ix, compound: bool = True):
        from whoosh.codec import default_codec
        codec = default_codec()
        self.ix, self.compound = ix, compound
        self.segment = codec.new_segment(ix.storage, ix.indexname)
        self.perdoc = codec.per_document_writer(ix.storage, self.segment)
        self.fieldwriter = codec.field_writer(ix.storage, self.segment)
        self.builder = SegmentBuilder(ix.schema, self.perdoc, self.fieldwriter)

    @property
    def docnum(self) -> int:
        return self.builder.docnum

    def add(self, doc: dict) -> None:
        self.builder.add(doc)

    def close(self, words: Counter = None):
        """Write the segment's files and return the Segment; when `words` is given, the document frequencies
        of the documents' surface words are added to it."""
        ix, segment, builder = self.ix, self.segment, self.builder
        self.perdoc.close()
        if words is not None:
            words.update(builder.words)
        builder.finish(segment.create_file(ix.storage, SIDECAR_EXT))
        self.fieldwriter.close()
        segment.set_doc_count(builder.docnum)
        if self.compound and segment.should_assemble():
            segment.create_compound_file(ix.storage)
        return segment


def write_segment(ix, docs, words: Counter = None, compound: bool = True):
    """Write `docs` (an iterable of prepared documents) as one new segment of `ix`; return the Segment.

    Takes no lock and writes no TOC: the caller (a worker process) hands the Segment to a FastWriter.
    When `words` is given, the document frequencies of the documents' surface words are added to it.
    """
    out = SegmentWriting(ix, compound)
    for doc in docs:
        out.add(doc)
    return out.close(words)
