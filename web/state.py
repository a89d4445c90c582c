"""What a request reads of the app: the live IndexView and the limits of the settings, read once at start.

In: Flask's current_app (made by web.create_app). Out: `view()`, the IndexHandle's current view, acquired once
per request and held until its response has been sent, a streamed file's last line included (so one request
reads one generation, and a generation replaced by a reindex is closed when the last response reading it
ends: `register`); `limits()` (search.query.request.Limits). No request parsing here (web.params does that).
"""
from __future__ import annotations

from contextlib import ExitStack

from flask import current_app, request

# where a request keeps its view: its WSGI environ, which is the request's alone (flask.g belongs to the app
# context, which a streamed response's context can leave in place for the next request of a test client)
VIEW, HOLD = "casearch.view", "casearch.hold"


def view():
    """The IndexView of the live generation, the same for the whole request (reopened after a reindex)."""
    held = request.environ.get(VIEW)
    if held is None:
        hold = ExitStack()
        held = hold.enter_context(current_app.extensions["casearch_index"].acquire())
        request.environ[VIEW], request.environ[HOLD] = held, hold
    return held


def limits():
    """The page limits of this app's settings."""
    return current_app.extensions["casearch_limits"]


def register(app) -> None:
    """Release the request's view when its response is closed (the WSGI server closes it once the last byte is
    sent: a streamed export reads the view until then), or at teardown when no response was made."""
    @app.after_request
    def release_with_response(resp):
        hold = request.environ.pop(HOLD, None)
        if hold is not None:
            resp.call_on_close(hold.close)
        return resp

    @app.teardown_request
    def release_without_response(_exc):
        hold = request.environ.pop(HOLD, None)
        if hold is not None:
            hold.close()
