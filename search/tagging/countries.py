"""Country tagger: Article -> countries (canonical common English short names), ordered by salience.

Knowledge: data/countries.tsv (names, aliases, demonyms, capitals, cities, seats of power, native
scripts). Context rules for forms that are often not the country (flag `ambiguous`: Georgia, Jordan,
Turkey, Chad, America...): such a mention counts only when the article also names that country
unambiguously, or when it stands in a list with other countries ("Armenia, Georgia and Azerbaijan").
Rows of kind `not_country` (Michael Jordan, New Mexico, Latin America) block the forms they contain.
Language names ("the Russian language") count as mentions of the country (README: Tagging).
"""
from __future__ import annotations

import re

from ..models import Article, Mention
from .gazetteer import compile_patterns, evidence, find, new_mentions, normalise, read_table, salience_order

LIST_GAP = re.compile(r"^\s*(?:,|and|or|&|/|,\s*and)\s*$")


class CountryTagger:
    """Finds every country an article mentions."""

    def __init__(self, rows: list):
        self.forms = {}  # normalised surface form -> (country, flags)
        self.blockers = set()
        for country, kind, pattern, flags in rows:
            if not pattern:
                continue
            if kind == "not_country":
                self.blockers.add(normalise(pattern))
                continue
            self.forms[normalise(pattern)] = (country, set(f for f in flags.split(",") if f))
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
                continue
            mentions[country].append(mention)
        return salience_order(mentions), evidence(mentions)

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
