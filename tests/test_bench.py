"""The benchmark: a deterministic corpus and query mix, and one small end-to-end run (no timing asserts)."""
import json
import re
from datetime import date
from pathlib import Path

import pytest

from search import bench, fts_bench, synth, tagging
from search.models import Article


def records(n, seed):
    return list(synth.generate_corpus(n, seed))


def test_same_seed_gives_byte_identical_corpus():
    a = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(30, 7))
    b = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(30, 7))
    assert a == b


def test_other_seed_gives_other_corpus():
    a, b = records(10, 7), records(10, 8)
    assert [r["id"] for r in a] == [r["id"] for r in b]
    assert all(x["body"] != y["body"] and x["title"] != y["title"] for x, y in zip(a, b))


def test_records_have_the_shape_of_news():
    recs = records(200, 7)
    assert len(recs) == 200 and len({r["id"] for r in recs}) == 200
    for r in recs:
        assert set(r) == {"id", "title", "body", "date", "author"}
        assert all(isinstance(v, str) and v for v in r.values())
        assert 6 <= len(r["title"].split()) <= 14
        assert 150 <= len(r["body"].split()) <= 900
        assert 3 <= len(r["body"].split("\n\n")) <= 10
        assert date(2016, 1, 1) <= date.fromisoformat(r["date"]) <= date(2025, 12, 31)
    assert 10 <= len({r["author"] for r in recs}) <= 20
    assert len({r["date"][:4] for r in recs}) == 10


def test_corpus_fills_the_facets_the_taggers_look_for():
    tagged = [tagging.tag(Article(id=r["id"], title=r["title"], body=r["body"], date=r["date"]))
              for r in records(40, 7)]
    countries = {c for t in tagged for c in t.countries}
    people = {p for t in tagged for p in t.people}
    assert {"Kazakhstan", "Uzbekistan", "Kyrgyzstan", "Russia", "China"} <= countries
    assert all(t.countries for t in tagged)
    assert people & {"Kassym-Jomart Tokayev", "Vladimir Putin", "Shavkat Mirziyoyev", "Xi Jinping"}
    assert sum(bool(t.topics) for t in tagged) > 30


def test_phrases_of_the_mix_occur_adjacent_in_the_corpus():
    text = " ".join(r["body"] for r in records(100, 7))
    for phrase in synth.PHRASES[:10]:
        assert phrase in text


def test_query_mix_has_every_kind_and_is_deterministic():
    vocab = synth.build_vocabulary(7)
    mix = synth.query_mix(40, 7, vocab)
    assert mix == synth.query_mix(40, 7, synth.build_vocabulary(7))
    assert mix != synth.query_mix(40, 8, synth.build_vocabulary(8))
    assert len(mix) == 40 and {q["kind"] for q in mix} == set(synth.KINDS)
    assert {q["kind"] for q in synth.query_mix(7, 7, vocab)} == set(synth.KINDS)
    for q in mix:
        assert set(q) == {"kind", "q", "filters"} and q["q"].strip()
        kind, text, filters = q["kind"], q["q"], q["filters"]
        assert bool(filters) == (kind == "filtered")
        if kind == "single":
            assert len(text.split()) == 1
        elif kind in ("multi", "filtered"):
            assert 2 <= len(text.split()) <= 4
        elif kind == "phrase":
            assert re.fullmatch(r'"\w+( \w+)+"', text)
        elif kind == "prefix":
            assert re.fullmatch(r"[a-z]{4,5}\*", text)
        elif kind == "variant":
            assert text in synth.VARIANTS
        if kind == "filtered":
            assert set(filters) <= {"country", "date_from", "date_to"}
            assert filters.get("country", "Kazakhstan") in synth.COUNTRIES


def test_typo_is_one_edit_from_a_real_word():
    import numpy as np
    rng = np.random.default_rng(1)
    for word in ("parliament", "Kazakhstan", "pipeline"):
        for _ in range(20):
            typo = synth._typo(word, rng)
            assert typo != word and abs(len(typo) - len(word)) <= 1 and typo[0] == word[0]


