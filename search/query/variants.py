"""What a typed word or name stands for in the index: its terms, name keys, aliases, facet values.

In: a folded word (or a facet name as a person types it) and, for facet values, the lexicon (an open
IndexView). Out: index terms (`alternatives`, trimmed of name keys that would only add other words by
`keys_if_they_add`), canonical facet values (`candidates`), and whether a correction is a one-letter slip
(`one_letter_apart`). The alias groups live in data/aliases.txt (read once). Used by `parsing` and the
dossiers; it does not parse query syntax.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .. import analysis, datafiles

_SPLIT = re.compile(r"[\s\-‐‑–]+")


@lru_cache(maxsize=1)
def aliases() -> dict:
    """{folded spelling: tuple of the other spellings of its group} from data/aliases.txt."""
    groups = {}
    for line in datafiles.read_text(analysis.DATA / "aliases.txt").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        members = [analysis.fold(m.strip()) for m in line.split("=") if m.strip()]
        for m in members:
            groups[m] = tuple(x for x in members if x != m)
    return groups


def alternatives(word: str, keys: bool = True) -> tuple:
    """Index terms that a typed (folded) word stands for: its stem, its name keys, and those of its aliases.

    >>> alternatives("putin")
    ('putin', '~putin')
    >>> alternatives("токаевым")
    ('токаев', '~tokaevim', '~tokaev', '~tokaeva', '~tokaevi')
    """
    out = []
    for w in (word, *aliases().get(word, ())):
        if " " in w:
            continue  # a multi-word alias ("kyrgyz republic") is found through its words anyway
        pieces = analysis.split_token(w)
        if pieces:
            p = pieces[-1]  # "nur-sultan" -> its joined form "nursultan"
            out.append(analysis.stem(p))
            if keys:
                out += [analysis.VARIANT_MARK + k for k in analysis.query_keys(p)]
    return tuple(dict.fromkeys(out))


def name_key(name: str) -> str:
    """A name's spelling-insensitive key: each word folded and reduced to its variant key.

    >>> name_key("Kassym-Jomart Tokayev") == name_key("kassym jomart tokaev") == name_key("Касым-Жомарт Токаев")
    True
    """
    return " ".join(analysis.variant_key(analysis.fold(w)) for w in _SPLIT.split(name.strip()) if w)


def candidates(view, facet: str, name: str) -> list:
    """The facet values a name typed by a person may mean, best first: the value itself, else those equal
    ignoring case, else those with its spelling-insensitive key or an alias's (tokaev, Токаев, Kirghizia),
    else, for people, those whose surname has that key. [] when none is in the index.
    """
    values = view.facets.get(facet) if isinstance(view.facets, dict) else None
    name = " ".join((name or "").split())
    if values is None or not name:
        return []
    if name in values.index:
        return [name]
    tables = _tables(view, facet)
    keys = [name_key(name)] + [name_key(a) for a in aliases().get(analysis.fold(name), ())]
    for table, wanted in ((tables["case"], [name.casefold()]), (tables["variant"], keys),
                          (tables["surname"], keys)):
        found = list(dict.fromkeys(v for k in wanted for v in table.get(k, ())))
        if found:
            return found
    return []


def _tables(view, facet: str) -> dict:
    """The lookup tables of a facet's values (built once per view and facet, kept on the view)."""
    cache = view.__dict__.setdefault("_value_keys", {})
    got = cache.get(facet)
    if got is None:
        got = {"case": {}, "variant": {}, "surname": {}}
        for v in view.facets[facet].values:
            got["case"].setdefault(v.casefold(), []).append(v)
            got["variant"].setdefault(name_key(v), []).append(v)
            if facet == "person" and len(v.split()) > 1:
                got["surname"].setdefault(name_key(v.split()[-1]), []).append(v)
        cache[facet] = got
    return got


def looks_like_name(raw: str) -> bool:
    """A word typed with a capital or in Cyrillic: its name keys are always searched."""
    return raw[:1].isupper() or bool(analysis._CYRILLIC.search(raw))


def keys_if_they_add(alts: tuple, lexicon) -> tuple:
    """A lower-case word's terms without its name keys, unless a key is in more articles than the word's
    stems: "tokaev" keeps ~tokaev (Tokayev, Токаев), "thin" drops ~tin (Tin, Thin) and "chat" ~cat."""
    keys = [t for t in alts if t.startswith(analysis.VARIANT_MARK)]
    if not keys:
        return alts
    stems = [t for t in alts if not t.startswith(analysis.VARIANT_MARK)]
    if max(map(lexicon.doc_frequency, keys)) > max(map(lexicon.doc_frequency, stems), default=0):
        return alts
    return tuple(stems)


def one_letter_apart(a: str, b: str) -> bool:
    """Whether one word is the other with one letter more (prospcts, prospects; analysius, analysis).

    >>> one_letter_apart("prospcts", "prospects"), one_letter_apart("processors", "professors")
    (True, False)
    """
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
