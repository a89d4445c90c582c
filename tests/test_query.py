"""Search: ranking, filters (OR within, AND across), multi-select counts, dates, sorting, paging, snippets."""
import pytest

from search.errors import BadQuery, NotFound
from search.query.articles import article
from search.query.request import build_request, refine
from search.query.exports import export_rows
from search.query.run import run
from search.query.snippets import make_snippet

from .conftest import view_of


def hit_ids(res):
    return [h.id for h in res.hits]


def test_all_words_must_match_and_title_ranks_higher(small_view):
    res = run(build_request("air taxi"), small_view)
    assert hit_ids(res) == ["a1"] and res.total == 1
    res = run(build_request("taxi"), small_view)
    assert hit_ids(res) == ["a4", "a1"] and res.total == 2  # both in the title; a4 also in its body
    # water: a5 and a3 hold it in the title and the body, a2 in its body only
    res = run(build_request("water"), small_view)
    assert hit_ids(res) == ["a5", "a3", "a2"]
    # kyrgyzstan: a2 in the title, a4 in the body only
    assert hit_ids(run(build_request("kyrgyzstan"), small_view)) == ["a2", "a4"]


def test_short_query_falls_back_to_any_word_and_says_so(small_view):
    res = run(build_request("glaciers drones"), small_view)
    assert hit_ids(res) == ["a2"]
    assert res.notices == ("No article has every word; showing articles with any of them.",)


def test_empty_query_lists_every_article_newest_first_undated_last(small_view):
    res = run(build_request(""), small_view)
    assert res.total == 5
    assert hit_ids(res) == ["a1", "a2", "a4", "a3", "a5"]


def test_sort_oldest(small_view):
    assert hit_ids(run(build_request("", sort="oldest"), small_view)) == ["a3", "a4", "a2", "a1", "a5"]


def test_date_range_and_timeline(small_view):
    res = run(build_request("", date_from="2025-01-01", date_to="2025-05-31"), small_view)
    assert hit_ids(res) == ["a2", "a4"]
    assert res.timeline == (("2025-01", 1), ("2025-02", 0), ("2025-03", 0), ("2025-04", 0), ("2025-05", 1))
    full = run(build_request(""), small_view)
    assert full.timeline == (("2024-11", 1), ("2024-12", 0), ("2025-01", 1), ("2025-02", 0), ("2025-03", 0),
                             ("2025-04", 0), ("2025-05", 1), ("2025-06", 1))
    assert full.undated == 1


def test_author_filter(small_view):
    assert hit_ids(run(build_request("", author="jane roe", sort="oldest"), small_view)) == ["a3", "a1"]


def test_facet_filters_or_within_and_across_with_multiselect_counts(small_view):
    base = run(build_request(""), small_view)
    counts = {v.value: v.count for v in base.facets["country"]}
    assert counts["Kazakhstan"] == 2 and counts["Kyrgyzstan"] == 2 and counts["Uzbekistan"] == 2
    both = run(build_request("", country=["Kazakhstan", "Kyrgyzstan"]), small_view)
    assert sorted(hit_ids(both)) == ["a1", "a2", "a3", "a4"]
    # the country facet ignores its own selection; selected values are flagged
    c = {v.value: (v.count, v.selected) for v in both.facets["country"]}
    assert c["Kazakhstan"] == (2, True) and c["Kyrgyzstan"] == (2, True) and c["Uzbekistan"] == (2, False)
    and_across = run(build_request("", country=["Kazakhstan", "Kyrgyzstan"], author="John Doe"), small_view)
    assert hit_ids(and_across) == ["a2"]


def test_selected_value_without_matches_is_still_listed(small_view):
    res = run(build_request("", country=["Atlantis"]), small_view)
    assert res.total == 0 and res.notices == ("No article is tagged with the country “Atlantis”.",)
    assert [(v.value, v.count, v.selected) for v in res.facets["country"] if v.selected] == [("Atlantis", 0, True)]


def test_facet_filters_take_a_value_as_a_person_types_it(small_view):
    res = run(build_request("", country=["kazakhstan"], sort="oldest"), small_view)
    assert hit_ids(res) == ["a3", "a1"] and res.request.country == ("Kazakhstan",) and res.notices == ()
    assert [(v.value, v.selected) for v in res.facets["country"] if v.selected] == [("Kazakhstan", True)]
    res = run(build_request("", country=["Kazakstan", "KYRGYZSTAN", "Kirghizia"], sort="oldest"), small_view)
    assert hit_ids(res) == ["a3", "a4", "a2", "a1"] and res.request.country == ("Kazakhstan", "Kyrgyzstan")
    assert res.notices == ("The country “Kazakstan” was read as “Kazakhstan”.",
                           "The country “Kirghizia” was read as “Kyrgyzstan”.")


