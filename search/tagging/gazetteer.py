"""Shared machinery of the gazetteer taggers: reading data files, matching surface forms, salience.

In: an article's title and body and a table {surface form: (value, flags)}. Out: mentions per value and
values ordered by salience. Matching is case-sensitive on word boundaries (so "Turkey" the country and
"turkey" the bird differ) and also sees text with curly apostrophes straightened and accents folded.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from collections import defaultdict
from pathlib import Path

from .. import datafiles
from ..models import Article, Mention

DATA = Path(__file__).resolve().parent / "data"
LEAD_CHARS = 400
TITLE_WEIGHT = 4
FIRST_IN_TITLE = 6
PASSING_PART = 0.5  # the last half of the body
PASSING_FLOOR = LEAD_CHARS  # never in the lead
PASSING_RATIO = 4
# a short item (fewer words than this, a wire brief) names what it is about in its headline and lead: a
# passing mention after its lead is dropped (README: Tagging, with the figures of 90 to 200 words)
SHORT_ITEM_WORDS = 120
# the lead of a short item ends at its first full stop, ! or ? before a capital or digit, or its first paragraph
# break; a full stop after an initial (U.S., J.) or one of these abbreviations ends no sentence
SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(]?[A-Z0-9])|\n\s*\n|\n[ \t]+")
ABBREVIATIONS = frozenset("mr mrs ms dr st co corp inc ltd plc cie jr sr no gen gov sen rep jan feb mar apr jun jul "
                          "aug sep sept oct nov dec vs ave bros pty mt ft lt col capt sgt prof rev messrs dept".split())


def read_table(name: str, columns: int) -> list:
    """Read a tab-separated data file, skipping comments and blank lines; pad short rows.

    Rows are tuples, read once per process (both gazetteer taggers read the place files).

    Raises:
        DataMissing: the file is missing, unreadable or holds no row (search.datafiles).
    """
    return list(_table(DATA / name, columns))


@lru_cache(maxsize=None)
def _table(path: Path, columns: int) -> tuple:
    text = datafiles.read_text(path)
    # list comprehensions over the 36,000 rows of the place files (this runs at every tagger start);
    # only rows with blanks around a cell or missing cells take the slow path
    rows = [line.split("\t", columns)[:columns] for line in text.splitlines()
            if line and line[0] != "#" and not line.isspace()]
    loose = _LOOSE.search(text) is not None
    pad = [""] * columns
    for i, cells in enumerate(rows):
        if len(cells) < columns:
            cells += pad[len(cells):]
        if loose:
            rows[i] = [c.strip() for c in cells]
    return tuple(map(tuple, rows))


_LOOSE = re.compile(r"^ | $| \t|\t ", re.M)  # a cell with blanks around it


@lru_cache(maxsize=16)
def normalise(text: str) -> str:
    """Straighten apostrophes and fold accents, one character for one (so offsets stay valid).

    >>> normalise("Türkiye’s")
    "Turkiye's"
    """
    if text.isascii():
        return text
    # each distinct character replaced once (str.translate with a dict table costs a lookup a character)
    for ch in set(text):
        if ch > "\x7f" or ch == "`":
            out = _TABLE[ord(ch)]
            if out != ch:
                text = text.replace(ch, out)
    return text


class _FoldTable(dict):
    """str.translate table built lazily: each non-ASCII character maps to its accentless base letter."""

    def __missing__(self, code: int):
        ch = chr(code)
        if ch in "’‘`´":
            out = "'"
        elif code < 128:
            out = ch
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out = base if len(base) == 1 else ch
        self[code] = out
        return out


_TABLE = _FoldTable()


_TOKEN = re.compile(r"\w+|[^\w\s]")


class PhraseMatcher:
    """Finds surface forms in text, leftmost and longest first, on word boundaries.

    Text and forms are cut into tokens (words and single punctuation marks); a form is looked up by its
    first token and confirmed on the exact characters, so matching costs a few dictionary lookups per
    word however many thousand forms there are. A hyphen is a boundary ("China-Kyrgyzstan-Uzbekistan
    railway", "Berlin-based"); a longer form that contains one (Guinea-Bissau) wins over its parts.
    """

    def __init__(self, forms):
        self.by_first = {}
        for f in {normalise(f) for f in forms if f.strip()}:
            first = _TOKEN.search(f)
            if first:
                self.by_first.setdefault(first.group(), []).append((len(f), f))
        for cands in self.by_first.values():
            cands.sort(key=lambda c: (-len(c[1]), c[1]))
        # candidate tokens: words starting with a character a form starts with (ASCII capitals and digits,
        # any other script), a superset of the forms' first tokens that the dictionary and the word
        # boundary narrow
        ascii_first = sorted({t[0] for t in self.by_first if t[0].isascii() and not t[0].islower()})
        self.starts = re.compile("[" + "".join(re.escape(c) for c in ascii_first) + "\u0080-\U0010ffff]\\w*")
        # a form starting with a lower-case particle ("al-Assad", "von der Leyen") is found through its first
        # candidate word ("Assad" at 3): scanning the text for every "al" or "de" would cost more than the rest
        self.by_inner = {}  # candidate word -> [(its offset in the form, the form's first token)]
        self.lower = []  # particles of forms with no candidate word: looked for with a pattern
        for token, cands in self.by_first.items():
            if not (token.isascii() and token[0].islower()):
                continue
            for _length, form in cands:
                inner = self.starts.search(form, len(token))
                while inner is not None and inner.start() > 0 and _word(form[inner.start() - 1]):
                    inner = self.starts.search(form, inner.end())
                if inner is None:
                    self.lower.append(token)
                else:
                    self.by_inner.setdefault(inner.group(), set()).add((inner.start(), token))
        self.lower = (re.compile("(?:" + "|".join(map(re.escape, sorted(set(self.lower), key=lambda t: (-len(t), t))))
                                 + ")\\b") if self.lower else None)

    def finditer(self, text: str):
        """Yield (form, start) for each match in already normalised text, leftmost-longest."""
        by_first, by_inner = self.by_first, self.by_inner
        words = _words(self.starts.pattern, text)
        hits = [hit for hit in words if hit[1] in by_first]
        if by_inner:
            inner = [(start - at, token) for start, word in words if word in by_inner
                     for at, token in by_inner[word] if start >= at]
            if self.lower is not None:
                inner += [(m.start(), m.group()) for m in self.lower.finditer(text)]
            if inner:
                hits = sorted(set(hits + inner))
        pos = 0
        for start, token in hits:
            if start < pos:
                continue
            form = self._form_at(text, start, token)
            if form is not None:
                pos = start + len(form)
                yield form, start

    def _form_at(self, text: str, start: int, token: str):
        """The longest form starting with `token` that stands at `start` as whole words, or None."""
        cands = self.by_first.get(token)
        if not cands or (start and _word(text[start - 1])):
            return None  # not a form's first token, or not at the start of a word ("McDonald")
        for _length, form in cands:
            if text.startswith(form, start) and _boundary_after(text, start + len(form)):
                return form
        return None


@lru_cache(maxsize=8)
def _words(pattern: str, text: str) -> tuple:
    """(start, word) of each candidate word of a text: the country and the person matchers share one scan."""
    return tuple([(m.start(), m.group()) for m in re.compile(pattern).finditer(text)])


def _word(c: str) -> bool:
    """A character of a word, as the regular expression \\w has it."""
    return c.isalnum() or c == "_"


def _boundary_after(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    c = text[end]
    if c.isalnum() or c == "_":
        return False
    if c == "'" and end + 2 < len(text) and text[end + 1].isalnum() and text[end + 2].isalnum():
        return False  # an apostrophe inside a longer word; a possessive 's is fine
    return True


def compile_patterns(forms) -> PhraseMatcher:
    """Build the matcher of a gazetteer's surface forms."""
    return PhraseMatcher(forms)


def find(matcher: PhraseMatcher, article: Article):
    """Yield (surface form, field, offset) for every match in the title, then the body."""
    for field, text in (("title", article.title), ("body", article.body)):
        # a line break inside a name ("New\nYork" in hard-wrapped wire copy) is a space; offsets stay valid
        for form, start in matcher.finditer(normalise(text).replace("\n", " ")):
            yield form, field, start


def salience(mentions: dict) -> dict:
    """Score each value: a title mention weighs TITLE_WEIGHT and the value named first in the title
    FIRST_IN_TITLE more (a headline names its subject first); a mention in the lead weighs 2, any other 1.

    >>> salience({"A": [Mention("A", "body", 900)], "B": [Mention("B", "title", 0), Mention("B", "body", 5)]})
    {'A': 1, 'B': 12}
    """
    title_first = min(((m.offset, v) for v, ms in mentions.items() for m in ms if m.field == "title"),
                      default=(None, None))[1]
    out = {}
    for value, ms in mentions.items():
        score = sum(TITLE_WEIGHT if m.field == "title" else 2 if m.offset < LEAD_CHARS else 1 for m in ms)
        out[value] = score + (FIRST_IN_TITLE if value == title_first else 0)
    return out


def salience_order(mentions: dict) -> list:
    """Order values by salience (see `salience`): what the article is mainly about first; ties go to the
    value that appears first."""
    scores = salience(mentions)

    def key(item):
        value, ms = item
        return (-scores[value], min((0 if m.field == "title" else 1, m.offset) for m in ms))
    return [v for v, _ in sorted(mentions.items(), key=key)]


def short_item(body: str) -> bool:
    """Tell whether a body has fewer than SHORT_ITEM_WORDS words (split at white space; only the first
    SHORT_ITEM_WORDS are split, so a long body costs no more than a short one).

    >>> short_item("A brief item. " * 10), short_item("A longer story. " * 100)
    (True, False)
    """
    return len(body.split(maxsplit=SHORT_ITEM_WORDS - 1)) < SHORT_ITEM_WORDS


def lead_end(body: str) -> int:
    """The offset where a body's lead ends: its first sentence or paragraph (the whole body when it has one).

    >>> body = "Tokheim Corp of the U.S. said profits rose. Its unit in Mexico gained."
    >>> body[:lead_end(body)]
    'Tokheim Corp of the U.S. said profits rose'
    >>> lead_end("Profits rose 5 pct\\n    in the year.") == len("Profits rose 5 pct")
    True
    """
    for m in SENTENCE_END.finditer(body):
        start = m.start()
        if body[start] == ".":
            word = body[max(0, start - 20):start].rsplit(None, 1)[-1:] or [""]
            last = word[0].rsplit(".", 1)[-1].lstrip("(\"'<")
            if len(last) <= 1 or last.lower() in ABBREVIATIONS:
                continue
        return start
    return len(body)


def drop_passing(mentions: dict, body: str, firm=frozenset()) -> dict:
    """Drop passing mentions: a value named once, only in the body, when another value scores PASSING_RATIO
    times as much (the article is mainly about that one). Such a mention is dropped when it is late (past
    the lead and in the body's last PASSING_PART) and not in `firm` (the late mentions kept anyway, ranked
    last by salience); in a short item (a wire brief, see short_item) it is dropped, `firm` or not, anywhere
    after the first sentence (lead_end): a brief names what it is about in its headline and lead. The length
    and the lead are found only when they decide.

    >>> ms = {"A": [Mention("A", "title", 0)], "B": [Mention("B", "body", 900)]}
    >>> list(drop_passing(ms, "A story. " * 111))  # 999 characters, 222 words: late
    ['A']
    >>> list(drop_passing(ms, "A story. " * 333))  # in the middle of a long story: kept
    ['A', 'B']
    >>> list(drop_passing(ms, "A story. The end." + " " * 2000))  # after a short item's first sentence: dropped
    ['A']
    >>> list(drop_passing(ms, "A story" + " " * 2000))  # in a short item's one sentence: kept
    ['A', 'B']
    """
    if len(mentions) < 2:
        return mentions
    scores = salience(mentions)
    top = max(scores.values())
    late = max(PASSING_FLOOR, (1 - PASSING_PART) * len(body))
    lead = None  # where a short item's lead ends; -1 for a long story
    out = {}
    for value, ms in mentions.items():
        if len(ms) == 1 and ms[0].field == "body" and top >= PASSING_RATIO * scores[value]:
            if ms[0].offset >= late and ms[0] not in firm:
                continue
            if lead is None:
                lead = lead_end(body) if short_item(body) else -1
            if 0 <= lead <= ms[0].offset:
                continue
        out[value] = ms
    return out


@lru_cache(maxsize=4096)
def fold_key(text: str) -> str:
    """Lower case with accents folded and apostrophes straightened: the key names are compared by.

    >>> fold_key("Pérez de Cuéllar")
    'perez de cuellar'
    """
    return normalise(text).lower()


def evidence(mentions: dict) -> dict:
    """Mentions as plain data for storage: {value: [[text, field, offset], ...]}."""
    return {v: [[m.text, m.field, m.offset] for m in ms[:20]] for v, ms in mentions.items()}


def new_mentions() -> dict:
    return defaultdict(list)


__all__ = ["Mention", "read_table", "compile_patterns", "find", "salience", "salience_order", "short_item",
           "lead_end", "drop_passing", "fold_key", "evidence", "new_mentions"]
