"""Shared machinery of the gazetteer taggers: reading data files, matching surface forms, salience.

In: an article's title and body and a table {surface form: (value, flags)}. Out: mentions per value and
values ordered by salience. Matching is case-sensitive on word boundaries (so "Turkey" the country and
"turkey" the bird differ) and also sees text with curly apostrophes straightened and accents folded.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

from ..models import Article, Mention

DATA = Path(__file__).resolve().parent / "data"
LEAD_CHARS = 400
TITLE_WEIGHT = 4
FIRST_IN_TITLE = 6


def read_table(name: str, columns: int) -> list:
    """Read a tab-separated data file, skipping comments and blank lines; pad short rows."""
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.rstrip("\n").split("\t")
        cells += [""] * (columns - len(cells))
        rows.append([c.strip() for c in cells[:columns]])
    return rows


def normalise(text: str) -> str:
    """Straighten apostrophes and fold accents, one character for one (so offsets stay valid).

    >>> normalise("Türkiye’s")
    "Turkiye's"
    """
    if text.isascii():
        return text
    return text.translate(_TABLE)


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


def compile_patterns(forms) -> re.Pattern:
    """One alternation of all surface forms, longest first, on word boundaries.

    A hyphen is a boundary ("China-Kyrgyzstan-Uzbekistan railway", "Berlin-based"); a longer form that
    contains one (Guinea-Bissau) wins over its parts because the longest alternative is tried first.
    """
    alts = sorted({normalise(f) for f in forms}, key=lambda s: (-len(s), s))
    body = "|".join(re.escape(a) for a in alts)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w|'\w\w)")


def find(pattern: re.Pattern, article: Article):
    """Yield (surface form, field, offset) for every match in the title, then the body."""
    for field, text in (("title", article.title), ("body", article.body)):
        for m in pattern.finditer(normalise(text)):
            yield m.group(), field, m.start()


def salience_order(mentions: dict) -> list:
    """Order values by salience: what the article is mainly about first.

    A title mention weighs TITLE_WEIGHT and the value named first in the title FIRST_IN_TITLE more
    (a headline names its subject first); a mention in the lead weighs 2, any other 1; ties go to the
    value that appears first.
    """
    title_first = min(((m.offset, v) for v, ms in mentions.items() for m in ms if m.field == "title"),
                      default=(None, None))[1]

    def key(item):
        value, ms = item
        score = sum(TITLE_WEIGHT if m.field == "title" else 2 if m.offset < LEAD_CHARS else 1 for m in ms)
        if value == title_first:
            score += FIRST_IN_TITLE
        first = min((0 if m.field == "title" else 1, m.offset) for m in ms)
        return (-score, first)
    return [v for v, _ in sorted(mentions.items(), key=key)]


def evidence(mentions: dict) -> dict:
    """Mentions as plain data for storage: {value: [[text, field, offset], ...]}."""
    return {v: [[m.text, m.field, m.offset] for m in ms[:20]] for v, ms in mentions.items()}


def new_mentions() -> dict:
    return defaultdict(list)


__all__ = ["Mention", "read_table", "compile_patterns", "find", "salience_order", "evidence", "new_mentions"]