AUTHORS = [
    {"id": "w1", "title": "Dams", "date": "2025-01-01", "author": "Vagit Ismailov", "body": "Dams on the Naryn."},
    {"id": "w2", "title": "Wheat", "date": "2025-02-01", "author": "Bakhtiyor Ismailov", "body": "Wheat prices."},
    {"id": "w3", "title": "Gold", "date": "2025-03-01", "author": "Jane Roe", "body": "A gold mine opened."},
    {"id": "w4", "title": "Rail", "date": "2025-04-01", "author": "Aida Zhaparova", "body": "A railway to China."},
    {"id": "w5", "title": "Unsigned", "date": "2025-05-01", "body": "A note without a byline."},
]


@pytest.fixture(scope="module")
def authors_view(tmp_path_factory):
    return view_of(tmp_path_factory, "authors", AUTHORS)


@pytest.mark.parametrize("typed,ids,author,notices", [
    ("Vagit Ismailov", ["w1"], "Vagit Ismailov", ()),
    ("  vagit   ISMAILOV ", ["w1"], "Vagit Ismailov", ()),                                 # case and spaces
    ("roe", ["w3"], "Jane Roe", ("The author “roe” was read as “Jane Roe”.",)),          # a surname
    ("jane", ["w3"], "Jane Roe", ("The author “jane” was read as “Jane Roe”.",)),        # a given name
    ("japarova", ["w4"], "Aida Zhaparova",                                               # a spelling (zh, j)
     ("The author “japarova” was read as “Aida Zhaparova”.",)),
    ("ismailov", ["w2", "w1"], "ismailov",                                               # two authors: both
     ("The author “ismailov” was read as any of “Bakhtiyor Ismailov”, “Vagit Ismailov”.",)),
    ("isma", ["w2", "w1"], "isma",                                                       # the start of a name
     ("The author “isma” was read as any of “Bakhtiyor Ismailov”, “Vagit Ismailov”.",)),
    ("is", [], "is", ("No article is by the author “is”.",)),                            # too short to be a start
    ("Nobody", [], "Nobody", ("No article is by the author “Nobody”.",)),
    ("?!", [], "?!", ("No article is by the author “?!”.",)),                          # no word: not the unsigned
])
def test_the_author_filter_takes_a_name_as_a_person_types_it(authors_view, typed, ids, author, notices):
    res = run(build_request("", author=typed), authors_view)
    assert hit_ids(res) == ids and res.request.author == author and res.notices == notices
    assert [r["id"] for r in export_rows(build_request("", author=typed), authors_view)] == ids


def test_paging(small_view):
    p1 = run(build_request("", per_page=2, page=1), small_view)
    p3 = run(build_request("", per_page=2, page=3), small_view)
    assert hit_ids(p1) == ["a1", "a2"] and hit_ids(p3) == ["a5"] and p3.pages == 3
    assert hit_ids(run(build_request("", per_page=2, page=4), small_view)) == []


def test_a_paragraph_is_a_query():
    # the library takes a pasted paragraph; the web layer bounds what a request may carry
    assert len(build_request(q="glacier water " * 400).q) == 5599


