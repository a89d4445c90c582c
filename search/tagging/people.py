"""Person tagger: Article -> people (one canonical name each), ordered by salience.

No model: NLTK's named-entity chunker needs data that cannot be downloaded. Names come from
  - the gazetteer data/people.tsv (public figures with aliases, transliteration variants, Cyrillic forms);
  - runs of two to five capitalised words that look like a person: the first word is a known given name
    (data/given_names.txt, kept by hand, or the names of every naming tradition in gender_guesser's data:
    `load_world_names`), or the last word has a surname's shape (SURNAME_SHAPE: Nagaspayev, Umaeva,
    Mirzoyan, Garibashvili), or a role or honorific stands right before the run or a title inside it
    (President, Minister, "Treasury Secretary James Baker"), or a verb of speech or a role in apposition
    right after it (said, told; ", executive director of");
  - in a headline written in sentence case, such a run set off by lower-case words or punctuation;
  - a lone surname a title introduces ("President Reagan") when no full name of the article joins it.
Companies named after people are not people (data/companies.txt, and any run the article follows with
Co, Inc, Corp, Group...); nor are places of several words (Abu Dhabi).
Leading words that are not part of a name are cut (sentence openers, roles, nationalities: "Kazakh
President Kassym-Jomart Tokayev" -> "Kassym-Jomart Tokayev"); a run that ends in an organisation or place
word ("Nazarbayev University", "Zheltoksan Street", "Manas Airport") or holds a country or city name is
not a person. Within an article, a surname alone ("Tokayev", "Mr Blair") and spelling variants join the
full name; across the corpus `canonical_people` joins transliteration variants (Guchgeldiev/Guchgeldiyev).
"""
from __future__ import annotations

import importlib.util
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

from .. import analysis
from ..models import Article, Mention
from .gazetteer import (DATA, compile_patterns, evidence, find, new_mentions, normalise, read_table,
                        salience_order)

ROLE_WORDS = {
    "president", "presidents", "vice", "prime", "minister", "ministers", "deputy", "foreign", "finance",
    "defence", "defense", "interior", "economy", "trade", "energy", "justice", "health", "education",
    "ambassador", "chairman", "chairwoman", "chair", "speaker", "senator", "sen", "rep", "representative",
    "representatives", "congressman", "congresswoman", "governor", "mayor", "akim", "spokesman", "spokeswoman",
    "spokesperson", "secretary", "premier", "chancellor", "king", "queen", "prince", "princess", "sheikh", "emir",
    "general", "gen", "colonel", "col", "major", "captain", "capt", "director", "ceo", "chief", "executive",
    "professor", "prof", "dr", "mr", "mrs", "ms", "miss", "sir", "dame", "lord", "lady", "baroness", "judge",
    "justice", "commissioner", "envoy", "ombudsman", "mp", "mep", "pope", "patriarch", "imam", "mufti",
    "haji", "chargé", "charge", "d'affaires", "affaires", "state", "head", "leader", "founder", "coach",
    "manager", "striker", "midfielder", "defender", "goalkeeper", "star", "actor", "actress", "singer",
    "director-general", "secretary-general", "analyst", "expert", "economist", "activist", "journalist",
    "blogger", "lawyer", "sinologist", "political", "member", "parliament", "of", "the", "and", "former",
    "acting", "new", "then", "late", "first", "lady", "chairperson", "officer", "official", "adviser",
    "advisor", "senior", "junior", "assistant", "associate", "author", "writer", "novelist", "poet",
    "rapper", "producer", "presenter", "host", "player", "champion", "athlete", "sprinter", "runner",
    "boss", "owner", "partner", "commander", "chairmen", "delegate", "deputies", "mps", "u.s.", "us", "uk",
    # ministry portfolios: "Minister of Labor, Migration and Employment Soleha Kholmahmadzoda"
    "labor", "labour", "migration", "employment", "affairs", "development", "industry", "construction",
    "agriculture", "transport", "culture", "information", "emergency", "emergencies", "ecology", "digital",
    "home", "internal", "external", "social", "security", "environment", "resources", "water", "science",
    "sports", "sport", "tourism", "communications", "infrastructure", "investment", "investments", "commerce",
}
ROLE_WORDS |= {"exchequer", "treasurer", "governor-general", "attorney", "administrator", "comptroller",
               "superintendent", "undersecretary", "under-secretary", "negotiator", "counsellor", "councillor",
               "lawmaker", "legislator", "president-elect", "premier-designate", "strategist", "trader", "dealer",
               "postmaster", "admiral", "rear-admiral", "vice-admiral", "brigadier", "lieutenant", "sergeant",
               "marshal", "songwriter", "broadcaster", "technician", "agent"}
HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "baroness", "prof", "professor"}
# a title that can stand right before a name inside a capitalised run ("Treasury Secretary James Baker",
# "World Bank President Barber Conable"): the name is what follows the last of them
TITLE_WORDS = {w for w in ROLE_WORDS if w not in {
    "the", "of", "and", "new", "then", "late", "first", "former", "acting", "political", "member", "parliament",
    "state", "u.s.", "us", "uk", "vice", "deputy", "senior", "junior", "assistant", "associate", "foreign",
    "finance", "defence", "defense", "interior", "economy", "trade", "energy", "justice", "health",
    "education", "home", "internal", "external", "social", "security", "star", "host", "player", "partner",
    "owner", "boss", "chief", "head", "executive", "general", "major", "host", "songwriter", "broadcaster",
    "technician", "agent"} | HONORIFICS and w not in {
    "labor", "labour", "migration", "employment", "affairs", "development", "industry", "construction",
    "agriculture", "transport", "culture", "information", "emergency", "emergencies", "ecology", "digital",
    "environment", "resources", "water", "science", "sports", "sport", "tourism", "communications",
    "infrastructure", "investment", "investments", "commerce"}}
# surname shapes of Central Asia, Russia and the Caucasus, Turkey, Iran, Ukraine, the Balkans and Poland
SURNAME_SHAPE = re.compile(r"(?<=[a-zà-ž]{2})(?:ov|ova|ev|eva|yev|yeva|uly|ulu|kyzy|qyzy|zoda|zade|zadeh|zada|yan|"
                           r"ian|enko|shvili|dze|ovich|evich|ovna|evna|oglu|oğlu|ski|sky|skiy|skaya|vic|vić|ić)$")
NOUN_SHAPE = re.compile(r"(?:ment|tion|sion|ness|ity|ing|ance|ence|ism|ship|ies|ers|ics|ure|ogy)$")
# a role in apposition: "Anar Alymkulova, executive director of", "Chaboy Leiko, President for the CIS"
APPOSITION = re.compile(r"^,\s+(?:(?:the|a|an|his|her|its|their)\s+)?(?:[A-Z][\w'’.-]*\s+){0,3}(?:[\w-]+\s+)?"
                        r"(?:president|minister|chairman|chairwoman|chair|director|director-general|head|chief|"
                        r"secretary|spokesman|spokeswoman|spokesperson|ambassador|governor|mayor|founder|ceo|"
                        r"executive|adviser|advisor|professor|analyst|economist|deputy|leader|member|envoy|"
                        r"activist|journalist|blogger|lawyer|politician|businessman|businesswoman|entrepreneur|"
                        r"researcher|scholar|historian|diplomat|dissident)\b",
                        re.IGNORECASE)
# a company named in the article after the run: "Morgan Stanley and Co", "Dean Witter Reynolds Inc"
CORP_AFTER = re.compile(r"(?:['’]s)?,?\s+(?:(?:and|&)\s+)?(?:Co|Cos|Corp|Corporation|Inc|Incorporated|Ltd|Plc|PLC|"
                        r"AG|SA|NV|SpA|GmbH|BV|AB|LP|LLC|Group|Holdings|Brothers|Bros|Securities|Partners|"
                        r"Associates|Industries|Capital|Bancorp|Bancshares|Financial|Trust)\b|\s+<[A-Za-z&.]{1,9}>")
CORP_WORDS = {"co", "cos", "corp", "corporation", "inc", "incorporated", "ltd", "plc", "ag", "sa", "nv", "spa",
              "gmbh", "bv", "ab", "lp", "llc", "group", "holdings", "brothers", "bros", "securities", "partners",
              "associates", "industries", "capital", "bancorp", "bancorporation", "bancshares", "bankshares",
              "financial", "trust"}
