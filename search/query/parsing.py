"""Query text -> query tree (search.engine.nodes): the query language journalists type.

In: the `q` string, the tuning and (optionally) a lexicon: the open IndexView, which knows the index's
terms, corpus words and facet values. Out: `nodes.Parsed`.

    air taxi                     every word (falling back to any word when no article has them all)
    a pasted sentence            any of its words, ranked (more than `short_query_words` words)
    "water agency"               the exact phrase; "water agency"~3 within 3 moves, either order (Lucene)
    Tokayev w/5 Putin            within 5 words, either order; Tokayev pre/5 Putin: Tokayev first
    Tokayev -Putin, NOT Putin    without; a OR b; (gas OR oil) pipeline; OR binds tightest (as in Nexis)
    title:copper author:Ismailov one field; person:tokaev country:Казахстан topic:energy: a facet value
    date:2016 date:2016-03..2016-05  articles dated in a year, month or day, or from one to another
    migra*                       the corpus words starting with "migra" (not stemmed)
    a passage with "a phrase"    more than a few words and no AND, OR, NOT, -word or w/N: brackets are
                                 prose, and its words and phrases are each optional, ranked (as a sentence)

Each word becomes a `Word` with every index term standing for it: its stem, its name-variant key and those
of its aliases; a word no indexed term matches is replaced by the closest corpus word ("did you mean").
Syntax that cannot be read (an unbalanced quote or parenthesis) is searched as plain words, with a notice;
an unknown field, or a field with nothing after its colon, is searched as words, with a notice naming the
known ones; a field name is never corrected. Nothing here raises.
"""
from __future__ import annotations

import re

from .. import analysis
from ..engine.nodes import TEXT, All, Any, Dates, Every, Facet, Near, Not, Parsed, Phrase, Word
from ..models import FACETS
from ..tuning import DEFAULT, Tuning
from .request import date_span
from .variants import candidates
from .words import MAX_PREFIX_TERMS, WordMaker

TEXT_FIELD_NAMES = {"title": ("title",), "body": ("body",), "text": ("body",), "author": ("author",)}
KNOWN_FIELDS = tuple(TEXT_FIELD_NAMES) + tuple(FACETS) + ("date",)

# the syntax: a quoted phrase with an optional slop, parentheses, w/N and pre/N, a field name, or a run of
# other characters (a word, possibly with a trailing * and a leading - that excludes it)
_LEX = re.compile(r'''
    (?P<neg>(?<![^\s(])-(?=[^\s\-]))
  | (?P<phrase>"[^"]*")(?:~(?P<slop>\d+))?
  | (?P<open>\()
  | (?P<close>\))
  | (?P<near>(?i:w|within|near|pre)/(?P<dist>\d+))(?=[\s()"]|$)
  | (?P<field>[^\W\d_]+):(?=[^\s)])
  | (?P<word>[^\s()"]+)
''', re.VERBOSE)
# a name and its colon, and whether a value follows (the group is empty for "title:" or "title: water")
_FIELD = re.compile(r'(?<![\w"])([^\W\d_]+):(?=([^\s)])?)')
# what makes a query more than words: brackets or quotes around single words do not (a pasted sentence)
_OPERATOR = re.compile(r'\w\*|(?:^|[\s(])-[\w"(]|\b(?:AND|OR|NOT)\b'
                       r'|(?i:\b(?:w|within|near|pre)/\d)|[^\W\d_]:[^\s)]')
# what makes a long query more than a passage of prose: the operators that join (a word excluded with NOT
# or a dash is still excluded from a passage; a bracket after a dash is a group, not prose)
_BOOLEAN = re.compile(r'-\(|\b(?:AND|OR)\b|(?i:\b(?:w|within|near|pre)/\d)')
_QUOTED = re.compile(r'"([^"]*)"')  # quotes taken in pairs from the left
_MULTIWORD = re.compile(r'\w\W+\w')


def parse_query(text: str, lexicon=None, tuning: Tuning = DEFAULT) -> Parsed:
    """Parse the user's query text into a tree; never raises for bad syntax.

    With a lexicon (an IndexView) each word gets its variant key and aliases, unknown words are corrected,
    prefixes completed and facet fields resolved to the index's values; without one, words are stems only.
    """
    return _Parser(text, lexicon, tuning).parse()


