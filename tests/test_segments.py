"""The fast write path (search.engine.builder) against whoosh's own writer: the same index, read by whoosh."""
import io
import pickle
import struct
import zlib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as windex

from search import analysis, sources, tagging
from search.engine import builder, encoding, generation, store, writer
from search.engine.sidecar import FAST_FIELDS
from search.errors import SearchError
from search.indexing import workers
from search.indexing.run import build_index
from search.sources.records import make_article
from search.engine.schema import build_schema, from_stored, split_facet, to_document
from search.synth import generate_corpus
from search.engine.view import IndexView
from search.engine.sidecar import Sidecar

from .conftest import ROOT, write_jsonl

EDGE_TEXT = ("Nur-Sultan’s U.S. 5.4% Türkiye e.g. Токаев-Жапаров the-of x-x a-b-c O'Neil -- ’s 1,200 "
             "Kassym-Jomart Tokayev met Tokaev and ТОКАЕВ; well-known al-Farabi 2023-24")


def _docs(n_synthetic: int) -> list:
    arts = [a for f in sorted((ROOT / "seeds").glob("*.txt")) for a in sources.read_file(f)]
    arts += [make_article(r, f"synthetic:{i}", "synthetic") for i, r in enumerate(generate_corpus(n_synthetic))]
    docs = [to_document(tagging.tag(a)) for a in arts]
    docs.append(dict(docs[0], id="edge", title="X", body=EDGE_TEXT, tags="", country="", person="", topic=""))
    return docs


def _files(folder: Path) -> dict:
    """Segment files by name without the (random) segment id; the TOC is left out (it names the id)."""
    out = {}
    for f in folder.iterdir():
        if f.name.startswith("MAIN_") and not f.name.endswith("WRITELOCK"):
            out[f.name.split(".", 1)[1]] = f.read_bytes()
    return out


# one chunk and one group of terms; a dozen chunks and many groups (a term's postings reach past a group);
# compressed with ISA-L (when installed) and with zlib (the fallback)
@pytest.mark.parametrize("chunk_docs, group_positions, deflate", [
    (builder.CHUNK_DOCS, builder.GROUP_POSITIONS, "isal"), (37, 150, "isal"), (37, 150, "zlib")])
