"""Text analysis: tokenising, folding, stop words and stemming; the only module that imports nltk.

In: text. Out: tokens, terms (stems), name-variant keys and index entries; search.engine.analyzers wraps them for whoosh.
News text needs more than whitespace: hyphenated names (Nur-Sultan: "nur", "sultan" and "nursultan"),
abbreviations (U.S. -> "us"), numbers and percentages ("5.4%"), possessives with straight or curly
apostrophes (Kazakhstan’s -> kazakhstan), accents folded (Türkiye -> turkiye), English Snowball stems
for Latin words and Russian Snowball stems for Cyrillic ones. Only nltk's stemmers are used: they need
no nltk_data. Stemmed forms are cached because the same words recur across a corpus.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain
from pathlib import Path

from nltk.stem.snowball import SnowballStemmer

from . import datafiles

DATA = Path(__file__).resolve().parent / "data"

# one token: an abbreviation with dots, a number (with decimals, thousands and %), or a word that may
# carry inner hyphens and apostrophes
TOKEN_RE = re.compile(
    r"(?:[^\W\d_]\.){2,}"
    r"|\d+(?:[.,]\d+)*%?"
    r"|[^\W_]+(?:[-‐‑–'’&][^\W_]+)*",
    re.UNICODE)
_find_tokens = TOKEN_RE.findall


def tokens(text: str) -> list:
    """TOKEN_RE.findall(text), about twice as fast: a token never spans white space, and a run of
    letters between spaces (or between punctuation that cannot belong to a token) is one token whole,
    so the regex only runs on the other runs.

    >>> tokens("The U.S. grew 5.4% in Nur-Sultan’s (2024).")
    ['The', 'U.S.', 'grew', '5.4%', 'in', 'Nur-Sultan’s', '2024']
    """
    out = []
    append = out.append
    for w in text.split():
        if w.isalpha():
            append(w)
        else:
            core = w.strip(_EDGE_PUNCTUATION)  # "(said," -> "said": no token starts or ends with these
            if core.isalpha():
                append(core)
            else:
                out += _find_tokens(w)
    return out


_EDGE_PUNCTUATION = ".,;:!?\"'()[]{}“”‘’«»—–-…*/"


_HYPHENS = "-‐‑–"
_APOSTROPHES = "'’"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _load_stopwords(name: str = "stopwords.txt") -> frozenset:
    """The lower-cased words of a stop word list in DATA (DataMissing when it is missing or empty)."""
    words = set()
    for line in datafiles.read_text(DATA / name).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(line.lower())
    return frozenset(words)


STOPWORDS = _load_stopwords()
QUERY_STOPWORDS = _load_stopwords("query_stopwords.txt") | STOPWORDS
_english = SnowballStemmer("english")
_russian = SnowballStemmer("russian")


def is_stopword(word: str) -> bool:
    return word.lower() in STOPWORDS


def fold(text: str) -> str:
    """Lowercase and strip accents, keeping Cyrillic letters (й stays й).

    >>> fold("Türkiye’s ÉLITE")
    "turkiye's elite"
    """
    if text.isascii():
        return text.lower()  # what the steps below give an ASCII text, without a call a character
    text = text.replace("’", "'").replace("‘", "'")
    out = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(ch):
            continue
        out.append(ch)
    # NFKD split й into и + breve; put Cyrillic short i back together
    return unicodedata.normalize("NFC", "".join(out)).replace("и\u0306", "й")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the Snowball stem of a lowercased word (Russian stemmer for Cyrillic words).

    >>> stem("reforms"), stem("президента")
    ('reform', 'президент')
    """
    if _CYRILLIC.search(word):
        return _russian.stem(word)
    if word[:1].isdigit():
        return word
    return _english.stem(word)


@lru_cache(maxsize=500_000)
def split_token(raw: str) -> tuple:
    """Normalise one raw token into the index terms it stands for (before stemming).

    >>> split_token("Kazakhstan’s"), split_token("Nur-Sultan"), split_token("U.S.")
    (('kazakhstan',), ('nur', 'sultan', 'nursultan'), ('us',))
    """
    t = fold(raw)
    if t.endswith("'s"):
        t = t[:-2]
    t = t.rstrip("'")
    if "." in t and not t[:1].isdigit():
        t = t.replace(".", "")  # U.S. -> us, e.g. -> eg
    if t[:1].isdigit():
        return (t.replace(",", ""),) if t else ()
    parts = [p for p in re.split(f"[{_HYPHENS}]", t) if p]
    if len(parts) > 1:
        parts = [p.replace("'", "") for p in parts]
        return tuple(parts) + ("".join(parts),)
    return (t.replace("'", ""),) if t else ()


