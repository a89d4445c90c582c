"""Typed errors of the library; the CLI and the web layer translate them once at their boundary.

Every error carries a message meant for the user: one line, no internals.
"""


class SearchError(Exception):
    """Base class of every error the library raises on purpose."""

    status = 500  # the HTTP status the web layer maps this error to


class BadQuery(SearchError):
    """A search request the library cannot answer as given (bad parameter, bad date, bad page)."""

    status = 400


class BadInput(SearchError):
    """Input files or records that cannot be ingested (under --strict, or nothing readable at all)."""

    status = 400


class BadSetting(SearchError):
    """An environment variable of a setting (search.config) that holds a value the setting cannot take."""

    status = 500  # the server's configuration, not the request, is at fault


class DataMissing(SearchError):
    """A data file casearch ships with (word lists, gazetteers, templates) is missing, unreadable or empty:
    the installation is incomplete, and working on without the file would give quietly worse results."""

    status = 500


class NotFound(SearchError):
    """An article id that is not in the index."""

    status = 404


class IndexMissing(SearchError):
    """No index at the given location, or one that cannot be opened."""

    status = 503


class IndexOutdated(IndexMissing):
    """An index written by another schema version: it must be rebuilt with `casearch index --full`."""


class IndexDamaged(IndexMissing):
    """A generation whose files cannot be read as written (truncated, overwritten, missing): the message names
    the file and says to rebuild with `casearch index --full`."""


class IndexBusy(SearchError):
    """Another indexing run holds the index lock."""

    status = 409
