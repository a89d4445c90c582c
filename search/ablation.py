"""The ablation: each relevance feature changed alone, measured for quality and for speed.

In: BEIR folders, the seed pages with their judged queries (tests/data/seed_queries.json in a checkout),
and a synthetic archive size. Out: one row per feature (ROWS): nDCG@10 and Recall@100 per folder beside the
product's defaults, nDCG@5 on the seed queries, p50 and p95 of the benchmark's query mix in process over the
synthetic archive; `markdown()` renders the README's table. Ranking settings (search.tuning) are measured
on one index per collection; analysis settings (stemming, index stop words) rebuild each index with the
analysis changed for this process only (`analysis_changed`). It tunes nothing: the defaults are chosen from
its table by a person. Run it as `casearch eval FOLDER... --ablation [--latency-docs N]`.
"""
from __future__ import annotations

import json
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import numpy as np

from . import analysis
from .evaluate import _as_record, ndcg_at, read_collection, score_run
from .indexing.report import Progress
from .indexing.run import build_index
from .query.request import build_request, refine
from .query.run import run
from .synth import build_vocabulary, generate_corpus, query_mix
from .tuning import DEFAULT, Tuning
from .engine.view import IndexView

# (name, settings or an analysis change): each changes one thing from the defaults
ROWS = (
    ("casearch defaults", ()),
    ("BM25 per field, summed, whoosh's idf (the ranking before)", ("model=fieldsum", "k1=1.2", "title_weight=2.5")),
    ("no name-variant keys", ("variant_keys=false",)),
    ("stem and keys as DisMax (the best term's score)", ("synonyms=dismax",)),
    ("tags field off", ("tags_weight=0",)),
    ("tags weight 1.0 (0.5)", ("tags_weight=1.0",)),
    ("title weight 1.0 (1.5)", ("title_weight=1.0",)),
    ("title weight 2.5 (1.5)", ("title_weight=2.5",)),
    ("k1 1.2 (1.8)", ("k1=1.2",)),
    ("k1 1.6 (1.8)", ("k1=1.6",)),
    ("b 0.5 (0.75)", ("b_body=0.5", "b_title=0.5")),
    ("no query stop words", ("query_stopwords=false",)),
    ("no query-term weights", ("query_term_weight=false",)),
    ("any word, never every word first", ("short_query_words=0",)),
    ("minimum-should-match 25% (0)", ("min_should_match=0.25",)),
    ("proximity on (0.5, 5 words)", ("proximity=0.5",)),
    ("feedback off (10 documents, 30 terms, 0.4)", ("feedback_docs=0",)),
    ("feedback's weight not capped (8 words)", ("feedback_query_words=1000",)),
    ("feedback from 5 documents, 10 terms, 0.3", ("feedback_docs=5", "feedback_terms=10", "feedback_weight=0.3")),
    ("a long query's hyphenated word joined at full weight (0.5)", ("joined_weight=1.0",)),
    ("no stemming", "nostem"),
    ("no stop words in the index", "nostop"),
)


@contextmanager
def analysis_changed(change: str):
    """Index and search with stemming off ("nostem") or no index stop words ("nostop") in this process
    (and the indexer's forked workers), the caches of the analysis emptied before and after."""
    saved = analysis.stem, analysis.STOPWORDS, analysis.QUERY_STOPWORDS
    if change == "nostem":
        analysis.stem = lambda word: word
    elif change == "nostop":
        analysis.STOPWORDS = frozenset()
    else:
        raise ValueError(f"unknown analysis change {change!r}")
    _clear_caches()
    try:
        yield
    finally:
        analysis.stem, analysis.STOPWORDS, analysis.QUERY_STOPWORDS = saved
        _clear_caches()


def _clear_caches() -> None:
    for f in (analysis.split_token, analysis.index_entry, analysis.index_terms):
        f.cache_clear()
    for table in (*analysis._TERMS.values(), analysis._CONTENT):
        table.clear()


def _index(records, folder: Path) -> IndexView:
    src = folder / "records.jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    with open(src, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    build_index([str(src)], str(folder / "index"), full=True, progress=Progress())
    return IndexView(str(folder / "index"))


def _beir(view: IndexView, col, tuning: Tuning) -> dict:
    rankings = {}
    for qid, text in col.queries.items():
        req = refine(build_request(q=text, per_page=100), fold=False)  # judged one by one, as evaluate does
        rankings[qid] = [h.id for h in run(req, view, tuning).hits]
    means, _ = score_run(rankings, col.qrels, 100)
    return {"ndcg@10": means["ndcg@10"], "recall@100": means["recall@100"]}


