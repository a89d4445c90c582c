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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import numpy as np

from . import analysis, config, tagging
from .errors import SearchError
from .indexer import Progress, build_index
from .models import Article
from .query import build_request, run
from .view import IndexView

ZIPF_S, PSEUDO_WORDS = 1.1, 20_000
WARMUP, HTTP_CLIENTS, HTTP_BUDGET_S, SERVER_START_S = 20, 4, 60.0, 30.0
FIRST_DAY, LAST_DAY = date(2016, 1, 1).toordinal(), date(2025, 12, 31).toordinal()
KINDS = ("single", "multi", "phrase", "prefix", "typo", "variant", "filtered")
# one block of 20 queries: every kind within the first seven, then in proportion (4/4/3/2/2/2/3)
BLOCK = KINDS + ("single", "multi", "phrase", "filtered", "single", "multi", "prefix", "typo", "variant",
                 "phrase", "filtered", "single", "multi")

FUNCTION = ("the of to and a in that for on is said with was as by at from it has be have are will were its an "
            "not but which this also after had been more over their they who about than would").split()
NEWS = tuple(dict.fromkeys("""
government minister ministry president official officials country region regional city capital border
water energy power project company companies bank market prices price economy economic growth budget tax
law court police army defense foreign domestic international national local public private state people
citizens residents workers farmers students teachers doctors women children families river lake land
agriculture wheat cotton grain harvest food flood weather winter summer spring autumn year month week day
report statistics percent million billion tenge ruble dollar currency inflation loan debt credit fund agency
committee council deputy deputies senate vote voters campaign party opposition leader leaders talks meeting
visit delegation agreement deal cooperation partnership relations sanctions embassy ambassador decree reform
reforms policy program plan strategy construction road bridge airport flight flights airline transport
traffic station port cargo logistics corridor freight exports imports industry factory plant mining copper
gold uranium coal steel metal refinery electricity solar wind hydropower dam reservoir irrigation canal
emissions pollution dust heat temperature mountain valley desert steppe village district province school
university clinic medicine vaccine disease patients tourism tourists hotel festival culture museum theater
music film sport football team champion history heritage language media journalist newspaper television
internet online technology startup software network mobile satellite space launch research scientists
science study survey judge trial prison sentence corruption investigation prosecutor crime terrorism guards
soldiers exercise weapons conflict peace refugees humanitarian donor investors business entrepreneurs jobs
employment unemployment wages salaries pension housing apartment rent mortgage infrastructure highway
tunnel bus metro tram taxi electric vehicles battery lithium fertilizer livestock cattle meat milk bread
sugar rice fruit vegetables market retail consumer shops online banking payment fintech crypto mining
audit tender contract contractor subsidy grant scholarship exam graduates youth pensioners volunteers
earthquake landslide avalanche snow rain rivers floods wildfire forest wildlife leopard park reserve
parliamentary ministerial governor mayor akim spokesman statement interview press conference forum
delegates summit bilateral regional neighbors neighbours partners dialogue negotiations treaty protocol
memorandum initiative roadmap priority priorities challenges opportunities development sustainable
modernization privatization shares stock exchange dividends revenue profit losses deficit surplus
""".split()))
PHRASES = ("foreign minister", "water supply", "border crossing", "trade agreement", "state media",
           "power plant", "central bank", "interest rate", "grain harvest", "gas field", "press service",
           "prime minister", "joint venture", "free economic zone", "energy ministry", "wheat exports",
           "cotton harvest", "solar park", "road construction", "customs union", "transit corridor",
           "drinking water", "budget deficit", "public health", "election commission", "coal mine")
COUNTRIES = {"Kazakhstan": 20, "Kyrgyzstan": 10, "Tajikistan": 8, "Uzbekistan": 12, "Turkmenistan": 5,
             "Russia": 12, "China": 10, "United States": 8, "Turkey": 4, "Iran": 4, "Afghanistan": 4,
             "Azerbaijan": 2, "Mongolia": 2, "India": 2, "Pakistan": 2, "Germany": 2, "Japan": 2}
DEMONYMS = ("Kazakh", "Kyrgyz", "Tajik", "Uzbek", "Turkmen", "Russian", "Chinese", "American", "Turkish",
            "Iranian", "Afghan")
CITIES = ("Almaty", "Astana", "Shymkent", "Bishkek", "Osh", "Tashkent", "Samarkand", "Dushanbe", "Ashgabat",
          "Moscow", "Beijing", "Washington", "Ankara", "Istanbul", "Tehran", "Kabul")
