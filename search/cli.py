"""The `casearch` command line: a thin click shell over the library.

Each command parses its options, calls one library function and formats the result; data goes to
stdout, progress and messages to stderr. SearchError becomes one line on stderr and exit 1.
"""
from __future__ import annotations

import html as html_lib
import json
import sys
from pathlib import Path

import click
from web import create_app
from web.serving import make_server

from . import config, handoff
from .ablation import markdown, run_ablation
from .bench import run_bench
from .ingestbench import run_html_bench
from .engine import IndexView, index_stats
from .engine.stats import collect, verify
from .errors import BadQuery
from .evaluate import evaluate
from .indexing import build_index
from .query import (article, build_request, csv_lines, dossier, export_rows, jsonl_lines, refine, run,
                    tag_evidence)
from .query.request import Limits
from .query.timelines import to_rows
from .terminal import BarProgress, listen_error, user_errors, write_out
from .tuning import DEFAULT


def _index_dir(value):
    return value or config.get("index_dir")


def index_dir_option(f):
    return click.option("--index-dir", "index_dir", type=click.Path(file_okay=False), default=None,
                         help=f"Index folder (default: {config.shown('index_dir')}).")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="casearch", prog_name="casearch", message="%(prog)s %(version)s")
def main():
    """casearch: full-text search for a newsroom's archive.

    Example: casearch index && casearch search "air taxi" --country Kazakhstan
    """


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of updating.")
@click.option("--strict", is_flag=True, help="Reject the whole run on any bad record; the index stays as it was.")
@click.option("--prune", is_flag=True, help="Also remove articles whose source files are gone.")
@index_dir_option
@user_errors
def index_cmd(paths, full, strict, prune, index_dir):
    """Ingest .txt pages, .jsonl/.ndjson and .csv files or folders (default: $CASEARCH_SEEDS, else seeds/ in
    the working directory) into the index.

    Example: casearch index seeds/ more/articles.jsonl --full
    """
    paths = paths or (config.get("seeds_dir"),)
    report = build_index(paths, _index_dir(index_dir), full=full, strict=strict, prune=prune,
                         progress=BarProgress())
    click.echo(report.summary(), err=True)
    if report.missing:  # a mistyped path is a user error, even when the other paths were indexed
        click.echo(f"Error: no such file or folder: {', '.join(report.missing)} (the other paths were indexed)",
                   err=True)
        sys.exit(1)


def search_options(f):
    for opt in reversed([
        click.option("--country", multiple=True, help="Only articles about this country (repeat: any of them)."),
        click.option("--person", multiple=True, help="Only articles naming this person (repeat: any of them)."),
        click.option("--topic", multiple=True, help="Only articles on this topic (repeat: any of them)."),
        click.option("--source", multiple=True, help="Only articles from this publication or site (repeat: any)."),
        click.option("--author", default="", help="Only articles by this author."),
        click.option("--from", "date_from", default=None, help="Published on or after (YYYY-MM-DD)."),
        click.option("--to", "date_to", default=None, help="Published on or before (YYYY-MM-DD)."),
        click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance",
                     show_default=True, help="Order of the results."),
    ]):
        f = opt(f)
    return f


def _view(index_dir):
    return IndexView(_index_dir(index_dir))


@main.command("search")
@click.argument("query", default="")
@search_options
@click.option("--limit", default=10, show_default=True, help="Results per page.")
@click.option("--page", default=1, show_default=True, help="Page of results.")
@click.option("--explain", is_flag=True, help="Show the matched terms and score parts of each hit.")
@click.option("--timeline-by", type=click.Choice(["country", "person", "topic", "source"]), default=None,
              help="Also split the timeline into one series per value of this facet (the selected ones, else the "
                   "top 8).")
