"""Scraped news pages (.txt) -> articles.

In: the text of one scraped page (an author page, a search-listing page or a page of full articles).
Out: `PageResult` with one `Article` per article on the page, in page order.

The page is cut into blocks (runs of lines between blank lines) and each block is classified:
ticker lines, the page's date line, "Viewing results" lines, section headers and the author-profile
block are boilerplate and dropped here, nowhere else. Headings are short title-cased lines; a heading
that opens a new article is a title, one inside an article is a subheading and stays in that article's
body. Date lines ("3 days ago", "08 December 2025") between articles date the article they follow
(or precede, on pages that put dates first). This module does not merge articles across pages
(see `sources.merge`) and does not tag them.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from .. import analysis
from ..models import Article
from .common import (RELATIVE_RE, article_id, clean_text, parse_date, resolve_relative)

TICKER_RE = re.compile(r"^[•*\-]?\s*[A-Z]{3}/[A-Z]{3}\s*=\s*[-+]?[\d.,]+\s*[-+]?[\d.,]*\s*%?$")
VIEWING_RE = re.compile(r"^(Viewing|Showing) results? \d[\d,]*\s*[-–]\s*\d[\d,]*\s+of\s+\d[\d,]*\.?$", re.I)
PROFILE_RE = re.compile(r"^Our People\s*>\s*(.+)$")
SECTION_HEADERS = {"articles", "latest articles", "latest", "latest news", "news", "search results",
                   "related articles", "related", "more articles", "posts", "stories", "read more"}
BULLET_RE = re.compile(r"^[•●▪◦‣∙·]\s*|^[-*–]\s+")
CAPTION_RE = re.compile(r"\[caption[^\]]*\].*?\[/caption\]", re.S | re.I)
STRAY_SHORTCODE_RE = re.compile(r"\[/?caption[^\]]*\]", re.I)
ELLIPSIS_RE = re.compile(r"(?<!\.)(\.\.\.|…)\s*$")
GENRE_RE = re.compile(r"^(Opinion|Interview|Analysis|Exclusive|Commentary|Editorial|Explainer|Op-Ed|Feature|"
                      r"Review|Q&A|Podcast|Photo|Photos|Video|Breaking|Update)\s*[:|]", re.I)
# words that open a paragraph continuing the text before it, not the lead of a new article
CONTINUATION = {"he", "she", "it", "they", "this", "these", "those", "such", "meanwhile", "however",
                "additionally", "moreover", "furthermore", "also", "but", "yet", "still", "similarly",
                "likewise", "conversely", "nevertheless", "nonetheless", "instead", "otherwise", "then",
                "thus", "therefore", "hence", "his", "her", "their", "its"}
TIME_WORDS = {"week", "weekend", "month", "year", "morning", "afternoon", "evening", "spring", "summer",
              "autumn", "fall", "winter", "season", "time"}
ROLE_WORDS = {"minister", "president", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "dr", "dr.", "prime",
              "deputy", "ambassador", "chairman", "governor", "mayor", "senator", "premier", "spokesman",
              "spokeswoman", "general", "director", "professor", "prof.", "secretary", "king", "queen"}
SMALL_WORDS = {"a", "an", "the", "and", "or", "but", "nor", "for", "of", "in", "on", "at", "to", "by",
               "with", "from", "as", "into", "vs", "vs.", "via", "per", "amid", "over", "than", "up", "out",
               "off", "is", "are", "be", "its", "it", "after", "before", "about", "between", "against"}
ABBREV_END_RE = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|Dr|Mr|Ms|Mrs|vs)\.)$")
OPEN_QUOTES = "“\"'‘«„"

MAX_HEADING_CHARS = 200
MAX_HEADING_WORDS = 25
TITLE_THRESHOLD = 0.5  # score above which an in-article heading is taken to open a new article


@dataclass
class Block:
    kind: str  # heading, para, list, date, drop
    text: str
    line: int  # 1-based line number of the block's first line


@dataclass
class PageResult:
    articles: list
    page_date: Optional[str] = None
    author: str = ""
    dropped: list = field(default_factory=list)  # (line, reason) of boilerplate blocks, for debugging


@dataclass
class _Draft:
    title: str
    line: int
    parts: list = field(default_factory=list)
    date_text: Optional[str] = None
    closed: bool = False  # a date line or a truncated body ended it
    subheadings: int = 0


def parse_page(text: str, source: str = "") -> PageResult:
    """Parse one scraped page into articles.

    Args:
        text: the page as text (already decoded).
        source: the file name, kept on each article.
    Returns:
        a PageResult: the articles in page order, the page's date line and its author, if any.
    """
    blocks = _blocks(clean_text(_strip_shortcodes(text)))
    result = PageResult(articles=[])
    blocks = _drop_boilerplate(blocks, result)
    _classify_headings(blocks)
    dates_first = _dates_precede_titles(blocks)
    drafts = _segment(blocks, dates_first)
    for d in drafts:
        body, truncated = _body(d.parts)
        if not body:
            result.dropped.append((d.line, f"heading without text: {d.title[:60]}"))
            continue
        iso = None
        if d.date_text:
            iso = parse_date(d.date_text) or resolve_relative(d.date_text, result.page_date)
        result.articles.append(Article(
            id=article_id(d.title, body), title=d.title, body=body, date=iso,
            author=result.author, source=source, truncated=truncated))
    return result


def _strip_shortcodes(text: str) -> str:
    text = CAPTION_RE.sub(" ", text)
    return STRAY_SHORTCODE_RE.sub(" ", text)


def _blocks(text: str) -> list:
    """Cut cleaned text into blocks; bullet lines form list blocks of their own, tickers are dropped."""
    blocks, cur, cur_kind, start = [], [], None, 0

    def flush():
        if cur:
            sep = "\n" if cur_kind == "list" else " "
            blocks.append(Block(cur_kind, sep.join(cur), start))

    for n, line in enumerate(text.split("\n"), 1):
        if TICKER_RE.match(line):
            continue
        if not line:
            flush()
            cur, cur_kind = [], None
            continue
        kind = "list" if BULLET_RE.match(line) else "para"
        if cur and kind != cur_kind:
            flush()
            cur = []
        if not cur:
            start, cur_kind = n, kind
        cur.append("• " + BULLET_RE.sub("", line) if kind == "list" else line)
    flush()
    return blocks


def _drop_boilerplate(blocks: list, result: PageResult) -> list:
    """Remove the page date line, result counters, section headers and the author-profile block."""
    kept, i = [], 0
    while i < len(blocks):
        b = blocks[i]
        text = b.text.strip()
        if b.kind == "para" and not kept and result.page_date is None and parse_date(text):
            result.page_date = parse_date(text)  # the page's own date line, at its top
            result.dropped.append((b.line, "page date"))
        elif b.kind == "para" and VIEWING_RE.match(text):
            result.dropped.append((b.line, "result counter"))
        elif b.kind == "para" and text.lower().rstrip(":") in SECTION_HEADERS:
            result.dropped.append((b.line, "section header"))
        elif b.kind == "para" and PROFILE_RE.match(text):
            name = PROFILE_RE.match(text)[1].strip()
            result.author = name
            i = _skip_profile(blocks, i + 1, name, result)
            continue
        elif b.kind == "para" and (parse_date(text) or RELATIVE_RE.match(text)):
            kept.append(Block("date", text, b.line))
        else:
            kept.append(b)
        i += 1
    return kept


def _skip_profile(blocks: list, i: int, name: str, result: PageResult) -> int:
    """Skip the profile block that follows "Our People > NAME"; return the index of the first block after it."""
    # up to a section header ("Articles") everything is profile, when such a header comes soon
    for j in range(i, min(i + 8, len(blocks))):
        if blocks[j].text.strip().lower().rstrip(":") in SECTION_HEADERS:
            for b in blocks[i:j + 1]:
                result.dropped.append((b.line, "author profile"))
            return j + 1
    # otherwise drop what a profile is made of: avatar, name, role, a short bio naming the person
    surname = name.split()[-1].lower()
    while i < len(blocks):
        t = blocks[i].text.strip()
        low = t.lower()
        if (low in (name.lower(), f"{name.lower()}'s avatar", f"{name.lower()}’s avatar")
                or (len(t.split()) <= 4 and not t.endswith("."))
                or (surname in low and t.count(". ") <= 3 and len(t) < 400)):
            result.dropped.append((blocks[i].line, "author profile"))
            i += 1
            continue
        break
    return i


def _is_title_cased(text: str) -> bool:
    words = [w.strip("“”\"'‘’():,;!?") for w in text.split()]
    content = [w for w in words if w and any(c.isalpha() for c in w) and w.lower() not in SMALL_WORDS]
    if not content:
        return False
    capped = sum(1 for w in content if next(c for c in w if c.isalpha()).isupper())
    return capped / len(content) >= 0.75


def _heading_shape(text: str) -> bool:
    if "\n" in text or len(text) > MAX_HEADING_CHARS or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if text[0] in OPEN_QUOTES or ELLIPSIS_RE.search(text):
        return False
    if text[-1] in ".,;:" and not ABBREV_END_RE.search(text):
        return False
    return _is_title_cased(text)


def _classify_headings(blocks: list) -> None:
    """Mark paragraph blocks that have a heading's shape and are followed by text as headings."""
    for i, b in enumerate(blocks):
        if b.kind != "para" or not _heading_shape(b.text):
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if nxt is not None and nxt.kind in ("para", "list"):
            b.kind = "heading"


