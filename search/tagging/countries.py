"""Country tagger: Article -> countries (canonical common English short names), ordered by salience.

Knowledge: data/countries.tsv (names, aliases, demonyms, capitals, cities, seats of power, native
scripts). Context rules for forms that are often not the country (flag `ambiguous`: Georgia, Jordan,
Turkey, Chad, America...): such a mention counts only when the article also names that country
unambiguously, when it stands in a list with other countries ("Armenia, Georgia and Azerbaijan"), or
when a preposition of place introduces it and no capitalised word follows ("in Georgia", not
"in Jordan Henderson's absence").
Rows of kind `not_country` (Michael Jordan, New Mexico, Latin America) block the forms they contain.
Language names ("the Russian language") count as mentions of the country (README: Tagging).
"""
from __future__ import annotations

import re

from ..models import Article, Mention
from .gazetteer import compile_patterns, evidence, find, new_mentions, normalise, read_table, salience_order

PLACE_BEFORE = re.compile(r"\b(?:in|to|from|into|across|near|visited|visit|visiting)\s+(?:the\s+)?$")
LIST_GAP = re.compile(r"^\s*(?:,|and|or|&|/|,\s*and)\s*$")


class CountryTagger:
    """Finds every country an article mentions."""

    def __init__(self, rows: list):
        self.forms = {}  # normalised surface form -> (country, flags)
        self.blockers = set()
        self.unless = {}  # form -> the country whose mention makes "in <form>" mean something else
        for country, kind, pattern, flags in rows:
            if not pattern:
                continue
            if kind == "not_country":
                self.blockers.add(normalise(pattern))
                continue
            flagset = set(f for f in flags.split(",") if f)
            self.forms[normalise(pattern)] = (country, flagset)
            for f in flagset:
                if f.startswith("unless="):
                    self.unless[normalise(pattern)] = f[len("unless="):]
        self.pattern = compile_patterns(list(self.forms) + list(self.blockers))

    @classmethod
    def load(cls) -> "CountryTagger":
        return cls(read_table("countries.tsv", 4))

    def tag(self, article: Article) -> tuple:
        """Return (countries by salience, evidence {country: [[text, field, offset], ...]})."""
        found = []  # (country, Mention, ambiguous, field, start, end)
        for text, field, offset in find(self.pattern, article):
            if text in self.blockers:
                continue
            country, flags = self.forms[text]
            found.append((country, Mention(text, field, offset), "ambiguous" in flags))
        sure = {c for c, _, amb in found if not amb}
        mentions = new_mentions()
        for i, (country, mention, amb) in enumerate(found):
            if amb and country not in sure and not self._in_country_list(found, i, article):
                unless = self.unless.get(mention.text)
                if (unless and unless in sure) or not self._as_place(mention, article):
                    continue
            mentions[country].append(mention)
        return salience_order(mentions), evidence(mentions)

    @staticmethod
    def _as_place(m: Mention, article: Article) -> bool:
        """Tell whether an ambiguous form is used as a place: "in Georgia", "to Jordan" (not "in Jordan Smith")."""
        text = article.title if m.field == "title" else article.body
        before = text[max(0, m.offset - 12):m.offset]
        after = text[m.offset + len(m.text):m.offset + len(m.text) + 3]
        return bool(PLACE_BEFORE.search(before)) and not re.match(r"\s+[A-Z]", after)

    @staticmethod
    def _in_country_list(found: list, i: int, article: Article) -> bool:
        """Tell whether mention i stands next to another country in a list ("X, Georgia and Y")."""
        _, m, _ = found[i]
        text = article.title if m.field == "title" else article.body
        for j in (i - 1, i + 1):
            if 0 <= j < len(found):
                _, n, amb = found[j]
                if amb or n.field != m.field:
                    continue
                a, b = sorted((m, n), key=lambda x: x.offset)
                gap = text[a.offset + len(a.text):b.offset]
                if LIST_GAP.match(gap):
                    return True
        return False
