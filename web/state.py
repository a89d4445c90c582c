"""What a request reads of the app: the live IndexView and the limits of the settings, read once at start.

In: Flask's current_app (made by web.create_app). Out: `view()` (the IndexHandle's current view) and
`limits()` (search.query.request.Limits). No request parsing here (web.params does that).
"""
from __future__ import annotations

from flask import current_app


def view():
    """The IndexView of the live generation (reopened by the handle after a reindex)."""
    return current_app.extensions["casearch_index"].get()


def limits():
    """The page limits of this app's settings."""
    return current_app.extensions["casearch_limits"]
