"""The fast write path: whoosh segments written from our own analysis, bypassing whoosh's posting pool.

In: documents as `schema.to_document` makes them. Out: ordinary whoosh W3 segments: the same files, term
table, columns and posting blocks whoosh's own SegmentWriter writes (`tests/test_segments.py` compares
them), except that block data is pickled with protocol 5 (DATA_PROTOCOL) instead of 2, plus one file
of our own in each segment: the postings sidecar (SIDECAR_EXT), the text terms' postings and positions
as flat arrays that `search.view` slices in place.

Why: whoosh's writer runs every posting through a pickled external sort and several Python calls
(about 110 articles/s here). This module inverts documents in memory into compact arrays, using
`analysis.index_positions` for the text fields, and writes each term's posting blocks in one go.
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

from .analysis import index_positions

FAST_FIELDS = ("title", "body", "tags")  # analyzed by analysis.index_positions (NewsAnalyzer's twin)
BLOCK = 128  # postings per block, as W3Codec
COMPRESSION = 3  # zlib level, as W3Codec
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


class SegmentBuilder:
    """Collects documents for one new segment and writes its files.

    Use: `add(doc)` for each document in docnum order, then `finish()` (postings) on the writers given.
    """

    def __init__(self, schema, perdocwriter, fieldwriter):
        self.schema = schema
        self.perdoc = perdocwriter
        self.fieldwriter = fieldwriter
        self.docnum = 0
        self.words = Counter()  # surface word -> documents (titles and bodies), for the spelling index
        self._doc_words = set()
        # text fields: term -> [docnums, frequencies, flat positions]; others: term -> [docnums, weights, values]
        self.pos_postings = {f: {} for f in FAST_FIELDS}
        self.other_postings = {}
        self.lengths = {}  # field -> array of each document's length byte (whoosh's lossy length_to_byte)
        self._fields = sorted(schema.names())

    def add(self, doc: dict) -> None:
        """Add one document (field -> value); the equivalent of whoosh's SegmentWriter.add_document."""
        schema, perdoc, docnum = self.schema, self.perdoc, self.docnum
        perdoc.start_doc(docnum)
        self._doc_words.clear()
        for name in self._fields:
            value = doc.get(name)
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if name in self.pos_postings:
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
        self.words.update(self._doc_words)
        self.docnum += 1

    def _length_array(self, name: str) -> array:
        arr = self.lengths.get(name)
        if arr is None:
            arr = self.lengths[name] = array("I")
        if len(arr) <= self.docnum:
            arr.extend([0] * (self.docnum + 1 - len(arr)))
        return arr

    def _add_text(self, name: str, value: str, docnum: int) -> int:
        terms = self.pos_postings[name]
        poses = index_positions(value, self._doc_words if name != "tags" else None)
        length = 0
        for term, plist in poses.items():
            entry = terms.get(term)
            if entry is None:
                entry = terms[term] = (array("I"), array("I"), array("I"))
            entry[0].append(docnum)
            entry[1].append(len(plist))
            entry[2].extend(plist)
            length += len(plist)
        return length

    def _add_other(self, name: str, field, value, docnum: int) -> int:
        terms = self.other_postings.setdefault(name, {})
        length = 0
        for btext, freq, weight, vbytes in field.index(value):
            entry = terms.get(btext)
            if entry is None:
                entry = terms[btext] = (array("I"), array("f"), [])
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(vbytes)
            length += freq
        return length

    def finish(self, sidecar_file=None) -> None:
        """Write the term table and postings of every field (the fieldwriter is closed by the caller), and
        the postings sidecar to `sidecar_file` when given (closed here)."""
        fw = self.fieldwriter
        sidecar = ([], array("I"), array("I"), array("I"), []) if sidecar_file is not None else None
        # (hashes, document numbers, counts, positions, rows)
        names = sorted(set(self.other_postings) | {f for f, t in self.pos_postings.items() if t})
        for name in names:
            field = self.schema[name]
            fw.start_field(name, field)
            key = pack_ushort(fw._fieldid)
            lengths = self.lengths.get(name)
            if lengths is not None and len(lengths) < self.docnum:
                lengths.extend([0] * (self.docnum - len(lengths)))
            if name in self.pos_postings:
                boost = field.format.field_boost
                terms = self.pos_postings[name]
                for term in sorted(terms, key=lambda t: t.encode("utf-8")):
                    docs, freqs, flat = terms[term]
                    if max(freqs) == 1:
                        values = [_single(p) for p in flat]
                    else:
                        values, i = [], 0
                        for n in freqs:
                            values.append(_single(flat[i]) if n == 1 else _encode_positions(flat[i:i + n]))
                            i += n
                    weights = array("f", [n * boost for n in freqs]) if boost != 1 else array("f", freqs)
                    tkey = key + term.encode("utf-8")
                    self._write_term(tkey, docs, weights, values, lengths, field.format)
                    if sidecar is not None:
                        hashes, docnums, counts, poss, rows = sidecar
                        hashes.append(term_hash(tkey))
                        rows.append((len(counts), len(freqs), len(poss), len(flat)))
                        docnums.extend(docs)
                        counts.extend(freqs)
                        poss.extend(flat)
            else:
                terms = self.other_postings[name]
                for btext in sorted(terms):
                    docs, weights, values = terms[btext]
                    self._write_term(key + btext, docs, weights, values, lengths, field.format)
            fw.finish_field()
        if sidecar is not None:
            write_sidecar(sidecar_file, *sidecar)


    def _write_term(self, key: bytes, docs, weights, values, lengths, fmt) -> None:
        """Write one term's posting blocks as W3PostingsWriter does (data pickled with DATA_PROTOCOL), and its
        term-table row."""
        postfile = self.fieldwriter._postfile
        fixed = fmt.fixed_value_size()
        info = W3TermInfo()
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        n = len(docs)
        for b in range(0, n, BLOCK):
            ids, ws = docs[b:b + BLOCK], weights[b:b + BLOCK]
            minlen, maxlen = None, 0
            if lengths is not None:
                # as whoosh reads lengths back: byte 0 means no length
                lens = [v for v in (lengths[d] for d in ids) if v]
                if lens:
                    minlen, maxlen = byte_to_length(min(lens)), byte_to_length(max(lens))
            maxw = max(ws)
            maxweight = maxw if maxw > 0 else 0
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
            data = zlib.compress(dumps((deltas, mw, vs), DATA_PROTOCOL), COMPRESSION)
            infobytes = dumps((len(ids), ids[-1], maxweight, COMPRESSION, length_to_byte(minlen),
                               length_to_byte(maxlen)), 2)
            size = len(infobytes) + len(data)
            postfile.write(_pack_int(-size if b + BLOCK >= n else size))
            postfile.write(infobytes)
            postfile.write(data)
            # the term's statistics, block by block as W3TermInfo.add_block gathers them
            info._weight += sum(ws)
            info._df += len(ids)
            if info._minlength is None or minlen is None:
                info._minlength = minlen if info._minlength is None else info._minlength
            else:
                info._minlength = min(info._minlength, minlen)
            info._maxlength = max(info._maxlength, maxlen)
            info._maxweight = max(info._maxweight, maxweight)
            if info._minid is None:
                info._minid = ids[0]
            info._maxid = ids[-1]
        info.set_extent(start, postfile.tell() - start)
        self.fieldwriter._tindex.add(key, info.to_bytes())


