"""RSS and Atom feeds (.rss, .atom, and .xml files that are feeds) -> articles.

In: the bytes of one feed file and its name. Out: one `Article` per entry, in feed order, or a `Rejected`
for an entry without text (`file:entry N: reason`), a file that is not a feed (`file: reason`), and one
for malformed XML (`file:line: reason`), after which the entries feedparser's lenient parser recovered
are still read. feedparser parses (RSS 0.9x, 1.0, 2.0 and Atom; its sanitizer drops scripts from the
HTML); this module maps an entry to an article:

- title: the entry's title (HTML titles as text); body: its longest content, else its summary, as text
  with one paragraph per block element;
- date: the date part of `published`, else of `updated`, as written (not moved to UTC);
- author: the entry's author or authors, names only (an RSS "email (Name)" gives Name);
- url: the entry's link when it is an http(s) address; source: the feed's title.

A file is a feed when feedparser recognises its format (a non-empty `version`); any other XML, such as a
sitemap, is rejected with its root element named. The id comes from the link (`common.url_id`), else from
the entry's own id (guid), else from the content, so a feed read again updates its articles. This module
does not fetch feeds or the pages they link to.
"""
from __future__ import annotations

import hashlib
import io
import re
from email.utils import parsedate_to_datetime
from typing import Iterator, Union
from xml.sax import SAXParseException

import feedparser
import lxml.html
from lxml import etree

from ..models import Article, Rejected
from .common import clean_text, parse_date, url_id, url_key
from .records import make_article

# elements that end a paragraph in an entry's HTML
BLOCKS = ("p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
          "blockquote", "pre", "table", "tr", "section", "article", "aside", "figure", "figcaption", "hr",
          "header", "footer")
PARAGRAPH = "\u2029"  # marks a block boundary while the HTML's own whitespace is collapsed
EMAIL_NAME_RE = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")  # RSS <author>: "desk@example.org (Ann Lee)"
ROOT_RE = re.compile(rb"<([A-Za-z_][\w.:-]*)")  # the first element ("<?xml" and "<!--" do not match)


def read_feed(data: bytes, name: str) -> Iterator[Union[Article, Rejected]]:
    """Yield the entries of one feed file as articles, and what was skipped as Rejected.

    Args:
        data: the file's bytes (feedparser reads the declared encoding).
        name: the file name, for messages and as the source when the feed has no title.
    """
    feed = feedparser.parse(io.BytesIO(data))  # a stream: a str would be taken for a URL or a path
    if not feed.get("version"):
        root = ROOT_RE.search(data[:65536])
        shown = f"the root element is <{root[1].decode('ascii', 'replace')}>" if root else "no XML element found"
        yield Rejected(name, f"not an RSS or Atom feed ({shown})")
        return
    error = feed.get("bozo_exception")
    if isinstance(error, SAXParseException):  # other bozo reasons (an encoding declared wrongly) are harmless
        yield Rejected(f"{name}:{error.getLineNumber()}",
                       f"malformed feed XML ({error.getMessage()}); the {len(feed.entries)} entries "
                       f"feedparser's lenient parser recovered are read")
    if not feed.entries:
        yield Rejected(name, "the feed has no entries")
        return
    site = " ".join((feed.feed.get("title") or "").split())
    for n, entry in enumerate(feed.entries, 1):
        yield _article(entry, f"{name}:entry {n}", name, site)


def _article(entry, where: str, name: str, site: str) -> Union[Article, Rejected]:
    body = _body(entry)
    if not body:
        return Rejected(where, "no text (the entry has neither content nor a summary)")
    link = entry.get("link") or ""
    link = link if url_key(link) else ""  # an Atom entry without a link gets its id (a tag: URI) as link
    guid = (entry.get("id") or "").strip()
    rid = url_id(link) or url_id(guid) or (hashlib.sha1(f"guid\n{guid}".encode("utf-8")).hexdigest()[:16]
                                           if guid else "")
    return make_article({"id": rid, "title": _text(entry.get("title_detail") or {}), "body": body,
                         "date": _date(entry.get("published") or entry.get("updated") or "", entry),
                         "author": _author(entry), "url": link, "source": site}, where, name)


def _body(entry) -> str:
    """The entry's longest content, else its summary, as text."""
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    if contents:
        return _text(max(contents, key=lambda c: len(c["value"])))
    return _text(entry.get("summary_detail") or {})


def _text(detail: dict) -> str:
    """The text of one of feedparser's text constructs ({type, value}): HTML is turned into paragraphs."""
    value = detail.get("value") or ""
    if "html" not in (detail.get("type") or ""):
        return clean_text(value)
    return _html_text(value)


def _html_text(value: str) -> str:
    """Text of an HTML fragment: one paragraph per block element, the markup's whitespace collapsed.

    >>> _html_text("<p>Rivers burst <b>their</b>\\n banks.</p><p>Second<br>line &amp; more</p>")
    'Rivers burst their banks.\\n\\nSecond\\n\\nline & more'
    """
    if not value.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):  # nothing but a comment or a processing instruction
        return ""
    for el in root.iter(*BLOCKS):
        el.text = PARAGRAPH + (el.text or "")
        el.tail = PARAGRAPH + (el.tail or "")
    paragraphs = (" ".join(p.split()) for p in root.text_content().split(PARAGRAPH))
    return clean_text("\n\n".join(p for p in paragraphs if p))


def _date(raw: str, entry) -> str:
    """The ISO date of a feed date as written (RFC 822 in RSS, ISO 8601 in Atom), else feedparser's (UTC)."""
    iso = parse_date(raw)
    if iso:
        return iso
    try:
        return parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}" if parsed else ""


def _author(entry) -> str:
    """The entry's author names, joined by "; " (an e-mail address alone is not a name)."""
    raw = " ".join((entry.get("author") or "").split())
    m = EMAIL_NAME_RE.match(raw)
    if m:
        return m[1].strip()
    names = [" ".join(a["name"].split()) for a in entry.get("authors") or [] if (a.get("name") or "").strip()]
    if len(names) > 1:
        return "; ".join(names)
    return "" if "@" in raw and " " not in raw else raw
