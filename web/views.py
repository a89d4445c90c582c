"""HTML pages and exports: the search page, the article page, CSV / JSON / Atom of any search."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for

from search import query
from search.query import reading, timelines
from search.models import FACETS
from search.sources.common import drop_forbidden

from . import charts, params
from .state import limits, view

bp = Blueprint("views", __name__)
FEED_ENTRIES = 50
FACET_TOP = 10



@bp.get("/")
def search_page():
    res = query.run(params.parse(request.args, limits()), view())
    req = res.request  # filter values as the index spells them: the chips and links carry those
    link = lambda **changes: "?" + urlencode(params.to_args(req, limits().per_page, **changes))

    def toggle(facet, value):
        vals = list(getattr(req, facet))
        vals = [v for v in vals if v != value] if value in vals else vals + [value]
        return link(**{facet: vals, "page": 1})

    export_qs = urlencode([p for p in params.to_args(req, limits().per_page, page=1) if p[0] not in ("page", "per_page")])
    # an article opened from these results marks the words of the search and links back to them
    back = urlencode([("q", req.q), ("back", urlencode(params.to_args(req, limits().per_page)))]) if req.q else ""
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
    req = params.parse(request.args, limits())
    res = query.run(replace(req, page=1, per_page=1), view())
    buf = io.StringIO()
    csv.writer(buf).writerows(timelines.to_rows(res))
    return Response("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="casearch-timeline.csv"'})


def _period_range(period: str) -> dict:
    if len(period) == 4:
        return {"from": f"{period}-01-01", "to": f"{period}-12-31"}
    return {"from": f"{period}-01", "to": query.period_end(period).isoformat()}


@bp.get("/article/<path:article_id>")
def article_page(article_id):
    """The article; with ?q= the words of that search are marked and `back` (the search's query string)
    gives the link back to its results."""
    v = view()
    a = query.article(v, article_id)
    q = request.args.get("q", "")[:params.MAX_Q_CHARS]
    terms = reading.terms_of(q, v)
    back = _back_link(request.args.get("back", ""), q)
    evidence = query.tag_evidence(v, article_id)
    return render_template("article.html", a=a, blocks=reading.blocks(a["body"], terms), title=reading.mark(a["title"], terms),
                           q=q, back=back, evidence=evidence, dossier=dossier_url,
                           search_with=lambda f, value: url_for("views.search_page") + "?" + urlencode(
                               [p for p in (("q", q), (f, value)) if p[1]]))


def _back_link(back: str, q: str) -> str:
    """The address of the results an article was opened from: the search page with only its known parameters."""
    pairs = [(k, v) for k, v in parse_qsl(back[:4000]) if k in params.KNOWN] if back else [("q", q)] if q else []
    return url_for("views.search_page") + ("?" + urlencode(pairs) if pairs else "")


@bp.get("/export.csv")
def export_csv():
    req = params.parse(request.args, limits())
    rows = query.export_rows(req, view())
    return Response(stream_with_context(query.csv_lines(rows, bom=True)), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="casearch-export.csv"'})


@bp.get("/export.json")
def export_json():
    req = params.parse(request.args, limits())
    rows = query.export_rows(req, view())
    return Response(stream_with_context(query.json_chunks(rows)), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="casearch-export.json"'})


@bp.get("/feed.atom")
def feed():
    req = replace(params.parse(request.args, limits()), sort="newest", page=1, per_page=FEED_ENTRIES, timeline_by="")
    v = view()
    res = query.run(req, v)
    self_url = request.url
    page_url = (url_for("views.search_page", _external=True) + "?"
                + urlencode(params.to_args(req, limits().per_page, sort="newest")))
    # stable between polls: an entry is "updated" at its date, else when it was first indexed; the feed at its
    # latest entry, else when the index was built (never the time of the request)
    first, built = v.first_indexed, _utc_stamp(v.meta.get("built_at"))
    stamps = {h.id: f"{h.date}T00:00:00Z" if h.date else _epoch_stamp(first.get(h.id)) or built for h in res.hits}
    updated = max(stamps.values(), default=built)
    entries = [{"hit": h, "updated": stamps[h.id], "url": url_for("views.article_page", article_id=h.id, _external=True)}
               for h in res.hits]
    # an autoescaped template (.xml): every text and attribute is escaped by Jinja, the snippet's <mark> too
    body = render_template("feed.xml", title=_feed_title(req), self_url=self_url, page_url=page_url, updated=updated,
                           entries=entries)
    # what XML 1.0 cannot carry, escaped or not (U+FFFE, lone surrogates...: in an index built before ingest
    # removed them, or in the query), is left out, so the feed stays XML
    return Response(drop_forbidden(body), mimetype="application/atom+xml")


def _feed_title(req) -> str:
    """A feed's title: the words searched and the filters ("casearch: air taxi; country: Kazakhstan")."""
    parts = [req.q] if req.q else []
    parts += [f"{f}: {', '.join(getattr(req, f))}" for f in FACETS if getattr(req, f)]
    return "casearch: " + ("; ".join(parts) or "all articles")


def _epoch_stamp(seconds) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(int(seconds), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_stamp(local_iso) -> str:
    """An RFC 3339 UTC time from the build time meta.json records (local time, no zone); the epoch without one."""
    try:
        return datetime.fromisoformat(local_iso).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return "1970-01-01T00:00:00Z"
