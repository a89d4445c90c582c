"""Near-copies: signatures, grouping, the ledger across incremental and full runs, folding in results."""
import json
import re

import numpy as np
import pytest

from search import duplicates
from search.duplicates import Ledger, assign, signature, similarity
from search.indexing.run import build_index
from search.engine.store import current_generation
from search.query.articles import article
from search.query.request import build_request, refine
from search.query.exports import export_rows
from search.query.run import run
from search.engine.view import IndexView

from .conftest import SHARED, write_jsonl

WORDS = ("river water glacier summer winter farmers valley power station border market grain cotton road bridge "
         "minister council budget school hospital village mountain lake wind solar coal gold copper train").split()


def text(seed: int, n: int = 300) -> str:
    """A deterministic body of n words (different seeds share no run of five words, in practice)."""
    rng = np.random.default_rng(seed)
    return " ".join(WORDS[i] for i in rng.integers(len(WORDS), size=n)) + "."


def edited(body: str, every: int) -> str:
    """The body with every `every`-th word replaced (a re-post with small edits)."""
    words = body.split()
    return " ".join("EDITED" if i % every == 0 else w for i, w in enumerate(words))


def exact_jaccard(a: str, b: str, k: int = duplicates.SHINGLE_WORDS) -> float:
    sh = lambda t: {" ".join(w[i:i + k]) for w in [re.findall(r"\w+", t.casefold())] for i in range(len(w) - k + 1)}
    x, y = sh(a), sh(b)
    return len(x & y) / len(x | y)


def test_signature_is_deterministic_and_ignores_case_and_punctuation():
    a = text(1)
    assert signature(a).tolist() == signature(a.upper().replace(" ", "  ")).tolist()
    assert signature(a).shape == (duplicates.PERMUTATIONS,) and signature(a).dtype == np.uint8
    assert signature("").shape == (duplicates.PERMUTATIONS,)  # an empty body is one (empty) shingle


@pytest.mark.parametrize("every", [4, 8, 20, 60])
def test_similarity_estimates_the_jaccard_of_the_shingles(every):
    a = text(2, 600)
    b = edited(a, every)
    assert abs(float(similarity(signature(a), signature(b))[0]) - exact_jaccard(a, b)) < 0.12


def test_unrelated_bodies_are_not_similar():
    assert float(similarity(signature(text(3)), signature(text(4)))[0]) < 0.1


def test_assign_groups_copies_with_their_earliest_article_only():
    bodies = [text(10), text(11), edited(text(10), 25), text(12), text(10)]
    ids = ["a", "b", "a-edit", "c", "a-copy"]
    groups = [""] * 5
    assert assign(np.stack([signature(b) for b in bodies]), ids, groups) == 2
    assert groups == ["a", "", "a", "", "a"]


def test_assign_keeps_the_earlier_rows_and_labels_the_group_by_its_first_article():
    sigs = np.stack([signature(b) for b in (text(20), text(21), text(21))])
    groups = ["", "", ""]
    assert assign(sigs, ["x", "y", "y2"], groups, start=2) == 1
    assert groups == ["", "y", "y"]


def test_ledger_round_trip(tmp_path):
    ledger = Ledger(["a", "b"], np.stack([signature(text(1)), signature(text(2))]), ["", "a"],
                    np.array([10, 20], dtype=np.int64))
    ledger.save(tmp_path)
    back = Ledger.load(tmp_path)
    assert (back.ids, back.groups, back.first_indexed.tolist()) == (["a", "b"], ["", "a"], [10, 20])
    assert (back.sigs == ledger.sigs).all()
    assert Ledger.load(tmp_path / "none").ids == []


def test_an_index_of_one_article_can_be_updated(tmp_path):
    """One article in no group: its ledger's labels pack to nothing; the next run used to fail on them."""
    src = write_jsonl(tmp_path / "one.jsonl", [{"id": "o1", "title": "One", "body": "A single article."}])
    build_index([str(src)], str(tmp_path / "index"))
    assert Ledger.load(current_generation(str(tmp_path / "index"))).groups == [""]
    r = build_index([str(src)], str(tmp_path / "index"))
    assert (r.unchanged, r.articles) == (1, 1)


