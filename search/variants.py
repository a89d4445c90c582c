"""What a typed word or name stands for in the index: its terms, name keys, aliases, facet values.

In: a folded word (or a facet name as a person types it) and, for facet values, the lexicon (an open
IndexView). Out: index terms (`alternatives`) or canonical facet values (`resolve_facet`). The alias groups
live in data/aliases.txt (read once). Used by `parsing`; it does not parse query syntax.
"""
from __future__ import annotations

from functools import lru_cache

from . import analysis


@lru_cache(maxsize=1)
def aliases() -> dict:
    """{folded spelling: tuple of the other spellings of its group} from data/aliases.txt."""
    groups = {}
    for line in (analysis.DATA / "aliases.txt").read_text(encoding="utf-8").splitlines():
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


def resolve_facet(lexicon, facet: str, typed: str) -> list:
    """The facet values a typed name stands for, as a person types it: the value itself in any case or
    accents, its name-variant spelling (tokaev, Токаев), an alias (Kirghizia), or, for a single word, the
    values whose last word (a surname) it is. [] when none is in the index."""
    values = lexicon.facet_values(facet)
    want = analysis.fold(typed).strip()
    if not want or not values:
        return []
    keys = {_name_key(want)} | {_name_key(a) for a in aliases().get(want, ())}
    exact = [v for v in values if analysis.fold(v) == want]
    if exact:
        return exact
    by_key = [v for v in values if _name_key(analysis.fold(v)) in keys]
    if by_key:
        return by_key
    if " " not in want:
        return [v for v in values if " " in v and _name_key(analysis.fold(v).rsplit(" ", 1)[-1]) in keys]
    return []


def _name_key(text: str) -> str:
    return " ".join(analysis.name_keys(p)[-1] for p in analysis.tokens(text) for p in analysis.split_token(p)[-1:])
