"""Structured article files (.jsonl/.ndjson and .csv) -> articles.

In: the bytes of one file. Out: an iterator of `Article` or `Rejected` (`file:line: reason`), one per
record, so a bad record is reported and skipped while the rest are read. Fields: `title` and `body`
required; `id`, `date` (ISO 8601 or a plain written date), `author`, `url`, `source` optional.
This module does not decide what to do with rejected records (see indexer: --strict), nor keep the
product's limits on body size and dates (see sources.read_file).
"""
from __future__ import annotations

import csv
import io
import json
import re
import shlex
from typing import Iterator, Union

from ..models import Article, Rejected
from .common import article_id, clean_text, drop_forbidden, looks_like_date, parse_date

FIELDS = ("id", "title", "body", "date", "author", "url", "source")
MAX_TITLE = 1000  # longer titles are cut (and the record still indexed)
MAX_ID = 128
# the csv module's default field limit (131,072 characters) would reject long articles and, on the error,
# end the file; an article's only limit is sources.MAX_BODY_CHARS (the largest value every platform takes)
FIELD_LIMIT = 2**31 - 1
_LONE_CR_RE = re.compile(r"(?<=\r)(?!\n)")  # after a CR that ends a line on its own (old Mac exports)


def make_article(rec: dict, where: str, default_source: str) -> Union[Article, Rejected]:
    """Validate one record (a dict of strings or JSON values) and build its Article."""
    if not isinstance(rec, dict):
        return Rejected(where, f"expected an object with title and body, got {type(rec).__name__}")
    values = {}
    for key in FIELDS:
        v = rec.get(key)
        if v is None:
            values[key] = ""
        elif isinstance(v, (str, int, float)) and not isinstance(v, bool):
            values[key] = str(v) if key in ("title", "body") else drop_forbidden(str(v))  # those two: clean_text
        else:
            return Rejected(where, f"field '{key}' must be a string, got {type(v).__name__}")
    title = " ".join(clean_text(values["title"]).split())
    body = clean_text(values["body"])
    if not title:
        return Rejected(where, "missing title")
    if not body:
        return Rejected(where, "missing body")
    if len(title) > MAX_TITLE:
        title = title[:MAX_TITLE].rstrip() + "…"
    date = None
    if values["date"].strip():
        date = parse_date(values["date"])
        if date is None:
            reason = "impossible date" if looks_like_date(values["date"]) else "unparseable date"
            return Rejected(where, f"{reason} {values['date'][:40]!r}")
    rid = values["id"].strip()
    if rid and (len(rid) > MAX_ID or any(c in rid for c in "/\\?#%") or not rid.isprintable()):
        return Rejected(where, f"id {rid[:40]!r} must be at most {MAX_ID} printable characters without / \\ ? # %")
    if rid in (".", ".."):  # browsers resolve /article/. to /article/ and /article/.. to / (RFC 3986 dot segments)
        return Rejected(where, f"id {rid!r} cannot be . or ..: a browser reads /article/{rid} as another page")
    truncated = body.rstrip().endswith(("...", "…"))
    return Article(id=rid or article_id(title, body), title=title, body=body, date=date,
                   author=" ".join(values["author"].split()), url=values["url"].strip(),
                   source=values["source"].strip() or default_source, truncated=truncated,
                   publication=values["source"].strip(), where=where)


def read_jsonl(data, name: str) -> Iterator[Union[Article, Rejected]]:
    """Yield one Article or Rejected per non-empty line of a JSON Lines file (bytes or a binary file)."""
    lines = data.split(b"\n") if isinstance(data, (bytes, bytearray)) else data
    for n, raw in enumerate(lines, 1):
        raw = raw.rstrip(b"\r\n")
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        where = f"{name}:{n}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield Rejected(where, f"not UTF-8 (byte {e.start + 1} of the line); save the file as UTF-8")
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            error = f"{e.msg}{'' if e.msg.endswith(' at') else ' at'} column {e.colno}"  # the whole of it
            if n == 1 and line.lstrip().startswith("["):
                yield Rejected(where, f"invalid JSON ({error}): the file is a JSON array; {_array_hint(name)}")
            else:
                yield Rejected(where, f"invalid JSON: {error}")
            continue
        if isinstance(rec, list) and any(isinstance(x, dict) for x in rec):
            yield Rejected(where, f"a JSON array of {len(rec):,} items; {_array_hint(name)}")
            continue
        yield make_article(rec, where, name)


def _array_hint(name: str) -> str:
    return f"JSON Lines needs one object per line, e.g. jq -c '.[]' {shlex.quote(name)} > fixed.jsonl"


def read_csv(data, name: str) -> Iterator[Union[Article, Rejected]]:
    """Yield one Article or Rejected per row of a CSV file (bytes or a binary file) whose header names the fields.

    The file is decoded as it is read; at the first byte that is not UTF-8 the rest of the file is
    rejected with that line (a decoding error would shift every later row). Lines end with LF, CRLF or
    a lone CR. Fields have no size limit of their own (see FIELD_LIMIT).
    """
    if isinstance(data, (bytes, bytearray)):
        data = io.BytesIO(data)
    state = {"line": 0}

    def decoded():
        for raw in data:
            text = raw.decode("utf-8-sig" if state["line"] == 0 else "utf-8")
            for piece in _LONE_CR_RE.split(text) if "\r" in text else (text,):
                if piece:
                    state["line"] += 1
                    yield piece

    try:
        yield from _csv_rows(decoded(), name)
    except UnicodeDecodeError:
        yield Rejected(f"{name}:{state['line'] + 1}", "not UTF-8; save the file as UTF-8")


def _csv_rows(text, name: str) -> Iterator[Union[Article, Rejected]]:
    csv.field_size_limit(FIELD_LIMIT)  # process-wide, and the same for every reader of this module
    rows = csv.reader(text)
    try:
        header = [h.strip().lower() for h in next(rows, [])]
    except csv.Error as e:
        yield Rejected(f"{name}:1", f"malformed CSV header: {e}")
        return
    if "title" not in header or "body" not in header:
        yield Rejected(f"{name}:1", "CSV header must name at least the columns title and body")
        return
    while True:
        where = f"{name}:{rows.line_num + 1}"  # the row's first line (a quoted cell may span several)
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as e:  # the reader goes on with the next row
            yield Rejected(where, f"malformed CSV: {e}")
            continue
        if not row:  # a blank line
            continue
        if len(row) > len(header):
            yield Rejected(where, "more cells than header columns")
            continue
        yield make_article({k: v for k, v in zip(header, row) if k in FIELDS}, where, name)
