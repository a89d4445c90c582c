"""schemathesis hooks for tests/test_openapi.py: the two rules of /api/search that an OpenAPI document can only
state in words (its parameters' descriptions), applied to the requests schemathesis makes up.

`from` may not be after `to`, and a page may not start past the deepest result the server ranks; a request
breaking either is a 400 that the document announces. Without these, schemathesis would take a request valid
parameter by parameter as one the server must accept.
"""
import schemathesis

DEPTH, PER_PAGE = 10_000, 10  # the test server's max_results_depth and per_page (the settings' defaults)


def _day(value, last: bool) -> str:
    """A YYYY, YYYY-MM or YYYY-MM-DD bound as a comparable day ("31" stands for a month's last day)."""
    return value + ("-12-31" if last else "-01-01") if len(value) == 4 else \
        value + ("-31" if last else "-01") if len(value) == 7 else value


@schemathesis.hook
def filter_case(ctx, case):
    """Keep a made-up request unless it breaks one of the two rules (every phase asks: coverage, fuzzing)."""
    query = case.query
    if not query:
        return True
    date_from, date_to = query.get("from"), query.get("to")
    if isinstance(date_from, str) and isinstance(date_to, str) and date_from and date_to and \
            _day(date_from, False) > _day(date_to, True):
        return False
    page, per_page = query.get("page"), query.get("per_page")
    page = page if isinstance(page, int) else 1
    per_page = per_page if isinstance(per_page, int) and per_page > 0 else PER_PAGE
    return page <= 1 or (page - 1) * per_page < DEPTH
