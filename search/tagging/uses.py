"""How a country's form is used where it stands: as a place, or as something that only carries its name.

In: an article and one mention of a country form (Mention: text, field, offset). Out: a yes or no, or the
company name the mention stands in. Wire copy names countries in many ways that say nothing about where a
story happens; the country tagger (countries.py) uses these to drop or discount such mentions:
  - `currency`: its currency ("50 mln Australian dlrs", "the French franc"): a market mention, as "yen" is;
  - `other_use`: a listing ("listed in Luxembourg"), an accord, summit or club named after the city that hosted it ("the Paris accord", "the
    Venice summit", "the Paris Club"), a company's seat ("Boliden AB of Sweden", "<Tengelmann> of West
    Germany") or a company's name in wire copy's angle brackets ("<New Zealand Aluminium Smelters Ltd>");
  - `company_name`: the company name a city or demonym stands in ("Manufacturers Hanover Corp", "Credit
    Suisse First Boston Ltd", "Bristol-Myers Co", "Swiss Bank Corp"), and `in_names` the same name repeated
    without its company word ("Manufacturers Hanover said").
It does not decide what to do with them, and it does not read the gazetteers.
"""
from __future__ import annotations

import re

from ..models import Article, Mention

USES_AFTER = re.compile(r"\s+(?:(?i:accords?|agreements?|pact|summit|communiqu[eé]|declaration|round)|Club)\b")
# a currency's name: "50 mln Australian dlrs", "the Japanese yen", "per US dollar" (the currency says the
# country as "yen" does: a market mention, that a passing mention rule may drop, not another use)
CURRENCY_AFTER = re.compile(r"\s+(?i:dlrs?|dollars?|francs?|marks?|pounds?|sterling|stg|guilders?|lire|lira|"
                            r"pesos?|crowns?|krona|kronor|krone|kroner|rand|dinars?|riyals?|rupees?|cruzados?|"
                            r"australs?|schillings?|escudos?|pesetas?|drachmas?|shekels?|ringgit|baht|rupiah|yuan|"
                            r"yen)\b")
USES_BEFORE = re.compile(r"(?:\b(?i:listed|quoted|traded|listing|quotation)\s+(?:in|on)|"
                         r"(?:\b(?:Corp|Corporation|Inc|Ltd|Co|Plc|PLC|AG|AB|A/S|SA|NV|N\.V|N\.L|SpA|GmbH|BV|Pty|"
                         r"Bhd)\.?|>)\s+of)\s+(?:the\s+)?$")
_BEFORE_ENDS = ("of ", "in ", "on ", "the ")  # USES_BEFORE can only match a window ending so
COMPANY_WORD = (r"(?:Corp|Corporation|Inc|Ltd|Co|Cos|Plc|PLC|AG|SA|NV|SpA|GmbH|BV|AB|Pty|Bhd|Trust|Bancorp|Group|"
                r"Holdings|Fund|Developments)")
# after a form: more of the name (hyphenated or slashed parts, up to four capitalised words) and a company word
NAME_AFTER = re.compile(rf"(?:[-/][A-Z][\w'.&]*)*(?:\s+(?:(?:and|&|of)\s+)?[A-Z][\w'.&-]*){{0,4}}?\s+{COMPANY_WORD}\b")
NAME_BEFORE = re.compile(r"(?:[A-Z][\w'.&-]*\s+(?:(?:and|&|of)\s+)?){1,4}$")  # the name's words before the form


def _text(article: Article, m: Mention) -> str:
    return article.title if m.field == "title" else article.body


def currency(m: Mention, article: Article) -> bool:
    """Tell whether a form names a currency ("Australian dlrs", "the US dollar").

    >>> currency(Mention("Australian", "body", 17), Article(id="x", title="", body="It raised 50 mln Australian dlrs."))
    True
    """
    return CURRENCY_AFTER.match(_text(article, m), m.offset + len(m.text)) is not None


def other_use(m: Mention, article: Article) -> bool:
    """Tell whether a form stands as a listing, an accord or a company's seat or bracketed name.

    >>> a = Article(id="x", title="", body="The Paris accord bonds are listed in Luxembourg.")
    >>> other_use(Mention("Paris", "body", 4), a), other_use(Mention("Luxembourg", "body", 37), a)
    (True, True)
    """
    text = _text(article, m)
    end = m.offset + len(m.text)
    if USES_AFTER.match(text, end):
        return True
    before = text[max(0, m.offset - 40):m.offset]
    if before.endswith(_BEFORE_ENDS) and USES_BEFORE.search(before):
        return True
    return _bracketed(text, m.offset, end) is not None


def _bracketed(text: str, start: int, end: int):
    """The contents of the <...> around text[start:end] (wire copy's company names), or None."""
    opened = text.rfind("<", max(0, start - 60), start)
    if opened < 0 or ">" in text[opened:start] or text[start - 1:start] == "(":
        return None  # "<Sigma Mines (Quebec) Ltd>": a place in brackets says where the company is
    close = text.find(">", end, end + 60)
    if close < 0 or "<" in text[end:close]:
        return None
    return text[opened + 1:close]


def company_name(m: Mention, article: Article):
    """The company name a form stands in, or None: "Manufacturers Hanover" for Hanover in "Manufacturers
    Hanover Trust Co", "Bristol-Myers" in "Bristol-Myers Co", the bracket's contents in "<Delhi Australia Fund>".

    >>> a = Article(id="x", title="", body="Lead manager Credit Suisse First Boston Ltd said.")
    >>> company_name(Mention("Boston", "body", 33), a)
    'Credit Suisse First Boston'
    """
    text = _text(article, m)
    end = m.offset + len(m.text)
    after = NAME_AFTER.match(text, end)
    if after is not None:
        before = NAME_BEFORE.search(text, max(0, m.offset - 60), m.offset)
        start = before.start() if before else m.offset
        name = text[start:after.end()].rsplit(None, 1)[0]  # less the company word
        return name if name != m.text else None
    inside = _bracketed(text, m.offset, end)
    return inside if inside is not None and inside != m.text else None


def in_names(m: Mention, article: Article, names) -> bool:
    """Tell whether the mention stands inside an occurrence of one of `names` (the article repeating a
    company's name without its company word: "Manufacturers Hanover said")."""
    text = _text(article, m)
    for name in names:
        at = name.find(m.text)
        while at >= 0:
            if name != m.text and name[at - 1:at] != "(" and text.startswith(name, m.offset - at):
                return True
            at = name.find(m.text, at + 1)
    return False