LEADERS = (("President Kassym-Jomart Tokayev", "Tokayev"), ("Vladimir Putin", "Putin"),
           ("Shavkat Mirziyoyev", "Mirziyoyev"), ("Sadyr Japarov", "Japarov"), ("Xi Jinping", "Xi Jinping"),
           ("Donald Trump", "Trump"), ("Emomali Rahmon", "Rahmon"))
TOPICS = ("parliament", "election", "oil", "gas", "pipeline", "migrant", "glacier", "drought", "railway",
          "mosque", "hospital", "artificial intelligence", "referendum", "constitution", "investment", "trade",
          "nuclear power", "climate change", "labor migration", "human rights", "activist", "military",
          "security", "healthcare", "education", "digital", "aircraft", "air taxi")
VARIANTS = ("Tokaev", "Mirziyoev", "Zhaparov", "Kazakstan", "Kyrgystan", "Tajikstan")
FIRST = ("Aibek Nurlan Dilnoza Gulnara Timur Azamat Saule Bakhtiyor Madina Erlan Zarina Rustam Aigerim Farrukh "
         "Dinara Askar Kamila Murat Nodira Bolat Anvar Malika Daniyar Shakhnoza Ilyas Elena Sergei Olga").split()
LAST = ("Abdullaev Sultanov Karimova Nurpeisov Iskakova Rakhimov Tursunova Bekmuratov Omarova Yusupov Ismailov "
        "Akhmetova Zhunusov Saidova Khodjaev Alimova Kurmanov Ermekova Sadykov Nazarova Petrov Ivanova").split()


@dataclass(frozen=True)
class Vocabulary:
    """The words of a synthetic corpus: `words` by Zipf rank (most frequent first) and the named pools."""

    words: tuple
    cdf: np.ndarray  # cumulative Zipf probabilities over `words`
    people: tuple  # (full form, short form) pairs: the leaders, then generated names
    authors: tuple

    def draw(self, rng: np.random.Generator, k: int) -> list:
        """Draw k words from the Zipf distribution."""
        idx = np.minimum(np.searchsorted(self.cdf, rng.random(k), side="right"), len(self.words) - 1)
        return [self.words[i] for i in idx.tolist()]


def build_vocabulary(seed: int) -> Vocabulary:
    """Build the vocabulary of a seed: function words first, real news words among pseudo-words, names."""
    rng = np.random.default_rng([seed, 1])
    onsets, vowels = "b d f g k l m n p r s t v z sh kh zh ch".split(), list("aeiou") + ["ai", "ou"]
    taken, pseudo = set(FUNCTION) | set(NEWS), []
    while len(pseudo) < PSEUDO_WORDS:
        n_syl, ons, vow = rng.integers(2, 5, 4096), rng.integers(18, size=(4096, 4)), rng.integers(7, size=(4096, 4))
        for n, o, v in zip(n_syl.tolist(), ons.tolist(), vow.tolist()):
            w = "".join(onsets[o[j]] + vowels[v[j]] for j in range(n))
            if w not in taken and len(pseudo) < PSEUDO_WORDS:
                taken.add(w)
                pseudo.append(w)
    size = len(FUNCTION) + len(NEWS) + len(pseudo)
    words = list(FUNCTION) + [None] * (size - len(FUNCTION))
    # real news words take ranks among the first 1,000 (frequent to mid-frequency), pseudo-words the rest
    for pos, w in zip(sorted(rng.choice(np.arange(len(FUNCTION), 1000), len(NEWS), replace=False).tolist()), NEWS):
        words[pos] = w
    rest = iter(pseudo)
    words = [w if w is not None else next(rest) for w in words]
    p = 1.0 / np.arange(1, size + 1) ** ZIPF_S
    pairs = set()
    while len(pairs) < 70:  # 50 people and 20 authors
        pairs.add((FIRST[rng.integers(len(FIRST))], LAST[rng.integers(len(LAST))]))
    names = [sorted(pairs)[i] for i in rng.permutation(len(pairs)).tolist()]
    return Vocabulary(tuple(words), np.cumsum(p) / p.sum(), LEADERS + tuple((f"{a} {b}", b) for a, b in names[:50]),
                      tuple(f"{a} {b}" for a, b in names[50:]))


