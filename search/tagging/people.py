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

In: an Article, and what search.tagging.names knows before reading it (word lists, patterns, name lists read
from the data files). Out: `PersonTagger.tag` -> (people by salience, evidence); `canonical_people` -> one
spelling per name key across a corpus. It reads no data file itself (names and gazetteer do) and keeps no
state between articles but a bounded cache of what runs of capitalised words look like (SHAPES_KEPT).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from .. import analysis
from ..models import Article, Mention
from .gazetteer import compile_patterns, evidence, find, new_mentions, normalise, read_table, salience_order
from .names import (APPOSITION, COMMON_CAPS, CONNECTOR_RE, CORP_AFTER, CORP_WORDS, CUE_BEFORE, HONORIFICS,
                    LIST_GAP, NEXT_WORD, NOT_PERSON_WORDS, NOUN_SHAPE, OPENERS, ROLE_WORDS, RUN_RE, SPEECH_AFTER,
                    SURNAME_SHAPE, Context, LowerCase, load_given_names, load_lines, load_place_forms,
                    load_place_words, load_world_names, opens_sentence, title_word)


SHAPES_KEPT = 100_000  # runs whose shape is remembered (a tagging worker's memory stays bounded)
RULES = ("world names", "surname shapes", "companies", "title names")  # rules `load(off=...)` can switch off


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
        return cls(read_table("people.tsv", 3), load_given_names(), load_place_words(), world, off,
                   load_lines("companies.txt"), load_place_forms())

    def tag(self, article: Article) -> tuple:
        """Return (people by salience, evidence {person: [[text, field, offset], ...]})."""
        mentions = new_mentions()
        surnames = []  # (surname, Mention): "Mr Blair", a lone gazetteer surname
        titled = []  # (surname, Mention): "President Reagan" with no full name in the article
        spans = []  # (field, start, end, canonical) of the full names found by the rules
        body = normalise(article.body)
        title = normalise(article.title)
        lower_words = LowerCase(body)
        # rules run on the body; in a title every word may be capitalised (see _title_names)
        runs = list(RUN_RE.finditer(body))
        companies = self._companies(body, runs)
        context = Context(body, runs)
        for m in runs:
            self._candidate(body, m, "body", mentions, surnames, lower_words, spans, companies, titled, context)
        if "title names" not in self.off:
            self._title_names(title, mentions, lower_words, companies)
        if self.pattern is not None:
            for text, field, offset in find(self.pattern, article):
                canonical = self.alias[text]
                source = title if field == "title" else body
                following = NEXT_WORD.match(source, offset + len(text))
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

    def _title_names(self, title: str, mentions: dict, lower_words: "LowerCase", companies: set) -> None:
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
                   lower_words: "LowerCase", spans: list, companies=frozenset(), titled=None,
                   context: "Context" = None) -> None:
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
    def _listed(text: str, m: re.Match, field: str, spans: list, context: "Context") -> bool:
        """The run continues a list of names that a title opened ("U.S. Representatives Jimmy Panetta, Carol
        Miller, and Sydney Kamlager-Dove"). Lists a title does not open are left alone: news lists films,
        bands and teams after a name as often as people."""
        return bool(spans and spans[-1][0] == field and spans[-1][2] in context.list_ends
                    and LIST_GAP.fullmatch(text, spans[-1][2], m.start(1)))

    def _speaks(self, text: str, m: re.Match, words: tuple, context: "Context") -> bool:
        """The article gives the run's last word alone (any spelling) before a verb of speech: "Abdukahkhor
        told Radio Ozodi" makes "Mahmadsobir Abdukakhor" a person. Not for a run of over three words, nor
        one that opens a sentence (its first word may be any capitalised word: "Neither Castro")."""
        if len(words) > 3 or opens_sentence(text, m.start(1)):
            return False
        if context.speakers is None:
            context.speakers = self._speakers(context)
        return bool(context.speakers) and analysis.variant_key(analysis.fold(words[-1])) in context.speakers

    def _speakers(self, context: "Context") -> frozenset:
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
                titled = title_word(w)
                offset += len(w) + 1
                words = words[1:]
                continue
            break
        # "Treasury Secretary James Baker", "World Bank President Barber Conable": the name follows the title
        cut = max((i for i, w in enumerate(words[:-1]) if title_word(w)), default=-1)
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
