"""The HTML ingest benchmark: how fast saved web pages become articles, and an index.

In: a page count and a seed. Out: a dict of figures (the pages' size; reading: trafilatura's extraction and
the metadata, `sources.read`, one process; indexing: a whole `casearch index --full` run over the same
folder, reading again, tagging and writing) with a readable `table`. The pages are made from the synthetic
corpus of `search.synth` (the same seed gives the same pages) in a news site's shell: a menu, a header, a
byline, related links, a footer, a script and a style sheet. A third carry their metadata in meta tags, a
third in JSON-LD, and a third only in the text ("Published 5 March 2025"), so htmldate's search of the text
runs on those. Every file lives in a temporary folder. It asserts no speed and measures no search.
"""
from __future__ import annotations

import html
import json
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

from . import sources, tagging
from .indexing.report import Progress
from .indexing.run import build_index
from .models import Article
from .synth import generate_corpus

SECTIONS = ("World", "Politics", "Business", "Energy", "Water", "Transport", "Health", "Culture", "Sport",
            "Opinion", "Science", "Technology")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def render_page(rec: dict, i: int, site: str = "The Steppe Ledger", host: str = "ledger.example") -> str:
    """Return a saved news page of one synthetic record; page i carries its metadata the (i % 3)-th way."""
    esc = html.escape
    url = f"https://www.{host}/{rec['date'][:4]}/{rec['id']}"
    d = date.fromisoformat(rec["date"])
    written = f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    if i % 3 == 0:
        head = (f"<meta property='og:title' content='{esc(rec['title'])}'>"
                f"<meta property='og:site_name' content='{esc(site)}'><meta property='og:url' content='{url}'>"
                f"<meta name='author' content='{esc(rec['author'])}'>"
                f"<meta property='article:published_time' content='{rec['date']}T09:30:00+05:00'>")
    elif i % 3 == 1:
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": rec["title"], "url": url,
              "datePublished": f"{rec['date']}T09:30:00+05:00", "author": {"@type": "Person", "name": rec["author"]},
              "publisher": {"@type": "Organization", "name": site}}
        head = f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
    else:
        head = ""
    menu = "".join(f"<li><a href='/{s.lower()}'>{s}</a></li>" for s in SECTIONS)
    related = "".join(f"<li><a href='/{rec['date'][:4]}/related-{i}-{k}'>More on {esc(SECTIONS[(i + k) % 12])}: "
                      f"what the week brought</a></li>" for k in range(5))
    footer = "".join(f"<a href='/about/{k}'>{t}</a> " for k, t in enumerate(
        ("About us", "Contact", "Careers", "Advertise", "Privacy", "Terms", "Cookies", "Archive", "RSS")))
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in rec["body"].split("\n\n"))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(rec['title'])} | {esc(site)}"
            f"</title><meta name='viewport' content='width=device-width'>{head}"
            f"<style>body{{font-family:serif}} .byline{{color:#555}} nav li{{display:inline}}</style>"
            f"<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{page:'{rec['id']}'}});</script></head>"
            f"<body><header><a href='/' class='logo'>{esc(site)}</a><nav><ul>{menu}</ul></nav>"
            f"<form action='/search'><input name='q' placeholder='Search'></form></header>"
            f"<main><article><h1>{esc(rec['title'])}</h1>"
            f"<p class='byline'>By {esc(rec['author'])} · Published {written}</p>{paragraphs}</article>"
            f"<aside><h2>Related</h2><ul>{related}</ul></aside></main>"
            f"<footer><nav>{footer}</nav><p>© {d.year} {esc(site)}. All rights reserved.</p></footer></body></html>")


def write_pages(folder: Path, n: int, seed: int = 7, progress=None) -> int:
    """Write n pages of the synthetic corpus into folder (100 files a sub-folder); return their bytes."""
    progress = progress or Progress()
    total = 0
    progress.start("Writing the pages", n)
    for i, rec in enumerate(generate_corpus(n, seed)):
        sub = folder / f"{i // 100:04d}"
        if i % 100 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        data = render_page(rec, i).encode("utf-8")
        (sub / f"{rec['id']}.html").write_bytes(data)
        total += len(data)
        progress.advance()
    progress.finish()
    return total


def run_html_bench(pages: int = 10_000, seed: int = 7, progress=None) -> dict:
    """Time reading `pages` synthetic HTML pages into articles, then a full index run over them.

    Returns:
        {pages, seed, machine, page_kb, read: {articles, rejected, seconds, articles_per_s},
        index: {articles, rejected, seconds, articles_per_s}, table}; floats rounded to 2 decimals.
    """
    progress = progress or Progress()
    res = {"pages": pages, "seed": seed, "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    with tempfile.TemporaryDirectory(prefix="casearch-htmlbench-") as tmp:
        folder = Path(tmp) / "pages"
        res["page_kb"] = round(write_pages(folder, pages, seed, progress) / pages / 1024, 2)
        tagging.taggers()  # the gazetteers load once, outside the timings
        progress.start("Reading the pages", pages)
        t0, found, rejected = time.perf_counter(), 0, 0
        for item in sources.read([str(folder)]):
            if isinstance(item, Article):
                found += 1
                progress.advance()
            else:
                rejected += 1
        took = time.perf_counter() - t0
        res["read"] = {"articles": found, "rejected": rejected, "seconds": round(took, 2),
                       "articles_per_s": round(found / took, 2)}
        progress.start("Indexing the pages", None)
        t0 = time.perf_counter()
        report = build_index([str(folder)], str(Path(tmp) / "index"), full=True)
        took = time.perf_counter() - t0
        res["index"] = {"articles": report.articles, "rejected": len(report.rejected), "seconds": round(took, 2),
                        "articles_per_s": round(report.articles / took, 2)}
    progress.finish()
    res["table"] = _table(res)
    return res


def _table(res: dict) -> str:
    r, x = res["read"], res["index"]
    return "\n".join([
        f"casearch bench --html-pages: {res['pages']:,} pages of {res['page_kb']:.1f} KB, seed {res['seed']} "
        f"({res['machine']['cpus']} CPUs, Python {res['machine']['python']})",
        f"{'':24}{'articles':>10}{'rejected':>10}{'seconds':>10}{'articles/s':>12}",
        f"{'read (extraction)':24}{r['articles']:>10,}{r['rejected']:>10,}{r['seconds']:>10.2f}"
        f"{r['articles_per_s']:>12,.2f}",
        f"{'casearch index --full':24}{x['articles']:>10,}{x['rejected']:>10,}{x['seconds']:>10.2f}"
        f"{x['articles_per_s']:>12,.2f}",
    ])