def test_a_segment_is_byte_for_byte_what_whooshs_writer_writes(tmp_path, monkeypatch, chunk_docs, group_positions,
                                                               deflate):
    monkeypatch.setattr(builder, "CHUNK_DOCS", chunk_docs)
    monkeypatch.setattr(builder, "GROUP_POSITIONS", group_positions)
    if deflate == "zlib":
        monkeypatch.setattr(encoding, "_deflate", None)
        monkeypatch.setattr(encoding, "COMPRESSION", 3)
    elif encoding._deflate is None:
        pytest.skip("isal is not installed on this platform: the index is written with zlib")
    docs = _docs(400)  # common terms pass 128 postings, so terms span several blocks
    a, b = tmp_path / "whoosh", tmp_path / "fast"
    a.mkdir(), b.mkdir()
    ix = windex.create_in(str(a), build_schema())
    w = ix.writer(compound=False)
    for d in docs:
        w.add_document(**d)
    w.commit()
    ix2 = windex.create_in(str(b), build_schema())
    seg = writer.write_segment(ix2, docs, compound=False)
    w2 = writer.FastWriter(ix2)
    w2.add_segments([seg])
    w2.commit()
    ref, got = _files(a), _files(b)
    assert sorted(got) == sorted(list(ref) + ["cpst"])  # whoosh's files and the postings sidecar
    assert {"trm", "pst", "_stored.col", "_body_len.col", "id.col"} <= set(ref)
    for name in ref:
        if name not in ("trm", "pst", "cpst", "_stored.col"):  # see below
            assert got[name] == ref[name], name
    # Stored fields: whoosh's bytes with zlib; with ISA-L, other zlib streams of the same values (below)
    assert (got["_stored.col"] == ref["_stored.col"]) == (deflate == "zlib")
    # Postings: the same blocks with the same contents; the bytes differ (block data pickled with
    # protocol 5, and a value shared by several postings is one object, pickled once).
    with ix.reader() as r1, ix2.reader() as r2:
        assert r1.doc_count() == r2.doc_count() == len(docs)
        assert list(r1.iter_docs()) == list(r2.iter_docs())
        terms = list(r1.all_terms())
        assert terms == list(r2.all_terms())
        for field, text in terms:
            i1, i2 = r1.term_info(field, text), r2.term_info(field, text)
            assert _stats(i1) == _stats(i2), (field, text)
            b1, b2 = _blocks(ref["pst"], i1.extent()), _blocks(got["pst"], i2.extent())
            # every block says it is compressed, at whoosh's level 3 or ISA-L's level 1
            assert {info[3] for _, info, _ in b1} == {3}
            assert {info[3] for _, info, _ in b2} == {encoding.COMPRESSION} == {3 if deflate == "zlib" else 1}
            assert [(last, info[:3] + info[4:], data) for last, info, data in b1] == \
                   [(last, info[:3] + info[4:], data) for last, info, data in b2], (field, text)


    # The sidecar holds every text term's postings and positions, as whoosh's postings do.
    side = Sidecar(got["cpst"])
    with ix.reader() as r1, ix2.reader() as r2:
        leaf = r2.leaf_readers()[0][0] if hasattr(r2, "leaf_readers") else r2
        checked = 0
        for field, text in r1.all_terms():
            if field not in FAST_FIELDS:
                assert side.term(leaf._terms._keycoder(field, text)) is None
                continue
            docs, counts, flat = side.term(leaf._terms._keycoder(field, text))
            expect = [p for _, p in r1.postings(field, text).items_as("positions")]
            assert docs.tolist() == list(r1.postings(field, text).all_ids()), (field, text)
            assert counts.tolist() == [len(p) for p in expect], (field, text)
            assert flat.tolist() == [x for p in expect for x in p], (field, text)
            checked += 1
        assert checked == side.keys.size > 1000


def _stats(info) -> tuple:
    return (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight(),
            info.min_id(), info.max_id())


def _blocks(data: bytes, extent) -> list:
    """The posting blocks of one term: (is last, info tuple, contents tuple) each."""
    offset, length = extent
    length = length[0] if isinstance(length, tuple) else length  # W3TermInfo.from_bytes leaves a 1-tuple
    pos, end, out = offset + 4, offset + length, []  # skip the 4-byte header
    while pos < end:
        (size,) = struct.unpack("!i", data[pos:pos + 4])
        block = io.BytesIO(data[pos + 4:pos + 4 + abs(size)])
        info = pickle.Unpickler(block).load()
        out.append((size < 0, info, pickle.loads(zlib.decompress(block.read()))))
        pos += 4 + abs(size)
    return out


def _positions(text: str, words: set = None) -> dict:
    """{term: [positions]} of a text as the writer indexes it: `analysis.tokens`, each token's
    `analysis.index_entry`; its surface words are added to `words` when given."""
    out, pos = defaultdict(list), 0
    for raw in analysis.tokens(text):
        entries, advance, pieces = analysis.index_entry(raw)
        for term, rel in entries:
            out[term].append(pos + rel)
        pos += advance
        if words is not None:
            words.update(pieces)
    return dict(out)


def _reference_positions(text: str) -> dict:
    out = defaultdict(list)
    for t in build_schema()["body"].analyzer(text, positions=True, mode="index"):
        out[t.text].append(t.pos)
    return dict(out)


@pytest.mark.parametrize("text", [EDGE_TEXT, "", "...", "the of and", "A-B-C-D e-mail", "x-x X-X xx"])
def test_index_entries_equal_the_analyzer_on_edge_cases(text):
    words = set()
    assert _positions(text, words) == _reference_positions(text)
    assert words == set(analysis.terms(text, stemmed=False, keep_stopwords=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("aAbzZ-’'. ,5%тТжЖéü\n") + ["Tokayev", "the", "U.S.", "x-x"]),
                max_size=40).map("".join))
