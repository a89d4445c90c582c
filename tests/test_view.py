"""The fast path over whoosh internals agrees with whoosh's own search (the seam's parity test)."""
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from search.indexing.run import build_index
from search.engine.view import IndexView
from search.engine.postings import postings_ids

from .conftest import write_jsonl

DOCS = [{"id": f"d{i}", "title": f"Story {i} about {'water' if i % 3 else 'oil'}",
         "body": " ".join(["glacier"] * (i % 5) + ["river", f"w{i % 7}"] + ["pipeline"] * (i % 2))}
        for i in range(400)]


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    d = tmp_path_factory.mktemp("parity")
    build_index([str(write_jsonl(d / "p.jsonl", DOCS))], str(d / "index"))
    return IndexView(str(d / "index"))


@pytest.mark.parametrize("q", [
    wq.Term("body", "glacier"), wq.Term("title", "water"), wq.Term("body", "nosuchterm"),
    wq.Or([wq.Term("body", "glacier"), wq.Term("body", "pipelin")]),
    wq.And([wq.Term("body", "glacier"), wq.Term("title", "oil")]),
    wq.AndNot(wq.Term("body", "river"), wq.Term("body", "pipelin")),
    wq.DisjunctionMax([wq.Term("body", "w3"), wq.Term("body", "w4")]),
    wq.And([wq.Every(), wq.Not(wq.Term("body", "glacier"))]),
    wq.Phrase("body", ["river", "w3"]), wq.Phrase("body", ["river", "glacier"], slop=3),
])
def test_masks_match_whoosh(view, q):
    expected = sorted(q.docs(view.searcher))
    assert np.flatnonzero(view.mask_for(q)).tolist() == expected


