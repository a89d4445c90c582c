"""A deterministic synthetic news corpus and query mix, for the benchmark and the load test.

In: a size and a seed. Out: article records {id, title, body, date, author} with a Zipfian vocabulary,
recurring countries, people, places and topic words, dates over ten years; and a mix of query kinds
(single, multi, phrase, prefix, typo, variant, filtered). The same arguments give the same output.
It writes no files and measures nothing (see `bench`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterator

import numpy as np

from . import analysis

ZIPF_S, PSEUDO_WORDS = 1.1, 20_000
FIRST_DAY, LAST_DAY = date(2016, 1, 1).toordinal(), date(2025, 12, 31).toordinal()
KINDS = ("single", "multi", "phrase", "prefix", "typo", "variant", "filtered")
# one block of 20 queries: every kind within the first seven, then in proportion (4/4/3/2/2/2/3)
BLOCK = KINDS + ("single", "multi", "phrase", "filtered", "single", "multi", "prefix", "typo", "variant",
                 "phrase", "filtered", "single", "multi")

FUNCTION = ("the of to and a in that for on is said with was as by at from it has be have are will were its an "
            "not but which this also after had been more over their they who about than would").split()
NEWS = tuple(dict.fromkeys("""
government minister ministry president official officials country region regional city capital border
water energy power project company companies bank market prices price economy economic growth budget tax
law court police army defense foreign domestic international national local public private state people
citizens residents workers farmers students teachers doctors women children families river lake land
agriculture wheat cotton grain harvest food flood weather winter summer spring autumn year month week day
report statistics percent million billion tenge ruble dollar currency inflation loan debt credit fund agency
committee council deputy deputies senate vote voters campaign party opposition leader leaders talks meeting
visit delegation agreement deal cooperation partnership relations sanctions embassy ambassador decree reform
reforms policy program plan strategy construction road bridge airport flight flights airline transport
traffic station port cargo logistics corridor freight exports imports industry factory plant mining copper
gold uranium coal steel metal refinery electricity solar wind hydropower dam reservoir irrigation canal
emissions pollution dust heat temperature mountain valley desert steppe village district province school
university clinic medicine vaccine disease patients tourism tourists hotel festival culture museum theater
music film sport football team champion history heritage language media journalist newspaper television
internet online technology startup software network mobile satellite space launch research scientists
science study survey judge trial prison sentence corruption investigation prosecutor crime terrorism guards
soldiers exercise weapons conflict peace refugees humanitarian donor investors business entrepreneurs jobs
employment unemployment wages salaries pension housing apartment rent mortgage infrastructure highway
tunnel bus metro tram taxi electric vehicles battery lithium fertilizer livestock cattle meat milk bread
sugar rice fruit vegetables market retail consumer shops online banking payment fintech crypto mining
audit tender contract contractor subsidy grant scholarship exam graduates youth pensioners volunteers
earthquake landslide avalanche snow rain rivers floods wildfire forest wildlife leopard park reserve
parliamentary ministerial governor mayor akim spokesman statement interview press conference forum
delegates summit bilateral regional neighbors neighbours partners dialogue negotiations treaty protocol
memorandum initiative roadmap priority priorities challenges opportunities development sustainable
modernization privatization shares stock exchange dividends revenue profit losses deficit surplus
""".split()))
PHRASES = ("foreign minister", "water supply", "border crossing", "trade agreement", "state media",
           "power plant", "central bank", "interest rate", "grain harvest", "gas field", "press service",
           "prime minister", "joint venture", "free economic zone", "energy ministry", "wheat exports",
           "cotton harvest", "solar park", "road construction", "customs union", "transit corridor",
           "drinking water", "budget deficit", "public health", "election commission", "coal mine")
COUNTRIES = {"Kazakhstan": 20, "Kyrgyzstan": 10, "Tajikistan": 8, "Uzbekistan": 12, "Turkmenistan": 5,
             "Russia": 12, "China": 10, "United States": 8, "Turkey": 4, "Iran": 4, "Afghanistan": 4,
             "Azerbaijan": 2, "Mongolia": 2, "India": 2, "Pakistan": 2, "Germany": 2, "Japan": 2}
DEMONYMS = ("Kazakh", "Kyrgyz", "Tajik", "Uzbek", "Turkmen", "Russian", "Chinese", "American", "Turkish",
            "Iranian", "Afghan")
CITIES = ("Almaty", "Astana", "Shymkent", "Bishkek", "Osh", "Tashkent", "Samarkand", "Dushanbe", "Ashgabat",
          "Moscow", "Beijing", "Washington", "Ankara", "Istanbul", "Tehran", "Kabul")
LEADERS = (("President Kassym-Jomart Tokayev", "Tokayev"), ("Vladimir Putin", "Putin"),
           ("Shavkat Mirziyoyev", "Mirziyoyev"), ("Sadyr Japarov", "Japarov"), ("Xi Jinping", "Xi Jinping"),
           ("Donald Trump", "Trump"), ("Emomali Rahmon", "Rahmon"))
TOPICS = ("parliament", "election", "oil", "gas", "pipeline", "migrant", "glacier", "drought", "railway",
          "mosque", "hospital", "artificial intelligence", "referendum", "constitution", "investment", "trade",
          "nuclear power", "climate change", "labor migration", "human rights", "activist", "military",
          "security", "healthcare", "education", "digital", "aircraft", "air taxi")
VARIANTS = ("Tokaev", "Mirziyoev", "Zhaparov", "Kazakstan", "Kyrgystan", "Tajikstan")
FIRST = ("Aibek Nurlan Dilnoza Gulnara Timur Azamat Saule Bakhtiyor Madina Erlan Zarina Rustam Aigerim Farrukh "
         "Dinara Askar Kamila Murat Nodira Bolat Anvar Malika Daniyar Shakhnoza Ilyas Elena Sergei Olga").split()
LAST = ("Abdullaev Sultanov Karimova Nurpeisov Iskakova Rakhimov Tursunova Bekmuratov Omarova Yusupov Ismailov "
        "Akhmetova Zhunusov Saidova Khodjaev Alimova Kurmanov Ermekova Sadykov Nazarova Petrov Ivanova").split()


@dataclass(frozen=True)
class Vocabulary:
    """The words of a synthetic corpus: `words` by Zipf rank (most frequent first) and the named pools."""

    words: tuple
    cdf: np.ndarray  # cumulative Zipf probabilities over `words`
    people: tuple  # (full form, short form) pairs: the leaders, then generated names
    authors: tuple

    def draw(self, rng: np.random.Generator, k: int) -> list:
        """Draw k words from the Zipf distribution."""
        idx = np.minimum(np.searchsorted(self.cdf, rng.random(k), side="right"), len(self.words) - 1)
        return [self.words[i] for i in idx.tolist()]


def build_vocabulary(seed: int) -> Vocabulary:
    """Build the vocabulary of a seed: function words first, real news words among pseudo-words, names."""
    rng = np.random.default_rng([seed, 1])
    onsets, vowels = "b d f g k l m n p r s t v z sh kh zh ch".split(), list("aeiou") + ["ai", "ou"]
    taken, pseudo = set(FUNCTION) | set(NEWS), []
    while len(pseudo) < PSEUDO_WORDS:
        n_syl, ons, vow = rng.integers(2, 5, 4096), rng.integers(18, size=(4096, 4)), rng.integers(7, size=(4096, 4))
        for n, o, v in zip(n_syl.tolist(), ons.tolist(), vow.tolist()):
            w = "".join(onsets[o[j]] + vowels[v[j]] for j in range(n))
            if w not in taken and len(pseudo) < PSEUDO_WORDS:
                taken.add(w)
                pseudo.append(w)
    size = len(FUNCTION) + len(NEWS) + len(pseudo)
    words = list(FUNCTION) + [None] * (size - len(FUNCTION))
    # real news words take ranks among the first 1,000 (frequent to mid-frequency), pseudo-words the rest
    for pos, w in zip(sorted(rng.choice(np.arange(len(FUNCTION), 1000), len(NEWS), replace=False).tolist()), NEWS):
        words[pos] = w
    rest = iter(pseudo)
    words = [w if w is not None else next(rest) for w in words]
    p = 1.0 / np.arange(1, size + 1) ** ZIPF_S
    pairs = set()
    while len(pairs) < 70:  # 50 people and 20 authors
        pairs.add((FIRST[rng.integers(len(FIRST))], LAST[rng.integers(len(LAST))]))
    names = [sorted(pairs)[i] for i in rng.permutation(len(pairs)).tolist()]
    return Vocabulary(tuple(words), np.cumsum(p) / p.sum(), LEADERS + tuple((f"{a} {b}", b) for a, b in names[:50]),
                      tuple(f"{a} {b}" for a, b in names[50:]))


def generate_corpus(n: int, seed: int = 7) -> Iterator[dict]:
    """Yield n synthetic news records {id, title, body, date, author}; the same seed gives the same records."""
    vocab, rng = build_vocabulary(seed), np.random.default_rng([seed, 2])
    names, weights = list(COUNTRIES), np.array(list(COUNTRIES.values())) / sum(COUNTRIES.values())
    one = lambda seq: seq[int(rng.integers(len(seq)))]
    for i in range(n):
        countries = [names[j] for j in rng.choice(len(names), rng.integers(1, 4), replace=False, p=weights)]
        people = [one(LEADERS) if rng.random() < 0.6 else one(vocab.people[len(LEADERS):])
                  for _ in range(rng.integers(0, 3))]
        topics = [TOPICS[j] for j in rng.choice(len(TOPICS), rng.integers(1, 4), replace=False)]
        # recurring names and topic words are inserted among the Zipf words: what the taggers look for
        pools = [countries, topics, [one(CITIES)], [one(DEMONYMS)], PHRASES]
        pools += [[one(p) for p in people]] if people else []  # a leader's full name or surname
        n_words, n_par = int(rng.integers(150, 901)), int(rng.integers(3, 11))
        picks = rng.integers(len(pools), size=max(3, n_words // 30)).tolist()
        items = [countries[0]] + [one(pools[j]) for j in picks]
        words = vocab.draw(rng, n_words - sum(len(t.split()) for t in items))
        for item, at in zip(items, sorted(rng.integers(0, len(words) + 1, len(items)).tolist(), reverse=True)):
            words.insert(at, item)
        sentences, k = [], 0
        while k < len(words):
            s = words[k:k + int(rng.integers(8, 25))]
            k += len(s)
            sentences.append(s[0][:1].upper() + s[0][1:] + " " + " ".join(s[1:]) + ".")
        cuts = np.array_split(np.arange(len(sentences)), min(n_par, len(sentences)))
        head = [countries[0] if rng.random() < 0.7 else one(CITIES), topics[0]]
        want = max(2, int(rng.integers(6, 15)) - sum(len(t.split()) for t in head))
        head += [w for w in vocab.draw(rng, 4 * want) if w not in FUNCTION][:want]  # headlines skip "the"
        title = " ".join(head[j] for j in rng.permutation(len(head)).tolist())
        yield {"id": f"bench-{i:07d}", "title": title[:1].upper() + title[1:],
               "body": "\n\n".join(" ".join(sentences[j] for j in c.tolist()) for c in cuts),
               "date": date.fromordinal(int(rng.integers(FIRST_DAY, LAST_DAY + 1))).isoformat(),
               "author": one(vocab.authors)}


def query_mix(n: int, seed: int, vocab: Vocabulary) -> list:
    """Return n queries {kind, q, filters} cycling through KINDS; the same arguments give the same mix."""
    rng = np.random.default_rng([seed, 3])
    pick = lambda seq: seq[int(rng.integers(len(seq)))]
    content = [w for w in vocab.words[:3000] if w not in FUNCTION and not analysis.is_stopword(w)]
    singles = [w for w in list(COUNTRIES) + list(TOPICS) if " " not in w]
    real = [w for w in NEWS + tuple(singles) + DEMONYMS if len(w) >= 6]  # real words for prefixes and typos
    out = []
    for i in range(n):
        kind, filters = BLOCK[i % len(BLOCK)], {}
        if kind == "single":  # frequent, mid-frequency, or a name or topic word
            q = pick(content[:300]) if rng.random() < 0.5 else pick(content[300:]) if rng.random() < 0.5 \
                else pick(singles)
        elif kind in ("multi", "filtered"):
            q = " ".join(dict.fromkeys([pick(singles)] + [pick(content[:600]) for _ in range(rng.integers(1, 4))]))
            mode = int(rng.integers(3))  # filtered: a country, a date range, or both
            if kind == "filtered" and mode != 1:
                filters["country"] = pick(list(COUNTRIES)[:7])
            if kind == "filtered" and mode != 0:
                y = int(rng.integers(2016, 2025))
                filters.update(date_from=f"{y}-01-01", date_to=f"{min(2025, y + int(rng.integers(0, 3)))}-12-31")
        elif kind == "phrase":  # collocations the generator inserts whole, so the two words are adjacent
            q = '"' + pick(PHRASES + tuple(t for t in TOPICS if " " in t)) + '"'
        elif kind == "prefix":
            q = pick(real).lower()[:int(rng.integers(4, 6))] + "*"
        elif kind == "typo":
            q = _typo(pick(real), rng)
        else:
            q = pick(VARIANTS)
        out.append({"kind": kind, "q": q, "filters": filters})
    return out


def _typo(word: str, rng: np.random.Generator) -> str:
    """Apply one edit (deletion, transposition of neighbours or substitution) inside the word."""
    while True:
        op, at = int(rng.integers(3)), int(rng.integers(1, len(word) - 1))
        out = (word[:at] + word[at + 1:], word[:at] + word[at + 1] + word[at] + word[at + 2:],
               word[:at] + "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(26))] + word[at + 1:])[op]
        if out != word:
            return out


# --- SQLite FTS5 -------------------------------------------------------------------------------------