@click.option("--all-copies", is_flag=True, help="List near-copies of an article as results of their own.")
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as GET /api/search.")
@index_dir_option
@user_errors
def search_cmd(query, country, person, topic, source, author, date_from, date_to, sort, limit, page, explain,
               timeline_by, all_copies, as_json, index_dir):
    """Ranked search with facet filters, dates and sorting.

    Example: casearch search "air taxi" --country Kazakhstan --sort newest
    """
    most = Limits.from_settings().max_per_page  # --limit is the library's per_page, a name this command lacks
    if not 1 <= limit <= most:
        raise BadQuery("--limit must be at least 1" if limit < 1 else f"--limit must be at most {most}")
    req = build_request(query, country, person, topic, author, date_from, date_to, sort, page, limit, explain)
    res = run(refine(req, source, timeline_by, fold=not all_copies), _view(index_dir))
    if as_json:
        click.echo(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
        return
    for notice in res.notices:
        click.echo(f"note: {notice}", err=True)
    first = (req.page - 1) * req.per_page
    folded = f", {res.total - res.rows:,} near-copies folded" if res.rows != res.total else ""
    click.echo(f"{res.total:,} articles match ({res.took_ms:.0f} ms{folded})")
    for i, h in enumerate(res.hits, first + 1):
        click.echo(f"\n{i:>3}. {h.date or '(no date)':<10}  {h.title}  [{h.id}]")
        facets = "; ".join(", ".join(v) for v in (h.countries, h.people, h.topics) if v)
        if facets:
            click.echo(f"     {facets}")
        click.echo(f"     {_plain_snippet(h.snippet)}")
        if h.copies:
            click.echo(f"     {len(h.copies)} near-cop{'y' if len(h.copies) == 1 else 'ies'}: "
                       + ", ".join(c["id"] for c in h.copies))
        if h.explanation:
            click.echo(f"     explain: {json.dumps(h.explanation, ensure_ascii=False)}")
    if res.series:
        click.echo("")
        for row in to_rows(res):
            click.echo("  ".join(f"{c!s:>12}" for c in row))
    if res.suggestion:
        click.echo(f"\nDid you mean: {res.suggestion}")


def _plain_snippet(html: str) -> str:
    return html_lib.unescape(html.replace("<mark>", "[").replace("</mark>", "]"))


@main.command("show")
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print what /api/articles/<id> returns.")
@index_dir_option
@user_errors
def show_cmd(article_id, as_json, index_dir):
    """Show one article with its facets and similar articles.

    Example: casearch show 3acae7d5e3bb9d17 --json
    """
    a = article(_view(index_dir), article_id)
    if as_json:
        click.echo(json.dumps(a, ensure_ascii=False, indent=1))
        return
    click.echo(a["title"])
    click.echo(f"{a['date'] or '(no date)'}  {a['author'] or ''}  {a['url'] or ''}".rstrip())
    for label, key in (("Countries", "countries"), ("People", "people"), ("Topics", "topics")):
        click.echo(f"{label}: {', '.join(a[key]) or '-'}")
    click.echo(f"Source: {a['source'] or '-'}")
    if a.get("copies"):
        click.echo("Near-copies: " + ", ".join(f"{c['id']} ({c['source'] or '-'})" for c in a["copies"])
                   + (f"; the first indexed is {a['duplicate_of']}" if a["duplicate_of"] else ""))
    click.echo("")
    click.echo(a["body"] + (" […]" if a["truncated"] else ""))
    if a.get("similar"):
        click.echo("\nSimilar:")
        for s in a["similar"]:
            click.echo(f"  {s['id']}  {s['title']}")


@main.command("tags")
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the evidence as JSON.")
@index_dir_option
@user_errors
def tags_cmd(article_id, as_json, index_dir):
    """Explain an article's facet values: which mentions gave each country, person and topic.

    Example: casearch tags 3acae7d5e3bb9d17
    """
    ev = tag_evidence(_view(index_dir), article_id)
    if as_json:
        click.echo(json.dumps(ev, ensure_ascii=False, indent=1))
        return
    click.echo(ev["title"])
    for facet, values in ev["facets"].items():
        click.echo(f"\n{facet}:")
        if not values:
            click.echo("  (none)")
        for v in values:
            where = ", ".join(f"{m[0]!r} ({m[1]}{'' if facet == 'topic' else ' @' + str(m[2])}"
                              f"{' x' + str(m[2]) if facet == 'topic' else ''})" for m in v["mentions"][:8])
            click.echo(f"  {v['value']}: {where}")


@main.command("entity")
@click.argument("facet", type=click.Choice(["person", "country", "topic", "source"]))
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print what /api/entities/<facet>/<name> returns.")
@index_dir_option
@user_errors
def entity_cmd(facet, name, as_json, index_dir):
    """The dossier of one person, country, topic or source: counts, timeline, co-mentions, spellings, articles.

    Example: casearch entity person Tokaev
    """
    d = dossier(_view(index_dir), facet, name)
    if as_json:
        click.echo(json.dumps(d, ensure_ascii=False, indent=1))
        return
    click.echo(f"{d['value']} ({facet})")
    click.echo(f"Articles:    {d['articles']:,} ({d['dated']:,} dated, {d['undated']:,} without a date)")
    click.echo(f"First seen:  {d['first_seen'] or '-'}")
    click.echo(f"Last seen:   {d['last_seen'] or '-'}")
    if d["spellings"]:
        click.echo("Found as:    " + ", ".join(f"{s['text']} ({s['articles']})" for s in d["spellings"]))
    for f, vals in d["co_mentions"].items():
        if vals:
            click.echo(f"With {f + ':':<8} " + ", ".join(f"{v['value']} ({v['count']})" for v in vals))
    if d["timeline"]:
        click.echo("Per month:   " + ", ".join(f"{t['period']} {t['count']}" for t in d["timeline"] if t["count"]))
    for label, key in (("Latest", "latest"), ("Most relevant", "relevant")):
        if d[key]:
            click.echo(f"\n{label}:")
            for a in d[key]:
                click.echo(f"  {a['date'] or '(no date)':<10}  {a['title']}  [{a['id']}]")


@main.command("export")
@click.argument("query", default="")
@search_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "opensearch"]), default="jsonl",
              show_default=True, help="opensearch: the bulk NDJSON of OpenSearch/Elasticsearch (README: Handing the "
                                      "archive to a cluster).")
