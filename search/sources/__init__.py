"""Readers: files and folders -> articles (one reader per input format), and the cross-page merge.

`read(paths)` walks files and folders and yields `Article` or `Rejected`; `merge(articles)` folds
copies of one article (same id, e.g. read from a listing page and from a full page) into one document.
The product's limits hold here for every reader: MAX_BODY_CHARS characters of body, a date in DATE_RANGE.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator, Union

from ..models import Article, Rejected
from .feeds import read_feed
from .html import read_html
from .pages import parse_page
from .records import read_csv, read_jsonl
from .warc import read_warc

SUFFIXES = {".txt": "page", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
            ".html": "html", ".htm": "html", ".xml": "feed", ".rss": "feed", ".atom": "feed",
            ".warc": "warc", ".warc.gz": "warc"}
MAX_FILE_BYTES = 200 * 1024 * 1024  # one page or feed; JSONL, CSV and WARC files are streamed
MAX_BODY_CHARS = 5_000_000  # one article; longer bodies are rejected, not cut
# the dates an article may have (ISO strings compare in date order): the first printed newspapers are of
# 1605, and a date past 2199 is a typo or a placeholder such as 9999-12-31; others are rejected
DATE_RANGE = ("1600-01-01", "2199-12-31")


def iter_files(paths: Iterable[str]) -> Iterator[Union[Path, Rejected]]:
    """Yield the readable article files under the given files and folders, in a stable order.

    Missing paths, unreadable folders and symlink loops are reported as Rejected, never raised.
    """
    for p in paths:
        path = Path(p)
        if not path.exists():
            yield Rejected(str(p), "no such file or folder")
            continue
        if path.is_file():
            if suffix(path) in SUFFIXES:
                yield path
            else:
                yield Rejected(str(p), _unsupported(path))
            continue
        seen = set()
        errors = []
        for root, dirs, files in os.walk(path, followlinks=True, onerror=errors.append):
            real = os.path.realpath(root)
            if real in seen:  # a symlink loop
                dirs[:] = []
                yield Rejected(root, "symlink loop skipped")
                continue
            seen.add(real)
            dirs.sort()
            for f in sorted(files):
                fp = Path(root) / f
                if f.startswith("."):
                    continue
                if fp.is_symlink() and not fp.exists():
                    yield Rejected(str(fp), f"broken symbolic link (to {os.readlink(fp)}), skipped")
                elif suffix(fp) in SUFFIXES:
                    yield fp
                elif fp.suffix.lower() == ".json":  # articles, most likely, in a format we do not read
                    yield Rejected(str(fp), _unsupported(fp) + ", skipped")
        for e in errors:
            yield Rejected(getattr(e, "filename", str(p)) or str(p), f"cannot read folder: {e.strerror or e}")


def _unsupported(path: Path) -> str:
    if path.suffix.lower() == ".json":
        return "a .json file is not read: write one article per line and name the file .jsonl"
    return f"unsupported file type {path.suffix or '(none)'}; use {', '.join(sorted(SUFFIXES))}"


def suffix(path: Path) -> str:
    """The suffix that names a file's format, lower-cased; `.warc.gz` is one suffix."""
    return ".warc.gz" if path.name.lower().endswith(".warc.gz") else path.suffix.lower()


def read_file(path: Path) -> Iterator[Union[Article, Rejected]]:
    """Yield the articles of one file, by its suffix; whole-file problems become one Rejected.

    The product's limits are kept here, for every reader: a body of at most MAX_BODY_CHARS characters,
    a date within DATE_RANGE. Each article learns its file (`files`) and, when its reader gave none,
    its `where`.
    """
    files = (str(Path(path).resolve()),)
    for item in _read_file(path):
        if isinstance(item, Article):
            where = item.where or str(path)
            if len(item.body) > MAX_BODY_CHARS:
                yield Rejected(where, f"article {item.title[:60]!r} has a body of {len(item.body) / 1e6:.1f} M "
                                      f"characters, over the {MAX_BODY_CHARS // 1_000_000} M limit")
                continue
            if item.date and not DATE_RANGE[0] <= item.date <= DATE_RANGE[1]:
                which = "" if item.where else f"article {item.title[:60]!r}: "  # no line to tell which one
                yield Rejected(where, f"{which}date {item.date} outside the accepted range "
                                      f"{DATE_RANGE[0]} to {DATE_RANGE[1]}")
                continue
            item = replace(item, files=files, where=where)
        yield item


