"""Analysis and the query language with exact hit order on small hand-written corpora, and the seed queries."""
import json

import pytest

from search import analysis
from search.evaluate import ndcg_at
from search.query.request import build_request
from search.query.run import run
from search.tuning import Tuning

from .conftest import ROOT, view_of

NAMES = [
    {"id": "tok", "title": "Tokayev Meets Investors", "body": "President Kassym-Jomart Tokayev met investors in Astana."},
    {"id": "tok-ru", "title": "Визит президента", "body": "Президент Токаев прибыл в Казахстан с визитом."},
    {"id": "mir", "title": "Mirziyoyev Visits Mongolia", "body": "Shavkat Mirziyoyev arrived in Ulaanbaatar."},
    {"id": "jap", "title": "Japarov Signs Law", "body": "Sadyr Japarov signed the law in Bishkek, Kyrgyzstan."},
    {"id": "kaz", "title": "Kazakhstan’s Grain Harvest", "body": "Kazakhstan’s harvest grew 5.4% in 2025, the U.S. said."},
    {"id": "taj", "title": "Tajikistan Hydropower", "body": "Tajikistan builds dams on the Vakhsh river."},
    {"id": "nur", "title": "Flights to Nur-Sultan", "body": "New flights connect Nur-Sultan with Dubai."},
    {"id": "glac", "title": "Glaciers Are Melting", "body": "Artificial glaciers store water for farmers."},
]


@pytest.fixture(scope="module")
def names_view(tmp_path_factory):
    return view_of(tmp_path_factory, "names", NAMES)


def ids(view, q, **kw):
    return [h.id for h in run(build_request(q, per_page=20, **kw), view).hits]


@pytest.mark.parametrize("q,expected", [
    ("Tokayev", ["tok", "tok-ru"]), ("Tokaev", ["tok", "tok-ru"]), ("Токаев", ["tok", "tok-ru"]),
    ("Mirziyoev", ["mir"]), ("Mirziyoyev", ["mir"]), ("Zhaparov", ["jap"]), ("Japarov", ["jap"]),
    # tok and nur are tagged Kazakhstan (Astana, Nur-Sultan): facet values are searchable as text
    ("Kazakstan", ["kaz", "tok-ru", "nur", "tok"]), ("Казахстан", ["kaz", "tok-ru", "nur", "tok"]),
    ("Kyrgystan", ["jap"]),
    ("Tajikstan", ["taj"]),
])
def test_name_variants_match_each_other(names_view, q, expected):
    assert ids(names_view, q) == expected


@pytest.mark.parametrize("q,expected", [
    ("Kazakhstan's", ["kaz", "tok-ru", "nur", "tok"]), ("U.S.", ["kaz"]), ("5.4%", ["kaz"]), ("2025", ["kaz"]),
    ("Nur-Sultan", ["nur", "tok"]),  # Astana is Nur-Sultan's old and new name (alias group)
    ("nursultan", ["nur", "tok"]), ('"Nur Sultan"', ["nur"]), ("прибыл", ["tok-ru"]), ("прибыли", ["tok-ru"]),
])
def test_tokenisation_of_news_text(names_view, q, expected):
    assert ids(names_view, q) == expected


def test_analysis_terms():
    assert analysis.terms("Kazakhstan’s U.S.-based Nur-Sultan grew 5.4% in 2025") == [
        "kazakhstan", "us", "base", "nur", "sultan", "nursultan", "grew", "5.4%", "2025"]


def test_typo_is_corrected_with_a_suggestion(names_view):
    res = run(build_request("glaicers"), names_view)
    assert [h.id for h in res.hits] == ["glac"]
    assert res.suggestion == "glaciers"
    assert res.notices == ("Searched for glaciers (not glaicers).",)
    res = run(build_request("Tokayv investors"), names_view)
    assert [h.id for h in res.hits] == ["tok"] and res.suggestion == "tokayev investors"


def test_known_words_are_not_corrected(names_view):
    assert run(build_request("glaciers"), names_view).suggestion is None


PROSE = [
    {"id": "p1", "title": "Water Agency Proposed", "body": "Kazakhstan proposed a new water agency at the UN summit."},
    {"id": "p2", "title": "Agency Report", "body": "The agency said water prices rose; the report blamed drought."},
    {"id": "p3", "title": "Drought in the South", "body": "Farmers in the south face drought and water shortages."},
    {"id": "p4", "title": "Migration Policy", "body": "Migrants and migration rules changed; migrating workers left."},
    {"id": "p5", "title": "Summit on Trade", "body": "Leaders met at a summit on trade, water and energy."},
]


@pytest.fixture(scope="module")
def prose_view(tmp_path_factory):
    return view_of(tmp_path_factory, "prose", PROSE)


