"""Structured article files (.jsonl/.ndjson and .csv) -> articles.

In: the bytes of one file. Out: an iterator of `Article` or `Rejected` (`file:line: reason`), one per
record, so a bad record is reported and skipped while the rest are read. Fields: `title` and `body`
required; `id`, `date` (ISO 8601 or a plain written date), `author`, `url`, `source` optional.
This module does not decide what to do with rejected records (see indexer: --strict).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Iterator, Union

from ..models import Article, Rejected
from .common import article_id, clean_text, drop_forbidden, looks_like_date, parse_date

FIELDS = ("id", "title", "body", "date", "author", "url", "source")
MAX_TITLE = 1000  # longer titles are cut (and the record still indexed)
MAX_ID = 128


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
            yield Rejected(where, f"not UTF-8 (byte {e.start})")
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            hint = " (a JSON array: write one object per line)" if n == 1 and line.lstrip().startswith("[") else ""
            yield Rejected(where, f"invalid JSON: {e.msg}{hint}")
            continue
        yield make_article(rec, where, name)


def read_csv(data, name: str) -> Iterator[Union[Article, Rejected]]:
    """Yield one Article or Rejected per row of a CSV file (bytes or a binary file) whose header names the fields.

    The file is decoded as it is read; at the first byte that is not UTF-8 the rest of the file is
    rejected with that line (a decoding error would shift every later row).
    """
    if isinstance(data, (bytes, bytearray)):
        data = io.BytesIO(data)
    state = {"line": 0}

    def decoded():
        for raw in data:
            state["line"] += 1
            yield raw.decode("utf-8-sig" if state["line"] == 1 else "utf-8")

    try:
        yield from _csv_rows(decoded(), name)
    except UnicodeDecodeError:
        yield Rejected(f"{name}:{state['line']}", "not UTF-8; save the file as UTF-8")


def _csv_rows(text, name: str) -> Iterator[Union[Article, Rejected]]:
    reader = csv.DictReader(text)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "title" not in header or "body" not in header:
        yield Rejected(f"{name}:1", "CSV header must name at least the columns title and body")
        return
    reader.fieldnames = header
    try:
        for rec in reader:
            where = f"{name}:{reader.line_num}"
            if None in rec:
                yield Rejected(where, "more cells than header columns")
                continue
            yield make_article({k: v for k, v in rec.items() if k in FIELDS}, where, name)
    except csv.Error as e:
        yield Rejected(f"{name}:{reader.line_num}", f"malformed CSV: {e}")