OPENERS = {
    "the", "a", "an", "but", "and", "or", "on", "in", "at", "for", "with", "as", "after", "before", "when", "while",
    "if", "since", "according", "meanwhile", "however", "this", "that", "these", "those", "its", "his", "her",
    "their", "our", "it", "he", "she", "they", "we", "i", "you", "last", "next", "then", "during", "under", "by",
    "from", "to", "of", "about", "despite", "although", "because", "so", "yet", "also", "both", "all", "some",
    "many", "most", "several", "other", "others", "each", "every", "no", "not", "now", "today", "yesterday",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "here", "there", "what", "why",
    "how", "who", "where", "which", "speaking", "asked", "like", "unlike", "following", "ahead", "amid", "among",
    "between", "earlier", "later", "dear", "mrs.", "mr.", "ms.", "dr.", "prof.", "even", "only", "just", "still",
}
NOT_PERSON_WORDS = {
    "university", "ministry", "bank", "fund", "company", "corporation", "corp", "group", "party", "street",
    "avenue", "airport", "institute", "agency", "council", "committee", "commission", "foundation", "center",
    "centre", "school", "college", "hospital", "association", "union", "organization", "organisation",
    "service", "services", "office", "administration", "authority", "embassy", "forum", "summit", "bureau",
    "program", "programme", "project", "initiative", "department", "court", "parliament", "assembly", "house",
    "hall", "square", "region", "province", "district", "city", "republic", "kingdom", "state", "states", "sea",
    "lake", "river", "mountains", "day", "week", "news", "times", "post", "radio", "television", "tv", "media",
    "airlines", "airways", "railway", "railways", "holding", "holdings", "llp", "llc", "inc", "ltd", "plc",
    "network", "exchange", "capital", "energy", "oil", "gas", "award", "awards", "prize", "cup", "league",
    "club", "team", "museum", "theatre", "theater", "festival", "monument", "palace", "stadium", "road",
    "highway", "corridor", "route", "accords", "agreement", "treaty", "declaration", "act", "law", "code",
    "games", "olympics", "championship", "championships", "open", "trophy", "records", "music", "pictures",
    "studios", "films", "motors", "systems", "technologies", "labs", "solutions", "partners", "capital",
    "securities", "investments", "insurance", "airport", "port", "station", "park", "bridge", "tower", "plaza",
    "boulevard", "prospect", "valley", "island", "islands", "coast", "gulf", "bay", "ocean", "canal", "dam",
    "field", "fields", "mine", "plant", "factory", "guard", "army", "navy", "force", "forces", "police",
    "command", "brigade", "movement", "front", "alliance", "coalition", "federation", "confederation",
    "congress", "senate", "cabinet", "government", "ministries", "commons", "lords", "kurultai", "mazhilis",
    "kenesh", "majlis", "duma", "rada", "index", "report", "review", "magazine", "journal", "daily", "weekly",
    "gazette", "herald", "tribune", "telegraph", "guardian", "observer", "express", "mail", "mirror", "sun",
    "street", "weekend", "month", "year", "century", "era", "war", "revolution", "crisis", "affair", "strategy",
    "plan", "policy", "doctrine", "model", "version", "series", "show", "album", "film", "novel", "book",
    "prize", "medal", "order", "cross", "star", "stars", "church", "mosque", "cathedral", "temple", "monastery",
    "facebook", "twitter", "google", "microsoft", "apple", "amazon", "telegram", "youtube", "instagram",
    "whatsapp", "chevron", "boeing", "airbus", "mercedes", "toyota", "honda", "hyundai", "kia", "tesla",
    "brothers", "bros", "co", "cos", "corp", "incorporated", "oblast", "oblysy", "viloyati", "krai", "kray",
    "bancorp", "bancorporation", "bancshares", "bankshares", "financial", "trust", "hotel", "hotels", "investment",
    "county", "parish", "township", "borough",
}
COMMON_CAPS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "central", "asia", "asian", "europe", "european", "eurasian", "africa", "african", "america", "american",
    "western", "eastern", "northern", "southern", "north", "south", "east", "west", "middle", "soviet", "union",
    "islamic", "christian", "muslim", "jewish", "catholic", "orthodox", "internet", "web", "covid", "ai", "it",
    "gdp", "un", "eu", "nato", "opec", "sco", "csto", "eaeu", "cis", "imf", "wto", "who", "fifa", "uefa", "bbc",
    "cnn", "reuters", "tass", "ria", "interfax", "akorda", "kremlin", "white", "black", "red", "green", "blue",
    "new", "old", "great", "grand", "high", "supreme", "national", "international", "global", "world", "federal",
    "royal", "public", "private", "digital", "silk", "belt", "road", "independence", "victory", "freedom",
    "tory", "tories", "labour", "conservative", "liberal", "democrat", "democrats", "republican", "republicans",
    "premiership", "premier", "champions", "christmas", "easter", "ramadan", "eid", "nowruz", "olympic",
}
SPEECH_AFTER = re.compile(r"^\s*(?:,[^,]{0,60},\s*)?(?:has\s+|had\s+|also\s+|later\s+)?(?:said|says|noted|notes|told|"
                          r"stated|states|added|adds|explained|stressed|emphasized|emphasised|warned|wrote|argued|"
                          r"announced|commented|insisted|claimed|declared|suggested|believes|thinks|urged|"
                          r"confirmed|recalled|asked|replied|admitted|denied)\b")
CUE_BEFORE = re.compile(r"(?:\b(?:mr|mrs|ms|dr|prof|sir|minister|president|ambassador|spokes\w+|senator|mayor|"
                        r"governor|director|chairman|secretary|analyst|expert|activist|journalist)\.?)\s*$")
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Žƒ"
_LOWER = "a-zß-öø-ÿā-ž"
NAME_WORD = (rf"(?:[{_UPPER}]\.|(?:Mc|Mac|O['’]|D['’]|L['’])?[{_UPPER}][{_LOWER}]+"
             rf"(?:-[{_UPPER}]?[{_LOWER}]+|['’][{_UPPER}][{_LOWER}]+|['’][{_LOWER}]{{2,}})*(?:[{_UPPER}][{_LOWER}]+)?)")
CONNECTOR = r"(?:de|da|dos|du|van|von|der|den|bin|ibn|al|el|la|le|di)"
CONNECTOR_RE = re.compile(CONNECTOR)
LIST_GAP = re.compile(r"\s*(?:,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)")  # between names in a list
_NEXT_WORD = re.compile(r"(?:['’]s)?\s+([A-Z][\w-]*)")
# the lookahead first: the search fails fast where no capital stands (about half the time of the run alone)
RUN_RE = re.compile(rf"(?=[{_UPPER}])(?<![\w'’.-])({NAME_WORD}(?:\s+(?:{CONNECTOR}\s+)?{NAME_WORD}){{0,5}})(?:['’]s)?(?![\w-])")


