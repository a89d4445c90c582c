"""Measure the country and person taggers on a labelled news collection (the Reuters-21578 layout).

In: a JSON Lines file of articles with Reuters' own labels, one object a line: `{"id", "title", "body",
"places": [country codes in source order], "people": [person labels]}` (the development split in
../shared/corpora/reuters21578-dev). Out: one dict of figures:
  - countries: recall, first-value accuracy (the tagger's first country is the first label), precision of
    all values, over every article with at least one label;
  - people: recall of the labelled people (a label is found when a tagged name holds its surname, see
    `label_found`), over the articles with at least one person label;
  - ablation: the same figures with each source of country forms left out in turn, and with each of the
    person rules switched off.
Run it with `python -m search.tagging.measure PATH [--json] [--no-ablation]`.

Reuters codes -> canonical country names (the tagger's values): a code names the country whose name it
spells ("south-korea" -> South Korea, "hong-kong" -> Hong Kong), except the codes in `REUTERS_CODES`:
states that no longer exist go to their main successor as news names it today (ussr -> Russia,
west-germany and east-germany -> Germany, yugoslavia -> Serbia, czechoslovakia -> Czech Republic, the two
Yemens -> Yemen), 1987's "congo" is the Republic of the Congo and "zaire" DR Congo.

Reuters people labels are lower-case and hyphenated (`james-baker`, `deng-xiaoping`, `perez-de-cuellar`);
Reuters codes only the few people a story is about, so the precision of person values cannot be read off
them (every other name in the story is unlabelled): it is measured on the hand-labelled seeds and BBC
articles (tests/test_tagging.py), and here by judging a seeded sample of values by hand (`--sample N`).

This module reads and measures; it does not tune anything or write files.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time

from ..models import Article
from .countries import SOURCES, CountryTagger
from .gazetteer import fold_key
from .people import RULES, PersonTagger

REUTERS_CODES = {
    "usa": "United States", "uk": "United Kingdom", "uae": "United Arab Emirates",
    "ussr": "Russia", "west-germany": "Germany", "east-germany": "Germany", "yugoslavia": "Serbia",
    "czechoslovakia": "Czech Republic", "yemen-arab-republic": "Yemen", "yemen-demo-republic": "Yemen",
    "zaire": "DR Congo", "congo": "Republic of the Congo",
}
TITLES = {"king", "queen", "prince", "sheikh", "pope", "emir", "president"}


def country_of(code: str, names: dict) -> str:
    """Return the canonical country of a Reuters place code (`names`: lower-case name -> name).

    >>> country_of("west-germany", {})
    'Germany'
    >>> country_of("new-zealand", {"new zealand": "New Zealand"})
    'New Zealand'
    """
    if code in REUTERS_CODES:
        return REUTERS_CODES[code]
    try:
        return names[code.replace("-", " ")]
    except KeyError:
        raise ValueError(f"unknown Reuters place code {code!r}: add it to REUTERS_CODES") from None


def read_labelled(path: str, names: dict) -> list:
    """Read labelled articles: [(Article, [countries in label order], [person labels])]."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                article = Article(id=str(r["id"]), title=r["title"], body=r["body"])
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{n}: not a labelled article ({e})") from e
            places = list(dict.fromkeys(country_of(c, names) for c in r.get("places", [])))
            out.append((article, places, list(r.get("people", []))))
    return out


def label_found(label: str, values, given_names=frozenset()) -> bool:
    """Tell whether a Reuters person label is among the tagged person values.

    The label's words must all be words of one value (folded, lower case, hyphens split), except a
    leading given name or title: `james-baker` is found in "James Baker" and in "Baker" alone, but not
    in "Howard Baker" (another given name); `deng-xiaoping` needs both words ("Deng Xiaoping").

    >>> label_found("james-baker", ["Howard Baker"], frozenset({"james", "howard"}))
    False
    >>> label_found("james-baker", ["James A. Baker"], frozenset({"james"}))
    True
    >>> label_found("perez-de-cuellar", ["Javier Perez de Cuellar"])
    True
    """
    words = label.split("-")
    first = None
    if len(words) >= 2 and (words[0] in given_names or words[0] in TITLES):
        first, words = words[0], words[1:]
    for value in values:
        vwords = fold_key(value).replace("-", " ").split()
        if not all(w in vwords for w in words):
            continue
        if first and vwords[0] not in words and vwords[0] in given_names and vwords[0] != first:
            continue
        return True
    return False


