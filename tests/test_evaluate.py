"""BEIR evaluation: the metric functions by hand, the folder reader's errors, a tiny end-to-end run and
the Cranfield collection when the shared folder is present."""
import json
import math
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.errors import BadInput
from search.evaluate import evaluate, fts5_or_query, mrr_at, ndcg_at, recall_at
from search.indexing.report import Progress

CRANFIELD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "cranfield"


# --- metrics -------------------------------------------------------------------------------------

def test_ndcg_graded_gains_and_log2_discount():
    # ranking d3, d1, d2 with gains d1=2, d2=1 (d3 not judged):
    #   DCG  = 0/log2(2) + 2/log2(3) + 1/log2(4) = 1.26186 + 0.5 = 1.76186
    #   IDCG = 2/log2(2) + 1/log2(3)             = 2 + 0.63093  = 2.63093
    #   nDCG = 1.76186 / 2.63093 = 0.66967
    assert ndcg_at(["d3", "d1", "d2"], {"d1": 2, "d2": 1}) == pytest.approx(0.66967, abs=1e-5)
    assert ndcg_at(["d1", "d2", "d3"], {"d1": 2, "d2": 1}) == 1.0
    assert ndcg_at([], {"d1": 2}) == 0.0


def test_ndcg_ideal_uses_every_judged_doc_and_cuts_at_k():
    # d2 (gain 3) is never retrieved but is in the ideal: DCG = 1, IDCG = 3 + 1/log2(3) = 3.63093
    assert ndcg_at(["d1"], {"d1": 1, "d2": 3}) == pytest.approx(1 / (3 + 1 / math.log2(3)))
    # the only relevant doc at rank 11 does not count for nDCG@10
    ranking = [f"x{i}" for i in range(10)] + ["d1"]
    assert ndcg_at(ranking, {"d1": 1}) == 0.0
    assert ndcg_at(ranking, {"d1": 1}, k=11) == pytest.approx(1 / math.log2(12))


def test_recall_counts_only_positive_scores():
    gains = {"d1": 2, "d2": 1, "d3": 0, "d4": 1}  # relevant: d1, d2, d4
    assert recall_at(["d3", "d1", "x", "d4"], gains) == pytest.approx(2 / 3)
    assert recall_at(["d3", "d1", "x", "d4"], gains, k=2) == pytest.approx(1 / 3)
    assert recall_at(["d1"], {"d3": 0}) == 0.0


def test_mrr_is_the_first_relevant_within_ten():
    assert mrr_at(["x", "d0", "d2", "d1"], {"d0": 0, "d1": 1, "d2": 2}) == pytest.approx(1 / 3)
    assert mrr_at(["d1"], {"d1": 4}) == 1.0
    assert mrr_at([f"x{i}" for i in range(10)] + ["d1"], {"d1": 1}) == 0.0


def test_fts5_query_is_an_or_of_quoted_words():
    assert fts5_or_query('what is "NEAR" (the) high-speed flow? flow*') == \
        '"what" OR "is" OR "near" OR "the" OR "high" OR "speed" OR "flow"'
    assert fts5_or_query("?? -- .") == ""


# --- a tiny collection ---------------------------------------------------------------------------

DOCS = [  # bodies of equal length: the order of a one-word query follows the word's frequency
    {"_id": "d1", "title": "mountain notes alpha", "text": "glacier glacier glacier water study"},
    {"_id": "d2", "title": "mountain notes beta", "text": "glacier water study field survey"},
    {"_id": "d3", "title": "mountain notes gamma", "text": "glacier glacier water study survey"},
    {"_id": "d4", "title": "valley notes delta", "text": "river water study field survey"},
    {"_id": "d5", "title": "valley notes epsilon", "text": "river river water study survey"},
    {"_id": "d6", "title": "", "text": "sand dunes heat study survey"},  # indexed as "(untitled)"
    {"_id": "d7", "title": "", "text": ""},  # empty in the source: kept, indexed as "(untitled)"/"(empty)"
]
QUERIES = [
    {"_id": "q1", "text": "glacier"},
    {"_id": "q2", "text": "river"},
    {"_id": "q3", "text": "heat"},
    {"_id": "q4", "text": "water"},  # no judgments: not evaluated
    {"_id": "q5", "text": "study"},  # judged, but nothing relevant: not evaluated
]
QRELS = [("q1", "d2", 2), ("q1", "d1", 1), ("q1", "d3", 0),
         ("q2", "d4", 1), ("q2", "d6", 3),
         ("q3", "d1", 1),
         ("q5", "d1", 0)]


