"""The postings sidecar: one file per segment of this project's own, written and read here.

Every text term's postings as flat arrays (document numbers, positions per posting, positions), so that
queries slice them in place with numpy instead of decompressing and unpickling whoosh's blocks, which stay
as they are (whoosh's own search reads them). Layout: a header (magic, number of terms, offsets of the four
sections, item sizes of counts and positions); all terms' document numbers (uint32) and counts, in posting
order; all their positions (each posting's ascending); then the directory: the terms' 8-byte key hashes
sorted, and for each (first posting, postings, first position, positions).

In (writing): the arrays search.engine.builder gathers. In (reading): a segment's bytes, mapped.
Out: `write_sidecar` writes the file; `Sidecar` / `sidecar_term` find a term's arrays. A term whose hash two
terms share is left out and read from whoosh's postings. This module does not decode whoosh's blocks.
"""
from __future__ import annotations

import struct
from hashlib import blake2b

import numpy as np
from whoosh.filedb.structfile import BufferFile

FAST_FIELDS = ("title", "body", "tags")  # analyzed by analysis.index_entry, written with a sidecar


# sections, item sizes of counts and positions); all terms' document numbers (uint32) and counts, in
# posting order; all their positions (each posting's ascending); then the directory: the terms'
# 8-byte key hashes sorted, and for each (first posting, postings, first position, positions).
SIDECAR_EXT = ".cpst"
SIDECAR_MAGIC = b"CAPST\x00\x00\x01"
SIDECAR_HEADER = struct.Struct("<8sqqqqqqq")  # magic, terms, docs/counts/positions/directory at, count and position item size


def term_hash(key: bytes) -> int:
    """The sidecar's 8-byte hash of a term-table key (field number + term bytes)."""
    return int.from_bytes(blake2b(key, digest_size=8).digest(), "little")


def narrowest(values: np.ndarray) -> np.ndarray:
    """The (non-negative) values as uint16 when they all fit, else uint32."""
    return values.astype(item_type([values]))


def item_type(parts: list):
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
    sections = [(docnums, np.uint32), (counts, item_type(counts)), (positions, item_type(positions))]
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


class Sidecar:
    """A segment's postings sidecar (layout in the module docstring), read in place from its bytes."""

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


def sidecar_term(leaf, field: str, text):
    """A term's arrays from the leaf's sidecar (see Sidecar.term), or None."""
    side = _sidecar(leaf) if field in FAST_FIELDS else None
    if side is None:
        return None
    return side.term(leaf._terms._keycoder(field, leaf._text_to_bytes(field, text)))