def country_figures(records: list, tagger) -> dict:
    """Recall, first-value accuracy and precision of the countries over the records with a label."""
    tp = fp = fn = first = n = 0
    for article, gold, _ in records:
        if not gold:
            continue
        got = tagger.tag(article)[0]
        n += 1
        tp += len(set(got) & set(gold))
        fp += len(set(got) - set(gold))
        fn += len(set(gold) - set(got))
        first += bool(got) and got[0] == gold[0]
    return {"articles": n, "recall": _ratio(tp, tp + fn), "first": _ratio(first, n),
            "precision": _ratio(tp, tp + fp), "values": tp + fp}


def people_figures(records: list, tagger) -> dict:
    """Recall of the labelled people over the records with a person label, and values per article."""
    found = total = n = values = 0
    given = frozenset(g.lower() for g in tagger.given)
    for article, _, labels in records:
        if not labels:
            continue
        got = tagger.tag(article)[0]
        n += 1
        values += len(got)
        for label in dict.fromkeys(labels):
            total += 1
            found += label_found(label, got, given)
    return {"articles": n, "recall": _ratio(found, total), "labels": total,
            "values_per_article": round(values / max(1, n), 2)}


def measure(path: str, ablation: bool = True) -> dict:
    """Measure both taggers on a labelled file; with `ablation`, also with each source or rule left out."""
    countries = CountryTagger.load()
    people = PersonTagger.load()
    records = read_labelled(path, countries.names())
    started = time.process_time()
    out = {"file": str(path), "articles": len(records),
           "countries": country_figures(records, countries), "people": people_figures(records, people)}
    out["cpu_us_per_article"] = round((time.process_time() - started) / max(1, len(records)) * 1e6)
    if ablation:
        out["country_sources"] = {}
        for source in SOURCES[1:]:
            without = CountryTagger.load(tuple(s for s in SOURCES if s != source))
            out["country_sources"][source] = country_figures(records, without)
        out["country_sources"]["countries.tsv only"] = country_figures(records, CountryTagger.load(SOURCES[:1]))
        out["person_rules"] = {}
        for rule in RULES:
            out["person_rules"][rule] = people_figures(records, PersonTagger.load(off=(rule,)))
    return out


def sample_people(path: str, n: int, seed: int = 18) -> list:
    """A seeded random sample of (article id, person value, its first mention in context) to judge by hand."""
    countries = CountryTagger.load()
    people = PersonTagger.load()
    records = read_labelled(path, countries.names())
    pairs = []
    for article, _, _ in records:
        values, ev = people.tag(article)
        for v in values:
            text, field, offset = ev[v][0]
            source = article.title if field == "title" else article.body
            pairs.append((article.id, v, source[max(0, offset - 60):offset + len(text) + 60].replace("\n", " ")))
    return random.Random(seed).sample(pairs, min(n, len(pairs)))


def _ratio(a: int, b: int) -> float:
    return round(a / b, 3) if b else 0.0


def _table(out: dict) -> str:
    c, p = out["countries"], out["people"]
    lines = [f"{out['articles']:,} articles of {out['file']}",
             f"countries: recall {c['recall']:.3f}, first {c['first']:.3f}, precision {c['precision']:.3f} "
             f"({c['values']:,} values)",
             f"people: recall {p['recall']:.3f} of {p['labels']} labels in {p['articles']} articles "
             f"({p['values_per_article']} values an article)",
             f"tagging: {out['cpu_us_per_article']} us of CPU an article (both taggers, one process)"]
    if "country_sources" in out:
        lines.append("without each source of country forms: recall / first / precision")
        for source, f in out["country_sources"].items():
            lines.append(f"  {source:<22} {f['recall']:.3f} / {f['first']:.3f} / {f['precision']:.3f}")
        lines.append("without each person rule: recall")
        for rule, f in out["person_rules"].items():
            lines.append(f"  {rule:<22} {f['recall']:.3f} ({f['values_per_article']} values an article)")
    return "\n".join(lines)


def main(argv=None) -> int:
    """`python -m search.tagging.measure PATH`: print the figures (or JSON); exit 1 on a bad file."""
    parser = argparse.ArgumentParser(prog="python -m search.tagging.measure", description=__doc__.split("\n")[0])
    parser.add_argument("path", help="labelled articles, JSON Lines (e.g. ../shared/corpora/reuters21578-dev/"
                                     "articles.jsonl)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-ablation", action="store_true", help="skip the runs without each source")
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="print N seeded random person values in context, to judge precision by hand")
    args = parser.parse_args(argv)
    try:
        if args.sample:
            for aid, value, context in sample_people(args.path, args.sample):
                print(f"{aid}\t{value}\t{context}")
            return 0
        out = measure(args.path, ablation=not args.no_ablation)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out, indent=1) if args.json else _table(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