def write_beir(root: Path, docs=DOCS, queries=QUERIES, qrels=QRELS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "qrels").mkdir(exist_ok=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in qrels), encoding="utf-8")
    return root


# Expected, by hand (both engines rank the one-word queries by term frequency):
#   q1 "glacier" -> d1 (3x), d3 (2x), d2 (1x); gains d2=2, d1=1, d3=0
#        DCG = 1/log2(2) + 0 + 2/log2(4) = 2;  IDCG = 2 + 1/log2(3) = 2.63093;  nDCG = 0.76019
#        recall = 2/2 = 1;  MRR = 1/1
#   q2 "river" -> d5 (2x), d4 (1x); gains d4=1, d6=3 (not retrieved)
#        DCG = 1/log2(3) = 0.63093;  IDCG = 3 + 1/log2(3) = 3.63093;  nDCG = 0.17377
#        recall = 1/2;  MRR = 1/2
#   q3 "heat" -> d6; gain d1=1 only: nDCG = recall = MRR = 0
#   means over 3 queries: nDCG = 0.93396/3 = 0.31132, recall = 1.5/3 = 0.5, MRR = 1.5/3 = 0.5
EXPECTED = {"ndcg@10": 0.3113, "recall@100": 0.5, "mrr@10": 0.5}


class RecordingProgress(Progress):
    def __init__(self):
        self.events = []

    def start(self, label, total):
        self.events.append(("start", label, total))

    def advance(self, n=1):
        self.events.append(("advance", n))

    def finish(self):
        self.events.append(("finish",))

    def warn(self, message):
        self.events.append(("warn", message))


def test_evaluate_tiny_collection_exact_figures(tmp_path):
    progress = RecordingProgress()
    res = evaluate(str(write_beir(tmp_path / "tiny")), progress=progress)
    assert res["collection"] == "tiny"
    assert res["documents"] == 7
    assert res["queries"] == 3
    assert res["metrics"] == EXPECTED
    assert res["baseline"] == {"name": "sqlite_fts5_bm25", **EXPECTED}
    assert res["per_query"] == {
        "q1": {"ndcg@10": 0.7602, "recall@100": 1.0, "mrr@10": 1.0},
        "q2": {"ndcg@10": 0.1738, "recall@100": 0.5, "mrr@10": 0.5},
        "q3": {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0},
    }
    assert res["seconds"] > 0
    json.dumps(res)  # the CLI prints it as JSON
    i = progress.events.index(("start", "Searching (casearch)", 3))
    assert progress.events[i + 1:i + 5] == [("advance", 1)] * 3 + [("finish",)]
    assert ("start", "Searching (baseline)", 3) in progress.events


def test_evaluate_leaves_no_index_behind(tmp_path, monkeypatch):
    import tempfile
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    evaluate(str(write_beir(tmp_path / "tiny")))
    assert list(scratch.iterdir()) == []


def test_eval_command_prints_the_figures(tmp_path):
    folder = write_beir(tmp_path / "tiny")
    other = write_beir(tmp_path / "other", qrels=[("q2", "d5", 1)])
    r = CliRunner().invoke(main, ["eval", str(folder), str(other)])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "collection       ranking             ndcg@10 recall@100   mrr@10",
        "tiny             casearch             0.3113     0.5000   0.5000",
        "tiny             sqlite_fts5_bm25     0.3113     0.5000   0.5000",
        "other            casearch             1.0000     1.0000   1.0000",
        "other            sqlite_fts5_bm25     1.0000     1.0000   1.0000"]
    r = CliRunner().invoke(main, ["eval", str(folder), "--json"])
    assert json.loads(r.stdout)["baseline"]["name"] == "sqlite_fts5_bm25"
    assert json.loads(r.stdout)["tuning"] == {}