def test_index_entries_equal_the_analyzer_on_any_text(text):
    assert _positions(text) == _reference_positions(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("aAbzZ-’'. ,5%тТжЖéü\n\t_&()“”‘«»—–…*/[]!?;:\"")
                                + ["Tokayev", "U.S.", "x-x", "1,000.5", "\u00a0", "e.g.", "A."]),
                max_size=40).map("".join))
def test_tokens_are_the_token_regex_matches(text):
    assert analysis.tokens(text) == analysis.TOKEN_RE.findall(text)


def test_segment_word_counts_are_documents_per_surface_word(tmp_path):
    docs = _docs(50)
    ix = windex.create_in(str(tmp_path), build_schema())
    words = Counter()
    writer.write_segment(ix, docs, words)
    expect = Counter()
    for d in docs:
        seen = set()
        for name in ("title", "body"):  # not tags: facet values are not words of the text
            _positions(d[name], seen)
        expect.update(seen)
    assert words == expect
    assert words["the"] == len(docs)  # stop words count too (the edge case has "the" in "the-of")


def test_stored_fields_rebuild_the_document():
    doc = _docs(0)[3]
    ix_schema = build_schema()
    stored = {k: v for k, v in doc.items() if ix_schema[k].stored}
    assert from_stored(stored) == doc


def _segment_sizes(idx: Path) -> list:
    ix = windex.open_dir(str(store.current_generation(str(idx))))
    return sorted(s.doc_count() for s in ix._segments())


def test_parallel_build_then_incremental_runs_keep_few_segments(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "PARALLEL_WRITE_FROM", 100)
    monkeypatch.setattr(workers, "SEGMENT_DOCS", 150)
    recs = list(generate_corpus(400))
    src = write_jsonl(tmp_path / "a.jsonl", recs)
    idx = tmp_path / "index"
    report = build_index([str(src)], str(idx))
    assert report.added == 400
    assert _segment_sizes(idx) == [50, 50, 150, 150]  # two processes, each 150 + 50
    view = IndexView(str(idx))
    assert sorted(view.ids, key=view.ids.get) == [r["id"] for r in recs]  # document order is input order
    # a small run adds a small segment
    more = write_jsonl(tmp_path / "b.jsonl", list(generate_corpus(410))[400:] + [dict(recs[0], title="Zqxjvk report")])
    report = build_index([str(more)], str(idx))
    assert (report.added, report.updated) == (10, 1)
    assert _segment_sizes(idx) == [11, 50, 50, 149, 150]  # live documents: the updated one is deleted
    # the next small run folds the small segment in: its live documents are rewritten from stored fields
    last = write_jsonl(tmp_path / "c.jsonl", list(generate_corpus(415))[410:])
    build_index([str(last)], str(idx))
    assert _segment_sizes(idx) == [16, 50, 50, 149, 150]
    view = IndexView(str(idx))
    assert len(view.ids) == len(set(view.ids)) == 415
    from search.query.request import build_request
    from search.query.run import run
    hits = [h.id for h in run(build_request("Zqxjvk"), view).hits]
    assert hits == [recs[0]["id"]]
    stored = view.searcher.stored_fields(view.docnum(recs[0]["id"]))
    assert stored["title"] == "Zqxjvk report"


def _stored_by_id(idx: Path) -> dict:
    ix = windex.open_dir(str(store.current_generation(str(idx))))
    with ix.reader() as r:
        return {s["id"]: s for _, s in r.iter_docs()}


def test_the_parallel_pipeline_indexes_what_one_process_indexes(tmp_path, monkeypatch):
    """Tagging in two workers, each seeing half of the articles, still unifies people across the corpus."""
    recs = list(generate_corpus(300))
    # a person spelled one way in the first worker's half and another way in the second's
    recs[10] = dict(recs[10], body=recs[10]["body"] + " Deputy Minister Batyr Guchgeldiyev said so.")
    recs[250] = dict(recs[250], body=recs[250]["body"] + " Deputy Minister Batyr Guchgeldiev said so.")
    src = write_jsonl(tmp_path / "a.jsonl", recs)
    serial = build_index([str(src)], str(tmp_path / "serial"))
    monkeypatch.setattr(workers, "PARALLEL_WRITE_FROM", 100)
    parallel = build_index([str(src)], str(tmp_path / "parallel"))
    assert (serial.added, parallel.added) == (300, 300)
    a, b = _stored_by_id(tmp_path / "serial"), _stored_by_id(tmp_path / "parallel")
    assert a == b
    assert "Batyr Guchgeldiyev" in split_facet(b[recs[10]["id"]]["person"])
    assert "Batyr Guchgeldiyev" in split_facet(b[recs[250]["id"]]["person"])
    gen_a = store.current_generation(str(tmp_path / "serial"))
    gen_b = store.current_generation(str(tmp_path / "parallel"))
    from search.engine import spelling
    assert spelling.read_counts(gen_a) == spelling.read_counts(gen_b)


