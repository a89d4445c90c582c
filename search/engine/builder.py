"""The fast write path: one whoosh segment's files written from our own analysis, bypassing whoosh's pool.

In: documents as `schema.to_document` makes them, in document order, and whoosh's per-document and field
writers of the new segment. Out: ordinary W3 segment files — the term table, columns and posting blocks
whoosh's own SegmentWriter writes (`tests/test_segments.py` compares them), block data pickled with
protocol 5 and compressed by `encoding.compress` — plus the postings sidecar (search.engine.sidecar).
Why: whoosh's writer sends every posting through a pickled external sort (about 110 articles/s here).
This keeps text as raw-token numbers (search.engine.vocabulary), inverts them per segment with numpy and
writes each term's blocks in one go. Whoosh internals touched, only here: the W3 field writer's term table
and postings file, the W3 block layout (`_write_text_terms`, `_write_term`) and W3TermInfo's statistics.
Committing segments is search.engine.writer's.
"""
from __future__ import annotations

from array import array
from collections import Counter
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from ..analysis import tokens
from . import encoding
from .encoding import BYTE_LEN, DATA_PROTOCOL, LEN_BYTE, compress, expand, fast_stored_fields, pack_int, position_values
from .sidecar import FAST_FIELDS, narrowest, term_hash, write_sidecar
from .vocabulary import TextBuffer, Vocabulary, as_array

# other indexed fields whose values recur across documents: whoosh analyses each value once per segment
REPEATED_FIELDS = ("author", "author_key", "date", "country", "person", "topic", "source")
INDEXED_KEPT = 200_000  # (field, value) analyses remembered per segment
BLOCK = 128  # postings per block, as W3Codec
CHUNK_DOCS = 5_000  # documents expanded at a time when a segment's text fields are inverted
GROUP_POSITIONS = 1_000_000  # positions of the terms inverted and written at a time (a few tens of MB)


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
        self.vocab = Vocabulary()
        self.text = {f: TextBuffer(CHUNK_DOCS) for f in FAST_FIELDS}
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
        docs, counts = as_array(buf.docs), as_array(buf.counts)
        for k in sorted(buf.parts):
            d0 = k * CHUNK_DOCS
            i0, i1 = np.searchsorted(docs, [d0, d0 + CHUNK_DOCS]).tolist()
            numbers = as_array(buf.parts.pop(k) if drop else buf.parts[k])
            yield d0, docs[i0:i1], counts[i0:i1], numbers
            del numbers

    @property
    def words(self) -> Counter:
        """Surface word -> documents whose title or body holds it (stop words included): for spelling."""
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
                    at = expand(v["word_start"][numbers], n)
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
            uses += np.bincount(as_array(part), minlength=uses.size)
        per_key = np.bincount(rank[v["entry_term"]], weights=np.repeat(uses, v["entry_count"]),
                              minlength=len(by_rank)).astype(np.int64)
        total = int(per_key.sum())
        if not total:
            self.text[name] = TextBuffer(CHUNK_DOCS)
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
            at = expand(v["entry_start"][numbers], n)
            key = rank[v["entry_term"][at]]
            pos = (np.repeat(start, n) + v["entry_rel"][at]).astype(np.int32)
            doc = np.repeat(np.repeat(cdocs, counts), n)
            del advance, start, n, at
            o = np.argsort(key, kind="stable")  # the chunk's documents stay ascending within a term
            key, doc, pos = key[o], doc[o], pos[o]
            del o
            # kept narrow: documents from the chunk's first, positions in 16 bits when they fit
            doc = (doc - d0).astype(np.uint16 if CHUNK_DOCS <= 65536 else np.int32)
            pos = narrowest(pos)
            cut = np.searchsorted(key, bounds).tolist()
            for g, (lo, hi) in enumerate(zip([0] + cut[:-1], cut)):
                if hi > lo:  # copies: the chunk's arrays go
                    pieces[g].append((key[lo:hi].copy(), d0, doc[lo:hi].copy(), pos[lo:hi].copy()))
            del key, pos, doc, numbers
        self.text[name] = TextBuffer(CHUNK_DOCS)
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
        values = position_values(pcounts, pfirst, pos)
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
                data = compress(dumps((tuple(deltas_l[lo:hi]), mw, tuple(values[lo:hi])), DATA_PROTOCOL))
                infobytes = dumps((hi - lo, docs_l[hi - 1], maxw if maxw > 0 else 0, encoding.COMPRESSION,
                                   LEN_BYTE[bminlen_l[b]], LEN_BYTE[bmaxlen_l[b]]), 2)
                size = len(infobytes) + len(data)
                parts += (pack_int(-size if b == last_block else size), infobytes, data)
                weight += bsum_l[b]
            blob = b"".join(parts)
            postfile.write(blob)
            lo, hi = tfirst_l[t], tlast_l[t]
            info._weight = weight
            info._df = hi - lo
            info._minlength, info._maxlength = BYTE_LEN[tminlen[t]], BYTE_LEN[tmaxlen[t]]
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
            counts.append(narrowest(pcounts))  # kept narrow until written
            positions.append(narrowest(pos))

    def _write_term(self, key: bytes, docs, weights, values, lengths, fmt) -> None:
        """Write one term's posting blocks as W3PostingsWriter does (data pickled with DATA_PROTOCOL) in one
        piece (most terms of these fields have one posting: an article's id and hash), and its term-table row."""
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
            data = compress(dumps((deltas, mw, vs), DATA_PROTOCOL))
            infobytes = dumps((len(ids), ids[-1], blockmax, encoding.COMPRESSION, length_to_byte(minlen),
                               length_to_byte(maxlen)), 2)
            size = len(infobytes) + len(data)
            parts += (pack_int(-size if b + BLOCK >= n else size), infobytes, data)
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