SHAPES_KEPT = 100_000  # runs whose shape is remembered (a tagging worker's memory stays bounded)
RULES = ("world names", "surname shapes", "companies", "title names")  # rules `load(off=...)` can switch off
# gender_guesser's nam_dict.txt: one column of frequencies (hex 1-D, blank: none) per country, from
# column 30 on, in this order (its header); the traditions news in English under-serves come from 38 on
NAM_COLUMNS = ("Great Britain Ireland USA Italy Malta Portugal Spain France Belgium Luxembourg Netherlands "
               "East-Frisia Germany Austria Switzerland Iceland Denmark Norway Sweden Finland Estonia Latvia "
               "Lithuania Poland Czechia Slovakia Hungary Romania Bulgaria Bosnia Croatia Kosovo Macedonia "
               "Montenegro Serbia Slovenia Albania Greece Russia Belarus Moldova Ukraine Armenia Azerbaijan "
               "Georgia Central-Asia Turkey Arabia/Persia Israel China India/Sri-Lanka Japan Korea Vietnam "
               "other").split()
NAM_FIRST_COLUMN = 30
WORLD_FROM = NAM_COLUMNS.index("Russia")
COMMON_MIN = 4
# names that are also common capitalised words, titles, religions or places (given_names.txt leaves them out
# for the same reason): never a given name, whatever a name list says
NOT_GIVEN = set("""will may june grace hope faith joy rose victoria georgia jordan chad israel paris sydney milan
florence royal major general prince king duke earl baron bishop judge christian angel sterling hunter miles
rich roman islam said sultan sheikh can van de le la al bin abu ibn el long young fair silver doc star
summer autumn winter spring dawn rain storm sunny golden mark bill art page ray guy chase case price my san santa santo sao saint fort port mount""".split())


def _load_given_names() -> frozenset:
    return _load_lines("given_names.txt")