@pytest.mark.parametrize("kwargs,message", [
    ({"page": 0}, "page must be at least 1"), ({"page": "x"}, "page must be a whole number"),
    ({"per_page": 101}, "per_page must be at most 100"), ({"sort": "sideways"}, "sort must be one of"),
    ({"date_from": "2025-13-01"}, "from must be a date"), ({"date_from": "2025-06-01", "date_to": "2025-01-01"},
                                                          "from \\(2025-06-01\\) is after to"),
    ({"page": 1001, "per_page": 10}, "too deep"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(BadQuery, match=message):
        build_request(**kwargs)


def test_phrase_exclude_or_field_prefix(small_view):
    assert hit_ids(run(build_request('"artificial glaciers"'), small_view)) == ["a2"]
    assert sorted(hit_ids(run(build_request("water -Tashkent"), small_view))) == ["a2", "a3"]
    assert sorted(hit_ids(run(build_request("glaciers OR taxis"), small_view))) == ["a1", "a2", "a4"]
    assert hit_ids(run(build_request("title:water tashkent"), small_view)) == ["a5"]
    assert sorted(hit_ids(run(build_request("glac*"), small_view))) == ["a2"]


def test_unbalanced_syntax_is_read_as_words(small_view):
    res = run(build_request('"artificial glaciers'), small_view)
    assert hit_ids(res) == ["a2"]
    assert res.notices == ("Unbalanced quotes or parentheses: the query was searched as plain words.",)


def test_snippet_marks_matches_and_escapes_everything_else():
    s = make_snippet("<b>Water</b> & taxis in Almaty; water again.", frozenset({"water", "taxi"}))
    assert s == "&lt;b&gt;<mark>Water</mark>&lt;/b&gt; &amp; <mark>taxis</mark> in Almaty; <mark>water</mark> again."


def test_article_and_not_found(small_view):
    a = article(small_view, "a2")
    assert a["title"] == "Kyrgyzstan Builds Artificial Glaciers" and a["body"].startswith("Farmers")
    assert all(set(s) == {"id", "title"} for s in a["similar"]) and "a2" not in [s["id"] for s in a["similar"]]
    with pytest.raises(NotFound):
        article(small_view, "nope")


def test_export_yields_every_match_with_body(small_view):
    rows = list(export_rows(build_request("water", per_page=1), small_view))
    assert sorted(r["id"] for r in rows) == ["a2", "a3", "a5"]
    assert set(rows[0]) == {"id", "title", "date", "author", "url", "countries", "people", "topics", "source",
                            "body", "truncated", "group", "duplicate_of"}


def test_seed_done_when_air_taxi_in_kazakhstan_is_first(seed_view):
    res = run(build_request("air taxi", country=["Kazakhstan"]), seed_view)
    assert res.hits[0].title.startswith("From Alatau to Almaty by Air")
    assert "<mark>" in res.hits[0].snippet


def test_author_field_in_the_query(small_view):
    assert sorted(hit_ids(run(build_request("author:roe"), small_view))) == ["a1", "a3"]
    assert hit_ids(run(build_request("author:roe water"), small_view)) == ["a3"]


def test_long_timelines_are_yearly(tmp_path):
    from search.indexing.run import build_index
    from search.engine.view import IndexView
    from .conftest import write_jsonl
    recs = [{"id": f"y{y}", "title": f"Year {y}", "body": "text", "date": f"{y}-03-01"} for y in (2016, 2018, 2021)]
    build_index([str(write_jsonl(tmp_path / "y.jsonl", recs))], str(tmp_path / "i"))
    res = run(build_request(""), IndexView(str(tmp_path / "i")))
    assert res.timeline == (("2016", 1), ("2017", 0), ("2018", 1), ("2019", 0), ("2020", 0), ("2021", 1))


def test_title_only_hits_open_the_snippet_at_the_body_start_and_body_hits_at_the_match(tmp_path):
    from search.indexing.run import build_index
    from search.engine.view import IndexView
    from .conftest import write_jsonl
    lead = " ".join(f"word{i}" for i in range(60))
    recs = [{"id": "t", "title": "Glacier watch", "body": lead + ". The river rose."},
            {"id": "b", "title": "Spring floods", "body": lead + " and the glacier melted."}]
    build_index([str(write_jsonl(tmp_path / "g.jsonl", recs))], str(tmp_path / "i"))
    view = IndexView(str(tmp_path / "i"))
    # the two bodies are near-copies (search.duplicates): listed apart here, not folded
    snippets = {h.id: h.snippet for h in run(refine(build_request("glacier"), fold=False), view).hits}
    assert snippets["t"] == " ".join(f"word{i}" for i in range(40)) + "…"  # title-only: no scan, no mark
    # the window opens ten words before the match
    assert snippets["b"] == "…" + " ".join(f"word{i}" for i in range(52, 60)) + " and the <mark>glacier</mark> melted."
    assert not view.has_any("body", view.docnum("t"), {"glacier"}) and view.has_any("body", view.docnum("b"), {"glacier"})
    assert make_snippet("", frozenset()) == "" and make_snippet("a b", frozenset()) == "a b"


def test_snippets_mark_what_the_index_matched():
    # a name's variant key is indexed for the capitalised name only, and stop words not at all
    s = make_snippet("tokaev met Tokayev and THE Tokaev’s aide", frozenset({"~tokaev"}))
    assert s == "tokaev met <mark>Tokayev</mark> and THE <mark>Tokaev’s</mark> aide"
    assert make_snippet("the end", frozenset({"the"})) == "the end"



def test_timeline_periods_are_zero_padded_whatever_the_years(tmp_path, monkeypatch):
    from search.engine.view import IndexView
    from .conftest import odd_dates_index
    view = IndexView(str(odd_dates_index(tmp_path, monkeypatch, ["0999-05-01", "2025-05-01"])))
    res = run(build_request("water", sort="oldest"), view)
    assert hit_ids(res) == ["w0", "w1"]
    assert len(res.timeline) == 1027 and {len(p) for p, _ in res.timeline} == {4}
    assert (res.timeline[0], res.timeline[1], res.timeline[-1]) == (("0999", 1), ("1000", 0), ("2025", 1))
    # each period is a valid filter, as the chart's links make it
    assert hit_ids(run(build_request("water", date_from="0999", date_to="0999"), view)) == ["w0"]


def test_every_period_has_an_end_up_to_9999():
    req = build_request("", date_from="0001-01", date_to="9999-12")
    assert (req.date_from, req.date_to) == ("0001-01-01", "9999-12-31")
    assert build_request("", date_to="2024-02").date_to == "2024-02-29"