def _dates_precede_titles(blocks: list) -> bool:
    """Tell whether this page puts each article's date before its title (default: after its body)."""
    content = [b for b in blocks if b.kind in ("heading", "para", "list", "date")]
    if not content or content[-1].kind == "date":
        return False
    return content[0].kind == "date"


def _is_listing(blocks: list) -> bool:
    """Tell whether the page lists one-paragraph articles: then every heading opens an article.

    On such pages (author pages, search listings) subheadings are run into the single paragraph, so a
    heading line can only be a title.
    """
    runs, run = [], None
    for b in blocks:
        if b.kind in ("heading", "date"):
            if run is not None:
                runs.append(run)
            run = 0 if b.kind == "heading" else None
        elif run is not None:
            run += 1
    if run is not None:
        runs.append(run)
    return bool(runs) and max(runs) <= 1


def _segment(blocks: list, dates_first: bool) -> list:
    drafts: list = []
    listing = _is_listing(blocks)
    cur: Optional[_Draft] = None
    pending_date = None
    stats = _PageStats(blocks)
    for i, b in enumerate(blocks):
        if b.kind == "date":
            if dates_first:
                if cur:
                    cur.closed = True
                pending_date = b.text
            elif cur and cur.date_text is None and cur.parts:
                cur.date_text = b.text
                cur.closed = True
            continue
        if b.kind == "heading":
            if cur is None or cur.closed or listing or _opens_article(blocks, i, cur, stats):
                cur = _Draft(title=b.text, line=b.line, date_text=pending_date)
                pending_date = None
                drafts.append(cur)
            else:
                cur.parts.append(b.text)
                cur.subheadings += 1
            continue
        if cur is None or cur.closed:
            continue  # text outside any article: page furniture
        cur.parts.append(b.text)
        if b.kind == "para" and ELLIPSIS_RE.search(b.text):
            cur.closed = True  # a listing's body cut off with "...": its article ends here
    return drafts