def _narrow(values: array) -> np.ndarray:
    """The values as uint16 when they all fit, else uint32."""
    a = np.frombuffer(values, dtype=np.uint32) if len(values) else np.zeros(0, np.uint32)
    if a.size == 0 or int(a.max()) < 65536:
        return a.astype(np.uint16)
    return a


def write_sidecar(f, hashes: list, docnums: array, counts: array, positions: array, rows: list) -> None:
    """Write a postings sidecar (layout above SIDECAR_EXT) to the whoosh file f and close it."""
    order = np.argsort(np.array(hashes, dtype=np.uint64), kind="stable")
    keys = np.array(hashes, dtype=np.uint64)[order]
    table = np.array(rows, dtype=np.int64).reshape(-1, 4)[order]
    if keys.size > 1:  # two terms sharing a hash (never seen): both left out, read from whoosh's postings
        dup = np.zeros(keys.size, dtype=bool)
        same = keys[1:] == keys[:-1]
        dup[1:] |= same
        dup[:-1] |= same
        keys, table = keys[~dup], table[~dup]
    d = np.frombuffer(docnums, dtype=np.uint32) if len(docnums) else np.zeros(0, np.uint32)
    c, p = _narrow(counts), _narrow(positions)
    at, offsets = SIDECAR_HEADER.size, []
    for part in (d, c, p):
        offsets.append(at)
        at += part.nbytes + (-part.nbytes) % 8
    f.write(SIDECAR_HEADER.pack(SIDECAR_MAGIC, keys.size, *offsets, at, c.itemsize, p.itemsize))
    for part in (d, c, p):
        f.write(part.tobytes())
        f.write(b"\x00" * ((-part.nbytes) % 8))
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
        """Add whole segments written into this index's storage by `write_segment` (in other processes)."""
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


def write_segment(ix, docs, words: Counter = None, compound: bool = True):
    """Write `docs` (an iterable of prepared documents) as one new segment of `ix`; return the Segment.

    Takes no lock and writes no TOC: the caller (a worker process) hands the Segment to a FastWriter.
    When `words` is given, the document frequencies of the documents' surface words are added to it.
    """
    from whoosh.codec import default_codec
    codec = default_codec()
    segment = codec.new_segment(ix.storage, ix.indexname)
    perdoc = codec.per_document_writer(ix.storage, segment)
    fieldwriter = codec.field_writer(ix.storage, segment)
    builder = SegmentBuilder(ix.schema, perdoc, fieldwriter)
    for doc in docs:
        builder.add(doc)
    perdoc.close()
    builder.finish(segment.create_file(ix.storage, SIDECAR_EXT))
    fieldwriter.close()
    segment.set_doc_count(builder.docnum)
    if compound and segment.should_assemble():
        segment.create_compound_file(ix.storage)
    if words is not None:
        words.update(builder.words)
    return segment