def terms(text: str, stemmed: bool = True, keep_stopwords: bool = False) -> list:
    """Return the index terms of a text, in order, as the analyzer makes them (for snippets, the topic
    tagger and tests)."""
    cache = _TERMS[stemmed, keep_stopwords]
    got = looked_up(cache, tokens(text), lambda raw: _token_terms(raw, stemmed, keep_stopwords, cache))
    return list(chain.from_iterable(got))


def looked_up(table: dict, keys: list, make) -> list:
    """[table.get(k) for k in keys] at C speed, each key not in the table given `make(key)` instead (which
    may add it: a key new to the table can recur in `keys`). The writer's vocabulary uses it too."""
    out = list(map(table.get, keys))
    i = -1
    try:
        while True:  # the misses, found with list.index (a text has few new tokens)
            i = out.index(None, i + 1)
            out[i] = make(keys[i])
    except ValueError:
        return out


TERMS_KEPT = 500_000  # raw tokens whose terms are remembered, per (stemmed, keep_stopwords)
# raw token -> its terms, one table per (stemmed, keep_stopwords): a dict, not lru_cache, so that `terms`
# looks a text's tokens up with one map() call
_TERMS = {(st, keep): {} for st in (True, False) for keep in (True, False)}


def _token_terms(raw: str, stemmed: bool, keep_stopwords: bool, cache: dict) -> tuple:
    return _remembered(cache, raw, lambda: tuple(
        stem(t) if stemmed else t for t in split_token(raw) if keep_stopwords or t not in STOPWORDS))


def content_stems(text: str) -> list:
    """The stems of a text's content words, in order: no stop or function word (QUERY_STOPWORDS), none under
    three letters, no number; the words pseudo-relevance feedback may add to a query (search.engine.feedback).

    >>> content_stems("The 3 new dams of Nur-Sultan's region")
    ['new', 'dam', 'nur', 'sultan', 'nursultan', 'region']
    """
    return list(chain.from_iterable(looked_up(_CONTENT, tokens(text), _content_token)))


_CONTENT: dict = {}  # raw token -> its content stems (bounded as _TERMS)


def _content_token(raw: str) -> tuple:
    return _remembered(_CONTENT, raw, lambda: tuple(
        stem(t) for t in split_token(raw) if t not in QUERY_STOPWORDS and len(t) > 2 and not t[:1].isdigit()))


def _remembered(cache: dict, raw: str, make) -> tuple:
    """cache[raw], made by make() and kept when missing (it may have been added by an earlier occurrence in
    the same text); a table of TERMS_KEPT tokens is emptied before it grows past them."""
    out = cache.get(raw)
    if out is None:
        out = make()
        if len(cache) >= TERMS_KEPT:
            cache.clear()
        cache[raw] = out
    return out


@lru_cache(maxsize=200_000)
def index_terms(raw: str) -> tuple:
    """The terms one raw token is indexed under, as `index_entry` gives them (cached: snippets check
    every word they read against the query's terms).

    >>> index_terms("Tokayev’s"), index_terms("tokayev"), index_terms("the")
    (('tokayev', '~tokaev'), ('tokayev',), ())
    """
    return tuple(term for term, _ in index_entry(raw)[0])


def prime(words) -> int:
    """Analyse these words ahead of the first queries, lowercase and capitalised as text has them (IndexView.warm:
    a word's first snippet costs its stemming, about 15 µs, after that a cache lookup). Returns the words primed."""
    n = 0
    for n, w in enumerate(words, 1):
        index_terms(w)
        index_terms(w[:1].upper() + w[1:])
    return n


@lru_cache(maxsize=500_000)
def index_entry(raw: str) -> tuple:
    """((term, relative position), ...), positions consumed, surface words: one raw token in index mode.

    Mirrors NewsTokenizer | NewsStopFilter | NewsStemFilter: parts at successive positions, the joined
    form of a hyphenated word at the first part's position, stop words dropped (their position kept),
    and a name's variant key at its stem's position.
    """
    pieces = split_token(raw)
    if not pieces:
        return (), 0, ()
    name = raw[0].isupper() or bool(_CYRILLIC.match(raw))
    joined = len(pieces) > 1
    entries = []
    for k, piece in enumerate(pieces):
        rel = 0 if joined and k == len(pieces) - 1 else k
        if piece in STOPWORDS:
            continue
        entries.append((stem(piece), rel))
        if name:
            entries += [(VARIANT_MARK + k, rel) for k in name_keys(piece)]
    return tuple(entries), (len(pieces) - 1 if joined else 1), pieces


