"""Helpers every reader shares: text cleaning, dates, stable article ids.

In: raw strings from files. Out: cleaned strings, ISO dates, ids. No file I/O here.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Optional
from urllib.parse import urlsplit

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], 1)}
MONTHS.update({k[:3]: v for k, v in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

# "08 December 2025", "8 Dec 2025"
DMY_RE = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})$", re.I)
# "December 8, 2025", "Dec 8 2025"
MDY_RE = re.compile(rf"^({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$", re.I)
ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
RELATIVE_RE = re.compile(
    r"^(?:(\d+|an?|one)\s+(second|minute|hour|day|week|month|year)s?\s+ago|(yesterday|today|just now))$", re.I)
_UNIT_DAYS = {"second": 0, "minute": 0, "hour": 0, "day": 1, "week": 7}

# code points no text means and XML 1.0 forbids or discourages: lone surrogates (JSON's "\ud800" makes
# one), the noncharacters U+FDD0-U+FDEF and U+xFFFE/U+xFFFF of every plane; left in, they make the
# Atom feed unreadable (and a lone surrogate cannot even be written as UTF-8)
_NONCHARACTERS = "\ud800-\udfff\ufdd0-\ufdef" + "".join(
    chr(plane << 16 | 0xfffe) + chr(plane << 16 | 0xffff) for plane in range(17))
FORBIDDEN_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_NONCHARACTERS}]")
# invisible and control characters that scraped text and spreadsheets carry, and the above
_CONTROL_RE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff{_NONCHARACTERS}]")
_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _odd_spaces(line: str) -> bool:
    """Whether a line may hold spaces `_SPACE_RE` changes (cheap tests: most lines have none)."""
    return "  " in line or "\t" in line or not line.isascii()


def clean_text(text: str) -> str:
    """Drop control characters, unify spaces inside lines and keep paragraph breaks (blank lines)."""
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _paragraphs([(_SPACE_RE.sub(" ", line) if _odd_spaces(line) else line).strip()
                        for line in text.split("\n")])


def drop_forbidden(text: str) -> str:
    r"""Remove the code points XML 1.0 forbids (C0 controls but tab and newlines) and the noncharacters.

    >>> drop_forbidden("a\ufffeb\ud800c\U0010ffffd\te")
    'abcd\te'
    """
    return FORBIDDEN_RE.sub("", text)


def _paragraphs(lines: list) -> str:
    """Non-empty lines joined, a run of empty lines between two kept as one blank line."""
    out, blank = [], False
    for line in lines:
        if line:
            if blank and out:
                out.append("")
            out.append(line)
            blank = False
        else:
            blank = True
    return "\n".join(out)


def parse_date(text: str) -> Optional[str]:
    """Return the ISO date of an absolute date string, or None when it is not one.

    >>> parse_date("08 December 2025"), parse_date("December 8, 2025"), parse_date("2025-06-05T10:00Z")
    ('2025-12-08', '2025-12-08', '2025-06-05')
    >>> parse_date("31 February 2025") is None
    True
    """
    s = text.strip()
    try:
        m = ISO_RE.match(s)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        m = DMY_RE.match(s)
        if m:
            return date(int(m[3]), MONTHS[m[2].lower().rstrip(".")], int(m[1])).isoformat()
        m = MDY_RE.match(s)
        if m:
            return date(int(m[3]), MONTHS[m[1].lower().rstrip(".")], int(m[2])).isoformat()
    except ValueError:  # 31 February and the like
        return None
    return None


def looks_like_date(text: str) -> bool:
    """Tell whether a string has the shape of a date, valid or not (so an impossible date is reported)."""
    s = text.strip()
    return bool(ISO_RE.match(s) or DMY_RE.match(s) or MDY_RE.match(s))


def resolve_relative(text: str, page_date: Optional[str]) -> Optional[str]:
    """Resolve "3 days ago" against the page's own date; None without a page date (never a guess).

    >>> resolve_relative("3 weeks ago", "2026-02-09"), resolve_relative("1 month ago", "2026-03-31")
    ('2026-01-19', '2026-02-28')
    >>> resolve_relative("3 days ago", None) is None
    True
    """
    m = RELATIVE_RE.match(text.strip())
    if not m or not page_date:
        return None
    base = date.fromisoformat(page_date)
    if m[3]:
        return (base - timedelta(days=1 if m[3].lower() == "yesterday" else 0)).isoformat()
    n = 1 if m[1].lower() in ("a", "an", "one") else int(m[1])
    unit = m[2].lower()
    if unit in _UNIT_DAYS:
        return (base - timedelta(days=n * _UNIT_DAYS[unit])).isoformat()
    months = n * (12 if unit == "year" else 1)
    y, mo = divmod(base.year * 12 + base.month - 1 - months, 12)
    mo += 1
    for day in range(base.day, 0, -1):  # clamp 31 March - 1 month to 28/29 February
        try:
            return date(y, mo, day).isoformat()
        except ValueError:
            continue
    return None


def fold_key(text: str) -> str:
    """Fold text to a comparison key: NFKD without accents, casefolded, letters and digits only."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"\w+", text))


def article_id(title: str, body: str) -> str:
    """Return a short, URL-safe id derived from the content: the folded title and the body's first words.

    The first 30 words survive truncation ("...") and listing pages, so the same article read from a
    listing page and from a full page gets the same id; two articles that share only a title do not.
    """
    lead = " ".join(fold_key(body).split()[:30])
    digest = hashlib.sha1(f"{fold_key(title)}\n{lead}".encode("utf-8")).hexdigest()
    return digest[:16]


def url_key(url: str) -> str:
    """Return the comparison form of a web address, or "" when it is not an absolute http(s) address.

    http and https, "www.", letter case in the host, a default port, the fragment, a trailing slash and
    utm_* tracking parameters do not count; the path and the other parameters do.

    >>> url_key("HTTPS://www.Example.org:443/News/a-story/?utm_source=rss&page=2#comments")
    'example.org/News/a-story?page=2'
    >>> url_key("/2025/03/floods"), url_key("mailto:desk@example.org")
    ('', '')
    """
    try:
        parts = urlsplit(url.strip())
        host, port = (parts.hostname or ""), parts.port
    except ValueError:  # a malformed address (bad port, brackets)
        return ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return ""
    host = host[4:] if host.startswith("www.") else host
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith("utm_"))
    path = parts.path.rstrip("/")
    return host + path + (f"?{query}" if query else "")


def url_id(url: str) -> str:
    """Return the id of a web article from its address ("" without an absolute http(s) address).

    A page read again from the same address (a re-crawl, the page and its feed entry) keeps its id, so
    the new copy replaces the old one instead of adding a second article.
    """
    key = url_key(url)
    return hashlib.sha1(f"url\n{key}".encode("utf-8")).hexdigest()[:16] if key else ""


def content_hash(*parts: str) -> str:
    """Return a hash of an article's full content, to tell changed articles from unchanged ones."""
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def now_iso() -> str:
    return datetime.now().replace(microsecond=0).isoformat()