def test_a_parallel_incremental_run_sorts_added_updated_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "PARALLEL_WRITE_FROM", 100)
    recs = list(generate_corpus(420))
    idx = tmp_path / "index"
    build_index([str(write_jsonl(tmp_path / "a.jsonl", recs[:300]))], str(idx))
    build_index([str(write_jsonl(tmp_path / "b.jsonl", recs[300:310]))], str(idx))  # a small segment
    assert _segment_sizes(idx) == [10, 150, 150]
    changed = [dict(r, title=r["title"] + " Qzxv") if i % 50 == 0 else r for i, r in enumerate(recs[:300])]
    report = build_index([str(write_jsonl(tmp_path / "c.jsonl", changed + recs[310:420]))], str(idx))
    assert (report.added, report.updated, report.unchanged, report.articles) == (110, 6, 294, 420)
    # the first worker (articles 0-209) wrote the 5 updated ones of its half; the second the 1 of its half,
    # the 110 new ones and the 10 of the small segment, folded in; the updated ones are deleted where they were
    assert _segment_sizes(idx) == [5, 121, 147, 147]
    stored = _stored_by_id(idx)
    assert len(stored) == 420
    assert sorted(i for i, s in stored.items() if s["title"].endswith(" Qzxv")) == sorted(
        r["id"] for i, r in enumerate(recs[:300]) if i % 50 == 0)
    view = IndexView(str(idx))
    assert len(view.ids) == len(set(view.ids)) == 420


def test_a_failing_worker_stops_the_run_and_leaves_the_index(tmp_path, monkeypatch):
    recs = list(generate_corpus(300))
    idx = tmp_path / "index"
    build_index([str(write_jsonl(tmp_path / "a.jsonl", recs[:50]))], str(idx))
    before = store.current_generation(str(idx))
    monkeypatch.setattr(workers, "PARALLEL_WRITE_FROM", 100)
    real = tagging.tag

    def tag(article):
        if article.id == recs[200]["id"]:
            raise ValueError("tagger broke")
        return real(article)

    monkeypatch.setattr(tagging, "tag", tag)  # forked workers inherit it
    with pytest.raises(SearchError, match="an indexing worker failed: ValueError: tagger broke; "
                                                 "the index was not changed"):
        build_index([str(write_jsonl(tmp_path / "b.jsonl", recs))], str(idx))
    assert store.current_generation(str(idx)) == before
    assert sorted(p.name for p in idx.iterdir() if p.name.startswith("gen-")) == [before.name]
    assert len(_stored_by_id(idx)) == 50


def test_a_small_run_folding_many_documents_writes_them_from_forked_writers(tmp_path, monkeypatch):
    """A run below PARALLEL_WRITE_FROM articles whose folded segments bring it past that many documents
    tags in this process and writes from one forked writer per core (`_write_parallel`)."""
    monkeypatch.setattr(workers, "PARALLEL_WRITE_FROM", 100)
    monkeypatch.setattr(workers, "SEGMENT_DOCS", 100)
    monkeypatch.setattr(generation, "MERGE_SHARE", 0.6)
    recs = list(generate_corpus(320))
    idx = tmp_path / "index"
    build_index([str(write_jsonl(tmp_path / "a.jsonl", recs[:300]))], str(idx))
    assert _segment_sizes(idx) == [50, 50, 100, 100]  # two workers, each 100 + 50
    calls = []
    real = workers.write_parallel
    monkeypatch.setattr(workers, "write_parallel", lambda *a: calls.append(len(a[1])) or real(*a))
    report = build_index([str(write_jsonl(tmp_path / "b.jsonl", recs[300:]))], str(idx))
    assert (report.added, report.articles) == (20, 320)
    assert calls == [120]  # the 20 new articles and the 100 of the two folded segments
    assert _segment_sizes(idx) == [60, 60, 100, 100]
    stored = _stored_by_id(idx)
    assert sorted(stored) == sorted(r["id"] for r in recs)
    assert [stored[r["id"]]["title"] for r in recs] == [r["title"] for r in recs]


