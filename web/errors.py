"""Errors -> responses in the shape each route's client reads: the JSON error shape for the API and the files
(exports, timeline, feed), an HTML page for pages. Nothing internal leaks; a 405 says which methods (Allow)."""
from __future__ import annotations

import logging

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import SearchError

log = logging.getLogger("casearch.web")


# on every answer, the app's and those waitress gives itself (web.serving)
SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)

# routes read by programs, not people: their errors are JSON ({"error": {"status", "message"}})
MACHINE_ROUTES = ("/api/", "/export.", "/timeline.csv", "/feed.atom")


def error_response(status: int, message: str, headers=()):
    if request.path.startswith(MACHINE_ROUTES):
        resp = jsonify({"error": {"status": status, "message": message}})
        resp.status_code = status
    else:
        resp = make_response(render_template("error.html", status=status, message=message), status)
    for k, v in headers:
        resp.headers[k] = v
    return resp




def register(app) -> None:
    @app.errorhandler(SearchError)
    def search_error(e):
        return error_response(e.status, str(e))

    @app.errorhandler(HTTPException)
    def http_error(e):
        kept = [(k, v) for k, v in e.get_headers() if k.lower() == "allow"]  # a 405 names the allowed methods
        return error_response(e.code or 500, e.description or e.name, kept)

    @app.errorhandler(Exception)
    def unexpected(e):
        log.exception("unexpected error on %s", request.path)
        return error_response(500, "internal error; it has been logged")

    @app.before_request
    def limit_query_string():
        if len(request.query_string) > app.config["MAX_QUERY_STRING"]:
            return error_response(414, f"the query string is longer than {app.config['MAX_QUERY_STRING']:,} bytes")

    @app.after_request
    def security_headers(resp):
        for name, value in SECURITY_HEADERS:
            resp.headers.setdefault(name, value)
        return resp
