"""The benchmark: casearch against SQLite FTS5 on a synthetic news corpus, both warm, in one process.

In: a corpus size, a query count and a seed. Out: a dict of figures (indexing speed, size on disk, open
time, peak RSS, latency percentiles overall and per query kind, ratios, the real `casearch serve` over
HTTP) with a readable `table`. The corpus and the query mix are deterministic for a seed; every file lives
in a temporary folder. Both engines read the same JSONL file and tag it with the product's taggers (so
SQLite's build time includes tagging, as the product's does); query i runs on casearch, then on SQLite,
after an uncounted warm-up. It does not judge relevance (that is `casearch eval`) and asserts no speed.
"""
from __future__ import annotations

import http.client
import json
import os
import platform
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from . import config, tagging
from .errors import SearchError
from .indexing.report import Progress
from .indexing.run import build_index
from .query.request import build_request
from .engine import IndexView
from .fts_bench import SQLITE_LIMIT_S, SqliteEngine
from .query.entities import dossier
from .query.run import run
from .synth import KINDS, build_vocabulary, generate_corpus, query_mix  # noqa: F401 (re-exported)

WARMUP, HTTP_CLIENTS, HTTP_BUDGET_S, SERVER_START_S = 20, 4, 60.0, 30.0
INCREMENTAL_DOCS = 1000  # articles added to the built index by an incremental run
DOSSIER_VALUES, DOSSIER_ROUNDS = 10, 3  # dossiers timed: the largest values of each facet, rounds of each

# --- the run -----------------------------------------------------------------------------------------