def test_eval_measures_another_setting(tmp_path):
    folder = write_beir(tmp_path / "tiny")
    r = CliRunner().invoke(main, ["eval", str(folder), "--set", "k1=1.2", "--set", "variant_keys=false"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == "settings: k1=1.2, variant_keys=False"
    r = CliRunner().invoke(main, ["eval", str(folder), "--set", "nosuch=1"])
    assert r.exit_code == 2 and "unknown setting 'nosuch=1'; settings: model, k1," in r.output
    r = CliRunner().invoke(main, ["eval", str(folder), "--set", "k1=high"])
    assert r.exit_code == 2 and "k1 must be a float, not 'high'" in r.output


def test_eval_searches_a_query_of_5000_characters(tmp_path):
    # a pasted paragraph: 5,000 characters, the relevant document's words among many others
    filler = " ".join(f"word{i}" for i in range(700))
    text = (filler + " river survey " + filler)[:4990] + " river"
    assert len(text) >= 4990
    folder = write_beir(tmp_path / "long", queries=[{"_id": "q1", "text": text}], qrels=[("q1", "d5", 1)])
    res = evaluate(str(folder))
    assert res["queries"] == 1
    assert res["metrics"] == {"ndcg@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}


# --- a malformed folder --------------------------------------------------------------------------

def _break(root: Path, what: str) -> str:
    """Damage a good folder one way; return the message expected (after the folder's path)."""
    corpus, queries, qrels = root / "corpus.jsonl", root / "queries.jsonl", root / "qrels" / "test.tsv"
    if what == "no qrels":
        qrels.unlink()
        return f"{qrels} is missing"
    if what == "bad json":
        corpus.write_text(json.dumps(DOCS[0]) + "\n{not json\n", encoding="utf-8")
        return f"{corpus}:2: invalid JSON"
    if what == "no _id":
        queries.write_text(json.dumps({"text": "glacier"}) + "\n", encoding="utf-8")
        return f"{queries}:1: missing _id"
    if what == "duplicate id":
        corpus.write_text("".join(json.dumps(d) + "\n" for d in DOCS + DOCS[:1]), encoding="utf-8")
        return f"{corpus}:8: duplicate _id 'd1'"
    if what == "bad id":
        corpus.write_text(json.dumps({"_id": "a/b", "title": "t", "text": "x"}) + "\n", encoding="utf-8")
        return f"{corpus}:1: id 'a/b' must be"
    if what == "bad score":
        qrels.write_text("query-id\tcorpus-id\tscore\nq1\td1\thigh\n", encoding="utf-8")
        return f"{qrels}:2: score must be a whole number, not 'high'"
    if what == "two cells":
        qrels.write_text("query-id\tcorpus-id\tscore\nq1\td1\n", encoding="utf-8")
        return f"{qrels}:2: expected 3 tab-separated cells"
    if what == "no header":
        qrels.write_text("q1\td1\t1\n", encoding="utf-8")
        return f"{qrels}:1: expected the header"
    if what == "nothing relevant":
        qrels.write_text("query-id\tcorpus-id\tscore\nq1\td1\t0\nq9\td1\t1\n", encoding="utf-8")
        return "no query in"
    raise AssertionError(what)


@pytest.mark.parametrize("what", ["no qrels", "bad json", "no _id", "duplicate id", "bad id", "bad score",
                                  "two cells", "no header", "nothing relevant"])
def test_malformed_folder_is_bad_input(tmp_path, what):
    root = write_beir(tmp_path / "broken")
    expected = _break(root, what)
    with pytest.raises(BadInput) as e:
        evaluate(str(root))
    assert str(e.value).startswith(expected)


def test_not_a_folder_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="is not a folder"):
        evaluate(str(tmp_path / "nowhere"))


# --- the shared collections: the product beats plain BM25 of the same run -----------------------------

CISI = CRANFIELD.parent / "cisi"


@pytest.mark.slow
@pytest.mark.parametrize("folder,docs,queries,floor", [
    # measured 0.3883 / 0.7597 (FTS5: 0.3611 / 0.7284) and 0.4023 / 0.4427 (FTS5: 0.3143 / 0.3969) when set
    (CRANFIELD, 1400, 225, {"ndcg@10": 0.38, "recall@100": 0.75}),
    (CISI, 1460, 76, {"ndcg@10": 0.395, "recall@100": 0.43}),
])
def test_shared_collection_beats_plain_bm25(capsys, folder, docs, queries, floor):
    if not (folder / "corpus.jsonl").is_file():
        pytest.skip(f"the collection is not at {folder} (it ships only with the shared workspace)")
    t0 = time.perf_counter()
    res = evaluate(str(folder))
    with capsys.disabled():
        print(f"\n{folder.name}: {res['metrics']} baseline {res['baseline']} in {time.perf_counter() - t0:.1f} s")
    assert (res["documents"], res["queries"]) == (docs, queries)
    for k, v in floor.items():
        assert res["metrics"][k] >= v
    assert res["metrics"]["ndcg@10"] >= res["baseline"]["ndcg@10"] + 0.01
    assert res["metrics"]["recall@100"] >= res["baseline"]["recall@100"]
