"""The benchmark's rival: the same corpus in SQLite FTS5 (bm25), answering what a casearch search answers.

In: the benchmark's JSONL corpus and its mix of queries. Out: `SqliteEngine` — built with the product's
taggers (so its build time includes tagging, as casearch's does), opened as a server would keep it, and
`search` doing what `query.run` does (total, top 10 with snippets, three facets' counts, a timeline) with a
time limit. search.bench times it; this module measures nothing itself.
"""
from __future__ import annotations

import json
import sqlite3
import time

from . import tagging
from .models import Article

SQLITE_LIMIT_S = 3.0  # a SQLite query is stopped here and counted at this time (a timeout)


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
        self.deadline = float("inf")

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
        # a query running past SQLITE_LIMIT_S is interrupted (sqlite3.OperationalError "interrupted")
        self.db.set_progress_handler(lambda: int(time.perf_counter() > self.deadline), 10_000)

    def search(self, q: str, country: str = "", date_from: str = "", date_to: str = "") -> int:
        """Answer like query.run (total, top 10 with snippets, three facets' counts, timeline); return the total."""
        db, (match, fallback) = self.db, to_fts(q)
        self.deadline = time.perf_counter() + SQLITE_LIMIT_S
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
