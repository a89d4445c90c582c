"""BEIR-layout evaluation: how well the product ranks, next to a plain BM25 baseline.

In: a folder with `corpus.jsonl` ({"_id", "title", "text"}), `queries.jsonl` ({"_id", "text"}) and
`qrels/test.tsv` (header `query-id  corpus-id  score`). Out: one dict of figures (nDCG@10, Recall@100,
MRR@10 for the product and for SQLite FTS5 BM25, per-query figures, counts, time).
The product is measured through its own pipeline, as a user meets it: the corpus is written as JSONL
records, indexed by `indexer.build_index` into a temporary folder and searched with
`query.build_request` + `query.run`, exactly like the web page and the API (queries of any length: a
paragraph is searched whole). The baseline is SQLite FTS5
(`porter unicode61`, `bm25()` with default weights) over the same title and text, each query an OR of its
words. This module does not tune anything, cache indexes between runs or touch the user's index.
"""
from __future__ import annotations

import json
import math
import re
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import config
from .errors import BadInput, BadQuery, SearchError
from .indexing.report import Progress
from .indexing.run import build_index
from .models import Rejected
from .query.request import build_request, refine
from .query.run import run
from .sources.common import clean_text
from .sources.records import make_article
from .tuning import DEFAULT, Tuning
from .engine.view import IndexView

CORPUS, QUERIES, QRELS = "corpus.jsonl", "queries.jsonl", "qrels/test.tsv"
BASELINE = "sqlite_fts5_bm25"
NDCG_AT, MRR_AT = 10, 10
FTS5_SPECIAL = re.compile(r"[^\w\s]|_")  # FTS5 syntax characters; unicode61 splits words on them anyway


@dataclass(frozen=True)
class Collection:
    """A BEIR collection as read from disk: documents, the judged queries and their graded judgments."""

    name: str
    docs: dict  # _id -> (title, text), in file order
    queries: dict  # _id -> text, only queries with at least one relevant (score > 0) judgment, in file order
    qrels: dict  # query _id -> {doc _id: score}


# --- metrics: pure functions of one ranking and one query's judgments --------------------------------

