"""Writing segments into a whoosh index: the fast writer, and segments written by other processes.

In: a whoosh index and prepared documents (`schema.to_document`). Out: new W3 segments committed to the
index's TOC. `FastWriter` is whoosh's SegmentWriter with our SegmentBuilder inside (deletions, the TOC,
locking and cancel stay whoosh's); `SegmentStream` writes segments without lock or TOC, in a worker
process, a new one every `segment_docs` documents. Merging is ours: whoosh's
merge would send every posting of the merged segments through its slow pool.
"""
from __future__ import annotations

from collections import Counter

from whoosh.codec import default_codec
from whoosh.writing import SegmentWriter

from .builder import SegmentBuilder
from .sidecar import SIDECAR_EXT


class FastWriter(SegmentWriter):
    """whoosh's SegmentWriter with `add_prepared` (the fast path) and segments written by other processes.

    Deletions, the TOC, locking and cancel are whoosh's own. Merging is ours (`commit(drop_segments=...)`,
    the documents of the dropped segments re-added): whoosh's merge would send every posting of the merged
    segments through its slow pool.
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
        """Add whole segments written into this index's storage by a `SegmentStream` (in other processes)."""
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


class SegmentStream:
    """Documents written as new segments of an index as they come, a new segment every `segment_docs`.

    Takes no lock and writes no TOC: the caller (a worker process) hands the segments to a FastWriter.
    `done` (a shared counter, optional) follows the documents written or skipped (`tick`); `finish` returns
    (segments, the document frequencies of the documents' surface words).
    """

    def __init__(self, ix, segment_docs: int = 0, done=None, compound: bool = True):
        self.ix, self.segment_docs, self.done, self.compound = ix, segment_docs, done, compound
        self.segments, self.counts = [], Counter()
        self.n = 0
        self._open = None  # (segment, per-document writer, field writer, builder) of the segment being written

    def tick(self) -> None:
        """Count one document done (written, or left as it is)."""
        self.n += 1
        if self.done is not None and self.n % 256 == 0:
            with self.done.get_lock():
                self.done.value += 256

    def add(self, doc: dict) -> None:
        if self._open is None:
            codec, storage = default_codec(), self.ix.storage
            segment = codec.new_segment(storage, self.ix.indexname)
            perdoc, fields = codec.per_document_writer(storage, segment), codec.field_writer(storage, segment)
            self._open = (segment, perdoc, fields, SegmentBuilder(self.ix.schema, perdoc, fields))
        builder = self._open[3]
        builder.add(doc)
        self.tick()
        if self.segment_docs and builder.docnum >= self.segment_docs:
            self._close()

    def _close(self) -> None:
        segment, perdoc, fields, builder = self._open
        self._open = None
        perdoc.close()
        self.counts.update(builder.words)
        builder.finish(segment.create_file(self.ix.storage, SIDECAR_EXT))
        fields.close()
        segment.set_doc_count(builder.docnum)
        if self.compound and segment.should_assemble():
            segment.create_compound_file(self.ix.storage)
        self.segments.append(segment)

    def finish(self) -> tuple:
        if self._open is not None:
            self._close()
        return self.segments, self.counts


def write_segment(ix, docs, words: Counter = None, compound: bool = True):
    """Write `docs` (an iterable of prepared documents) as one new segment of `ix`; return the Segment.

    When `words` is given, the document frequencies of the documents' surface words are added to it.
    """
    out = SegmentStream(ix, compound=compound)
    for doc in docs:
        out.add(doc)
    segments, counts = out.finish()
    if words is not None:
        words.update(counts)
    return segments[0]