def _read_file(path: Path) -> Iterator[Union[Article, Rejected]]:
    name = str(path)
    kind = SUFFIXES[suffix(path)]
    try:
        size = path.stat().st_size
        if size == 0:
            yield Rejected(name, "empty file")
            return
        if kind in ("jsonl", "csv"):
            # records are read as a stream, one line (or CSV row) at a time: no size limit
            with open(path, "rb") as fh:
                if fh.read(2) in (b"\xff\xfe", b"\xfe\xff"):  # "Unicode text" from Excel and Windows tools
                    yield Rejected(name, "UTF-16 text; save the file as UTF-8")
                    return
                fh.seek(0)
                yield from (read_jsonl(fh, name) if kind == "jsonl" else read_csv(fh, name))
            return
        if kind == "warc":  # streamed record by record too
            with open(path, "rb") as fh:
                yield from read_warc(fh, name)
            return
        if size > MAX_FILE_BYTES:
            yield Rejected(name, f"file of {size // (1024 * 1024)} MB is larger than the "
                                 f"{MAX_FILE_BYTES // (1024 * 1024)} MB limit for one page")
            return
        data = path.read_bytes()
    except OSError as e:
        yield Rejected(name, f"cannot read file: {e.strerror or e}")
        return
    if not data.strip():
        yield Rejected(name, "empty file")
        return
    if kind in ("html", "feed"):  # bytes: a page or a feed declares its own encoding
        yield from (read_feed(data, name) if kind == "feed" else [read_html(data, name)])
        return
    if b"\x00" in data[:8192]:
        yield Rejected(name, "binary file, not a text page")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        yield Rejected(f"{name}:{line}", "not UTF-8 text; save the page as UTF-8")
        return
    result = parse_page(text, source=path.name)
    if not result.articles:
        yield Rejected(name, "no articles found on this page")
    yield from result.articles


def read(paths: Iterable[str]) -> Iterator[Union[Article, Rejected]]:
    """Yield every article (or rejection) from files and folders, in a stable order."""
    for item in iter_files(paths):
        if isinstance(item, Rejected):
            yield item
        else:
            yield from read_file(item)


def merge(articles: Iterable[Article], warn=None) -> list:
    """Fold articles with the same id into one: the longest body, the union of the metadata.

    A full text beats a truncated one; the date, author and url come from whichever copy has them;
    sources are joined. Order: first appearance.
    """
    merged: dict = {}
    for a in articles:
        old = merged.get(a.id)
        if old is None:
            merged[a.id] = a
            continue
        longer, other = (a, old) if _longer(a, old) else (old, a)
        if warn and not _same_story(a, old):
            warn(f"{a.where or a.source}: duplicate id {a.id!r} with different content from "
                 f"{old.where or old.source}: kept the longer one, {longer.title[:60]!r}")
        sources = [s for s in dict.fromkeys((old.source + "; " + a.source).split("; ")) if s]
        merged[a.id] = Article(
            id=a.id, title=longer.title, body=longer.body,
            date=longer.date or other.date, author=longer.author or other.author,
            url=longer.url or other.url, source="; ".join(sources), truncated=longer.truncated,
            files=tuple(dict.fromkeys(old.files + a.files)), publication=longer.publication or other.publication,
            where=old.where)
    return list(merged.values())


def _same_story(a: Article, b: Article) -> bool:
    """Copies of one story: same title and one body a prefix of the other (a truncated copy)."""
    short, long_ = sorted((a.body, b.body), key=len)
    return a.title == b.title and long_.startswith(short[:200])


def _longer(a: Article, b: Article) -> bool:
    if a.truncated != b.truncated:
        return not a.truncated
    return len(a.body) > len(b.body)