def ndcg_at(ranking: list, gains: dict, k: int = NDCG_AT) -> float:
    """Return nDCG@k: gain = the judgment's score, discount log2(rank + 1), ideal from every judged doc.

    `ranking` holds distinct ids, best first; `gains` maps judged ids to their scores.

    >>> ndcg_at(["d1", "d2"], {"d1": 2, "d2": 1})
    1.0
    >>> round(ndcg_at(["x", "d1"], {"d1": 1}), 4)  # 1 / log2(3)
    0.6309
    >>> ndcg_at(["x"], {"d1": 0})
    0.0
    """
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranking: list, gains: dict, k: int = 100) -> float:
    """Return the share of the relevant docs (score > 0) found in the first k results.

    >>> recall_at(["d1", "x", "d3"], {"d1": 1, "d2": 2, "d3": 1, "d4": 0})
    0.6666666666666666
    >>> recall_at(["d1", "x", "d3"], {"d1": 1, "d2": 2, "d3": 1}, k=2)
    0.3333333333333333
    """
    relevant = {d for d, g in gains.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at(ranking: list, gains: dict, k: int = MRR_AT) -> float:
    """Return 1 / rank of the first relevant doc (score > 0) in the first k results, else 0.

    >>> mrr_at(["x", "y", "d2"], {"d2": 1})
    0.3333333333333333
    >>> mrr_at(["x", "d0", "d2"], {"d0": 0, "d2": 3}, k=2)
    0.0
    """
    for i, d in enumerate(ranking[:k]):
        if gains.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def score_run(rankings: dict, qrels: dict, depth: int) -> tuple:
    """Return (mean figures, per-query figures) of {query id: ranking} against the judgments."""
    names = (f"ndcg@{NDCG_AT}", f"recall@{depth}", f"mrr@{MRR_AT}")
    per_query = {}
    for qid, ranking in rankings.items():
        gains = qrels[qid]
        per_query[qid] = dict(zip(names, (ndcg_at(ranking, gains), recall_at(ranking, gains, depth),
                                          mrr_at(ranking, gains))))
    n = len(per_query) or 1
    means = {m: round(sum(f[m] for f in per_query.values()) / n, 4) for m in names}
    return means, {q: {m: round(v, 4) for m, v in f.items()} for q, f in per_query.items()}


# --- reading a BEIR folder -----------------------------------------------------------------------

def read_collection(folder: str, progress: Optional[Progress] = None) -> Collection:
    """Read and check a BEIR folder.

    Raises:
        BadInput: a missing file, a bad line (`file:line: reason`), or no query with a relevant judgment.
    """
    progress = progress or Progress()
    root = Path(folder)
    if not root.is_dir():
        raise BadInput(f"{folder} is not a folder (a BEIR folder holds {CORPUS}, {QUERIES} and {QRELS})")
    for rel in (CORPUS, QUERIES, QRELS):
        if not (root / rel).is_file():
            raise BadInput(f"{root / rel} is missing (a BEIR folder holds {CORPUS}, {QUERIES} and {QRELS})")
    docs = {}
    for where, rec in _jsonl(root / CORPUS):
        _id = _field(rec, "_id", where, required=True)
        if _id in docs:
            raise BadInput(f"{where}: duplicate _id {_id!r}")
        docs[_id] = (_field(rec, "title", where), _field(rec, "text", where))
        checked = make_article(_as_record(_id, *docs[_id]), where, CORPUS)
        if isinstance(checked, Rejected):  # an id the product cannot store
            raise BadInput(str(checked))
    if not docs:
        raise BadInput(f"{root / CORPUS} has no documents")
    texts = {}
    for where, rec in _jsonl(root / QUERIES):
        texts[_field(rec, "_id", where, required=True)] = _field(rec, "text", where, required=True)
    qrels = _read_qrels(root / QRELS)
    unknown_q = [q for q in qrels if q not in texts]
    if unknown_q:
        progress.warn(f"{len(unknown_q)} judged query id(s) are not in {QUERIES} (e.g. {unknown_q[0]!r}); skipped")
    unknown_d = {d for judged in qrels.values() for d in judged if d not in docs}
    if unknown_d:
        progress.warn(f"{len(unknown_d)} judged document id(s) are not in {CORPUS}; they count as not found")
    queries = {q: t for q, t in texts.items() if any(g > 0 for g in qrels.get(q, {}).values())}
    if not queries:
        raise BadInput(f"no query in {root / QUERIES} has a relevant judgment (score > 0) in {root / QRELS}")
    return Collection(name=root.resolve().name, docs=docs, queries=queries,
                      qrels={q: qrels[q] for q in queries})


def _jsonl(path: Path):
    """Yield (`file:line`, object) for each non-empty line; raise BadInput on a line that is not an object."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror or e}") from e
    for n, raw in enumerate(data.split(b"\n"), 1):
        where = f"{path}:{n}"
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise BadInput(f"{where}: not UTF-8 (byte {e.start})") from e
        except json.JSONDecodeError as e:
            raise BadInput(f"{where}: invalid JSON: {e.msg}") from e
        if not isinstance(rec, dict):
            raise BadInput(f"{where}: expected a JSON object, got {type(rec).__name__}")
        yield where, rec


def _field(rec: dict, key: str, where: str, required: bool = False) -> str:
    v = rec.get(key)
    if v is None or v == "":
        if required:
            raise BadInput(f"{where}: missing {key}")
        return ""
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise BadInput(f"{where}: {key} must be a string, got {type(v).__name__}")
    return str(v)


def _read_qrels(path: Path) -> dict:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise BadInput(f"{path}: not UTF-8 (byte {e.start})") from e
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror or e}") from e
    qrels: dict = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("\t")]
        if n == 1:
            if cells[:2] != ["query-id", "corpus-id"]:
                raise BadInput(f"{path}:1: expected the header query-id<TAB>corpus-id<TAB>score")
            continue
        if len(cells) != 3 or not cells[0] or not cells[1]:
            raise BadInput(f"{path}:{n}: expected 3 tab-separated cells (query-id, corpus-id, score), "
                           f"got {len(cells)}")
        try:
            score = int(cells[2])
        except ValueError:
            raise BadInput(f"{path}:{n}: score must be a whole number, not {cells[2][:20]!r}") from None
        qrels.setdefault(cells[0], {})[cells[1]] = score
    return qrels


def _as_record(_id: str, title: str, text: str) -> dict:
    """The product's JSONL record for one BEIR doc; the product refuses empty titles and bodies."""
    title = title if clean_text(title) else ""
    text = text if clean_text(text) else ""
    return {"id": _id, "title": title or "(untitled)", "body": text or title or "(empty)"}


# --- the two runs --------------------------------------------------------------------------------

def rank_product(col: Collection, workdir: Path, depth: int, progress: Progress,
                 tunings: Optional[dict] = None) -> dict:
    """Index the corpus with the product's own pipeline and return {query id: ranked doc ids}; with
    `tunings` ({label: Tuning}), {label: {query id: ranked doc ids}} from the same index."""
    src = workdir / "corpus.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for _id, (title, text) in col.docs.items():
            fh.write(json.dumps(_as_record(_id, title, text), ensure_ascii=False) + "\n")
    index_dir = workdir / "index"
    build_index([str(src)], str(index_dir), full=True, strict=True, progress=progress)
    view = IndexView(str(index_dir))
    runs = {}
    try:
        for label, tuning in (tunings or {"casearch": DEFAULT}).items():
            rankings = runs[label] = {}
            progress.start(f"Searching ({label})", len(col.queries))
            per_page = min(depth, config.get("max_per_page"))  # the largest page the API serves
            for qid, text in col.queries.items():
                ids, page = [], 1
                while len(ids) < depth:
                    try:
                        req = build_request(q=text, per_page=per_page, page=page)
                    except BadQuery as e:  # not from the text: build_request takes any length of query
                        raise BadInput(f"{QUERIES}: query {qid!r} cannot be searched: {e}") from e
                    hits = run(refine(req, fold=False), view, tuning).hits  # judged one by one: copies not folded
                    ids.extend(h.id for h in hits)
                    if len(hits) < req.per_page:
                        break
                    page += 1
                rankings[qid] = ids[:depth]
                progress.advance()
            progress.finish()
    finally:
        view.close()
    return runs if tunings else runs["casearch"]


def fts5_or_query(text: str) -> str:
    """Turn free text into an FTS5 query matching any of its words (FTS5 ANDs bare words).

    >>> fts5_or_query('what "similarity" laws (heated) -- high-speed AND near*')
    '"what" OR "similarity" OR "laws" OR "heated" OR "high" OR "speed" OR "and" OR "near"'
    """
    words = dict.fromkeys(FTS5_SPECIAL.sub(" ", text.lower()).split())
    return " OR ".join(f'"{w}"' for w in words)


def rank_baseline(col: Collection, depth: int, progress: Progress) -> dict:
    """Return {query id: ranked doc ids} from SQLite FTS5 BM25 over title and text.

    Raises:
        SearchError: this Python's SQLite has no FTS5.
    """
    db = sqlite3.connect(":memory:")
    try:
        try:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, text, tokenize='porter unicode61')")
        except sqlite3.OperationalError as e:
            raise SearchError(f"the baseline needs SQLite with FTS5, which this Python lacks ({e})") from e
        db.executemany("INSERT INTO t (id, title, text) VALUES (?, ?, ?)",
                       ((i, t, x) for i, (t, x) in col.docs.items()))
        rankings = {}
        progress.start("Searching (baseline)", len(col.queries))
        for qid, text in col.queries.items():
            match = fts5_or_query(text)
            rows = db.execute("SELECT id FROM t WHERE t MATCH ? ORDER BY bm25(t), rowid LIMIT ?",
                              (match, depth)).fetchall() if match else []
            rankings[qid] = [r[0] for r in rows]
            progress.advance()
        progress.finish()
    finally:
        db.close()
    return rankings


