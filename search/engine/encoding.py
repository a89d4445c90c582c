"""The byte encodings of whoosh's W3 posting blocks that the segment writer produces without whoosh.

In: arrays of positions, lengths and block data. Out: bytes exactly as whoosh's own classes would write
them — `Positions` values (`encode_positions`, `encode_many` for many postings at once with numpy), the
length bytes of block infos (`BYTE_LEN`, `LEN_BYTE`), and zlib streams (`compress`: ISA-L's deflate when
installed; `fast_stored_fields` swaps it into whoosh's stored-field column). `tests/test_segments.py`
holds these to whoosh byte for byte. This module writes no file.
"""
from __future__ import annotations

import struct
import zlib
from pickle import dumps

import numpy as np
from whoosh.util.numeric import byte_to_length, length_to_byte


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


def compress(data: bytes) -> bytes:
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


pack_int = struct.Struct("!i").pack
pack_uint = struct.Struct("!I").pack


def encode_positions(poslist) -> bytes:
    """whoosh.formats.Positions.encode, for a list of positions."""
    deltas, base = [], 0
    for p in poslist:
        deltas.append(p - base)
        base = p
    return pack_uint(len(deltas)) + dumps(deltas, 2)


_SINGLES: dict = {}


def single_position(p: int) -> bytes:
    """The encoded value of a posting with one position (most postings): computed once per position."""
    v = _SINGLES.get(p)
    if v is None:
        v = _SINGLES[p] = encode_positions((p,))
    return v


def position_values(counts: np.ndarray, firsts: np.ndarray, positions: np.ndarray) -> list:
    """Each posting's positions encoded as whoosh's Positions format stores them."""
    single = counts == 1
    out = np.empty(counts.size, dtype=object)
    if single.any():
        at = positions[firsts[single]]
        table = np.empty(int(at.max()) + 1, dtype=object)
        table[:] = [single_position(p) for p in range(table.size)]
        out[single] = table[at]
    several = np.flatnonzero((counts > 1) & (counts <= PICKLE_BATCH))
    if several.size:
        out[several] = encode_many(counts[several], firsts[several], positions)
    for i in np.flatnonzero(counts > PICKLE_BATCH).tolist():
        f = int(firsts[i])
        out[i] = encode_positions(positions[f:f + int(counts[i])].tolist())
    return out.tolist()


PICKLE_BATCH = 1000  # pickle writes a list's items in batches of this many (one MARK ... APPENDS each)
_LIST_START = np.frombuffer(b"\x80\x02]q\x00(", np.uint8)  # protocol 2, empty list, memo 0, MARK
_LIST_END = np.frombuffer(b"e.", np.uint8)  # APPENDS, STOP


def encode_many(counts: np.ndarray, firsts: np.ndarray, positions: np.ndarray) -> list:
    """`encode_positions` for postings of 2 to PICKLE_BATCH positions each, all at once with numpy.

    Each value is the count (4 bytes, big-endian), then pickle protocol 2 of the list of position deltas:
    a small int as BININT1 ("K", 1 byte), BININT2 ("M", 2 bytes) or BININT ("J", 4 bytes, little-endian);
    `tests/test_segments.py` checks the bytes against pickle's.
    """
    counts = counts.astype(np.int64)
    item = expand(firsts.astype(np.int64), counts)  # every position of these postings, in order
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
BYTE_LEN = [byte_to_length(b) for b in range(256)]
LEN_BYTE = [length_to_byte(n) for n in BYTE_LEN]


def expand(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The indexes starts[i], starts[i] + 1, ... starts[i] + counts[i] - 1, for every i, in order."""
    total = int(counts.sum())
    firsts = np.cumsum(counts) - counts
    return np.repeat(starts - firsts, counts) + np.arange(total, dtype=np.int64)