VARIANT_MARK = "~"
_CYR = dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziiklmnoprstufie"))
_CYR.update({"ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ь": "",
             "ю": "yu", "я": "ya", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
             "һ": "h", "і": "i", "ў": "u", "ї": "i", "є": "e", "ґ": "g"})


def transliterate(word: str) -> str:
    """Cyrillic to Latin (a simple scholarly-passport blend; `variant_key` evens out the rest).

    >>> transliterate("токаев"), transliterate("жапаров")
    ('tokaev', 'zhaparov')
    """
    return "".join(_CYR.get(c, c) for c in word)


@lru_cache(maxsize=200_000)
def variant_key(word: str) -> str:
    """Fold a (folded, lowercased) name to a key shared by its common spellings and transliterations.

    Rules: Cyrillic -> Latin; dzh/dj/zh -> j; h after the first letter dropped (kh, gh, sh -> k, g, s);
    y between vowels dropped; remaining y -> i; io -> ie (Russian text folds ё to е: Мирзиёев and Мирзиеев
    meet Mirziyoyev); doubled letters collapsed.

    >>> [variant_key(w) for w in ("tokayev", "tokaev", "токаев", "mirziyoyev", "mirziyoev", "мирзиеев")]
    ['tokaev', 'tokaev', 'tokaev', 'mirziev', 'mirziev', 'mirziev']
    >>> [variant_key(w) for w in ("japarov", "zhaparov", "vassilenko", "vasilenko", "kazakhstan", "kazakstan")]
    ['japarov', 'japarov', 'vasilenko', 'vasilenko', 'kazakstan', 'kazakstan']
    """
    w = transliterate(word.lower())
    w = re.sub(r"[^a-z0-9]", "", w)
    w = w.replace("dzh", "j").replace("dj", "j").replace("zh", "j")
    if len(w) > 1:
        w = w[0] + w[1:].replace("h", "")
    w = re.sub(r"(?<=[aeiou])y(?=[aeiou])", "", w)
    w = w.replace("y", "i").replace("io", "ie")
    return re.sub(r"(.)\1+", r"\1", w)


# Russian case endings as variant keys spell them (ы -> i, ой -> oi, ых -> ik, ого -> ogo, ая -> aia...): a Cyrillic
# name is also indexed under its key without them, so Токаева, Токаеву and Токаевым meet Токаев and Tokayev
_CASE_ENDING = re.compile(r"(?:ogo|ego|omu|emu|aia|imi|ami|iami|oiu|eiu|oi|ei|om|em|im|ik|ia|iu|a|i|e|u)$")
_MIN_BASE = 4  # letters a key keeps when an ending is cut: short names are left whole


def case_base(key: str) -> str:
    """A variant key without a Russian case ending, when at least _MIN_BASE letters remain.

    >>> [case_base(k) for k in ("tokaeva", "tokaevim", "putinim", "astane", "almati", "kasim", "tokaev")]
    ['tokaev', 'tokaev', 'putin', 'astan', 'almat', 'kasim', 'tokaev']
    """
    m = _CASE_ENDING.search(key)
    if m is None or m.start() < _MIN_BASE:
        return key
    return key[:m.start()]


@lru_cache(maxsize=200_000)
def name_keys(word: str) -> tuple:
    """The variant keys a name is indexed under: its key, and for a Cyrillic word also the key without a
    case ending (`case_base`), so that an inflected form meets the nominative and the Latin spellings.

    A function word is no name: a sentence opening with "More" or "Some" gives no key (More's key is Moore's).

    >>> name_keys("tokayev"), name_keys("токаевым"), name_keys("путин"), name_keys("more")
    (('tokaev',), ('tokaevim', 'tokaev'), ('putin',), ())
    """
    if word in QUERY_STOPWORDS:
        return ()
    key = variant_key(word)
    if _CYRILLIC.search(word):
        base = case_base(key)
        if base != key:
            return key, base
    return (key,)


def query_keys(word: str) -> tuple:
    """The variant keys a query word is searched under: its key and its key without a case ending (a
    Latin query finds inflected Cyrillic forms); for a Cyrillic word also that base with "a" or "i" (Астане ->
    Astana, Токаевой -> Tokaeva, Зеленского -> Zelensky), which Latin text indexes whole.

    >>> query_keys("tokayev"), query_keys("астане"), query_keys("obama")
    (('tokaev',), ('astane', 'astan', 'astana', 'astani'), ('obama', 'obam'))
    """
    key = variant_key(word)
    base = case_base(key)
    out = [key, base]
    if _CYRILLIC.search(word) and base != key:
        out += [base + "a", base + "i"]
    return tuple(dict.fromkeys(out))