@pytest.mark.parametrize("q, expected", [
    ("water", ('"water"', None)),
    ('"power plant"', ('"power plant"', None)),
    ("kaza*", ('"kaza"*', None)),
    ('oil "gas" NOT-x', ('"oil" """gas""" "NOT-x"', '"oil" OR """gas""" OR "NOT-x"')),
])
def test_queries_are_escaped_for_fts5(q, expected):
    assert fts_bench.to_fts(q) == expected


@pytest.mark.slow
def test_run_bench_answers_every_query_on_both_engines():
    res = bench.run_bench(docs=300, queries=40, http=False)
    assert {"docs", "queries", "machine", "engines", "ratios", "http", "table"} <= set(res)
    assert res["docs"] == 300 and res["queries"] == 40 and res["http"] is None
    assert isinstance(res["machine"]["cpus"], int) and isinstance(res["machine"]["python"], str)
    keys = {"index_docs_per_s", "index_seconds", "index_bytes", "open_ms", "peak_rss_mb", "p50_ms", "p95_ms",
            "p99_ms", "by_kind"}
    for name in ("casearch", "sqlite_fts5"):
        e = res["engines"][name]
        assert keys <= set(e)
        assert e["answered"] == 40 and e["errors"] == []
        assert isinstance(e["index_bytes"], int) and e["index_bytes"] > 0
        for k in keys - {"by_kind", "index_bytes"}:
            assert isinstance(e[k], float) and e[k] >= 0 and e[k] == round(e[k], 2)
        assert set(e["by_kind"]) == set(synth.KINDS)
        assert sum(v["n"] for v in e["by_kind"].values()) == 40
        assert all(set(v) == {"p50_ms", "p95_ms", "n"} for v in e["by_kind"].values())
    assert set(res["ratios"]) == {"p50", "p95", "p99", "index_docs_per_s"}
    assert all(isinstance(v, float) for v in res["ratios"].values())
    assert res["engines"]["casearch"]["incremental"]["added"] == bench.INCREMENTAL_DOCS
    assert res["engines"]["casearch"]["incremental"]["articles"] == 300 + bench.INCREMENTAL_DOCS
    assert isinstance(res["engines"]["casearch"]["warm_ms"], float) and "warm-up after opening" in res["table"]
    # the whole of a small index is preloaded (under the 512 MB default), as serve does
    c = res["engines"]["casearch"]
    assert 0.5 * c["index_bytes"] < c["preloaded_mb"] * (1 << 20) <= c["index_bytes"]
    assert f"preload of {c['preloaded_mb']:,.0f} MB of the index" in res["table"]
    assert "casearch" in res["table"] and "sqlite_fts5" in res["table"]
    assert f"{bench.INCREMENTAL_DOCS:,} articles added to the index" in res["table"]
    json.dumps(res)  # what `casearch bench --json` prints


@pytest.mark.slow
def test_the_bench_command_runs_a_2000_article_smoke_test_with_the_real_server():
    """The CI smoke run of `casearch bench` (no timing asserted): every figure present, no errors."""
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "search", "bench", "--docs", "2000", "--queries", "40", "--json"],
                         capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    res = json.loads(out.stdout)
    assert res["docs"] == 2000
    for name in ("casearch", "sqlite_fts5"):
        assert res["engines"][name]["answered"] == 40 and res["engines"][name]["errors"] == []
    assert res["engines"]["casearch"]["incremental"]["articles"] == 3000
    h = res["http"]
    assert h["start_s"] > 0 and h["rss_after_start_mb"] > 0 and h["rss_after_queries_mb"] > 0
    assert 0 < h["pss_after_start_mb"] <= h["rss_after_start_mb"] and h["pss_after_queries_mb"] > 0
    for clients in ("clients_1", f"clients_{bench.HTTP_CLIENTS}"):
        assert h[clients]["n"] == 40 and h[clients]["errors"] == 0