@click.option("--mapping", "template", is_flag=True, help="Print the OpenSearch/Elasticsearch index template instead.")
@click.option("--index-name", default="casearch", show_default=True, help="The cluster's index (opensearch, --mapping).")
@index_dir_option
@user_errors
def export_cmd(query, country, person, topic, source, author, date_from, date_to, sort, fmt, template, index_name,
               index_dir):
    """Print every matching article (all of them without a query), one per line; near-copies are marked
    (`group`, `duplicate_of`), never left out.

    Example: casearch export --country Kyrgyzstan --format csv > kyrgyzstan.csv
    """
    if template:
        click.echo(json.dumps(handoff.mapping(index_name), ensure_ascii=False, indent=1))
        return
    req = refine(build_request(query, country, person, topic, author, date_from, date_to, sort, 1, 1), source)
    rows = export_rows(req, _view(index_dir))
    if fmt == "opensearch":
        lines = (line + "\n" for line in handoff.bulk_lines(rows, index_name))
    else:
        lines = jsonl_lines(rows) if fmt == "jsonl" else csv_lines(rows)
    write_out(lines)


@main.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as GET /api/stats.")
@index_dir_option
@user_errors
def stats_cmd(as_json, index_dir):
    """Article count, date range, facet value counts, size on disk, schema version, last build.

    Example: casearch stats --json
    """
    st = collect(_view(index_dir), index_stats(_index_dir(index_dir)))
    if as_json:
        click.echo(json.dumps(st, ensure_ascii=False, indent=1))
        return
    click.echo(f"Articles:        {st['articles']:,}")
    click.echo(f"Dated:           {st['dated']:,} ({st['date_from'] or '-'} to {st['date_to'] or '-'})")
    click.echo(f"Size on disk:    {st['size_bytes'] / 1e6:.1f} MB in {st['generation']}")
    click.echo(f"Generations:     {', '.join(st['generations'])}")
    click.echo(f"Schema version:  {st['schema_version']}")
    click.echo(f"Last build:      {st['built_at']}")
    for f, vals in st["facets"].items():
        top = ", ".join(f"{v['value']} ({v['count']})" for v in vals[:8])
        click.echo(f"{f.capitalize() + ':':<16} {len(vals)} values; top: {top}")


@main.command("verify")
@index_dir_option
@user_errors
def verify_cmd(index_dir):
    """Check the index opens, matches this version's schema and finds every article by its id.

    Example: casearch verify --index-dir /srv/casearch/index
    """
    n = verify(_view(index_dir))
    click.echo(f"OK: {n:,} articles, each found by its id", err=True)


