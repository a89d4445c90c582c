"""Load: 8 clients search a real server for LOAD_SECONDS while a full reindex swaps the generation.

Loopback only, bounded in time and requests. Asserts zero errors and that the server picked up the new
generation without a restart; prints the latency percentiles during and after the reindex.
"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest

from search.synth import build_vocabulary, generate_corpus, query_mix
from search.indexing.run import build_index
from search.engine.store import current_generation

from .conftest import ROOT

pytestmark = pytest.mark.slow  # a minute of eight clients during a full reindex

LOAD_SECONDS = float(os.environ.get("CASEARCH_LOAD_SECONDS", "60"))
CLIENTS = 8
DOCS = 3000


def test_searching_during_a_full_reindex_has_no_errors(tmp_path, capsys):
    src = tmp_path / "corpus.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for rec in generate_corpus(DOCS, seed=11):
            fh.write(json.dumps(rec) + "\n")
    idx = tmp_path / "index"
    build_index([str(src)], str(idx), full=True)
    first_gen = current_generation(str(idx)).name
    mix = query_mix(200, 11, build_vocabulary(11))

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    server = subprocess.Popen([sys.executable, "-m", "search", "serve", "--port", str(port), "--index-dir", str(idx),
                               "--threads", "8"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=open(tmp_path / "server.log", "w"))
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        for _ in range(100):
            try:
                opener.open(base + "/api/stats", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        samples = []  # (finished_at, ms, phase)
        errors = []
        reindex_done = threading.Event()
        deadline = time.time() + LOAD_SECONDS

        def client(k):
            i = k
            while time.time() < deadline:
                q = mix[i % len(mix)]
                i += CLIENTS
                names = {"date_from": "from", "date_to": "to"}
                params = [("q", q["q"])] + [(names.get(f, f), v) for f, vals in q.get("filters", {}).items()
                                            for v in (vals if isinstance(vals, list) else [vals])]
                url = base + "/api/search?" + urllib.parse.urlencode(params)
                t0 = time.perf_counter()
                try:
                    with opener.open(url, timeout=30) as r:
                        json.loads(r.read())
                        status = r.status
                except urllib.error.HTTPError as e:
                    status = e.code
                except Exception as e:  # a refused or broken connection is an error too
                    errors.append(f"{type(e).__name__}: {e}")
                    continue
                if status != 200 and status != 400:
                    errors.append(f"{status} for {url}")
                samples.append((time.time(), (time.perf_counter() - t0) * 1000,
                                "after" if reindex_done.is_set() else "during"))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(min(2.0, LOAD_SECONDS / 10))
        t_re = time.perf_counter()
        reindex = subprocess.run([sys.executable, "-m", "search", "index", str(src), "--full", "--index-dir", str(idx)],
                                 cwd=ROOT, capture_output=True, text=True)
        reindex_seconds = time.perf_counter() - t_re
        reindex_done.set()
        for t in threads:
            t.join(LOAD_SECONDS + 60)
        new_gen = current_generation(str(idx)).name
        stats = json.loads(opener.open(base + "/api/stats", timeout=10).read())
    finally:
        server.terminate()
        server.wait(10)

    assert reindex.returncode == 0, reindex.stderr[-300:]
    assert errors == [], (tmp_path / "server.log").read_text()[-3000:]
    assert new_gen != first_gen and stats["generation"] == new_gen  # picked up without a restart
    lines = [f"load: {CLIENTS} clients for {LOAD_SECONDS:.0f} s, {DOCS} articles; full reindex took "
             f"{reindex_seconds:.1f} s; {len(samples)} requests, {len(errors)} errors"]
    for phase in ("during", "after"):
        ms = np.array([m for _, m, p in samples if p == phase])
        if ms.size:
            p50, p95, p99 = np.percentile(ms, [50, 95, 99])
            lines.append(f"  {phase:>6} the reindex: n={ms.size} p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert len(samples) > CLIENTS
