"""Person tagger: Article -> people (one canonical name each), ordered by salience.

Two sources of names: the gazetteer data/people.tsv (known public figures with aliases, transliteration
variants and Cyrillic forms), and rules that need no model: a run of two to four capitalised words
introduced by a role or honorific (President, Minister, Ambassador, Mr, Dr, ...) or followed by a verb of
speech (said, noted, told, stated, ...). Runs that end in an organisation or place word (University,
Ministry, Bank, Fund, Street, Airport, ...) are not people. A surname alone after the full name in the
same article is the same person; honorifics and roles are never part of the name.
"""
from __future__ import annotations

import re

from ..models import Article, Mention
from .gazetteer import compile_patterns, evidence, find, new_mentions, normalise, read_table, salience_order

ROLES = (r"President|Prime Minister|Vice President|Deputy Prime Minister|Foreign Minister|Minister|Deputy Minister|"
         r"Deputy|Ambassador|Chairman|Chairwoman|Chair|Speaker|Senator|Governor|Mayor|Akim|Spokesman|"
         r"Spokeswoman|Spokesperson|spokesman|spokeswoman|spokesperson|Secretary of State|Secretary|Premier|"
         r"Chancellor|King|Queen|Prince|Sheikh|Emir|General|Director|CEO|Professor|Prof\.|Dr\.?|Mr\.?|Mrs\.?|"
         r"Ms\.?|Sir|Lord|Lady|analyst|expert|activist|journalist|blogger|economist|director|head|chief|"
         r"member|coach|manager|captain|striker|singer|actor|actress")
NAME_WORD = r"[A-Z][a-zà-ÿ'’\-]+(?:-[A-Z][a-zà-ÿ]+)?"
NAME_RUN = rf"{NAME_WORD}(?:\s+(?:{NAME_WORD}|de|van|von|bin|al-|ibn|da|dos|der|la|le|of)){{1,3}}"
CUE_BEFORE = re.compile(rf"\b(?:{ROLES})(?:\s+of\s+[A-Z][\w\s,]*?)?\s*,?\s+({NAME_RUN})")
SPEECH = r"said|says|noted|told|stated|added|explained|stressed|emphasized|emphasised|warned|wrote|argued|announced|according"
CUE_AFTER = re.compile(rf"({NAME_RUN}),?\s+(?:{SPEECH})\b")
NOT_PERSON_WORDS = {
    "university", "ministry", "bank", "fund", "company", "corporation", "group", "party", "street", "avenue",
    "airport", "institute", "agency", "council", "committee", "commission", "foundation", "center", "centre",
    "school", "college", "hospital", "association", "union", "organization", "organisation", "service",
    "office", "administration", "authority", "embassy", "forum", "summit", "bureau", "program", "programme",
    "project", "initiative", "department", "court", "parliament", "assembly", "house", "hall", "square",
    "region", "province", "district", "city", "republic", "kingdom", "state", "states", "sea", "lake", "river",
    "mountains", "day", "week", "news", "times", "post", "radio", "television", "tv", "media", "airlines",
    "airways", "railway", "railways", "holding", "holdings", "llp", "llc", "inc", "ltd", "plc", "network",
    "exchange", "capital", "energy", "oil", "gas", "award", "awards", "prize", "cup", "league", "club",
    "team", "museum", "theatre", "theater", "festival", "monument", "palace", "stadium", "road", "highway",
    "corridor", "route", "accords", "agreement", "treaty", "declaration", "act", "law", "code", "initiative",
}


class PersonTagger:
    """Finds the people an article names and folds their variants into one canonical name."""

    def __init__(self, rows: list):
        self.alias = {}  # normalised alias -> canonical name
        for canonical, alias, _role in rows:
            if canonical and alias:
                self.alias[normalise(alias)] = canonical
        self.pattern = compile_patterns(self.alias) if self.alias else None
        self.surname_index = {}  # folded surname -> canonical, for variants of known people
        for alias, canonical in self.alias.items():
            self.surname_index.setdefault(_fold(alias.split()[-1]), canonical)

    @classmethod
    def load(cls) -> "PersonTagger":
        return cls(read_table("people.tsv", 3))

    def tag(self, article: Article) -> tuple:
        """Return (people by salience, evidence {person: [[text, field, offset], ...]})."""
        mentions = new_mentions()
        if self.pattern is not None:
            for text, field, offset in find(self.pattern, article):
                mentions[self.alias[text]].append(Mention(text, field, offset))
        # rule-based names not in the gazetteer
        for field, text in (("title", article.title), ("body", article.body)):
            norm = normalise(text)
            for rx in (CUE_BEFORE, CUE_AFTER):
                for m in rx.finditer(norm):
                    name = self._clean(m.group(1))
                    if name:
                        canonical = self.alias.get(name) or self.surname_index.get(_fold(name.split()[-1]))
                        if canonical and self._same_person(name, canonical):
                            name = canonical
                        mentions[name].append(Mention(m.group(1), field, m.start(1)))
        return _fold_surnames(mentions, article)

    @staticmethod
    def _clean(run: str) -> str:
        words = run.split()
        while words and words[-1].lower() in NOT_PERSON_WORDS:
            return ""
        if len(words) < 2 or any(w.lower() in NOT_PERSON_WORDS for w in words):
            return ""
        return " ".join(words)

    @staticmethod
    def _same_person(name: str, canonical: str) -> bool:
        first, cfirst = _fold(name.split()[0]), _fold(canonical.split()[0])
        return first[:3] == cfirst[:3]


def _fold(word: str) -> str:
    """A spelling key for names: Vassilenko/Vasilenko, Mirziyoyev/Mirziyoev, Japarov/Zhaparov agree."""
    w = normalise(word).lower().replace("'", "")
    w = re.sub(r"^zh", "j", w)
    w = re.sub(r"^dzh", "j", w)
    w = w.replace("kh", "h").replace("iy", "i").replace("yo", "o").replace("y", "i")
    w = re.sub(r"(.)\1+", r"\1", w)
    return w


def _fold_surnames(mentions: dict, article: Article) -> tuple:
    """Merge lone surnames and spelling variants into the full name they belong to in this article."""
    full = [n for n in mentions if len(n.split()) >= 2]
    by_key = {}
    for n in sorted(full, key=lambda n: -len(mentions[n])):
        by_key.setdefault(_fold(n.split()[-1]), n)
    merged = new_mentions()
    for name, ms in mentions.items():
        target = by_key.get(_fold(name.split()[-1]), name)
        merged[target].extend(ms)
    return salience_order(merged), evidence(merged)
