"""The dossier pages: /person/<name>, /country/<name>, /topic/<name> and /source/<name>.

A thin view over search.query.entities.dossier: a name typed another way (tokaev, kazakstan) redirects to the
page of the value it resolves to, so every dossier has one address; an unknown one is the 404 page.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, url_for

from search.query import entities

from . import state
from .charts import bars

bp = Blueprint("dossiers", __name__)
LABELS = {"person": "Person", "country": "Country", "topic": "Topic", "source": "Source"}


@bp.get("/<any(person, country, topic, source):facet>/<path:name>")
def page(facet, name):
    view = state.view()
    d = entities.dossier(view, facet, name)
    if d["value"] != name:
        return redirect(url_for("dossiers.page", facet=facet, name=d["value"]), 302)
    feed_qs = urlencode({facet: d["value"]})
    search = lambda *pairs: url_for("views.search_page") + "?" + urlencode(pairs)
    timeline = [(t["period"], t["count"]) for t in d["timeline"]]
    return render_template("dossier.html", d=d, facet=facet, label=LABELS[facet], labels=LABELS,
                           feed_qs=feed_qs, search=search, chart=bars(timeline, link=None) if timeline else None)