class _Parser(WordMaker):
    def __init__(self, text: str, lexicon, tuning: Tuning):
        super().__init__(lexicon, tuning)
        self.text = (text or "").strip()
        self.notices: list = []
        self.typed_and = False  # an AND was typed: its items are all required, as typed

    # --- entry ---------------------------------------------------------------------------------

    def parse(self) -> Parsed:
        text = self.text
        if not text:
            return Parsed(None)
        if not re.search(r"\w", text):
            return Parsed(None, notices=("The query has no words to search for; showing every article.",))
        text = self._field_names(text)
        if not _balanced(text):
            self.notices.append("Unbalanced quotes or parentheses: the query was searched as plain words.")
            return self._finish(*self._plain(re.sub(r'["()]', " ", text)))
        if not _OPERATOR.search(text) and not any(_MULTIWORD.search(q) for q in _QUOTED.findall(text)):
            return self._finish(*self._plain(re.sub(r'["()]', " ", text)))
        # a passage (more than a few words, nothing joining them): brackets are prose, and its words and
        # phrases follow the plain rules, each optional and ranked; exclusions still exclude
        passage = not _BOOLEAN.search(text) and self._is_long(text)
        if passage:
            text = re.sub(r"[()]", " ", text)
            self.long = True  # its words are corrected as a long query's: a one-letter slip only
        tokens = [m for m in _LEX.finditer(text)]
        self.tokens, self.i = tokens, 0
        tree = self._sequence(top=True)
        if tree is None:
            if not self.notices:
                self.notices.append("The query has only stop words; showing every article.")
            return self._finish(None, None)
        if passage:
            return self._finish(*self._passage(tree))
        if _only_negative(tree):
            tree = All((Every(), tree)) if not isinstance(tree, All) else All((Every(),) + tree.children)
        if isinstance(tree, All):
            words = [c for c in tree.children if isinstance(c, Word) and c.fields == TEXT]
            others = tuple(c for c in tree.children if isinstance(c, (Not, Facet, Dates)))
            if words and len(words) + len(others) == len(tree.children) and others and not self.typed_and:
                # plain words with exclusions or facet values: the words follow the plain rules
                words = tuple(dict.fromkeys(words))
                query, fallback = self._combine(words, len(words) > self.tuning.short_query_words)
                tree = All((query,) + others)
                if fallback is not None:
                    return self._finish(tree, All((fallback,) + others))
                return self._finish(tree, None)
        return self._finish(tree, None)  # operators are taken as typed: no falling back to any word

    def _field_names(self, text: str) -> str:
        """The text with every name:value whose name is no field read as two words ("CD:UK", "re:think") and
        every field with nothing after its colon ("title:", "title: water") read as a word, with a notice;
        a name read so is never corrected ("title" is not "tite", "date" not "rate")."""
        def word(m):
            name, known, value = m.group(1), m.group(1).lower() in KNOWN_FIELDS, m.group(2)
            if known and value:
                return m.group(0)
            if value:
                self.notices.append(f"There is no field “{name}”: it was searched as a word. Fields: "
                                    f"{', '.join(KNOWN_FIELDS)}.")
            elif known:
                self.notices.append(f"Nothing follows “{name}:”, so “{name}” was searched as a word; to search "
                                    f"one field, write the word right after the colon: {name.lower()}:water.")
            else:
                return m.group(0)  # a colon after a word ("Note: ...") is punctuation
            self.literal.update(analysis.split_token(name))
            return name + " "
        return _FIELD.sub(word, text)

    def _finish(self, tree, fallback) -> Parsed:
        notices = list(self.notices)
        for p in self.capped:
            notices.append(f"{p}* matches many words: the {MAX_PREFIX_TERMS} most frequent were searched.")
        suggestion = None
        if self.corrections:
            suggestion = self.text
            for wrong, right in self.corrections.items():
                # a word, not a field's name ("author:Ismailov author" keeps the field's)
                suggestion = re.sub(rf"(?i)(?<!\w){re.escape(wrong)}(?!\w|:[^\s)])", right, suggestion)
            notices.append("Searched for " + ", ".join(f"{right} (not {wrong})"
                                                      for wrong, right in self.corrections.items()) + ".")
        return Parsed(tree, fallback=fallback, notices=tuple(notices),
                      corrections=tuple(self.corrections.items()), suggestion=suggestion)

    # --- plain words ---------------------------------------------------------------------------

    def _plain(self, text: str) -> tuple:
        """Plain words: all of a short query (else any), any of a long one (at least a share, if set)."""
        raws = analysis.tokens(text)
        # a pasted passage: a word the corpus lacks is corrected only for one letter too many or too few
        self.long = self._is_long(text)
        counts: dict = {}
        for raw in raws:
            w = self._word(raw)
            if w is not None:
                counts[w] = counts.get(w, 0) + 1
        if not counts:
            self.notices.append("The query has only stop words; showing every article.")
            return None, None
        return self._combine(self._weighed(counts), self.long)

    def _passage(self, tree) -> tuple:
        """(query, fallback) of a passage's tree: its words weighed as plain words, they and its phrases,
        prefixes and field words any-of, ranked; facet values and dates still filter."""
        counts: dict = {}
        others, filters = [], ()
        for c in tree.children if isinstance(tree, All) else (tree,):
            if isinstance(c, (Facet, Dates, Not)):
                filters += (c,)
            elif isinstance(c, Word) and c.fields == TEXT:
                counts[c] = counts.get(c, 0) + 1
            else:
                others.append(c)
        if not counts and not others:
            return tree, None
        query, fallback = self._combine(self._weighed(counts) + tuple(others), True)
        if filters:
            return All((query,) + filters), (All((fallback,) + filters) if fallback is not None else None)
        return query, fallback

    # --- the operator grammar --------------------------------------------------------------------
    # sequence := item+ (AND between items is implied; NOT or - before an item excludes it)
    # item     := near ((w/N | pre/N) near)*
    # near     := primary (OR primary)*          (OR binds tightest, as in Nexis and Google)
    # primary  := ( sequence ) | field:primary | "phrase"[~N] | word[*]

    def _peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _sequence(self, top: bool = False, fields=None):
        items = []
        while True:
            tok = self._peek()
            if tok is None or tok.group("close"):
                if tok is not None and not top:
                    self.i += 1
                elif tok is not None:
                    self.i += 1  # a stray ")" at the top: _balanced makes this unreachable
                break
            word = tok.group("word")
            if word in ("AND",):
                self.typed_and = True
                self.i += 1
                continue
            negate = False
            if word == "NOT" or tok.group("neg"):  # NOT Putin, -Putin, -"a b", -(a b), -country:x
                self.i += 1
                negate = True
            node = self._item(fields)
            if node is not None:
                items.append(Not(node) if negate else node)
        if not items:
            return None
        return items[0] if len(items) == 1 else All(tuple(items))

    def _item(self, fields):
        left = self._or(fields)
        while True:
            tok = self._peek()
            if tok is None or not tok.group("near"):
                return left
            self.i += 1
            dist = int(tok.group("dist"))
            ordered = tok.group("near").lower().startswith("pre")
            right = self._or(fields)
            if left is None or right is None:
                left = left or right
                continue
            if not _spannable(left) or not _spannable(right):
                self.notices.append(f"{tok.group('near')} applies to words and phrases; the other parts were "
                                    f"searched as every word.")
                left = All((left, right))
                continue
            left = Near(left, right, max(dist, 1), ordered)

    def _or(self, fields):
        parts = [self._primary(fields)]
        while True:
            tok = self._peek()
            nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
            if tok is None or tok.group("word") != "OR" or nxt is None or nxt.group("close"):
                break
            self.i += 1
            parts.append(self._primary(fields))
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Any(tuple(dict.fromkeys(parts)))

    def _primary(self, fields):
        tok = self._peek()
        if tok is None:
            return None
        self.i += 1
        if tok.group("open"):
            return self._sequence(fields=fields)
        if tok.group("close"):
            return None
        if tok.group("near"):  # w/5 with nothing before it: the text as a word
            return self._words(tok.group("near"), fields)
        if tok.group("field"):
            return self._field(tok.group("field"), fields)
        if tok.group("phrase"):
            slop = tok.group("slop")
            return self._phrase(tok.group("phrase")[1:-1], int(slop) if slop else 0, fields)
        if tok.group("neg"):  # a dash inside a group: -(a -b)
            node = self._primary(fields)
            return Not(node) if node is not None else None
        word = tok.group("word")
        if word in ("OR", "NOT"):  # an operator with nothing to apply to: read as nothing
            return None
        return self._words(word, fields)

    def _field(self, name: str, fields):
        key = name.lower()
        if key in TEXT_FIELD_NAMES:
            return self._primary(TEXT_FIELD_NAMES[key])
        # a facet value or a date (_field_names left only known names)
        make = self._dates if key == "date" else lambda value: self._facet(key, value)
        tok = self._peek()
        if tok is None:
            return None
        self.i += 1
        if tok.group("phrase"):
            return make(tok.group("phrase")[1:-1])
        if not tok.group("open"):
            return make(tok.group(0))
        values = []  # person:(Tokayev OR Putin): each word a value
        while self._peek() is not None and not self._peek().group("close"):
            t = self._peek()
            self.i += 1
            if t.group("word") and t.group("word") not in ("OR", "AND"):
                values.append(t.group("word"))
            elif t.group("phrase"):
                values.append(t.group("phrase")[1:-1])
        self.i += 1
        nodes = [n for n in map(make, values) if n is not None]
        return None if not nodes else nodes[0] if len(nodes) == 1 else Any(tuple(nodes))

    def _dates(self, typed: str):
        span = date_span(typed)
        if span is not None:
            start, end = (int(d.replace("-", "")) if d else None for d in span)
            return Dates(start or 1, end or 99991231)
        self.notices.append(f"date: takes a year, a month or a day (date:2016, date:2016-03, date:2016-03-01) or "
                            f"a range (date:2015..2016-06): “{typed}” was searched as words.")
        return self._words(typed, None, correct=False)

    def _facet(self, facet: str, typed: str):
        values = candidates(self.lexicon, facet, typed) if self.lexicon is not None else ()
        if values:
            return Facet(facet, tuple(values))
        if self.lexicon is not None:
            self.notices.append(f"No article is tagged with the {facet} “{typed}”: it was searched as words.")
        return self._words(typed, None, correct=False) if " " not in typed.strip() else \
            self._phrase(typed, 0, None)

    def _phrase(self, inner: str, slop: int, fields):
        words, offsets, pos = [], [], 0
        for raw in analysis.tokens(inner):
            pieces = analysis.split_token(raw)
            if not pieces:
                continue
            parts = pieces[:-1] if len(pieces) > 1 else pieces  # Nur-Sultan in a phrase: its parts in a row
            for p in parts:
                if p not in analysis.STOPWORDS:
                    words.append(self._word_from_piece(p, raw, fields, correct=False))
                    offsets.append(pos)
                pos += 1
        if not words:
            return None
        if len(words) == 1:
            return words[0]
        first = offsets[0]
        return Phrase(tuple(words), tuple(o - first for o in offsets), slop, fields or TEXT)

    def _words(self, raw_text: str, fields, correct: bool = True):
        """A syntax word: a prefix, one word, or (oil/gas) the words it holds, all of them."""
        if raw_text.endswith("*") and len(raw_text.rstrip("*")) > 0:
            return self._prefix(raw_text.rstrip("*"), fields)
        out = [w for w in (self._word(r, fields, correct) for r in analysis.tokens(raw_text)) if w is not None]
        if not out:
            return None
        return out[0] if len(out) == 1 else All(tuple(dict.fromkeys(out)))


# --- helpers --------------------------------------------------------------------------------------

def _balanced(text: str) -> bool:
    if text.count('"') % 2:
        return False
    depth = 0
    for ch in re.sub(r'"[^"]*"', "", text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _spannable(node) -> bool:
    """Whether a node has positions (a w/N operand): a text word, a phrase, or Any of those."""
    if isinstance(node, Word):
        return node.fields != ("author",)
    if isinstance(node, Phrase):
        return True
    if isinstance(node, Any):
        return all(_spannable(c) for c in node.children)
    return False


def _only_negative(node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, All):
        return all(_only_negative(c) for c in node.children)
    return False
