"""WARC files (.warc, .warc.gz) -> articles.

In: an open binary WARC file (plain or gzip, read as a stream: any size) and its name. Out: one `Article`
per HTML page the crawler fetched, or a `Rejected` (`file:record N: reason`) for a page that is not an
article, and one for a truncated or corrupt file, where reading stops: the articles before it are kept.

warcio reads the records. A `response` record with HTTP status 200 and an HTML content type is a page:
its payload goes through `html.read_html` with the record's WARC-Target-URI as the article's URL (so its
id, and a re-crawl of the address replaces the article) and the date of its WARC-Date as the fetch date
(the latest date the page may carry, and its date when the page gives none). Other records (requests,
metadata, revisits, redirects, errors, images, scripts) are passed over without a message. This module
does not follow revisit records to the payload they point at and does not read ARC files.
"""
from __future__ import annotations

import zlib
from typing import BinaryIO, Iterator, Union

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..models import Article, Rejected
from .common import parse_date
from .html import MAX_HTML_BYTES, read_html

HTML_TYPES = ("text/html", "application/xhtml+xml")
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError)  # their messages are shown (gzip's are OSError)


def read_warc(fh: BinaryIO, name: str) -> Iterator[Union[Article, Rejected]]:
    """Yield the articles of the HTML responses in one WARC file, and what was skipped as Rejected.

    Args:
        fh: the file, opened in binary mode (gzip is detected by warcio).
        name: the file name, for messages.
    """
    records = ArchiveIterator(fh)
    records.INC_RECORD = ""  # warcio prints a warning per misplaced record to stderr; it is counted instead
    n, kept, record = 0, 0, None
    try:
        for record in records:
            n += 1
            where = f"{name}:record {n}"
            if record.rec_type is None:  # the file ends inside a record's header
                yield Rejected(where, f"truncated WARC file (a record header is cut off); {_kept(kept)}")
                return
            if n == 1 and record.format != "warc":
                yield Rejected(name, "not a WARC file (it does not start with a WARC/1.x record header)")
                return
            if not _is_page(record):
                continue
            uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip()
            payload = record.content_stream().read(MAX_HTML_BYTES + 1)  # warcio undoes chunking and gzip
            if len(payload) > MAX_HTML_BYTES:
                yield Rejected(f"{where} ({uri})", f"page larger than the {MAX_HTML_BYTES // 1_000_000} MB "
                                                   f"the HTML extractor reads")
                continue
            if record.raw_stream.limit:  # fewer bytes than the record's Content-Length said
                yield Rejected(where, f"truncated WARC file ({uri} is cut off); {_kept(kept)}")
                return
            fetched = parse_date(record.rec_headers.get_header("WARC-Date") or "")
            item = read_html(payload, name, url=uri, fetched=fetched, where=f"{where} ({uri})")
            kept += isinstance(item, Article)
            yield item
        if record is not None and record.raw_stream.limit:  # the last record (not a page) is cut off
            yield Rejected(f"{name}:record {n}", f"truncated WARC file; {_kept(kept)}")
            return
    except Exception as e:  # warcio fails in several ways on damaged files, some of them not its own errors
        shown = " ".join(str(e).split()) if isinstance(e, READ_ERRORS) else "unreadable record"
        if n == 0:
            yield Rejected(name, f"not a WARC file ({shown})")
        else:
            yield Rejected(f"{name}:record {n + 1}", f"truncated or corrupt WARC file ({shown}); {_kept(kept)}")
        return
    if records.offset < fh.tell():  # bytes left that warcio could not make a record of (a cut gzip member)
        yield Rejected(f"{name}:record {n + 1}", f"truncated or corrupt WARC file (nothing readable after "
                                                 f"byte {records.offset:,}); {_kept(kept)}")
        return
    if records.err_count:  # warcio read on past each of them
        yield Rejected(name, f"{records.err_count} record(s) not followed by the blank lines WARC requires "
                             f"(a wrong Content-Length?): the file may be damaged")


def _kept(kept: int) -> str:
    if not kept:
        return "no article came before it"
    return f"the {kept:,} article{'s' * (kept != 1)} before it {'are' if kept != 1 else 'is'} kept"


def _is_page(record) -> bool:
    """A response fetched with status 200 whose content type is HTML."""
    if record.rec_type != "response" or record.http_headers is None:
        return False
    if record.http_headers.get_statuscode() != "200":
        return False
    ctype = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return ctype in HTML_TYPES
