"""HTML pages and exports: the search page, the article page, CSV / JSON / Atom of any search."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context, url_for

from search import query, timelines
from search.models import FACETS

from . import charts, params

bp = Blueprint("views", __name__)
from search.query import EXPORT_KEYS as EXPORT_FIELDS  # noqa: E402 (one list of export columns)
FEED_ENTRIES = 50
FACET_TOP = 10


def view():
    return current_app.extensions["casearch_index"].get()


@bp.get("/")
def search_page():
    req = params.parse(request.args)
    res = query.run(req, view())
    link = lambda **changes: "?" + urlencode(params.to_args(req, **changes))

    def toggle(facet, value):
        vals = list(getattr(req, facet))
        vals = [v for v in vals if v != value] if value in vals else vals + [value]
        return link(**{facet: vals, "page": 1})

    export_qs = urlencode([p for p in params.to_args(req, page=1) if p[0] not in ("page", "per_page")])
    # an article opened from these results marks the words of the search and links back to them
    back = urlencode([("q", req.q)] + ([("back", urlencode(params.to_args(req)))] if req.q else [])) if req.q else ""
    bars = charts.bars(list(res.timeline), link=lambda period: link(page=1, **_period_range(period)))
    lines = charts.lines(list(res.timeline), res.series) if res.series else None
    return render_template("search.html", req=req, res=res, link=link, toggle=toggle, facets=FACETS,
                           facet_top=FACET_TOP, export_qs=export_qs, bars_chart=bars, lines_chart=lines,
                           period_word="year" if res.timeline and len(res.timeline[0][0]) == 4 else "month",
                           series_rows=timelines.to_rows(res)[1:] if res.series else [],
                           article_qs=("?" + back) if back else "", dossier=dossier_url)


def dossier_url(facet: str, value: str) -> str:
    """The address of a value's dossier page."""
    return url_for("dossiers.page", facet=facet, name=value)


@bp.get("/timeline.csv")
def timeline_csv():
    """The timeline of a search and, with timeline_by, its series: one row per period, then the undated."""
    req = params.parse(request.args)
    res = query.run(replace(req, page=1, per_page=1), view())
    buf = io.StringIO()
    csv.writer(buf).writerows(timelines.to_rows(res))
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="casearch-timeline.csv"'})


def _period_range(period: str) -> dict:
    if len(period) == 4:
        return {"from": f"{period}-01-01", "to": f"{period}-12-31"}
    from search.query import _period_end
    return {"from": f"{period}-01", "to": _period_end(period).isoformat()}


@bp.get("/article/<path:article_id>")
def article_page(article_id):
    a = query.article(view(), article_id)
    return render_template("article.html", a=a, blocks=_blocks(a["body"]))


def _blocks(body: str) -> list:
    """The body's paragraphs as (kind, content): "list" (bullet items), "sub" (a subheading) or "p"."""
    out = []
    for p in (p.strip() for p in body.split("\n\n")):
        if not p:
            continue
        if p.startswith("• "):
            out.append(("list", [item[2:] for item in p.split("\n")]))
        elif len(p.split()) <= 12 and p[-1] not in ".!?:;,”\"'…" and p[0].isupper():
            out.append(("sub", p))
        else:
            out.append(("p", p))
    return out


@bp.get("/export.csv")
def export_csv():
    req = params.parse(request.args)
    v = view()

    def rows():
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(EXPORT_FIELDS)
        yield "\ufeff" + buf.getvalue()
        for row in query.export_rows(req, v):
            buf.seek(0)
            buf.truncate()
            w.writerow(["; ".join(row[k]) if isinstance(row[k], list) else ("" if row[k] is None else row[k])
                        for k in EXPORT_FIELDS])
            yield buf.getvalue()

    return Response(stream_with_context(rows()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="casearch-export.csv"'})


@bp.get("/export.json")
def export_json():
    req = params.parse(request.args)
    v = view()

    def chunks():
        yield "[\n"
        first = True
        for row in query.export_rows(req, v):
            yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
            first = False
        yield "\n]\n"

    return Response(stream_with_context(chunks()), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="casearch-export.json"'})


@bp.get("/feed.atom")
def feed():
    req = replace(params.parse(request.args), sort="newest", page=1, per_page=FEED_ENTRIES, timeline_by="")
    res = query.run(req, view())
    self_url = request.url
    page_url = url_for("views.search_page", _external=True) + "?" + urlencode(params.to_args(req, sort="newest"))
    updated = max((h.date for h in res.hits if h.date), default=None)
    stamp = lambda d: f"{d}T00:00:00Z" if d else datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = f"casearch: {req.q or 'all articles'}"
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           f"<title>{xml_escape(title)}</title>", f"<id>{xml_escape(self_url)}</id>",
           f'<link rel="self" href="{xml_escape(self_url, {chr(34): "&quot;"})}"/>',
           f'<link rel="alternate" type="text/html" href="{xml_escape(page_url, {chr(34): "&quot;"})}"/>',
           f"<updated>{stamp(updated)}</updated>", "<author><name>casearch</name></author>"]
    for h in res.hits:
        url = url_for("views.article_page", article_id=h.id, _external=True)
        out += ["<entry>", f"<title>{xml_escape(h.title)}</title>", f"<id>{xml_escape(url)}</id>",
                f'<link href="{xml_escape(url, {chr(34): "&quot;"})}"/>', f"<updated>{stamp(h.date)}</updated>",
                *(f"<author><name>{xml_escape(h.author)}</name></author>" for _ in [0] if h.author),
                *(f'<category term="{xml_escape(v, {chr(34): "&quot;"})}"/>' for v in h.countries + h.topics),
                f'<summary type="html">{xml_escape(h.snippet)}</summary>', "</entry>"]
    out.append("</feed>")
    return Response("\n".join(out), mimetype="application/atom+xml")
