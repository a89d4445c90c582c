"""The Flask app: the HTML search page, the article page and the JSON API over one IndexHandle.

`create_app(test_config=None)` builds the app; the index is opened on first use and reopened by the
handle when a reindex swaps generations, so the server needs no restart. The templates and static files
it serves are checked when it is built: one that is missing or empty stops `casearch serve` with a message
naming it (DataMissing) instead of a page that fails later or comes without its script.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from search import config, datafiles
from search.engine import IndexHandle

from . import api, dossiers, errors, views


FILES = Path(__file__).resolve().parent  # the folder of templates/ and static/
TEMPLATES = ("_chart.html", "article.html", "base.html", "dossier.html", "error.html", "search.html")
STATIC = ("app.js", "style.css")


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app; `test_config` overrides settings (INDEX_DIR, TESTING, ...).

    Raises:
        DataMissing: a template or static file is missing, unreadable or empty.
    """
    for folder, names in (("templates", TEMPLATES), ("static", STATIC)):
        for name in names:
            datafiles.read_text(FILES / folder / name, comment=None)
    app = Flask(__name__, root_path=str(FILES))
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
