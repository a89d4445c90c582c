"""The JSON API under /api: thin views over search.query; errors in the one JSON shape."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from search.query import entities
from search import query
from search.engine.store import index_stats
from search.engine.stats import collect

from . import params
from .state import limits, view
from .openapi import spec

bp = Blueprint("api", __name__, url_prefix="/api")



@bp.get("/search")
def search():
    req = params.parse(request.args, limits())
    return jsonify(query.run(req, view()).to_dict())


@bp.get("/articles/<path:article_id>")
def article(article_id):
    return jsonify(query.article(view(), article_id))


@bp.get("/entities/<facet>/<path:name>")
def entity(facet, name):
    return jsonify(entities.dossier(view(), facet, name))


@bp.get("/stats")
def stats():
    return jsonify(collect(view(), index_stats(current_app.config["INDEX_DIR"])))


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec(limits()))
