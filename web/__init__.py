"""The Flask app: the HTML search page, the article page and the JSON API over one IndexHandle.

`create_app(test_config=None)` builds the app; the index is opened on first use and reopened by the
handle when a reindex swaps generations, so the server needs no restart.
"""
from __future__ import annotations

from flask import Flask

from search import config
from search.engine import IndexHandle

from . import api, dossiers, errors, views


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app; `test_config` overrides settings (INDEX_DIR, TESTING, ...)."""
    app = Flask(__name__)
    app.config.update(INDEX_DIR=config.get("index_dir"), MAX_CONTENT_LENGTH=1024 * 1024,
                      JSON_SORT_KEYS=False, MAX_QUERY_STRING=8192)
    if test_config:
        app.config.update(test_config)
    app.extensions["casearch_index"] = IndexHandle(app.config["INDEX_DIR"])
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(dossiers.bp)
    errors.register(app)
    return app
