"""What the person tagger knows before it reads an article: words, patterns and name lists.

In: the data files data/given_names.txt, data/companies.txt and the place gazetteers (countries.tsv,
divisions.tsv, cities.tsv), and gender_guesser's name list (nam_dict.txt) where the package is installed.
Out: the word lists and regular expressions of the person rules (roles, titles, honorifics, sentence
openers, words that are no part of a person's name, surname shapes, runs of capitalised words), the name
lists read from the data files (`load_given_names`, `load_world_names`, `load_lines`, `load_place_forms`,
`load_place_words`), and two helpers that answer questions about one article's text (`LowerCase`,
`Context`). It does not decide who is a person: search.tagging.people applies the rules.
"""
from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from .. import datafiles
from ..errors import DataMissing
from . import gazetteer
from .gazetteer import normalise, read_table


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
NEXT_WORD = re.compile(r"(?:['’]s)?\s+([A-Z][\w-]*)")
# the lookahead first: the search fails fast where no capital stands (about half the time of the run alone)
RUN_RE = re.compile(rf"(?=[{_UPPER}])(?<![\w'’.-])({NAME_WORD}(?:\s+(?:{CONNECTOR}\s+)?{NAME_WORD}){{0,5}})(?:['’]s)?(?![\w-])")



# gender_guesser's nam_dict.txt: one column of frequencies (hex 1-D, blank: none) per country, from
# column 30 on, in this order (its header); the traditions news in English under-serves come from 38 on
NAM_COLUMNS = ("Great Britain Ireland USA Italy Malta Portugal Spain France Belgium Luxembourg Netherlands "
               "East-Frisia Germany Austria Switzerland Iceland Denmark Norway Sweden Finland Estonia Latvia "
               "Lithuania Poland Czechia Slovakia Hungary Romania Bulgaria Bosnia Croatia Kosovo Macedonia "
               "Montenegro Serbia Slovenia Albania Greece Russia Belarus Moldova Ukraine Armenia Azerbaijan "
               "Georgia Central-Asia Turkey Arabia/Persia Israel China India/Sri-Lanka Japan Korea Vietnam "
               "other").split()
NAM_PACKAGE = "gender_guesser"  # the installed package whose data/nam_dict.txt is read
NAM_FIRST_COLUMN = 30
WORLD_FROM = NAM_COLUMNS.index("Russia")
COMMON_MIN = 4
# names that are also common capitalised words, titles, religions or places (given_names.txt leaves them out
# for the same reason): never a given name, whatever a name list says
NOT_GIVEN = set("""will may june grace hope faith joy rose victoria georgia jordan chad israel paris sydney milan
florence royal major general prince king duke earl baron bishop judge christian angel sterling hunter miles
rich roman islam said sultan sheikh can van de le la al bin abu ibn el long young fair silver doc star
summer autumn winter spring dawn rain storm sunny golden mark bill art page ray guy chase case price my san santa santo sao saint fort port mount""".split())


def load_given_names() -> frozenset:
    return load_lines("given_names.txt")


def load_lines(name: str) -> frozenset:
    """The non-comment lines of a one-entry-a-line data file of gazetteer.DATA (accents and apostrophes
    folded for lookups only where the caller folds); DataMissing when it is missing or empty."""
    return frozenset(line.strip() for line in datafiles.read_text(gazetteer.DATA / name).splitlines()
                     if line.strip() and not line.startswith("#"))


def nam_dict() -> Path:
    """The path of gender_guesser's name list (a dependency of casearch, so never optional).

    Raises:
        DataMissing: the package is not installed, or its name list is not there.
    """
    spec = importlib.util.find_spec(NAM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DataMissing(f"the package {NAM_PACKAGE}, which holds the given names of the person tagger, is not "
                          f"installed: {datafiles.FIX}")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "nam_dict.txt"
    if not path.is_file():
        raise datafiles.missing(path)
    return path


@lru_cache(maxsize=2)
def load_world_names(common_only: bool = False) -> frozenset:
    """Given names of every naming tradition from gender_guesser's data (Jörg Michael's nam_dict, GFDL).

    A name counts when it occurs in a column of Eastern Europe, the Caucasus, Central Asia, Turkey, the
    Arab world and Iran, Israel, China, South Asia, Japan, Korea or Vietnam (the European and American
    names are given_names.txt's, kept by hand); two-letter names only from the Chinese and Korean columns
    (Li, Xi, Wu); never a NOT_GIVEN word. With `common_only`, any name reaching COMMON_MIN anywhere. "Jun+Wei" (Chinese, Korean
    and Arabic compounds) gives Jun-Wei, Jun-wei and Junwei. Read from the installed package, never
    fetched: DataMissing when the package or its list is missing, cannot be read or gives no name.
    """
    path = nam_dict()
    out = set()
    width = len(NAM_COLUMNS)
    world = slice(NAM_FIRST_COLUMN + WORLD_FROM, NAM_FIRST_COLUMN + width - 1)  # "other" is left out
    east = slice(NAM_FIRST_COLUMN + NAM_COLUMNS.index("China"), NAM_FIRST_COLUMN + NAM_COLUMNS.index("Korea") + 1)
    japan = NAM_FIRST_COLUMN + NAM_COLUMNS.index("Japan")
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as e:
        raise datafiles.unreadable(path, e.strerror or type(e).__name__) from e
    except UnicodeDecodeError as e:
        raise datafiles.unreadable(path, "not UTF-8 text") from e
    for line in lines:
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
    if not out:
        raise datafiles.empty(path)
    return frozenset(out)


def load_place_forms() -> frozenset:
    """Every place name of several words the country gazetteers know (Abu Dhabi, Milton Keynes, San Sebastián)."""
    out = set()
    for name in ("countries.tsv", "divisions.tsv", "cities.tsv"):
        for _country, kind, pattern, _flags in read_table(name, 4):
            if " " in pattern and kind != "not_country":
                out.add(normalise(pattern))
    return frozenset(out)


def load_place_words() -> frozenset:
    """Single words that name a country, people or place (from countries.tsv), unless flagged ambiguous."""
    words = set()
    for _country, kind, pattern, flags in read_table("countries.tsv", 4):
        if kind != "not_country" and " " not in pattern and "ambiguous" not in flags:
            words.add(normalise(pattern).lower())
    return frozenset(words)


_WORD_AFTER = frozenset("abcdefghijklmnopqrstuvwxyz'-")  # a lower-case word goes on through these
_SENTENCE_END = frozenset(".!?")
_LOWER_FORM = re.compile(r"[a-z][a-z'-]+")


class LowerCase:
    """`word in LowerCase(text)`: the text also writes `word` (lower case) as a word of its own, not
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


class Context:
    """What the person rules may ask about the whole body, worked out once and only when asked."""

    __slots__ = ("text", "runs", "speakers", "list_ends")

    def __init__(self, text: str, runs: list):
        self.text, self.runs, self.speakers = text, runs, None
        self.list_ends = set()  # where a name ends that a list of names may follow


def opens_sentence(text: str, start: int) -> bool:
    """Nothing but quotes or brackets stand between `start` and the text's start or a sentence's end."""
    before = text[max(0, start - 4):start].rstrip(" \t\n\"'“‘(")
    return not before or before[-1] in ".!?:"


def title_word(word: str) -> bool:
    """A title that introduces a name: Secretary, Chairman, Minister-designate, President-elect."""
    low = word.lower().rstrip(".")
    if low.endswith("'s"):
        low = low[:-2]
    if low.endswith(("-designate", "-elect")):
        low = low.rsplit("-", 1)[0]
    return low in TITLE_WORDS