def test_terms_are_the_same_from_a_cold_warm_or_full_cache(monkeypatch):
    text = "Tokayev’s U.S. visit: 5.4% growth, Nur-Sultan and the Nur-Sultan talks. Токаев"
    expected = [analysis.stem(t) for raw in analysis.TOKEN_RE.findall(text) for t in analysis.split_token(raw)]
    assert expected[:4] == ["tokayev", "us", "visit", "5.4%"]
    for cache in analysis._TERMS.values():
        cache.clear()
    assert analysis.terms(text, keep_stopwords=True) == expected  # cold
    assert analysis.terms(text, keep_stopwords=True) == expected  # every token remembered
    assert len(analysis._TERMS[True, True]) == len(set(analysis.TOKEN_RE.findall(text)))
    assert analysis.terms(text) == [t for t in expected if t not in ("and", "the")]
    assert analysis.terms(text, stemmed=False)[:3] == ["tokayev", "us", "visit"]
    monkeypatch.setattr(analysis, "TERMS_KEPT", 2)  # the table is emptied whenever it is full
    analysis._TERMS[True, True].clear()
    assert analysis.terms(text, keep_stopwords=True) == expected
    assert len(analysis._TERMS[True, True]) <= 2


def test_positions_encoded_at_once_are_whooshs_encoding():
    """`position_values` (numpy for 2 to 1,000 positions) gives each posting the bytes whoosh's Positions
    format gives it: a count, then pickle protocol 2 of the deltas (1-, 2- and 4-byte ints, and pickle's
    batches past 1,000 items)."""
    from whoosh.formats import Positions
    rng = __import__("random").Random(3)
    steps = [0, 1, 5, 255, 256, 300, 65535, 65536, 70000]
    counts, positions = [], []
    for _ in range(400):
        n = rng.choice([1, 2, 3, 7, 999, 1000, 1001, 1500]) if rng.random() < 0.05 else rng.randint(1, 6)
        at = 0
        for _ in range(n):
            at += rng.choice(steps) if rng.random() < 0.3 else rng.randint(0, 40)
            positions.append(at)
        counts.append(n)
    counts, positions = np.array(counts), np.array(positions, dtype=np.uint32)
    firsts = np.cumsum(counts) - counts
    got = encoding.position_values(counts, firsts, positions)
    fmt = Positions()
    expected = [fmt.encode(positions[f:f + n].tolist()) for f, n in zip(firsts.tolist(), counts.tolist())]
    assert got == expected
    deltas = np.diff(positions.astype(np.int64), prepend=0)
    deltas[firsts] = positions[firsts]  # each posting's deltas start from 0
    several = np.repeat(counts > 1, counts)
    assert (several & (deltas >= 65536)).any() and (several & (deltas >= 256) & (deltas < 65536)).any()
    assert [fmt.decode_positions(v) for v in got[:50]] == [positions[f:f + n].tolist()
                                                          for f, n in zip(firsts[:50].tolist(), counts[:50].tolist())]


def test_looked_up_makes_each_missing_key_once_when_make_adds_it():
    table, made = {"a": 1, "b": ()}, []

    def make(key):
        if key not in table:
            made.append(key)
            table[key] = len(table) + 10
        return table[key]

    assert analysis.looked_up(table, ["a", "x", "b", "x", "y", "a"], make) == [1, 12, (), 12, 13, 1]
    assert made == ["x", "y"]  # "x" twice in the keys, made once; () is a value, not a miss
    assert analysis.looked_up({}, [], make) == []