@main.command("eval")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Measure another relevance setting (search/tuning.py), e.g. --set k1=1.2; repeatable.")
@click.option("--ablation", is_flag=True,
              help="Measure each relevance feature changed alone (README: Relevance), with the seed queries.")
@click.option("--seed-queries", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Judged seed queries for --ablation (default tests/data/seed_queries.json when present).")
@click.option("--latency-docs", type=click.IntRange(0), default=0, show_default=True,
              help="With --ablation: also time the benchmark's query mix over a synthetic archive this size.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@user_errors
def eval_cmd(folders, settings, ablation, seed_queries, latency_docs, as_json):
    """Measure ranking on BEIR-layout folders (corpus.jsonl, queries.jsonl, qrels/test.tsv), beside plain BM25.

    Example: casearch eval ../shared/eval/cranfield ../shared/eval/cisi
    """
    try:
        tuning = DEFAULT.with_settings(settings)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    if ablation:
        default_queries = Path("tests/data/seed_queries.json")
        queries = seed_queries or (str(default_queries) if default_queries.is_file() else None)
        if queries is None:
            click.echo(f"Note: no seed queries ({default_queries} is not in this folder; give --seed-queries FILE): "
                       f"the seeds column is left empty.", err=True)
        res = run_ablation(list(folders), config.get("seeds_dir") if queries else None, queries, latency_docs,
                           progress=BarProgress())
        click.echo(json.dumps(res, indent=1) if as_json else markdown(res))
        return
    results = [evaluate(folder, progress=BarProgress(), tuning=tuning) for folder in folders]
    if as_json:
        click.echo(json.dumps(results[0] if len(results) == 1 else results, indent=1))
        return
    if tuning.changed():
        click.echo("settings: " + ", ".join(f"{k}={v}" for k, v in tuning.changed().items()))
    click.echo(f"{'collection':<16} {'ranking':<18} {'ndcg@10':>8} {'recall@100':>10} {'mrr@10':>8}")
    for res in results:
        for label, m in (("casearch", res["metrics"]), (res["baseline"]["name"], res["baseline"])):
            click.echo(f"{res['collection'][:16]:<16} {label:<18} {m['ndcg@10']:>8.4f} {m['recall@100']:>10.4f} "
                       f"{m['mrr@10']:>8.4f}")


@main.command("bench")
@click.option("--docs", default=2000, show_default=True, help="Size of the synthetic corpus.")
@click.option("--queries", default=200, show_default=True, help="Queries in the mix.")
@click.option("--html-pages", type=click.IntRange(1), default=None,
              help="Instead: time the ingest of this many synthetic HTML pages (reading, then a full index run).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@user_errors
def bench_cmd(docs, queries, html_pages, as_json):
    """Benchmark indexing and search against SQLite FTS5 on a synthetic news corpus.

    Example: casearch bench --docs 100000 --json; casearch bench --html-pages 10000
    """
    if html_pages:
        res = run_html_bench(html_pages, progress=BarProgress())
    else:
        res = run_bench(docs, queries, progress=BarProgress())
    click.echo(json.dumps(res, indent=1) if as_json else res.get("table", ""))


@main.command("serve")
@click.option("--host", default=None, help=f"Address to bind (default {config.shown('host')}).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help=f"Port (default {config.shown('port')}).")
@click.option("--threads", default=None, type=click.IntRange(1),
              help=f"Worker threads (default {config.shown('threads')}).")
@index_dir_option
@user_errors
def serve_cmd(host, port, threads, index_dir):
    """Serve the web UI and the JSON API with a production WSGI server (waitress).

    Example: casearch serve --host 127.0.0.1 --port 8000
    """
    config.check()
    host = host or config.get("host")
    port = port or config.get("port")
    app = create_app({"INDEX_DIR": _index_dir(index_dir)})
    try:
        server = make_server(app, host, port, threads or config.get("threads"))
    except (OSError, ValueError) as e:  # a port taken or forbidden, a host that does not resolve
        raise click.ClickException(listen_error(host, port, e)) from None
    click.echo(f"Serving casearch on http://{host}:{port}/ (index {Path(_index_dir(index_dir)).resolve()}); "
               f"Ctrl-C stops",
               err=True)
    server.run()


if __name__ == "__main__":
    main()