def test_update_keeps_groups_times_and_drops_the_dead():
    sig = {k: signature(text(k)) for k in (1, 2, 3)}
    old = Ledger(["a", "b", "gone"], np.stack([sig[1], sig[1], sig[2]]), ["a", "a", ""],
                 np.array([100, 200, 300], dtype=np.int64))
    new = duplicates.update(old, ["c", "b"], np.stack([sig[1], sig[3]]), live={"a", "b", "c"}, now=999)
    got = {i: (g, t) for i, g, t in zip(new.ids, new.groups, new.first_indexed.tolist())}
    # b changed (its text is another now): it leaves the group, keeps its first-indexed time; c joins a's group
    assert got == {"a": ("a", 100), "b": ("", 200), "c": ("a", 999)}


def index(tmp_path, records, name="r.jsonl", **kw):
    idx = tmp_path / "index"
    build_index([str(write_jsonl(tmp_path / name, records))], str(idx), **kw)
    return idx


def rec(i, body, **kw):
    return {"id": i, "title": f"Story {i}", "body": body, **kw}


COPIES = [rec("a1", text(100), date="2025-01-05", source="Wire"),
          rec("b1", text(101), date="2025-02-01", source="Times"),
          rec("a2", edited(text(100), 30), date="2025-01-06", source="Times"),
          rec("c1", text(102), date="2025-03-01", source="Times")]


def test_results_fold_copies_but_counts_count_every_article(tmp_path):
    view = IndexView(str(index(tmp_path, COPIES)))
    res = run(build_request(""), view)
    assert res.total == 4 and res.rows == 3  # every article counted, one row per group
    assert [h.id for h in res.hits] == ["c1", "b1", "a1"]
    a1 = res.hits[2]
    assert a1.group == "a1" and [c["id"] for c in a1.copies] == ["a2"]
    assert a1.copies[0] == {"id": "a2", "title": "Story a2", "date": "2025-01-06", "source": "Times"}
    # facet counts and the timeline count the copy too (the README: Near-copies)
    assert {v.value: v.count for v in res.facets["source"]} == {"Times": 3, "Wire": 1}
    assert res.timeline == (("2025-01", 2), ("2025-02", 1), ("2025-03", 1))
    assert res.to_dict()["shown"] == 3 and res.to_dict()["results"][2]["copies"][0]["id"] == "a2"
    every = run(refine(build_request(""), fold=False), view)
    assert [h.id for h in every.hits] == ["c1", "b1", "a2", "a1"] and every.rows == 4
    # a filter that leaves one member alone shows it without copies
    times = run(refine(build_request(""), source=["Times"]), view)
    assert [(h.id, len(h.copies)) for h in times.hits] == [("c1", 0), ("b1", 0), ("a2", 0)]


def test_article_similar_never_lists_its_copy_and_export_marks_the_group(tmp_path):
    view = IndexView(str(index(tmp_path, COPIES)))
    a = article(view, "a1")
    assert a["group"] == "a1" and a["duplicate_of"] is None and [c["id"] for c in a["copies"]] == ["a2"]
    assert "a2" not in [s["id"] for s in a["similar"]]
    b = article(view, "a2")
    assert b["group"] == "a1" and b["duplicate_of"] == "a1"
    rows = {r["id"]: (r["group"], r["duplicate_of"]) for r in export_rows(build_request(""), view)}
    assert rows == {"a1": ("a1", None), "a2": ("a1", "a1"), "b1": (None, None), "c1": (None, None)}


def test_a_new_copy_joins_the_group_in_an_incremental_run_and_times_are_kept(tmp_path):
    idx = index(tmp_path, COPIES[:2])
    first = Ledger.load(current_generation(str(idx)))
    assert first.groups == ["", ""] and len(set(first.first_indexed.tolist())) >= 1
    times = dict(zip(first.ids, first.first_indexed.tolist()))
    build_index([str(write_jsonl(tmp_path / "more.jsonl", COPIES[2:]))], str(idx))
    view = IndexView(str(idx))
    assert view.copies.label(view.docnum("a2")) == "a1" == view.copies.label(view.docnum("a1"))
    assert view.first_indexed["a1"] == times["a1"] and view.first_indexed["b1"] == times["b1"]
    assert view.first_indexed["a2"] >= times["a1"]
    # a full rebuild groups anew and still keeps when each article was first indexed
    build_index([str(tmp_path / "r.jsonl"), str(tmp_path / "more.jsonl")], str(idx), full=True)
    view = IndexView(str(idx))
    assert view.first_indexed["a1"] == times["a1"] and view.copies.label(view.docnum("a2")) == "a1"
    # an article whose copy is pruned is alone again
    (tmp_path / "more.jsonl").unlink()
    build_index([str(tmp_path / "r.jsonl")], str(idx), prune=True)
    view = IndexView(str(idx))
    assert view.doc_count == 2 and view.copies.label(view.docnum("a1")) is None