def evaluate(folder: str, progress: Optional[Progress] = None, depth: int = 100, tuning: Tuning = DEFAULT) -> dict:
    """Measure the product's ranking on a BEIR-layout folder, next to a plain BM25 baseline.

    Args:
        folder: holds corpus.jsonl, queries.jsonl and qrels/test.tsv.
        progress: receives the steps (indexing, searching) and warnings.
        depth: results taken per query (the cut-off of recall).
        tuning: the relevance settings measured (the product's by default).
    Returns:
        {"collection", "documents", "queries" (evaluated: those with a relevant judgment),
         "metrics": {"ndcg@10", "recall@100", "mrr@10"}, "baseline": {"name", the same three},
         "seconds", "per_query": {query id: the product's three figures}}; floats rounded to 4 places.
    Raises:
        BadInput: the folder is not a readable BEIR collection.
    """
    if depth < max(NDCG_AT, MRR_AT):
        raise BadInput(f"depth must be at least {max(NDCG_AT, MRR_AT)}")
    progress = progress or Progress()
    t0 = time.perf_counter()
    col = read_collection(folder, progress)
    with tempfile.TemporaryDirectory(prefix="casearch-eval-") as tmp:
        product = rank_product(col, Path(tmp), depth, progress, {"casearch": tuning})["casearch"]
    baseline = rank_baseline(col, depth, progress)
    metrics, per_query = score_run(product, col.qrels, depth)
    base_metrics, _ = score_run(baseline, col.qrels, depth)
    return {"collection": col.name, "documents": len(col.docs), "queries": len(col.queries),
            "metrics": metrics, "baseline": {"name": BASELINE, **base_metrics}, "tuning": tuning.changed(),
            "seconds": round(time.perf_counter() - t0, 4), "per_query": per_query}