def test_postings_ids_after_updates_and_deletes(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", DOCS[:200])
    idx = tmp_path / "index"
    build_index([str(src)], str(idx))
    write_jsonl(src, DOCS[:100] + [dict(d, body=d["body"] + " changed") for d in DOCS[100:200]] + DOCS[200:300])
    build_index([str(src)], str(idx))
    v = IndexView(str(idx))
    reader = v.searcher.reader()
    for term in ("glacier", "changed", "river"):
        ids = postings_ids(reader, "body", term)
        assert sorted(set(ids[v.live[ids]].tolist())) == sorted(wq.Term("body", term).docs(v.searcher))


@pytest.mark.parametrize("share", [1, 8, 64])  # no value, some values, every value counted as a bitset
@pytest.mark.parametrize("facet", ["country", "person", "topic"])
def test_facet_counts_equal_a_count_of_stored_values_for_small_and_large_scopes(seed_view, facet, share, monkeypatch):
    from collections import Counter
    from search.engine import facets as facets_module
    from search.engine.schema import split_facet
    monkeypatch.setattr(facets_module, "DENSE_SHARE", share)
    arrays = facets_module.FacetArrays(seed_view.searcher.reader(), facet, seed_view.n, seed_view.live)
    dense = len(arrays.dense)
    assert (dense == 0) if share == 1 else (dense == len(arrays.values)) if share == 64 else (0 < dense < len(arrays.values))
    rng = np.random.default_rng(3)
    live = np.flatnonzero(seed_view.live)
    for size in (1, 2, 3, 10, len(live)):  # up to n/8 documents gather rows; more select from all pairs
        scope = np.zeros(seed_view.n, dtype=bool)
        scope[rng.choice(live, size, replace=False)] = True
        expected = Counter(v for d in np.flatnonzero(scope).tolist()
                           for v in split_facet(seed_view.searcher.stored_fields(d).get(facet)))
        top, every = arrays.counts(scope, 5)
        assert arrays.counts(scope, 0)[0] == []
        assert every == dict(expected)
        assert top == sorted(expected.items(), key=lambda kv: (-kv[1], kv[0]))[:5]


def test_byte_cache_evicts_the_least_recently_used_beyond_its_budget():
    from search.engine.cache import ByteCache
    c = ByteCache(100)
    c.put("a", 1, 40)
    c.put("b", 2, 40)
    assert c.get("a") == 1  # a is now the most recent
    c.put("c", 3, 40)  # over budget: b goes
    assert (c.get("a"), c.get("b"), c.get("c"), c.used) == (1, None, 3, 80)
    c.put("big", 4, 500)  # larger than the budget: kept alone, as the latest
    assert (c.get("a"), c.get("c"), c.get("big"), c.used) == (None, None, 4, 500)


@pytest.mark.parametrize("positions", [[0], [5], [255], [256], [65535], [65536], [3, 9, 300], [70000, 70001]])
def test_positions_decode_as_whoosh_encodes_them(positions):
    from whoosh.formats import Positions
    from search.engine.postings import _block_positions
    fmt = Positions()
    block = (fmt.encode([7]), fmt.encode(positions), fmt.encode([300]))  # a block of three postings
    owner, pos = _block_positions(block)
    expected = [(0, 7)] + [(1, p) for p in positions] + [(2, 300)]
    assert list(zip(owner.tolist(), pos.tolist())) == expected
    assert fmt.decode_positions(block[1]) == positions


def test_segment_files_are_read_from_the_mapped_file_without_a_copy(seed_view):
    """whoosh's BufferFile would copy each memory-mapped segment file into a BytesIO per searcher."""
    from io import BytesIO
    from whoosh.filedb.structfile import BufferFile
    from search.engine.postings import _ViewFile
    f = BufferFile(memoryview(b"abc\ndef" * 3), name="x")
    assert isinstance(f.file, _ViewFile) and not isinstance(f.file, BytesIO)
    assert (f.read(3), f.file.readline(), f.tell(), f.get(4, 3)) == (b"abc", b"\n", 4, b"def")
    f.seek(-3, 2)
    assert f.read() == b"def" and f.tell() == 21
    # the seed index reads through it: whoosh's own search over the mapped files still answers
    assert len(seed_view.searcher.search(wq.Term("body", "kazakhstan"), limit=None)) > 5


def test_pickles_load_from_a_mapped_file_with_peek():
    """pickle.load peeks ahead and then reads only what it used: the file ends right after the object."""
    import pickle
    from whoosh.filedb.structfile import BufferFile
    objs = [(128, 5000, 2.5, 3, 7, 9), list(range(300)), {"a": b"x" * 1000}]
    data = b"".join(pickle.dumps(o, 2) for o in objs) + b"tail"
    f = BufferFile(memoryview(data), name="x")
    assert f.file.peek(4) == data[:4] and f.tell() == 0
    assert [f.read_pickle() for _ in objs] == objs
    assert f.read() == b"tail"


def test_warm_primes_the_snippet_analysis_with_the_most_frequent_words(seed_index):
    """A view analyses the index's most frequent words (words.txt) ahead of the first snippets; the
    server's handle does it in a background thread whenever it opens a generation."""
    from search import analysis
    from search.engine.spelling import WORDS
    from search.engine.handle import IndexHandle
    view = IndexView(str(seed_index))
    top = [line.split("\t")[0] for line in (Path(view.generation) / WORDS).read_text(encoding="utf-8").splitlines()]
    analysis.index_terms.cache_clear()
    assert view.warm(limit=3) == 3
    assert analysis.index_terms.cache_info().currsize == 6  # lowercase and capitalised
    before = analysis.index_terms.cache_info().hits
    analysis.index_terms(top[0]), analysis.index_terms(top[2].capitalize()), analysis.index_terms(top[3])
    assert analysis.index_terms.cache_info().hits == before + 2  # primed; the fourth word was not
    analysis.index_terms.cache_clear()
    handle = IndexHandle(str(seed_index))
    handle.get()
    assert handle.warmer is not None and handle.warmer.name == "casearch-warm" and handle.warmer.daemon
    handle.warmer.join(30)
    assert analysis.index_terms.cache_info().currsize >= 2 * min(len(top), 1000)
    assert view.warm() == len(top)


def test_phrase_keys_are_sorted_and_unique_whatever_order_they_come_in():
    from search.engine.postings import _sorted_keys
    d, p = np.array([2, 1, 1, 2, 1]), np.array([5, 9, 3, 5, 3])
    assert _sorted_keys(d, p).tolist() == [(1 << 32) | 3, (1 << 32) | 9, (2 << 32) | 5]
    assert _sorted_keys(np.array([1, 1]), np.array([3, 4])).tolist() == [(1 << 32) | 3, (1 << 32) | 4]
