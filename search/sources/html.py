"""Saved HTML pages (.html/.htm, and the pages inside WARC files) -> articles.

In: the bytes of one page (its own encoding, as saved), the file name for messages, and for a page from a
WARC file its address and fetch date. Out: one `Article`, or one `Rejected` (`file: reason`) for a page
that is not an article: no text, a stub, a listing of links to other pages, a page too large to extract.

trafilatura finds the text (boilerplate, menus and comments dropped) and the metadata: title, author,
URL, site name and date from the page's meta tags and JSON-LD (the JSON-LD article's `url`, which
trafilatura does not read, is read here). The date is the publication date the markup gives (htmldate,
run by trafilatura without guessing from free text); when the markup has none, htmldate's search of the
text, but never its year-only or month-only guesses; for a WARC page, the fetch date after that. The id
comes from the page's address (`common.url_id`), so a re-crawl of the same address replaces the article;
a page without an absolute address gets the content id of other records.
This module does not read files, follow links or fetch anything.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Optional, Union

import htmldate
import trafilatura

from ..models import Article, Rejected
from .common import clean_text, fold_key, url_id, url_key
from .records import make_article

MAX_HTML_BYTES = 20_000_000  # trafilatura's own limit (settings.cfg MAX_FILE_SIZE): larger pages come back empty
MIN_WORDS = 20  # fewer words of text: an error page, a stub or a page of links, not an article
LISTING_LINK_SHARE = 0.5  # at least this share of the text's words in paragraphs that are links: a page of links
LISTING_HEADLINES = 3  # at least this many paragraphs that are links ...
LISTING_WORDS_PER_HEADLINE = 60  # ... with fewer other words than this per link: headlines with teasers
BYLINE_CUT_RE = re.compile(r"\s*[·•|]")  # what follows the names in a byline: a date, "Published", a role
LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage"}  # schema.org types of listing pages


def read_html(data: bytes, name: str, url: str = "", fetched: Optional[str] = None,
              where: str = "") -> Union[Article, Rejected]:
    """Extract the article of one saved page.

    Args:
        data: the page as saved (bytes; trafilatura reads its declared or detected encoding).
        name: the file it came from (the article's source when the page names no site).
        url: the address it was fetched from, when known (WARC): then it is the article's URL.
        fetched: the ISO date it was fetched (WARC): the latest date the page can carry, and its date when
            the page gives none.
        where: how messages name the page (default: `name`).
    Returns:
        the Article, or a Rejected saying why the page is not one.
    """
    where = where or name
    if len(data) > MAX_HTML_BYTES:
        return Rejected(where, f"page of {len(data) / 1e6:.1f} MB is larger than the "
                               f"{MAX_HTML_BYTES // 1_000_000} MB the HTML extractor reads")
    latest = fetched or date.today().isoformat()
    try:
        tree = trafilatura.load_html(data)  # parsed once: the extractor, the links and htmldate read this tree
        doc = None if tree is None else trafilatura.bare_extraction(
            tree, url=url or None, with_metadata=True, include_comments=False,
            date_extraction_params={"original_date": True, "extensive_search": False, "max_date": latest})
    except Exception as e:  # a library bug on hostile markup must cost one page, not the whole run
        return Rejected(where, f"the HTML extractor failed on this page ({type(e).__name__})")
    if doc is None or not doc.text:
        return Rejected(where, "no article text found on this page")
    title = " ".join((doc.title or "").split())
    paragraphs = [p for p in clean_text(doc.text).split("\n") if p]
    if paragraphs and title and fold_key(paragraphs[0]) == fold_key(title):
        paragraphs = paragraphs[1:]  # the headline, already the title
    words = sum(len(p.split()) for p in paragraphs)
    if words < MIN_WORDS:
        return Rejected(where, f"only {words} word{'s' * (words != 1)} of text (fewer than {MIN_WORDS}): not an article")
    listing = _listing(paragraphs, tree, doc.pagetype)
    if listing:
        return Rejected(where, f"a listing page ({listing}), not an article")
    body = "\n\n".join(paragraphs)
    url = url or doc.url or _json_ld_url(tree)
    return make_article({"id": url_id(url), "title": title, "body": body,
                         "date": doc.date or _text_date(tree, url, latest) or fetched or "",
                         "author": _author(doc.author), "url": url, "source": _site(doc.sitename, url)},
                        where, name)


def _listing(paragraphs: list, tree, pagetype: Optional[str]) -> str:
    """Say why a page whose extracted text is `paragraphs` lists other pages ("" when it reads as an article).

    A paragraph that is the whole text of one of the page's links is a headline pointing elsewhere: a page
    mostly made of them, or of such headlines each with a short teaser, is a listing.
    """
    if (pagetype or "").lower() in LISTING_TYPES:
        return f"schema.org type {pagetype}"
    anchors = {" ".join(a.text_content().split()).casefold() for a in tree.iter("a")}  # cheap: a page has hundreds
    linked = [p for p in paragraphs if " ".join(p.split()).casefold() in anchors]
    words = sum(len(p.split()) for p in paragraphs)
    link_words = sum(len(p.split()) for p in linked)
    if link_words / words >= LISTING_LINK_SHARE:
        return f"{link_words / words:.0%} of its text is links to other pages"
    if len(linked) >= LISTING_HEADLINES and (words - link_words) / len(linked) < LISTING_WORDS_PER_HEADLINE:
        return f"{len(linked)} headlines linking to other pages"
    return ""


def _text_date(tree, url: str, latest: str) -> Optional[str]:
    """htmldate's search of the page's text, without its guesses: a date on the 1st of a month is dropped.

    When it finds no full date, htmldate falls back to a month (2025-03 -> 2025-03-01) or a year (a copyright
    line -> 2024-01-01); those are not publication dates, and a true date on the 1st is lost with them.
    """
    try:
        found = htmldate.find_date(tree, extensive_search=True, original_date=True, url=url or None,
                                   max_date=latest)
    except Exception:  # as in read_html: the date is optional, the article is kept without it
        return None
    return found if found and not found.endswith("-01") else None


def _json_ld_url(tree) -> str:
    """The `url` (or `mainEntityOfPage`) of the page's JSON-LD article, which trafilatura does not read; "" if none.

    >>> import lxml.html
    >>> _json_ld_url(lxml.html.fromstring('<html><head><script type="application/ld+json">[{"@type": "Organization",'
    ...     ' "url": "https://x.example"}, {"@type": "NewsArticle", "mainEntityOfPage": {"@id": "https://x.example/a"}}]'
    ...     '</script></head><body></body></html>'))
    'https://x.example/a'
    """
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        items = data if isinstance(data, list) else (data.get("@graph") or [data]) if isinstance(data, dict) else []
        for item in items:
            kind = item.get("@type") if isinstance(item, dict) else None
            if not any(str(k).endswith("Article") for k in (kind if isinstance(kind, list) else [kind])):
                continue
            for value in (item.get("url"), item.get("mainEntityOfPage")):
                value = value.get("@id") if isinstance(value, dict) else value
                if isinstance(value, str) and url_key(value):
                    return value.strip()
    return ""


def _author(author: Optional[str]) -> str:
    """The author names of a byline trafilatura read ("Ann Lee · Published" -> "Ann Lee").

    >>> _author("Ann Lee · Published"), _author("Ann Lee | 5 March"), _author("Ann Lee; Tom Berg")
    ('Ann Lee', 'Ann Lee', 'Ann Lee; Tom Berg')
    """
    return BYLINE_CUT_RE.split(author or "", 1)[0].strip()


def _site(sitename: Optional[str], url: str) -> str:
    """The publication: the page's site name, unless it is only a host name (then schema.source_of takes the
    URL's host, the same way for every format)."""
    site = " ".join((sitename or "").split())
    if not site or (" " not in site and "." in site):
        return ""
    return site