def test_api_and_cli_fold_copies(tmp_path):
    from click.testing import CliRunner
    from search.cli import main
    from web import create_app
    idx = index(tmp_path, COPIES)
    client = create_app({"INDEX_DIR": str(idx), "TESTING": True}).test_client()
    data = client.get("/api/search?q=").get_json()
    assert (data["total"], data["shown"]) == (4, 3)
    assert client.get("/api/search?q=&fold=0").get_json()["shown"] == 4
    assert client.get("/api/search?q=&fold=maybe").status_code == 400
    page = client.get("/?q=").get_data(as_text=True)
    assert '<details class="copies"><summary>1 copy</summary>' in page and "1 near-copy is folded" in page
    out = CliRunner().invoke(main, ["search", "", "--index-dir", str(idx)]).stdout
    assert "4 articles match" in out and "1 near-copies folded" in out and "1 near-copy: a2" in out
    out = CliRunner().invoke(main, ["show", "a2", "--index-dir", str(idx)]).stdout
    assert "Source: Times\nNear-copies: a1 (Wire); the first indexed is a1\n" in out


@pytest.mark.skipif(not (SHARED / "corpora" / "bbc-news" / "articles.jsonl").exists(),
                    reason="../shared/corpora/bbc-news is not here (a user's clone)")
def test_bbc_copies(tmp_path):
    """The BBC corpus holds 98 exact copies (title and body) and more near-copies (README: Near-copies)."""
    path = SHARED / "corpora" / "bbc-news" / "articles.jsonl"
    recs = [json.loads(line) for line in path.open(encoding="utf-8")]
    ids = [r["id"] for r in recs]
    groups = [""] * len(ids)
    assign(np.stack([signature(r["body"]) for r in recs]), ids, groups)
    label = dict(zip(ids, groups))
    first = {}
    exact = 0
    for r in recs:
        key = (r["title"], r["body"])
        if key in first:
            exact += 1
            assert label[r["id"]] and label[r["id"]] == label[first[key]]
        first.setdefault(key, r["id"])
    assert exact == 98
    sizes = {}
    for g in groups:
        if g:
            sizes[g] = sizes.get(g, 0) + 1
    assert (len(sizes), sum(sizes.values())) == (167, 335)
    assert label["politics-311"] == label["politics-312"] != ""  # two versions of the pension talks story
    assert not label["politics-327"] or label["politics-327"] != label["politics-328"]  # a follow-up, J 0.47


def test_verify_finds_a_ledger_that_lost_articles(tmp_path):
    from search.errors import IndexMissing
    from search.engine.stats import verify
    idx = index(tmp_path, COPIES)
    assert verify(IndexView(str(idx))) == 4
    gen = current_generation(str(idx))
    ledger = Ledger.load(gen)
    Ledger(ledger.ids[:3], ledger.sigs[:3], ledger.groups[:3], ledger.first_indexed[:3]).save(gen)
    with pytest.raises(IndexMissing, match=r"1 article\(s\) missing from the near-copy ledger \(first c1\)"):
        verify(IndexView(str(idx)))


def test_indexing_workers_sign_articles_as_the_serial_path_does(tmp_path, monkeypatch):
    """A large run signs articles in its tagging workers; the ledger holds the same signatures and groups."""
    from pathlib import Path
    from search.indexing import workers
    words = "water river glacier drought pipeline gas oil border trade summit minister farmer".split()
    recs = [{"id": f"w{i}", "title": f"Story {i}", "body": " ".join(words[(i * 5 + k) % 12] for k in range(30 + i % 9))}
            for i in range(60)]
    recs.append(dict(recs[7], id="w7-copy"))
    monkeypatch.setattr(workers, "PARALLEL_WRITE_FROM", 20)
    build_index([str(write_jsonl(tmp_path / "w.jsonl", recs))], str(tmp_path / "index"))
    ledger = Ledger.load(Path(current_generation(str(tmp_path / "index"))))
    at = {i: n for n, i in enumerate(ledger.ids)}
    for r in recs:
        assert np.array_equal(ledger.sigs[at[r["id"]]], signature(r["body"]))
    assert ledger.groups[at["w7-copy"]] == ledger.groups[at["w7"]] != ""
