"""The reading of the index (postings, weights, positions, phrases, lengths) agrees with whoosh's: a BM25F
ranker built on it (tests/bm25_reference.py) gives whoosh's own scores and order."""
import numpy as np
import pytest
from whoosh import query as wq

from search.indexing import workers
from search.indexing.run import build_index
from search.engine import postings, sidecar
from search.engine import view as view_module
from search.engine.view import IndexView

from .bm25_reference import Ranker, Unsupported
from .conftest import write_jsonl

WORDS = "water river glacier drought pipeline gas oil border trade summit minister farmer".split()
DOCS = [{"id": f"d{i}", "title": " ".join(WORDS[(i * 7 + k) % len(WORDS)].capitalize() for k in range(1 + i % 4)),
         "body": " ".join(WORDS[(i * 3 + k * 5) % len(WORDS)] for k in range(5 + i % 40))} for i in range(500)]


@pytest.fixture(scope="module", params=["one segment", "segments with deletions"])
def view(tmp_path_factory, request):
    """The same articles in one segment, or in four written by two processes plus a fifth from an
    incremental run that replaced 40 of them (so the older segments hold deleted documents)."""
    d = tmp_path_factory.mktemp("rank")
    if request.param == "one segment":
        build_index([str(write_jsonl(d / "r.jsonl", DOCS))], str(d / "index"))
    else:
        saved = workers.PARALLEL_WRITE_FROM, workers.SEGMENT_DOCS
        workers.PARALLEL_WRITE_FROM, workers.SEGMENT_DOCS = 100, 150
        try:
            build_index([str(write_jsonl(d / "r.jsonl", DOCS))], str(d / "index"))
            changed = [dict(x, body=x["body"] + " water gas") for x in DOCS[::12][:40]]
            build_index([str(write_jsonl(d / "u.jsonl", changed))], str(d / "index"))
        finally:
            workers.PARALLEL_WRITE_FROM, workers.SEGMENT_DOCS = saved
    v = IndexView(str(d / "index"))
    reader = v.searcher.reader()
    if request.param == "one segment":
        assert reader.is_atomic()
    else:
        assert len(list(reader.leaf_readers())) == 5 and reader.has_deletions()
        assert v.doc_count == 500
    return v


T = wq.Term


def ranker(view):
    if not hasattr(view, "_reference"):
        view._reference = Ranker(view, view_module.BM25_K1, view_module.BM25_B)
    return view._reference
# bodies cycle through WORDS five apart: "water gas minister drought trade river oil farmer pipeline summit
# glacier border water ..." (terms are stems: minister -> minist)
PHRASES = [wq.Phrase("body", ["water", "gas"]), wq.Phrase("body", ["gas", "minist", "drought"]),
           wq.Phrase("body", ["water", "minist"], slop=2), wq.Phrase("body", ["trade", "water"], slop=9)]


@pytest.mark.parametrize("q", PHRASES)
def test_phrase_cases_match_documents(view, q):
    assert len(view.searcher.search(q, limit=None)) > 20


@pytest.mark.parametrize("q", [
    T("body", "water"), T("title", "glacier"), T("body", "nosuchword"),
    wq.Or([T("body", "water"), T("title", "water"), T("body", "gas")]),
    wq.And([T("body", "water"), T("body", "gas")]),
    wq.And([wq.Or([T("title", "oil"), T("body", "oil")]), wq.Or([T("title", "farmer"), T("body", "farmer")])]),
    wq.AndNot(T("body", "river"), T("body", "drought")),
    *PHRASES,
    wq.Phrase("body", ["gas", "water"]),  # the words occur, never in this order
    wq.Or([wq.Phrase("title", ["water", "river"]), wq.Phrase("body", ["water", "gas"], boost=0.5)]),
    wq.And([wq.Phrase("body", ["oil", "farmer"]), T("body", "water")]),
])
def test_same_top_and_scores_as_whoosh(view, q):
    ours = ranker(view).top(q, view.live.copy(), 0, 20)
    theirs = [(h.docnum, h.score) for h in view.searcher.search(q, limit=20)]
    assert [d for d, _ in ours] == [d for d, _ in theirs]
    assert np.allclose([s for _, s in ours], [s for _, s in theirs])


def test_disjunction_max_takes_the_best_term_per_document(view):
    # whoosh's own DisjunctionMaxMatcher mixes up documents (its score() reads both sub-matchers without
    # checking they sit on the same document), so the reference is each term scored on its own
    a, b = T("body", "water"), T("body", "gas")
    per = {}
    for term in (a, b):
        for h in view.searcher.search(term, limit=None):
            per[h.docnum] = max(per.get(h.docnum, 0.0), h.score)
    expected = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    ours = ranker(view).top(wq.DisjunctionMax([a, b]), view.live.copy(), 0, 15)
    assert [d for d, _ in ours] == [d for d, _ in expected]
    assert np.allclose([s for _, s in ours], [s for _, s in expected])