def _seeds(view: IndexView, queries: list, tuning: Tuning) -> float:
    """Mean nDCG@5 of the seed queries (search.evaluate.ndcg_at: the one definition)."""
    scores = [ndcg_at([h.id for h in run(build_request(q["q"], per_page=10), view, tuning).hits], q["relevant"], 5)
              for q in queries]
    return round(sum(scores) / len(scores), 4)


def _latency(view: IndexView, mix: list, tuning: Tuning) -> dict:
    view.warm()  # as `serve` does after opening (once per view: later rows find it done)
    for q in mix[:20]:  # warm-up, uncounted
        _ask(view, q, tuning)
    ms = []
    for q in mix:
        t0 = time.perf_counter()
        _ask(view, q, tuning)
        ms.append((time.perf_counter() - t0) * 1000)
    p50, p95 = np.percentile(ms, (50, 95)).tolist()
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2)}


def _ask(view, q: dict, tuning: Tuning) -> int:
    f = q["filters"]
    req = build_request(q["q"], country=(f["country"],) if f.get("country") else (), date_from=f.get("date_from"),
                        date_to=f.get("date_to"))
    return run(req, view, tuning).total


def run_ablation(folders: list, seeds_dir: Optional[str] = None, seed_queries: Optional[str] = None,
                 latency_docs: int = 0, progress: Optional[Progress] = None, rows=ROWS) -> dict:
    """Measure every row; returns {"rows": [{name, settings, collections: {name: figures}, seeds, latency}],
    "latency_docs"}. A row's analysis change rebuilds the indexes it needs."""
    progress = progress or Progress()
    cols = [read_collection(f, progress) for f in folders]
    queries = json.loads(Path(seed_queries).read_text(encoding="utf-8")) if seed_queries else []
    out = []
    with tempfile.TemporaryDirectory(prefix="casearch-ablation-") as tmp:
        root = Path(tmp)

        def views(change: str) -> dict:
            got = {}
            for col in cols:
                recs = (_as_record(i, t, x) for i, (t, x) in col.docs.items())
                got[col.name] = _index(recs, root / change / col.name)
            if seeds_dir and queries:
                build_index([seeds_dir], str(root / change / "seeds"), full=True, progress=Progress())
                got["seeds"] = IndexView(str(root / change / "seeds"))
            if latency_docs:
                got["synthetic"] = _index(generate_corpus(latency_docs, 7), root / change / "synthetic")
            return got

        mix = query_mix(200, 7, build_vocabulary(7)) if latency_docs else []
        built = {"": views("default")}
        for name, change in rows:
            analysis_change = change if isinstance(change, str) else ""
            tuning = DEFAULT if analysis_change else DEFAULT.with_settings(change)
            progress.start(f"Ablation: {name}", None)
            if analysis_change:
                with analysis_changed(analysis_change):
                    vs = views(analysis_change)
                    try:
                        row = _row(name, change, vs, cols, queries, mix, tuning)
                    finally:
                        for v in vs.values():
                            v.close()
            else:
                row = _row(name, change, built[""], cols, queries, mix, tuning)
            out.append(row)
        for v in built[""].values():
            v.close()
    progress.finish()
    return {"rows": out, "latency_docs": latency_docs}


def _row(name, change, vs: dict, cols, queries, mix, tuning) -> dict:
    return {"name": name, "settings": change if isinstance(change, str) else list(change),
            "collections": {c.name: _beir(vs[c.name], c, tuning) for c in cols},
            "seeds": _seeds(vs["seeds"], queries, tuning) if "seeds" in vs else None,
            "latency": _latency(vs["synthetic"], mix, tuning) if "synthetic" in vs else None}


def markdown(res: dict) -> str:
    """The ablation as a Markdown table: each figure, and the change from the defaults in brackets."""
    rows = res["rows"]
    base = rows[0]
    cols = list(base["collections"])
    head = ["feature"] + [f"{c} nDCG@10 / R@100" for c in cols] + ["seeds nDCG@5"]
    if base["latency"]:
        head.append(f"p50 / p95 ms at {res['latency_docs']:,}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["name"]]
        for c in cols:
            m, b = r["collections"][c], base["collections"][c]
            delta = "" if r is base else f" ({m['ndcg@10'] - b['ndcg@10']:+.4f})"
            cells.append(f"{m['ndcg@10']:.4f}{delta} / {m['recall@100']:.4f}")
        if r["seeds"] is not None:
            cells.append(f"{r['seeds']:.4f}" + ("" if r is base else f" ({r['seeds'] - base['seeds']:+.4f})"))
        else:
            cells.append("")
        if r["latency"]:
            cells.append(f"{r['latency']['p50_ms']:.2f} / {r['latency']['p95_ms']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