class _PageStats:
    """Document frequencies of stems and proper nouns over the page's blocks, for cohesion scores."""

    def __init__(self, blocks: list):
        self.n = len(blocks)
        self.df_stems: Counter = Counter()
        self.df_names: Counter = Counter()
        for b in blocks:
            self.df_stems.update(set(_stems(b.text)))
            self.df_names.update(set(_names(b.text)))

    def cosine(self, a: str, b: str, kind: str) -> float:
        fn, df = (_stems, self.df_stems) if kind == "stems" else (_names, self.df_names)
        va, vb = self._vector(fn(a), df), self._vector(fn(b), df)
        dot = sum(w * vb.get(t, 0.0) for t, w in va.items())
        na = math.sqrt(sum(w * w for w in va.values()))
        nb = math.sqrt(sum(w * w for w in vb.values()))
        return dot / (na * nb) if na and nb else 0.0

    def _vector(self, tokens: list, df: Counter) -> dict:
        counts = Counter(tokens)
        return {t: (1 + math.log(c)) * math.log((self.n + 1) / (df[t] + 0.5)) for t, c in counts.items()}


def _stems(text: str) -> list:
    return [analysis.stem(t) for t in re.findall(r"[^\W\d_]{3,}", text.lower()) if not analysis.is_stopword(t)]


