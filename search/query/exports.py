"""Every matching article as export rows, and the formats they are written in, each written once here.

In: a SearchRequest and an open IndexView. Out: `export_rows` (dicts with EXPORT_KEYS, every match in the
request's order, not just a page) and the lines of the three export formats the CLI and the web share:
`jsonl_lines` (exact values), `json_chunks` (one JSON array, streamed) and `csv_lines` (for spreadsheets:
lists joined with "; ", and a cell a spreadsheet would run as a formula neutralised as OWASP recommends,
with a leading apostrophe). This module does not know about HTTP or the terminal.
"""
from __future__ import annotations

import csv
import io
import json

from ..engine import IndexView
from ..models import SearchRequest
from .articles import article
from .run import match, rank

# what `export` writes of each article: the keys of a result but score and snippet, the body, and the article's
# group of near-copies (`group`: the group's label, `duplicate_of`: the id of its original, null for that one)
EXPORT_KEYS = ("id", "title", "date", "author", "url", "countries", "people", "topics", "source", "body",
               "truncated", "group", "duplicate_of")
# a cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_rows(req: SearchRequest, view: IndexView, batch: int = 500):
    """Yield every matching article (not just a page) as export rows, in the request's order."""
    m = match(req, view)
    final = m.final()
    total = int(final.sum())
    for start in range(0, total, batch):
        for h in rank(req, view, m.parsed, final, start, min(start + batch, total)):
            row = article(view, h.id, similar=0)
            yield {k: row[k] for k in EXPORT_KEYS}


def jsonl_lines(rows):
    """One JSON object a line, values exactly as indexed."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def json_chunks(rows):
    """One JSON array of the rows, streamed in pieces."""
    yield "[\n"
    first = True
    for row in rows:
        yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"


def csv_cell(value) -> str:
    """A value as a spreadsheet cell: lists joined with "; ", None empty, a would-be formula neutralised."""
    if isinstance(value, list):
        value = "; ".join(value)
    elif value is None:
        value = ""
    value = str(value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value  # OWASP "CSV injection": shown as text, never evaluated
    return value


def csv_lines(rows, bom: bool = False):
    """The header line, then one CSV line per row (RFC 4180 quoting); `bom` starts with a UTF-8 BOM so that
    spreadsheets read the file as UTF-8."""
    buf = io.StringIO()
    w = csv.writer(buf)

    def line(cells) -> str:
        buf.seek(0)
        buf.truncate()
        w.writerow(cells)
        return buf.getvalue()

    yield ("\ufeff" if bom else "") + line(EXPORT_KEYS)
    for row in rows:
        yield line([csv_cell(row[k]) for k in EXPORT_KEYS])
