"""Filter values as a person types them -> the index's own values: what `--person tokaev` or `author=ismailov` means.

In: a SearchRequest whose facet selections and author are as typed, and an open IndexView. Out: `Filters`:
the request with each facet value replaced by the value(s) it stands for (so facet chips, links and the API's
`query` show the index's spelling), the author keys to filter by, and notices saying what a value was read as,
or that no article has it. A facet value resolves as the query's facet fields resolve theirs
(search.query.variants.candidates: the value, any case, a spelling key or alias, a surname); an author by its
name in any case, else by a part of it (a surname), else by the parts' spelling keys, else by the starts of
its words, every author so matched. A value nothing matches is kept as typed: it matches no article, and its
chip can be removed. This module does not filter documents (search.query.run does).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..engine import IndexView
from ..engine.schema import author_key
from ..models import SearchRequest
from .variants import candidates, name_key

MIN_WORD_START = 3  # letters of an author's word typed before a start of it ("ism" for Ismailov) is tried
SHOWN = 5  # values named in a notice


@dataclass(frozen=True)
class Filters:
    """A request's filters as the index holds them."""

    request: SearchRequest  # facet values and author as the index spells them (a typed one when none matched)
    author_keys: tuple  # the author_key terms of the author filter, any of them (none: it matches nothing)
    notices: tuple


def resolve_filters(req: SearchRequest, view: IndexView) -> Filters:
    """Resolve the facet selections and the author of a request to the index's values (module docstring)."""
    notices, changes = [], {}
    for facet, typed in req.selections().items():
        values = []
        for value in typed:
            found = candidates(view, facet, value)
            notice = _notice(f"The {facet}", value, found, f"No article is tagged with the {facet} “{value}”.")
            if notice:
                notices.append(notice)
            values += found or [value]
        changes[facet] = tuple(dict.fromkeys(values))
    keys = ()
    if req.author:
        keys = tuple(_author_keys(view, req.author))
        names = [_author_name(view, k) for k in keys]
        notice = _notice("The author", req.author, names, f"No article is by the author “{req.author}”.")
        if notice:
            notices.append(notice)
        if len(names) == 1:
            changes["author"] = names[0]
    return Filters(replace(req, **changes), keys, tuple(notices))


def _notice(what: str, typed: str, found: list, none: str) -> str:
    """What a typed value was read as (`none` when nothing), or "" when it is one value but for its case."""
    if not found:
        return none
    if len(found) == 1 and found[0].casefold() == " ".join(typed.split()).casefold():
        return ""
    shown = ", ".join(f"“{v}”" for v in found[:SHOWN])
    more = f" and {len(found) - SHOWN:,} more" if len(found) > SHOWN else ""
    return f"{what} “{typed}” was read as {'any of ' if len(found) > 1 else ''}{shown}{more}."


def _author_keys(view: IndexView, typed: str) -> list:
    """The live authors' keys a typed author means, by the first rule that finds any (module docstring)."""
    key = author_key(typed)
    if not key:
        return []
    variants = name_key(key)
    starts = re.compile(r"(?<!\S)" + r"\S* ".join(map(re.escape, key.split())))  # "isma" in "vagit ismailov"
    rules = (
        lambda k, spaced, keyed: k == key,
        lambda k, spaced, keyed: f" {key} " in spaced,  # a surname, a given name: whole words in a row
        lambda k, spaced, keyed: bool(variants) and f" {variants} " in keyed,
        lambda k, spaced, keyed: min(map(len, key.split())) >= MIN_WORD_START and starts.search(k) is not None,
    )
    table = _authors(view)
    for rule in rules:
        found = [k for k, spaced, keyed in table if rule(k, spaced, keyed) and _live_docs(view, k).size]
        if found:
            return found
    return []


def _authors(view: IndexView) -> tuple:
    """(key, " key ", " its spelling keys ") of every author of the index, made once per view and kept on it
    (in spaces, so that a word run is a substring)."""
    got = view.__dict__.get("_author_table")
    if got is None:
        got = view.__dict__["_author_table"] = tuple(
            (k, f" {k} ", f" {name_key(k)} ") for k in view.field_terms("author_key") if k)
    return got


def _live_docs(view: IndexView, key: str):
    ids = view.term_ids("author_key", key)
    return ids[view.live[ids]]


def _author_name(view: IndexView, key: str) -> str:
    """An author's name as an article of theirs spells it."""
    return view.searcher.stored_fields(int(_live_docs(view, key)[0])).get("author") or key