def run_bench(docs: int = 2000, queries: int = 200, progress=None, http: bool = True, seed: int = 7) -> dict:
    """Benchmark casearch against SQLite FTS5 on a synthetic corpus of `docs` articles.

    Args:
        docs, queries: sizes of the corpus and of the query mix; seed: makes both deterministic.
        progress: receives the steps (the indexer's Progress protocol); http: also measure `casearch serve`.
    Returns:
        the figures (module docstring) as a dict with a text `table`; floats rounded to 2 decimals.
    Raises:
        SearchError: the server did not answer within SERVER_START_S seconds.
    """
    progress = progress or Progress()
    mix = query_mix(queries, seed, build_vocabulary(seed))
    res = {"docs": docs, "queries": queries, "seed": seed,
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    engines = res["engines"] = {"casearch": {}, "sqlite_fts5": {}}
    with tempfile.TemporaryDirectory(prefix="casearch-bench-") as tmp:
        jsonl, idx_dir, sqlite = Path(tmp) / "corpus.jsonl", str(Path(tmp) / "index"), SqliteEngine(f"{tmp}/fts5.db")
        progress.start("Generating the corpus", docs)
        with open(jsonl, "w", encoding="utf-8") as fh:
            for rec in generate_corpus(docs, seed):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                progress.advance()
        tagging.taggers()  # load the gazetteers once, outside both timings
        progress.start("Indexing with casearch", None)
        t0 = time.perf_counter()
        build_index([str(jsonl)], idx_dir, full=True)
        _build_figures(engines["casearch"], docs, t0, Path(idx_dir).rglob("*"))
        progress.start("Indexing with SQLite FTS5", None)
        t0 = time.perf_counter()
        sqlite.build(str(jsonl))
        _build_figures(engines["sqlite_fts5"], docs, t0, Path(tmp).glob("fts5.db*"))
        engines["sqlite_fts5"]["tag_seconds"] = round(sqlite.tag_seconds, 2)  # casearch tags the same records
        t0 = time.perf_counter()
        view = IndexView(idx_dir)  # opened once, as `serve` keeps it
        engines["casearch"]["open_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        t0 = time.perf_counter()
        view.warm()  # as `serve` does in the background after opening
        engines["casearch"]["warm_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        engines["casearch"]["preloaded_mb"] = round(view.preloaded_bytes / (1 << 20), 2)
        t0 = time.perf_counter()
        sqlite.open()
        engines["sqlite_fts5"]["open_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        try:
            _query_both(engines, {"casearch": view, "sqlite_fts5": sqlite}, mix, progress)
            engines["casearch"]["dossier"] = _dossier_bench(view, progress)
        finally:
            sqlite.close()
            view.close()
        res["peak_rss_mb"] = _rss_mb()
        res["http"] = _http_bench(idx_dir, mix, progress) if http else None
        engines["casearch"]["incremental"] = _incremental(tmp, idx_dir, docs, seed, progress)
    progress.finish()
    a, b = engines["casearch"], engines["sqlite_fts5"]
    res["ratios"] = {k: round(a[f"{k}_ms"] / b[f"{k}_ms"], 2) if b[f"{k}_ms"] else None
                     for k in ("p50", "p95", "p99")}
    res["ratios"]["index_docs_per_s"] = round(a["index_docs_per_s"] / b["index_docs_per_s"], 2)
    res["table"] = _table(res)
    return res


def _incremental(tmp: str, idx_dir: str, docs: int, seed: int, progress) -> dict:
    """Add INCREMENTAL_DOCS new articles to the built index (an incremental `casearch index` run)."""
    extra = Path(tmp) / "more.jsonl"
    with open(extra, "w", encoding="utf-8") as fh:
        for i, rec in enumerate(generate_corpus(INCREMENTAL_DOCS, seed + 1)):
            fh.write(json.dumps(dict(rec, id=f"more-{i:07d}"), ensure_ascii=False) + "\n")
    progress.start(f"Adding {INCREMENTAL_DOCS:,} articles", None)
    t0 = time.perf_counter()
    report = build_index([str(extra)], idx_dir)
    return {"added": report.added, "seconds": round(time.perf_counter() - t0, 2), "articles": report.articles}


def _build_figures(out: dict, docs: int, t0: float, files) -> None:
    took = time.perf_counter() - t0
    # peak_rss_mb is the process's peak so far: after SQLite's build it cannot be below casearch's
    out.update(index_docs_per_s=round(docs / took, 2), index_seconds=round(took, 2),
               index_bytes=sum(f.stat().st_size for f in files if f.is_file()), peak_rss_mb=_rss_mb())


def _rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 2)


def _ask(name: str, engine, q: dict) -> int:
    f = q["filters"]
    if name == "sqlite_fts5":
        return engine.search(q["q"], f.get("country", ""), f.get("date_from", ""), f.get("date_to", ""))
    req = build_request(q["q"], country=(f["country"],) if f.get("country") else (), date_from=f.get("date_from"),
                        date_to=f.get("date_to"))
    return run(req, engine).total


def _dossier_bench(view, progress) -> dict:
    """Time the dossiers of the DOSSIER_VALUES largest values of each tagged facet (the slowest: every figure
    runs over all their articles), DOSSIER_ROUNDS times each after one uncounted run."""
    progress.start("Dossiers of the largest values", None)
    ms, largest = [], {}
    for facet in ("country", "person", "topic"):
        top, _ = view.facets[facet].counts(view.live, DOSSIER_VALUES)
        if top:
            largest[facet] = {"value": top[0][0], "articles": top[0][1]}
        for value, _ in top:
            dossier(view, facet, value)
            for _ in range(DOSSIER_ROUNDS):
                t0 = time.perf_counter()
                dossier(view, facet, value)
                ms.append((time.perf_counter() - t0) * 1000)
    return {**_percentiles(ms, (50, 95)), "n": len(ms), "largest": largest}


def _percentiles(ms: list, qs=(50, 95, 99)) -> dict:
    return {f"p{p}_ms": round(v, 2) for p, v in zip(qs, np.percentile(ms, qs).tolist() if ms else [0.0] * len(qs))}


def _query_both(engines: dict, handles: dict, mix: list, progress) -> None:
    """Run query i on casearch, then on SQLite, after an uncounted warm-up; record times and answers."""
    progress.start("Warming up", None)
    for q in mix[:WARMUP]:
        for name, engine in handles.items():
            try:
                _ask(name, engine, q)
            except (SearchError, sqlite3.Error):
                pass  # counted in the measured pass
    times, zero, errors, timeouts = ({name: [] for name in handles} for _ in range(4))
    progress.start("Querying both engines", len(mix))
    for q in mix:
        for name, engine in handles.items():
            t0 = time.perf_counter()
            try:
                total = _ask(name, engine, q)
            except sqlite3.OperationalError as e:
                if "interrupted" not in str(e):
                    errors[name].append(f"{q['kind']} {q['q']!r}: {e}")
                    continue
                timeouts[name].append(q["q"])  # counted at the limit: SQLite's percentiles are lower bounds
                times[name].append((SQLITE_LIMIT_S * 1000, q["kind"]))
                continue
            except (SearchError, sqlite3.Error) as e:
                errors[name].append(f"{q['kind']} {q['q']!r}: {e}")
                continue
            times[name].append(((time.perf_counter() - t0) * 1000, q["kind"]))
            zero[name].append(total == 0)
        progress.advance()
    for name, out in engines.items():
        out.update(_percentiles([t for t, _ in times[name]]), answered=len(times[name]) - len(timeouts[name]),
                   timeouts=len(timeouts[name]), zero_results=sum(zero[name]), errors=errors[name][:5], by_kind={})
        for kind in KINDS:
            ms = [t for t, k in times[name] if k == kind]
            if ms:
                out["by_kind"][kind] = {**_percentiles(ms, (50, 95)), "n": len(ms)}


# --- HTTP: the real server ---------------------------------------------------------------------------

def _http_bench(idx_dir: str, mix: list, progress) -> dict:
    """Start `casearch serve` on a free loopback port; time /api/search with one client, then HTTP_CLIENTS."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/api/search?"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never through a proxy
    keys = (("country", "country"), ("date_from", "from"), ("date_to", "to"))
    urls = [base + urlencode({"q": q["q"], **{p: q["filters"][k] for k, p in keys if k in q["filters"]}})
            for q in mix]
    cmd = [sys.executable, "-m", "search", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--index-dir", idx_dir]
    progress.start("Starting casearch serve", None)
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=str(config.ROOT), stdout=subprocess.DEVNULL, stderr=log)
        try:
            t_start = time.perf_counter()
            deadline = time.monotonic() + SERVER_START_S
            while _get(opener, base + "q=", deadline, timeout=2) in ("error", None):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SearchError(f"casearch serve did not answer within {SERVER_START_S:.0f} s: "
                                      f"{log.read().decode('utf-8', 'replace').strip()[-300:]}")
                time.sleep(0.1)
            out = {"start_s": round(time.perf_counter() - t_start, 2), "rss_after_start_mb": _proc_rss_mb(proc.pid),
                   "pss_after_start_mb": _proc_rss_mb(proc.pid, "Pss:")}
            for u in urls[:WARMUP]:
                _get(opener, u, time.monotonic() + HTTP_BUDGET_S)
            for clients in (1, HTTP_CLIENTS):
                progress.start(f"HTTP with {clients} client(s)", None)
                deadline, t0 = time.monotonic() + HTTP_BUDGET_S, time.perf_counter()
                with ThreadPoolExecutor(clients) as pool:
                    got = list(pool.map(lambda u: _get(opener, u, deadline), urls))
                ms = [g for g in got if isinstance(g, float)]
                out[f"clients_{clients}"] = {**_percentiles(ms, (50, 95)), "n": len(ms), "errors": got.count("error"),
                                             "qps": round(len(ms) / (time.perf_counter() - t0), 2)}
            out["rss_after_queries_mb"] = _proc_rss_mb(proc.pid)
            out["pss_after_queries_mb"] = _proc_rss_mb(proc.pid, "Pss:")
            return out
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _proc_rss_mb(pid: int, key: str = "Rss:") -> float:
    """Memory of another process from /proc/PID/smaps_rollup (Linux), or 0.0 where it cannot be read.

    Rss counts a file page once per mapping: every server thread's searcher maps the index files, so
    Pss (pages shared with other mappings counted in proportion) is the honest figure.
    """
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(key):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _get(opener, url: str, deadline: float, timeout: float = 10):
    """Return the request's time in ms, "error", or None when the time budget ran out before it."""
    if time.monotonic() > deadline:
        return None
    t0 = time.perf_counter()
    try:
        with opener.open(url, timeout=timeout) as r:
            r.read()
    except (OSError, http.client.HTTPException):  # refused, 4xx/5xx, timeouts, broken responses
        return "error"
    return (time.perf_counter() - t0) * 1000


def _table(res: dict) -> str:
    a, b, r, m = res["engines"]["casearch"], res["engines"]["sqlite_fts5"], res["ratios"], res["machine"]
    fmt = lambda e, k: f"{e[k] / 1e6:.2f}" if k == "index_bytes" else f"{e[k]:,}" if isinstance(e[k], int) \
        else f"{e[k]:,.2f}"
    rows = (("index docs/s", "index_docs_per_s"), ("index seconds", "index_seconds"),
            ("index size MB", "index_bytes"), ("open ms", "open_ms"), ("peak RSS MB (process)", "peak_rss_mb"),
            ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms"), ("queries answered", "answered"),
            ("timeouts", "timeouts"), ("zero results", "zero_results"))
    lines = [f"casearch bench: {res['docs']:,} docs, {res['queries']:,} queries, seed {res['seed']} "
             f"({m['cpus']} CPUs, Python {m['python']}); both warm in one process, queries interleaved",
             f"{'':<24}{'casearch':>12}{'sqlite_fts5':>14}{'ratio':>8}"]
    lines += [f"{label:<24}{fmt(a, k):>12}{fmt(b, k):>14}{r.get(k.replace('_ms', ''), '') or '':>8}"
              for label, k in rows]
    lines.append(f"{'p50 / p95 ms by kind':<24}{'casearch':>15}{'sqlite_fts5':>17}")
    for kind, x in a["by_kind"].items():
        y = b["by_kind"].get(kind, {"p50_ms": 0.0, "p95_ms": 0.0})
        label = f"{kind} (n={x['n']})"
        lines.append(f"  {label:<22}{x['p50_ms']:>7.2f} /{x['p95_ms']:>7.2f}"
                     f"{y['p50_ms']:>9.2f} /{y['p95_ms']:>7.2f}")
    dz = a.get("dossier")
    if dz:
        big = ", ".join(f"{v['value']} {v['articles']:,}" for v in dz["largest"].values())
        lines.append(f"casearch dossiers of the {DOSSIER_VALUES} largest countries, people and topics ({dz['n']} timed, "
                     f"largest: {big} articles): p50 {dz['p50_ms']:.2f} ms, p95 {dz['p95_ms']:.2f} ms")
    lines.append(f"casearch warm-up after opening, as serve does in the background (preload of {a['preloaded_mb']:,.0f} "
                 f"MB of the index, snippet analysis of its most frequent words): {a['warm_ms']:,.0f} ms")
    if res["http"]:
        h = res["http"]
        lines.append(f"casearch serve: answering {h['start_s']:.2f} s after start; PSS {h['pss_after_start_mb']:.1f} MB "
                     f"(RSS {h['rss_after_start_mb']:.1f}) after start, PSS {h['pss_after_queries_mb']:.1f} MB "
                     f"(RSS {h['rss_after_queries_mb']:.1f}) after the HTTP queries")
        for key, c in ((k, v) for k, v in h.items() if k.startswith("clients_")):
            lines.append(f"HTTP /api/search, {key.split('_')[1]} client(s): p50 {c['p50_ms']:.2f} ms, p95 "
                         f"{c['p95_ms']:.2f} ms, {c['qps']:.2f} queries/s, {c['n']} answered, {c['errors']} errors")
    inc = a.get("incremental")
    if inc:
        lines.append(f"incremental run: {inc['added']:,} articles added to the index in {inc['seconds']:.2f} s "
                     f"({inc['articles']:,} articles after it)")
    return "\n".join(lines + [
        f"peak RSS of the whole run (process peak): {res['peak_rss_mb']:.2f} MB",
        f"SQLite's build spent {b['tag_seconds']:.2f} s of its {b['index_seconds']:.2f} s in the product's taggers",
        "ratio = casearch / sqlite_fts5 (latency below 1 or docs/s above 1: casearch faster). Both builds include",
        "tagging with the product's taggers. FTS5 has no fuzzy matching: typo and variant queries are plain terms.",
        f"A SQLite query is stopped after {SQLITE_LIMIT_S:.0f} s and counted at {SQLITE_LIMIT_S:.0f} s, so its "
        "percentiles are lower bounds when it timed out."])