def test_phrase_and_proximity(prose_view):
    assert ids(prose_view, '"water agency"') == ["p1"]
    # Lucene's slop: p2 has "agency said water" (one move), p1 "water agency" (reversed: two moves)
    assert ids(prose_view, '"agency water"~1') == ["p2"]
    assert ids(prose_view, '"agency water"~2') == ["p1", "p2"]
    assert ids(prose_view, '"agency water"') == []


def test_prefix_is_not_stemmed(prose_view):
    # "migra*" must find migrants, migration and migrating; the stem of "migra" would not
    assert ids(prose_view, "migra*") == ["p4"]
    assert ids(prose_view, "migrati*") == ["p4"]


def test_fields_boolean_and_grouping(prose_view):
    assert ids(prose_view, "title:drought") == ["p3"]
    assert sorted(ids(prose_view, "drought -farmers")) == ["p2"]
    assert sorted(ids(prose_view, "drought NOT farmers")) == ["p2"]
    assert sorted(ids(prose_view, "(agency OR trade) water")) == ["p1", "p2", "p5"]


def test_title_outranks_body(prose_view):
    assert ids(prose_view, "summit")[0] == "p5"


def test_long_query_ranks_every_article_with_any_of_its_words(prose_view):
    res = run(build_request("farmers complain about drought and water shortages in the south this year"), prose_view)
    assert [h.id for h in res.hits] == ["p3", "p2", "p1", "p5"]
    assert res.notices == ()
    # with a minimum share of words (Tuning.min_should_match), an article needs that many of them
    res = run(build_request("farmers complain about drought and water shortages in the south this year"), prose_view,
              Tuning(min_should_match=0.25))
    assert [h.id for h in res.hits] == ["p3", "p2"]


NO_WORDS = "The query has no words to search for; showing every article."
ANY_WORD = "No article has every word; showing articles with any of them."


@pytest.mark.parametrize("q, total, notices", [
    ('"', 5, (NO_WORDS,)), ("((", 5, (NO_WORDS,)), ("*", 5, (NO_WORDS,)), ("-", 5, (NO_WORDS,)), (")(", 5, (NO_WORDS,)),
    ("AND OR NOT", 5, ("The query has only stop words; showing every article.",)),
    ("a*", 2, ()), ("x" * 500, 0, ()), ("\u202etext\u202c 🙂", 0, ()), ("~5", 0, ()),
    ("nosuchfield:x", 0, ("There is no field “nosuchfield”: it was searched as a word. Fields: title, body, text, "
                          "author, country, person, topic, source, date.", ANY_WORD)),
    ("title:", 0, ("Nothing follows “title:”, so “title” was searched as a word; to search one field, write the word "
                   "right after the colon: title:water.",)),
    ('"unbalanced (paren', 0, ("Unbalanced quotes or parentheses: the query was searched as plain words.", ANY_WORD)),
])
def test_odd_syntax_never_errors(prose_view, q, total, notices):
    res = run(build_request(q), prose_view)
    assert (res.total, res.notices) == (total, notices)


def test_explain_lists_matched_terms(prose_view):
    res = run(build_request("drought", explain=True), prose_view)
    ex = res.hits[0].explanation
    assert ex["score"] == round(res.hits[0].score, 6)
    assert [(p["kind"], p["word"]) for p in ex["parts"]] == [("word", "drought")]
    assert [(m["field"], m["term"], m["tf"]) for m in ex["matched"]] == [("title", "drought", 1), ("body", "drought", 1)]
    # typed as a name, the word is also searched under its key
    ex = run(build_request("Drought", explain=True), prose_view).hits[0].explanation
    assert [(m["field"], m["term"], m["tf"]) for m in ex["matched"]] == [
        ("title", "drought", 1), ("title", "~drougt", 1), ("body", "drought", 1)]


# --- the seed queries: graded relevance written by hand in tests/data/seed_queries.json -------------

SEED_NDCG5_FLOOR = 0.95  # issue 17: at least 0.95; measured 0.952 (gains linear, as `casearch eval` and trec_eval)


def test_misspelled_and_variant_seed_queries_keep_their_article_in_the_top_3(seed_view):
    queries = json.loads((ROOT / "tests" / "data" / "seed_queries.json").read_text(encoding="utf-8"))
    checked = 0
    for q in queries:
        if q["kind"] not in ("misspelling", "variant"):
            continue
        best = max(q["relevant"].values())
        top = [h.id for h in run(build_request(q["q"]), seed_view).hits[:3]]
        assert any(q["relevant"].get(d) == best for d in top), q["q"]
        checked += 1
    assert checked == 13


def test_seed_queries_ndcg_at_5(seed_view):
    queries = json.loads((ROOT / "tests" / "data" / "seed_queries.json").read_text(encoding="utf-8"))
    assert len(queries) >= 25
    scores = [ndcg_at([h.id for h in run(build_request(q["q"]), seed_view).hits], q["relevant"], 5) for q in queries]
    print(f"seed queries: nDCG@5 {sum(scores) / len(scores):.4f}")
    assert sum(scores) / len(scores) >= SEED_NDCG5_FLOOR