_NAME_RE = re.compile(r"(?<![.!?“\"]\s)(?<!^)(?<!\n)\b([A-Z][^\W\d_]+)")


def _names(text: str) -> list:
    """Capitalised words that are not sentence-initial: a cheap stand-in for proper nouns."""
    return [w.lower() for w in _NAME_RE.findall(text) if w.lower() not in SMALL_WORDS]


def _opens_article(blocks: list, i: int, cur: _Draft, stats: _PageStats) -> bool:
    """Score whether heading i, met inside the open article `cur`, is the title of a new article.

    Signals (weights set on hand-written pages and the seed pages, see tests/test_pages.py):
    length (titles are longer than subheadings), a genre prefix ("Opinion:"), lexical cohesion of the
    text under the heading with the open article (stems and proper nouns; a new story shares little),
    a first paragraph that continues the story (a pronoun, "Meanwhile", a surname introduced earlier),
    words shared with the open article's title, and whether the open article already has subheadings.
    """
    heading = blocks[i].text
    section = []
    for b in blocks[i + 1:]:
        if b.kind in ("heading", "date"):
            break
        section.append(b.text)
    if not section:
        return False
    nxt = " ".join(section)
    so_far = " ".join([cur.title, *cur.parts])
    score = 0.6 * (len(heading.split()) - 6)
    if GENRE_RE.match(heading):
        score += 2.0
    score -= 8.0 * (stats.cosine(so_far, nxt, "stems") - 0.12)
    score -= 15.0 * (stats.cosine(so_far, nxt, "names") - 0.06)
    if _continues(section[0], so_far):
        score -= 1.5
    h_stems = set(_stems(heading))
    if h_stems:
        score -= 1.5 * len(h_stems & set(_stems(cur.title))) / len(h_stems)
    if cur.subheadings:
        score -= 0.5
    return score > TITLE_THRESHOLD


def _continues(paragraph: str, so_far: str) -> bool:
    """Tell whether a paragraph reads as the continuation of `so_far` rather than a new lead."""
    words = paragraph.split()
    if not words:
        return False
    first = words[0].strip(",:;").lower()
    second = words[1].strip(",:;").lower() if len(words) > 1 else ""
    if first in ("this", "these") and second in TIME_WORDS:
        first = ""  # "This week The Times..." opens a story, "This means..." continues one
    if first in CONTINUATION or paragraph.lower().startswith(("in addition", "as a result", "despite this")):
        return True
    # a surname alone (or after a role word) that the story introduced earlier with a first name
    for prev, word in zip(words[:12], words[1:13]):
        w = word.strip(",.:;’'s")
        if len(w) < 4 or not w[0].isupper():
            continue
        if prev.lower() in ROLE_WORDS or not prev[0].isupper():
            if re.search(rf"\b[A-Z][\w\-]+ {re.escape(w)}\b", so_far):
                return True
    return False


def _body(parts: list) -> tuple:
    """Join an article's parts into its body; return (body, truncated)."""
    parts = [p.strip() for p in parts if p.strip()]
    if not parts:
        return "", False
    truncated = bool(ELLIPSIS_RE.search(parts[-1]))
    if truncated:
        parts[-1] = ELLIPSIS_RE.sub("", parts[-1]).rstrip()
    return "\n\n".join(parts), truncated