def _load_lines(name: str) -> frozenset:
    """The non-comment lines of a one-entry-a-line data file (accents and apostrophes folded for lookups
    only where the caller folds)."""
    return frozenset(line.strip() for line in (DATA / name).read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def _nam_dict() -> Path | None:
    """The path of gender_guesser's name list, or None when the package is not installed."""
    spec = importlib.util.find_spec("gender_guesser")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "nam_dict.txt"
    return path if path.exists() else None


@lru_cache(maxsize=2)
def load_world_names(common_only: bool = False) -> frozenset:
    """Given names of every naming tradition from gender_guesser's data (Jörg Michael's nam_dict, GFDL).

    A name counts when it occurs in a column of Eastern Europe, the Caucasus, Central Asia, Turkey, the
    Arab world and Iran, Israel, China, South Asia, Japan, Korea or Vietnam (the European and American
    names are given_names.txt's, kept by hand); two-letter names only from the Chinese and Korean columns
    (Li, Xi, Wu); never a NOT_GIVEN word. With `common_only`, any name reaching COMMON_MIN anywhere. "Jun+Wei" (Chinese, Korean
    and Arabic compounds) gives Jun-Wei, Jun-wei and Junwei. Read from the installed package, never
    fetched; empty when the package is missing.
    """
    path = _nam_dict()
    if path is None:
        return frozenset()
    out = set()
    width = len(NAM_COLUMNS)
    world = slice(NAM_FIRST_COLUMN + WORLD_FROM, NAM_FIRST_COLUMN + width - 1)  # "other" is left out
    east = slice(NAM_FIRST_COLUMN + NAM_COLUMNS.index("China"), NAM_FIRST_COLUMN + NAM_COLUMNS.index("Korea") + 1)
    japan = NAM_FIRST_COLUMN + NAM_COLUMNS.index("Japan")
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line[:1] in "#=" or len(line) < NAM_FIRST_COLUMN:
                continue
            if line[NAM_FIRST_COLUMN - 1] == "+":
                continue  # the same name sorted with expanded umlauts: a duplicate
            # a frequency is one hex digit a column, blank for none; slices and strip() keep the 48,000
            # lines out of per-character Python (this runs at every tagger start)
            if common_only:
                freqs = line[NAM_FIRST_COLUMN:NAM_FIRST_COLUMN + width]
                keep = any(ch.strip() and int(ch, 16) >= COMMON_MIN for ch in freqs)
            else:
                keep = bool(line[world].strip(" \r\n0"))
            if not keep:
                continue
            parts = line.split(None, 2)
            if len(parts) < 2:
                continue
            name = parts[1]
            if len(name) <= 2 and not common_only:  # Li, Xi, Wu, Hu are Chinese and Korean family names; My, An are words
                if (not line[east].strip(" \r\n0") or line[japan:japan + 1].strip(" \r\n0")
                        or name in ("An", "In", "So", "Do", "Ha", "Go")):
                    continue
            if name.lower() in NOT_GIVEN:
                continue
            if "+" in name:
                a, _, b = name.partition("+")
                out.update((f"{a}-{b}", f"{a}-{b.lower()}", a + b.lower()))
            else:
                out.add(name)
    return frozenset(out)


def _load_place_forms() -> frozenset:
    """Every place name of several words the country gazetteers know (Abu Dhabi, Milton Keynes, San Sebastián)."""
    out = set()
    for name in ("countries.tsv", "divisions.tsv", "cities.tsv"):
        for _country, kind, pattern, _flags in read_table(name, 4):
            if " " in pattern and kind != "not_country":
                out.add(normalise(pattern))
    return frozenset(out)


def _load_place_words() -> frozenset:
    """Single words that name a country, people or place (from countries.tsv), unless flagged ambiguous."""
    words = set()
    for _country, kind, pattern, flags in read_table("countries.tsv", 4):
        if kind != "not_country" and " " not in pattern and "ambiguous" not in flags:
            words.add(normalise(pattern).lower())
    return frozenset(words)


_WORD_AFTER = frozenset("abcdefghijklmnopqrstuvwxyz'-")  # a lower-case word goes on through these
_SENTENCE_END = frozenset(".!?")
_LOWER_FORM = re.compile(r"[a-z][a-z'-]+")


class _LowerCase:
    """`word in _LowerCase(text)`: the text also writes `word` (lower case) as a word of its own, not
    at the start of the text or of a sentence, nor as the end of a hyphenated word ("well-Known").

    Checked on demand with str.find: an article's capitalised runs ask about a few dozen words, and
    collecting every lower-case word of the text first cost more than the rest of the person rules.
    """

    __slots__ = ("text", "seen")

    def __init__(self, text: str):
        self.text, self.seen = text, {}

    def __contains__(self, word: str) -> bool:
        found = self.seen.get(word)
        if found is None:
            found = self.seen[word] = self._find(word)
        return found

    def _find(self, word: str) -> bool:
        if not _LOWER_FORM.fullmatch(word):
            return False  # "a." (an initial), "o’neill" before normalising
        text, n = self.text, len(word)
        i = text.find(word, 1)
        while i >= 0:
            before, end = text[i - 1], i + n
            if (not before.isalnum() and before not in "_-" and (end == len(text) or text[end] not in _WORD_AFTER)
                    and not (i >= 2 and before.isspace() and text[i - 2] in _SENTENCE_END)):
                return True
            i = text.find(word, i + 1)
        return False


class _Context:
    """What the person rules may ask about the whole body, worked out once and only when asked."""

    __slots__ = ("text", "runs", "speakers", "list_ends")

    def __init__(self, text: str, runs: list):
        self.text, self.runs, self.speakers = text, runs, None
        self.list_ends = set()  # where a name ends that a list of names may follow


def _opens_sentence(text: str, start: int) -> bool:
    """Nothing but quotes or brackets stand between `start` and the text's start or a sentence's end."""
    before = text[max(0, start - 4):start].rstrip(" \t\n\"'“‘(")
    return not before or before[-1] in ".!?:"


def _title_word(word: str) -> bool:
    """A title that introduces a name: Secretary, Chairman, Minister-designate, President-elect."""
    low = word.lower().rstrip(".")
    if low.endswith("'s"):
        low = low[:-2]
    if low.endswith(("-designate", "-elect")):
        low = low.rsplit("-", 1)[0]
    return low in TITLE_WORDS


def name_key(name: str) -> str:
    """A spelling key for a whole name: Guchgeldiev and Guchgeldiyev, Japarov and Zhaparov share it."""
    return " ".join(analysis.variant_key(analysis.fold(w)) for w in re.split(r"[\s]+", name) if w)


class PersonTagger:
    """Finds the people an article names and folds their variants into one canonical name."""

    def __init__(self, rows: list, given_names=frozenset(), place_words=frozenset(), world_names=frozenset(),
                 off=(), firms=frozenset(), place_forms=frozenset()):
        self.alias = {}  # normalised alias -> canonical name
        for canonical, alias, _role in rows:
            if canonical and alias:
                self.alias[normalise(alias)] = canonical
        self.pattern = compile_patterns(self.alias) if self.alias else None
        self.by_key = {}  # name key of a canonical name or full alias -> canonical
        for alias, canonical in self.alias.items():
            if len(alias.split()) >= 2:
                self.by_key.setdefault(name_key(alias), canonical)
        self.key_lasts = frozenset(k.rsplit(" ", 1)[-1] for k in self.by_key)  # to skip most name keys
        self.given = given_names
        self.world = world_names - given_names
        self.firms = firms
        self.firm_starts = frozenset(f.split()[0] for f in firms if f.strip())
        self.off = frozenset(off)
        self.places = place_words
        self.place_forms = place_forms
        self._shapes = {}  # run of capitalised words -> _shape(run)

    @classmethod
    def load(cls, off=()) -> "PersonTagger":
        """Read the data files; `off` names RULES to switch off (to measure what each one brings)."""
        unknown = set(off) - set(RULES)
        if unknown:
            raise ValueError(f"unknown person rules {sorted(unknown)}; known: {', '.join(RULES)}")
        world = frozenset() if "world names" in off else load_world_names()
        return cls(read_table("people.tsv", 3), _load_given_names(), _load_place_words(), world, off,
                   _load_lines("companies.txt"), _load_place_forms())

    def tag(self, article: Article) -> tuple:
        """Return (people by salience, evidence {person: [[text, field, offset], ...]})."""
        mentions = new_mentions()
        surnames = []  # (surname, Mention): "Mr Blair", a lone gazetteer surname
        titled = []  # (surname, Mention): "President Reagan" with no full name in the article
        spans = []  # (field, start, end, canonical) of the full names found by the rules
        body = normalise(article.body)
        title = normalise(article.title)
        lower_words = _LowerCase(body)
        # rules run on the body; in a title every word may be capitalised (see _title_names)
        runs = list(RUN_RE.finditer(body))
        companies = self._companies(body, runs)
        context = _Context(body, runs)
        for m in runs:
            self._candidate(body, m, "body", mentions, surnames, lower_words, spans, companies, titled, context)
        if "title names" not in self.off:
            self._title_names(title, mentions, lower_words, companies)
        if self.pattern is not None:
            for text, field, offset in find(self.pattern, article):
                canonical = self.alias[text]
                source = title if field == "title" else body
                following = _NEXT_WORD.match(source, offset + len(text))
                if following and following.group(1).lower() in NOT_PERSON_WORDS:
                    continue  # "Nazarbayev University", "Aliyev Foundation": named after, not about
                if source.startswith(" <", offset + len(text)):
                    continue  # "Bush <BSH>": a company's ticker follows
                inside = [s for s in spans if s[0] == field and s[1] <= offset < s[2]]
                if inside and all(s[3] != canonical for s in inside):
                    continue  # "Akayev" inside "Zhana Akayev" is not Askar Akayev
                if inside:
                    continue  # already counted through the full name
                if " " not in text:  # a bare surname: this article's own bearer of it comes first
                    own = [v for v in mentions if v != canonical and v.split()[-1] == text]
                    if own:  # "Finance Minister Gerhard Stoltenberg ... Stoltenberg": not Jens Stoltenberg
                        mentions[own[0]].append(Mention(text, field, offset))
                        continue
                mentions[canonical].append(Mention(text, field, offset))
        # names found in the body are also found in the title (salience)
        for name in list(mentions):
            last = name.split()[-1]
            at = title.find(last)
            while at >= 0:
                end = at + len(last)
                if (at == 0 or not title[at - 1].isalnum()) and (end == len(title) or not title[end].isalnum()) \
                        and not any(x.field == "title" and x.offset <= at < x.offset + len(x.text)
                                    for x in mentions[name]):
                    mentions[name].append(Mention(last, "title", at))
                at = title.find(last, end)
        return self._finish(mentions, surnames, titled)

    def _companies(self, text: str, runs: list) -> set:
        """Names this article gives to companies: a run followed by "and Co", "Inc", "Corp", "Group"...
        or ending in such a word, and each of its first two or more words ("Dean Witter Reynolds Inc":
        Dean Witter Reynolds, Dean Witter)."""
        if "companies" in self.off:
            return set()
        out = set()
        for m in runs:
            words = m.group(1).split()
            if len(words) < 2:
                continue  # only names of two words or more are kept below
            if words[-1].lower().rstrip(".") in CORP_WORDS:
                words = words[:-1]
            elif not CORP_AFTER.match(text, m.end()):
                continue
            for n in range(2, len(words) + 1):
                out.add(" ".join(words[:n]))
            for n in range(1, len(words) - 1):  # "Federal Express Corp" after a cut opener: "Express Corp"
                out.add(" ".join(words[n:]))
        return out

    def _is_company(self, words: tuple, companies: set) -> bool:
        """A run naming a company: the article says so (`companies`) or companies.txt lists a start of it."""
        if "companies" in self.off:
            return False
        if " ".join(words) in companies:
            return True
        if words[0] not in self.firm_starts:
            return False
        return any(" ".join(words[:n]) in self.firms for n in range(1, len(words) + 1))

    def _title_names(self, title: str, mentions: dict, lower_words: "_LowerCase", companies: set) -> None:
        """Names in a headline written in sentence case ("Interview with Ainura Umaeva, Thought Leader in"):
        a run of two or three capitalised words set off by lower-case words or punctuation, whose first word
        is a given name or whose last word has a surname's shape, none a word the body writes in lower case
        and none but the last the surname of someone the body names ("Mirziyoyev Meets Tokayev"). Title-case
        headlines ("Yeutter Says Dollar Will Fall") give no such run."""
        surnames = {v.split()[-1] for v in mentions}  # of the people the body names
        for m in RUN_RE.finditer(title):
            head = title[:m.start(1)].rstrip()
            tail = title[m.end():].lstrip()
            if (head and head[-1].isalpha() and not head[-1].islower()) or (tail and tail[0].isupper()):
                continue
            shape = self._shape(m.group(1))
            if shape is None or shape[0] != "name" or shape[1] != 0:
                continue
            _, _, words, name, _role_cue, canonical, by_key = shape
            if not 2 <= len(words) <= 3 or self._is_company(words, companies):
                continue
            if not (words[0] in self.given or words[0] in self.world or self._shaped(words)):
                continue
            if any(w.lower() in lower_words and not CONNECTOR_RE.fullmatch(w) for w in words):
                continue
            if any(w in surnames for w in words[:-1]):
                continue  # "Mirziyoyev Meets Tokayev": two people the body names, not one
            value = canonical or by_key or name
            if value not in mentions:
                mentions[value].append(Mention(name, "title", m.start(1)))

    def _shaped(self, words: tuple) -> bool:
        """Two or three words whose last has a surname's shape (Nagaspayev, Umaeva, Kholmahmadzoda) and
        whose first is not shaped like an English noun ("Engagement Kasymaliyev")."""
        return ("surname shapes" not in self.off and 2 <= len(words) <= 3 and bool(SURNAME_SHAPE.search(words[-1]))
                and not NOUN_SHAPE.search(words[0]))

    def _candidate(self, text: str, m: re.Match, field: str, mentions: dict, surnames: list,
                   lower_words: "_LowerCase", spans: list, companies=frozenset(), titled=None,
                   context: "_Context" = None) -> None:
        shape = self._shapes.get(m.group(1), False)
        if shape is False:
            if len(self._shapes) >= SHAPES_KEPT:
                self._shapes.clear()
            shape = self._shapes[m.group(1)] = self._shape(m.group(1))
        if shape is None:
            return
        start = m.start(1) + shape[1]
        if shape[0] == "honorific":  # "Mr Blair": a surname for the article's full names
            surnames.append((shape[2], Mention(shape[3], field, start)))
            return
        _, _, words, name, role_cue, canonical, by_key = shape
        if len(words) == 1 and not self._cue(text, m, role_cue):
            return  # a lone surname counts only after a role or honorific (checked first: it is the cheaper)
        in_gazetteer = canonical is not None or by_key is not None
        if not in_gazetteer and self._is_company(words, companies):
            return  # "Morgan Stanley and Co", "John Deere"
        # a word the article also writes in lower case is a common word, not a name ("Thought Leader");
        # particles (de, van, al) are written in lower case inside names
        if not in_gazetteer and any(w.lower() in lower_words and w not in self.given
                                    and not CONNECTOR_RE.fullmatch(w) for w in words):
            return
        if len(words) == 1:
            surnames.append((name, Mention(name, field, start)))
            if role_cue == "titled" and titled is not None:  # "President Reagan", "Energy Minister Subroto"
                titled.append((name, Mention(name, field, start)))
            return
        after = text[m.end():m.end() + 80]
        if not (words[0] in self.given or words[0] in self.world or canonical is not None or self._shaped(words)
                or self._cue(text, m, role_cue) or SPEECH_AFTER.match(after) or APPOSITION.match(after)
                or (context is not None and (self._listed(text, m, field, spans, context)
                                             or self._speaks(text, m, words, context)))):
            return
        value = canonical or by_key or name
        if context is not None and (role_cue == "titled" or self._listed(text, m, field, spans, context)):
            context.list_ends.add(start + len(name))  # "Representatives Jimmy Panetta, ...": a list may follow
        mentions[value].append(Mention(name, field, start))
        spans.append((field, start, start + len(name), value))

    @staticmethod
    def _listed(text: str, m: re.Match, field: str, spans: list, context: "_Context") -> bool:
        """The run continues a list of names that a title opened ("U.S. Representatives Jimmy Panetta, Carol
        Miller, and Sydney Kamlager-Dove"). Lists a title does not open are left alone: news lists films,
        bands and teams after a name as often as people."""
        return bool(spans and spans[-1][0] == field and spans[-1][2] in context.list_ends
                    and LIST_GAP.fullmatch(text, spans[-1][2], m.start(1)))

    def _speaks(self, text: str, m: re.Match, words: tuple, context: "_Context") -> bool:
        """The article gives the run's last word alone (any spelling) before a verb of speech: "Abdukahkhor
        told Radio Ozodi" makes "Mahmadsobir Abdukakhor" a person. Not for a run of over three words, nor
        one that opens a sentence (its first word may be any capitalised word: "Neither Castro")."""
        if len(words) > 3 or _opens_sentence(text, m.start(1)):
            return False
        if context.speakers is None:
            context.speakers = self._speakers(context)
        return bool(context.speakers) and analysis.variant_key(analysis.fold(words[-1])) in context.speakers

    def _speakers(self, context: "_Context") -> frozenset:
        out = set()
        text = context.text
        for m in context.runs:
            if " " in m.group(1) or not SPEECH_AFTER.match(text[m.end():m.end() + 80]):
                continue
            shape = self._shapes.get(m.group(1), False)
            if shape is False:
                shape = self._shape(m.group(1))
            if shape is not None and shape[0] == "name" and shape[1] == 0 and len(shape[2]) == 1:
                out.add(analysis.variant_key(analysis.fold(shape[3])))
        return frozenset(out)

    @staticmethod
    def _cue(text: str, m: re.Match, role_cue: bool) -> bool:
        """A role or honorific inside the run or just before it."""
        return role_cue or bool(CUE_BEFORE.search(text[max(0, m.start(1) - 30):m.start(1)].lower()))

    def _shape(self, run: str):
        """What a run of capitalised words says on its own, whatever the article (cached per run).

        None: not a person. ("honorific", offset, surname, text): an honorific and a surname.
        Else ("name", offset of the name in the run, words, name, a role word was cut, the gazetteer's
        canonical name for it or None, the canonical name its spelling key gives or None); None for a single
        word that is a gazetteer surname (the gazetteer pass finds it) and for names of over four words.
        """
        words = run.split()
        offset = 0
        role_cue = False
        titled = False  # the word right before the name is a title (President, Secretary, King)
        # cut leading openers, roles and nationalities, remembering a role as a cue
        while words:
            w = words[0]
            low = w.lower().rstrip(".")
            if low.endswith("'s"):
                low = low[:-2]
            if low in HONORIFICS:
                role_cue = True
                if len(words) == 2:
                    return ("honorific", offset, words[1], " ".join(words))
            if low in OPENERS or low in ROLE_WORDS or low in self.places or low.endswith(("-born", "-based")) \
                    or w.endswith(".") and len(w) > 2:
                if low in ROLE_WORDS and low not in ("the", "of", "and"):
                    role_cue = True
                titled = _title_word(w)
                offset += len(w) + 1
                words = words[1:]
                continue
            break
        # "Treasury Secretary James Baker", "World Bank President Barber Conable": the name follows the title
        cut = max((i for i, w in enumerate(words[:-1]) if _title_word(w)), default=-1)
        if cut >= 0:
            offset += sum(len(w) + 1 for w in words[:cut + 1])
            words = words[cut + 1:]
            role_cue = titled = True
            if len(words) == 2 and words[0].lower().rstrip(".") in HONORIFICS:  # "Tory Treasurer Lord Ashcroft"
                return ("honorific", offset, words[1], " ".join(words))
        while words and CONNECTOR_RE.fullmatch(words[-1]):
            words = words[:-1]
        if not words:
            return None
        lows = [w.lower() for w in words]
        if any(w in NOT_PERSON_WORDS or w in COMMON_CAPS or w in self.places for w in lows):
            return None
        name = " ".join(words)
        canonical = self.alias.get(normalise(name))
        if len(words) == 1 and canonical is not None:
            return None  # a gazetteer surname: already found by the gazetteer pass
        if len(words) > 4 or normalise(name) in self.place_forms:
            return None  # "Abu Dhabi", "Milton Keynes": a place
        if titled and len(words) == 1 and (name in self.given or name in self.world):
            titled = False  # "President George W Bush" cut short: a given name is no surname
        return ("name", offset, tuple(words), name, role_cue if not titled else "titled", canonical,
                self.by_key.get(name_key(name))
                if analysis.variant_key(analysis.fold(words[-1])) in self.key_lasts else None)

    def _finish(self, mentions: dict, surnames: list, titled=()) -> tuple:
        """Join variants and lone surnames to the full names of this article; a surname a title introduces
        ("President Reagan") and no full name of the article joins is a value of its own."""
        full = [n for n in mentions if len(n.split()) >= 2]
        by_last = {}
        for n in sorted(full, key=lambda n: -len(mentions[n])):
            by_last.setdefault(analysis.variant_key(analysis.fold(n.split()[-1])), n)
        merged = new_mentions()
        for name, ms in mentions.items():
            key = analysis.variant_key(analysis.fold(name.split()[-1]))
            target = by_last.get(key, name)
            # two full names with one surname (Ed and David Miliband) stay apart
            if target != name and len(name.split()) >= 2 and name_key(name.split()[0]) != name_key(target.split()[0]):
                target = name
            merged[target].extend(ms)
        for surname, mention in surnames:
            target = by_last.get(analysis.variant_key(analysis.fold(surname)))
            if target is None:
                canonical = self.alias.get(normalise(surname))
                if canonical:
                    merged[canonical].append(mention)
                elif (surname, mention) in titled:
                    merged[surname].append(mention)
                continue
            merged[target].append(mention)
        return salience_order(merged), evidence(merged)


def canonical_people(values: Counter, known=()) -> dict:
    """Map each person value to one spelling per name key across a corpus.

    Args:
        values: how many articles carry each person value.
        known: values already in the index, preferred as the canonical spelling.
    Returns:
        {value: canonical value} for the values that change.
    """
    groups = defaultdict(list)
    for v in set(values) | set(known):
        groups[name_key(v)].append(v)
    known = set(known)
    out = {}
    for vals in groups.values():
        if len(vals) < 2:
            continue
        best = max(vals, key=lambda v: (v in known, values.get(v, 0), len(v), v))  # ties: the fuller spelling
        for v in vals:
            if v != best:
                out[v] = best
    return out