def generate_corpus(n: int, seed: int = 7) -> Iterator[dict]:
    """Yield n synthetic news records {id, title, body, date, author}; the same seed gives the same records."""
    vocab, rng = build_vocabulary(seed), np.random.default_rng([seed, 2])
    names, weights = list(COUNTRIES), np.array(list(COUNTRIES.values())) / sum(COUNTRIES.values())
    one = lambda seq: seq[int(rng.integers(len(seq)))]
    for i in range(n):
        countries = [names[j] for j in rng.choice(len(names), rng.integers(1, 4), replace=False, p=weights)]
        people = [one(LEADERS) if rng.random() < 0.6 else one(vocab.people[len(LEADERS):])
                  for _ in range(rng.integers(0, 3))]
        topics = [TOPICS[j] for j in rng.choice(len(TOPICS), rng.integers(1, 4), replace=False)]
        # recurring names and topic words are inserted among the Zipf words: what the taggers look for
        pools = [countries, topics, [one(CITIES)], [one(DEMONYMS)], PHRASES]
        pools += [[one(p) for p in people]] if people else []  # a leader's full name or surname
        n_words, n_par = int(rng.integers(150, 901)), int(rng.integers(3, 11))
        picks = rng.integers(len(pools), size=max(3, n_words // 30)).tolist()
        items = [countries[0]] + [one(pools[j]) for j in picks]
        words = vocab.draw(rng, n_words - sum(len(t.split()) for t in items))
        for item, at in zip(items, sorted(rng.integers(0, len(words) + 1, len(items)).tolist(), reverse=True)):
            words.insert(at, item)
        sentences, k = [], 0
        while k < len(words):
            s = words[k:k + int(rng.integers(8, 25))]
            k += len(s)
            sentences.append(s[0][:1].upper() + s[0][1:] + " " + " ".join(s[1:]) + ".")
        cuts = np.array_split(np.arange(len(sentences)), min(n_par, len(sentences)))
        head = [countries[0] if rng.random() < 0.7 else one(CITIES), topics[0]]
        want = max(2, int(rng.integers(6, 15)) - sum(len(t.split()) for t in head))
        head += [w for w in vocab.draw(rng, 4 * want) if w not in FUNCTION][:want]  # headlines skip "the"
        title = " ".join(head[j] for j in rng.permutation(len(head)).tolist())
        yield {"id": f"bench-{i:07d}", "title": title[:1].upper() + title[1:],
               "body": "\n\n".join(" ".join(sentences[j] for j in c.tolist()) for c in cuts),
               "date": date.fromordinal(int(rng.integers(FIRST_DAY, LAST_DAY + 1))).isoformat(),
               "author": one(vocab.authors)}


def query_mix(n: int, seed: int, vocab: Vocabulary) -> list:
    """Return n queries {kind, q, filters} cycling through KINDS; the same arguments give the same mix."""
    rng = np.random.default_rng([seed, 3])
    pick = lambda seq: seq[int(rng.integers(len(seq)))]
    content = [w for w in vocab.words[:3000] if w not in FUNCTION and not analysis.is_stopword(w)]
    singles = [w for w in list(COUNTRIES) + list(TOPICS) if " " not in w]
    real = [w for w in NEWS + tuple(singles) + DEMONYMS if len(w) >= 6]  # real words for prefixes and typos
    out = []
    for i in range(n):
        kind, filters = BLOCK[i % len(BLOCK)], {}
        if kind == "single":  # frequent, mid-frequency, or a name or topic word
            q = pick(content[:300]) if rng.random() < 0.5 else pick(content[300:]) if rng.random() < 0.5 \
                else pick(singles)
        elif kind in ("multi", "filtered"):
            q = " ".join(dict.fromkeys([pick(singles)] + [pick(content[:600]) for _ in range(rng.integers(1, 4))]))
            mode = int(rng.integers(3))  # filtered: a country, a date range, or both
            if kind == "filtered" and mode != 1:
                filters["country"] = pick(list(COUNTRIES)[:7])
            if kind == "filtered" and mode != 0:
                y = int(rng.integers(2016, 2025))
                filters.update(date_from=f"{y}-01-01", date_to=f"{min(2025, y + int(rng.integers(0, 3)))}-12-31")
        elif kind == "phrase":  # collocations the generator inserts whole, so the two words are adjacent
            q = '"' + pick(PHRASES + tuple(t for t in TOPICS if " " in t)) + '"'
        elif kind == "prefix":
            q = pick(real).lower()[:int(rng.integers(4, 6))] + "*"
        elif kind == "typo":
            q = _typo(pick(real), rng)
        else:
            q = pick(VARIANTS)
        out.append({"kind": kind, "q": q, "filters": filters})
    return out


def _typo(word: str, rng: np.random.Generator) -> str:
    """Apply one edit (deletion, transposition of neighbours or substitution) inside the word."""
    while True:
        op, at = int(rng.integers(3)), int(rng.integers(1, len(word) - 1))
        out = (word[:at] + word[at + 1:], word[:at] + word[at + 1] + word[at] + word[at + 2:],
               word[:at] + "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(26))] + word[at + 1:])[op]
        if out != word:
            return out


# --- SQLite FTS5 -------------------------------------------------------------------------------------

def to_fts(q: str) -> tuple:
    """Translate a mix query to FTS5: (query, OR fallback or None); every term is quoted, so nothing is special.

    FTS5 has no fuzzy matching: typo and variant queries are searched as plain terms.
    """
    quote = lambda s: '"' + s.replace('"', '""') + '"'
    if len(q) > 1 and q.startswith('"') and q.endswith('"'):
        return quote(q[1:-1]), None
    if q.endswith("*"):
        return quote(q[:-1]) + "*", None
    words = [quote(w) for w in q.split()]
    return " ".join(words), " OR ".join(words) if len(words) > 1 else None


class SqliteEngine:
    """The same corpus in SQLite FTS5: bm25 with the title weighted 2.5, a facet table, a date column."""

    def __init__(self, path: str):
        self.path, self.db, self.tag_seconds = path, None, 0.0

    def build(self, jsonl: str) -> None:
        """Index the JSONL file, tagging every record with the product's taggers (as build_index does)."""
        db = sqlite3.connect(self.path)
        db.executescript("""CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='porter unicode61');
            CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, date TEXT, author TEXT, facets TEXT);
            CREATE TABLE facets(doc INTEGER, facet TEXT, value TEXT);""")
        with open(jsonl, encoding="utf-8") as fh, db:
            for rowid, line in enumerate(fh, 1):
                r, t0 = json.loads(line), time.perf_counter()
                tg = tagging.tag(Article(id=r["id"], title=r["title"], body=r["body"], date=r["date"],
                                         author=r["author"]))
                self.tag_seconds += time.perf_counter() - t0
                values = {"country": tg.countries, "person": tg.people, "topic": tg.topics}
                db.execute("INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)", (rowid, r["title"], r["body"]))
                db.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                           (rowid, r["id"], r["date"], r["author"], json.dumps(values)))
                db.executemany("INSERT INTO facets VALUES (?, ?, ?)",
                               [(rowid, f, v) for f, vals in values.items() for v in vals])
            db.executescript("""INSERT INTO t(t) VALUES ('optimize');
                CREATE INDEX facets_doc ON facets(doc, facet, value); CREATE INDEX docs_date ON docs(date);""")
        db.close()

    def open(self) -> None:
        """Open the database as a server would keep it: one connection, a large page cache, mmap."""
        self.db = sqlite3.connect(self.path)
        self.db.executescript("""PRAGMA cache_size = -262144; PRAGMA mmap_size = 268435456;
            CREATE TEMP TABLE m(doc INTEGER PRIMARY KEY); CREATE TEMP TABLE mf(doc INTEGER PRIMARY KEY);""")
        self.db.execute("SELECT count(*) FROM docs").fetchone()

    def search(self, q: str, country: str = "", date_from: str = "", date_to: str = "") -> int:
        """Answer like query.run (total, top 10 with snippets, three facets' counts, timeline); return the total."""
        db, (match, fallback) = self.db, to_fts(q)
        join, span = ("JOIN docs d ON d.rowid = t.rowid", " AND d.date BETWEEN ? AND ?") if date_from or date_to \
            else ("", "")
        db.execute("DELETE FROM m")
        for used in (match, fallback):  # as in casearch: any of the words when no article has them all
            db.execute(f"INSERT INTO m SELECT t.rowid FROM t {join} WHERE t MATCH ?{span}",
                       (used, *((date_from or "0000", date_to or "9999") if span else ())))
            if fallback is None or db.execute("SELECT 1 FROM m LIMIT 1").fetchone():
                break
        final = "m"
        if country:  # as in casearch, the country counts ignore the country selection
            db.execute("DELETE FROM mf")
            db.execute("INSERT INTO mf SELECT doc FROM m WHERE EXISTS (SELECT 1 FROM facets f WHERE f.doc = m.doc "
                       "AND f.facet = 'country' AND f.value = ?)", (country,))
            final = "mf"
        for f, scope in (("country", "m"), ("person", final), ("topic", final)):
            db.execute(f"SELECT f.value, COUNT(*) c FROM {scope} s JOIN facets f ON f.doc = s.doc WHERE f.facet = ? "
                       f"GROUP BY f.value ORDER BY c DESC, f.value LIMIT 200", (f,)).fetchall()
        total = db.execute(f"SELECT COUNT(*) FROM {final}").fetchone()[0]
        db.execute(f"SELECT substr(d.date, 1, 4), COUNT(*) FROM {final} s JOIN docs d ON d.rowid = s.doc "
                   f"GROUP BY 1").fetchall()
        if total:
            db.execute(f"SELECT d.id, t.title, d.date, d.author, d.facets, bm25(t, 2.5, 1.0) AS score, "
                       f"snippet(t, 1, '<mark>', '</mark>', '…', 40) FROM t JOIN docs d ON d.rowid = t.rowid "
                       f"WHERE t MATCH ? AND t.rowid IN (SELECT doc FROM {final}) ORDER BY score LIMIT 10",
                       (used,)).fetchall()
        return total

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


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
        sqlite.open()
        engines["sqlite_fts5"]["open_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        try:
            _query_both(engines, {"casearch": view, "sqlite_fts5": sqlite}, mix, progress)
        finally:
            sqlite.close()
            view.close()
        res["peak_rss_mb"] = _rss_mb()
        res["http"] = _http_bench(idx_dir, mix, progress) if http else None
    progress.finish()
    a, b = engines["casearch"], engines["sqlite_fts5"]
    res["ratios"] = {k: round(a[f"{k}_ms"] / b[f"{k}_ms"], 2) if b[f"{k}_ms"] else None
                     for k in ("p50", "p95", "p99")}
    res["ratios"]["index_docs_per_s"] = round(a["index_docs_per_s"] / b["index_docs_per_s"], 2)
    res["table"] = _table(res)
    return res


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
    times, zero, errors = ({name: [] for name in handles} for _ in range(3))
    progress.start("Querying both engines", len(mix))
    for q in mix:
        for name, engine in handles.items():
            t0 = time.perf_counter()
            try:
                total = _ask(name, engine, q)
            except (SearchError, sqlite3.Error) as e:
                errors[name].append(f"{q['kind']} {q['q']!r}: {e}")
                continue
            times[name].append(((time.perf_counter() - t0) * 1000, q["kind"]))
            zero[name].append(total == 0)
        progress.advance()
    for name, out in engines.items():
        out.update(_percentiles([t for t, _ in times[name]]), answered=len(times[name]), zero_results=sum(zero[name]),
                   errors=errors[name][:5], by_kind={})
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
            deadline = time.monotonic() + SERVER_START_S
            while _get(opener, base + "q=", deadline, timeout=2) in ("error", None):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SearchError(f"casearch serve did not answer within {SERVER_START_S:.0f} s: "
                                      f"{log.read().decode('utf-8', 'replace').strip()[-300:]}")
                time.sleep(0.1)
            for u in urls[:WARMUP]:
                _get(opener, u, time.monotonic() + HTTP_BUDGET_S)
            out = {}
            for clients in (1, HTTP_CLIENTS):
                progress.start(f"HTTP with {clients} client(s)", None)
                deadline, t0 = time.monotonic() + HTTP_BUDGET_S, time.perf_counter()
                with ThreadPoolExecutor(clients) as pool:
                    got = list(pool.map(lambda u: _get(opener, u, deadline), urls))
                ms = [g for g in got if isinstance(g, float)]
                out[f"clients_{clients}"] = {**_percentiles(ms, (50, 95)), "n": len(ms), "errors": got.count("error"),
                                             "qps": round(len(ms) / (time.perf_counter() - t0), 2)}
            return out
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
            ("zero results", "zero_results"))
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
    if res["http"]:
        for key, c in res["http"].items():
            lines.append(f"HTTP /api/search, {key.split('_')[1]} client(s): p50 {c['p50_ms']:.2f} ms, p95 "
                         f"{c['p95_ms']:.2f} ms, {c['qps']:.2f} queries/s, {c['n']} answered, {c['errors']} errors")
    return "\n".join(lines + [
        f"peak RSS of the whole run (process peak): {res['peak_rss_mb']:.2f} MB",
        f"SQLite's build spent {b['tag_seconds']:.2f} s of its {b['index_seconds']:.2f} s in the product's taggers",
        "ratio = casearch / sqlite_fts5 (latency below 1 or docs/s above 1: casearch faster). Both builds include",
        "tagging with the product's taggers. FTS5 has no fuzzy matching: typo and variant queries are plain terms."])
