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
from search.query.request import Limits

from . import api, dossiers, errors, params, state, views


FILES = Path(__file__).resolve().parent  # the folder of templates/ and static/
TEMPLATES = ("_chart.html", "article.html", "base.html", "dossier.html", "error.html", "feed.xml", "search.html")
STATIC = ("app.js", "style.css")


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app; `test_config` overrides Flask's config and the settings (INDEX_DIR, PER_PAGE,
    MAX_PER_PAGE, MAX_RESULTS_DEPTH, PRELOAD_MB: a setting's name in capitals).

    The settings (search.config) are read here, once, and checked against each other.

    Raises:
        BadSetting: a setting that cannot be read, or settings that contradict each other.
        DataMissing: a template or static file is missing, unreadable or empty.
    """
    for folder, names in (("templates", TEMPLATES), ("static", STATIC)):
        for name in names:
            datafiles.read_text(FILES / folder / name, comment=None)
    app = Flask(__name__, root_path=str(FILES))
    test_config = dict(test_config or {})
    names = [s.name for s in config.SETTINGS]
    settings = config.load({n: test_config.pop(n.upper()) for n in names if n.upper() in test_config})
    app.config.update({n.upper(): v for n, v in settings.items()})
    limits = Limits.from_settings(settings)
    # the query string is capped above the longest one the declared parameters allow (web.params)
    app.config.update(MAX_CONTENT_LENGTH=1024 * 1024, JSON_SORT_KEYS=False,
                      MAX_QUERY_STRING=params.longest_query_string(limits))
    app.config.update(test_config)
    app.extensions["casearch_limits"] = limits
    app.extensions["casearch_index"] = IndexHandle(app.config["INDEX_DIR"], preload_mb=settings["preload_mb"])
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(dossiers.bp)
    errors.register(app)
    state.register(app)
    return app