def test_allowed_mask_and_paging(view):
    q = T("body", "water")
    full = ranker(view).top(q, view.live.copy(), 0, 30)
    assert ranker(view).top(q, view.live.copy(), 10, 20) == full[10:20]
    allowed = np.zeros(view.n, dtype=bool)
    allowed[[d for d, _ in full[5:8]]] = True
    assert ranker(view).top(q, allowed, 0, 10) == full[5:8]


def test_ranges_are_left_to_whoosh(view):
    with pytest.raises(Unsupported):
        ranker(view).top(wq.TermRange("date", "2020-01-01", "2021-01-01"), view.live.copy(), 0, 10)


def test_lengths_read_in_bulk_equal_whooshs_per_document_lengths(view):
    reader = view.searcher.reader()
    for field in ("title", "body", "tags"):
        expected = [reader.doc_field_length(d, field) or 1 for d in range(view.n)]
        assert ranker(view).lengths[field].tolist() == [float(x) for x in expected]


def test_live_mask_is_whooshs_set_of_undeleted_documents(view):
    assert np.flatnonzero(view.live).tolist() == list(view.searcher.reader().all_doc_ids())


def test_postings_from_the_sidecar_equal_whooshs_blocks(view, monkeypatch):
    """Segments written by search.engine.builder carry a postings sidecar; whoosh's posting blocks give the
    same documents, weights (title and tags carry a field boost), positions and phrase matches."""
    reader = view.searcher.reader()
    assert all(sidecar._sidecar(leaf) is not None for leaf, _ in reader.leaf_readers())
    # inside the compound file the key table may sit unaligned: it is copied once so lookups need no copy
    assert all(sidecar._sidecar(leaf).keys.flags.aligned for leaf, _ in reader.leaf_readers())
    assert sidecar.sidecar_term(reader.leaf_readers()[0][0], "country", "Kazakhstan") is None  # not a text field
    every, some = np.arange(view.n), np.arange(view.n)[::3]
    cases = [(f, w) for f in ("body", "title", "tags") for w in ("water", "gas", "minist", "glacier", "nosuchword")]
    phrases = [(q.fieldname, tuple(q.words), q.slop) for q in PHRASES] + [("body", ("gas", "water"), 1),
                                                                          ("title", ("water", "river"), 1)]

    def read_all():
        post = {(f, w): postings.read_postings(reader, f, w, weights=True) for f, w in cases}
        pos = {(f, w, d.size): postings.read_positions(reader, f, w, d) for f, w in cases for d in (every, some)}
        ph = {p: postings.phrase_docs(reader, p[0], p[1], p[2], every) for p in phrases}
        return post, pos, ph

    fast_post, fast_pos, fast_ph = read_all()
    monkeypatch.setattr(sidecar, "_sidecar", lambda leaf: None)
    slow_post, slow_pos, slow_ph = read_all()
    for key in fast_post:
        assert fast_post[key][0].tolist() == slow_post[key][0].tolist(), key
        assert fast_post[key][1].tolist() == slow_post[key][1].tolist(), key
        assert fast_post[key][1].dtype == slow_post[key][1].dtype == np.float64
    assert len(set(fast_post[("body", "water")][1].tolist())) > 1  # one and more occurrences
    assert set(fast_post[("title", "water")][1].tolist()) == {2.5}  # the title's field boost
    for key in fast_pos:
        order_f, order_s = np.lexsort(fast_pos[key][::-1]), np.lexsort(slow_pos[key][::-1])
        assert fast_pos[key][0][order_f].tolist() == slow_pos[key][0][order_s].tolist(), key
        assert fast_pos[key][1][order_f].tolist() == slow_pos[key][1][order_s].tolist(), key
    assert sum(fast_pos[k][0].size for k in fast_pos) > 1000
    for key in fast_ph:
        assert fast_ph[key].tolist() == slow_ph[key].tolist(), key
    assert fast_ph[("body", ("water", "gas"), 1)].size > 20 and fast_ph[("body", ("gas", "water"), 1)].size == 0


def test_has_term_from_the_sidecar_equals_whooshs_document_frequencies(view, monkeypatch):
    """A term any text field holds, deleted documents included: the sidecar's directory answers as
    whoosh's term table does, for present and absent terms and a name's variant key."""
    reader = view.searcher.reader()
    present = sorted({t.decode() for f in ("title", "body", "tags") for t in reader.lexicon(f)})
    words = present + ["nosuchword", "gass", "~nosuch", "Kazakhstan", ""]
    expect = {w: any(reader.doc_frequency(f, w) for f in ("title", "body", "tags")) for w in words}
    assert sum(expect.values()) == len(present) > 20
    assert {w: view.has_term(w) for w in words} == expect
    monkeypatch.setattr(sidecar, "_sidecar", lambda leaf: None)  # whoosh's term table alone
    assert {w: view.has_term(w) for w in words} == expect
