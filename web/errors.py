"""Errors -> responses: the JSON error shape under /api, an HTML page elsewhere. Nothing internal leaks."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import SearchError

log = logging.getLogger("casearch.web")


def error_response(status: int, message: str):
    if request.path.startswith("/api/") or request.args.get("format") in ("json", "csv", "atom"):
        resp = jsonify({"error": {"status": status, "message": message}})
        resp.status_code = status
        return resp
    return render_template("error.html", status=status, message=message), status


def register(app) -> None:
    @app.errorhandler(SearchError)
    def search_error(e):
        return error_response(e.status, str(e))

    @app.errorhandler(HTTPException)
    def http_error(e):
        return error_response(e.code or 500, e.description or e.name)

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
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp
