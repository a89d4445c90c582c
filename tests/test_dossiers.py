"""Dossiers (search.query.entities), the source facet, timelines split by a facet, the article page and the feeds."""
import csv
import io
import time
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from search.cli import main
from search.query.entities import dossier, resolve
from search.query.variants import name_key
from search.errors import BadQuery, NotFound
from search.indexing.run import build_index
from search.query.request import build_request, refine
from search.query.run import run
from search.engine.view import IndexView
from web import create_app

from .conftest import write_jsonl

try:
    import feedparser
except ImportError:  # pragma: no cover - the test extra is not installed
    feedparser = None

ATOM = "{http://www.w3.org/2005/Atom}"
RECORDS = [
    {"id": "k1", "title": "Tokayev visits Tashkent", "date": "2025-01-10", "source": "Wire",
     "body": "President Kassym-Jomart Tokayev of Kazakhstan met Shavkat Mirziyoyev in Tashkent, Uzbekistan."},
    {"id": "k2", "title": "Tokaev on water", "date": "2025-03-02", "url": "https://www.example.org/k2",
     "body": "Kassym-Jomart Tokaev said Kazakhstan will build a canal. Tokaev spoke in Astana."},
    {"id": "k3", "title": "Токаев и Мирзиёев", "date": "2025-03-20", "url": "http://news.example.com/x",
     "body": "Президент Казахстана Касым-Жомарт Токаев встретился с Шавкатом Мирзиёевым в Ташкенте."},
    {"id": "u1", "title": "Uzbek cotton harvest", "date": "2024-11-01", "source": "Wire",
     "body": "Farmers in Uzbekistan brought in the cotton harvest early this year."},
    {"id": "n1", "title": "Kazakh wheat exports", "source": "Wire",
     "body": "Kazakhstan exported more wheat to China than last year, traders in Almaty said."},
]


@pytest.fixture(scope="module")
def idx(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dossiers")
    folder = tmp / "desk"
    folder.mkdir()
    path = build = folder / "news.jsonl"
    write_jsonl(path, RECORDS)
    build_index([str(build)], str(tmp / "index"))
    return tmp / "index"


@pytest.fixture(scope="module")
def view(idx):
    return IndexView(str(idx))


@pytest.fixture(scope="module")
def client(idx):
    return create_app({"INDEX_DIR": str(idx), "TESTING": True}).test_client()


def test_source_is_the_records_source_else_the_url_host_else_the_folder(view):
    res = run(build_request("", per_page=10), view)
    assert {h.id: h.source for h in res.hits} == {"k1": "Wire", "k2": "example.org", "k3": "news.example.com",
                                                   "u1": "Wire", "n1": "Wire"}
    assert {v.value: v.count for v in res.facets["source"]} == {"Wire": 3, "example.org": 1, "news.example.com": 1}
    both = run(refine(build_request(""), source=["example.org", "news.example.com"]), view)
    assert sorted(h.id for h in both.hits) == ["k2", "k3"]
    # the source facet's counts ignore its own selection, as the others do
    assert {v.value: (v.count, v.selected) for v in both.facets["source"]}["Wire"] == (3, False)


def test_source_of_a_record_without_source_or_url_is_its_folder(tmp_path):
    (tmp_path / "desk2").mkdir()
    build_index([str(write_jsonl(tmp_path / "desk2" / "a.jsonl", [{"title": "T", "body": "B"}]))],
                str(tmp_path / "i"))
    assert run(build_request(""), IndexView(str(tmp_path / "i"))).hits[0].source == "desk2"


def test_source_filter_through_the_api_and_cli(client, idx):
    data = client.get("/api/search?q=&source=Wire").get_json()
    assert data["total"] == 3 and data["query"]["source"] == ["Wire"]
    assert [v["value"] for v in data["facets"]["source"]] == ["Wire", "example.org", "news.example.com"]
    r = CliRunner().invoke(main, ["search", "", "--source", "example.org", "--json", "--index-dir", str(idx)])
    assert [h["id"] for h in __import__("json").loads(r.stdout)["results"]] == ["k2"]


def test_names_resolve_as_people_type_them(view):
    assert resolve(view, "person", "Kassym-Jomart Tokayev") == "Kassym-Jomart Tokayev"
    assert resolve(view, "person", "kassym-jomart tokayev") == "Kassym-Jomart Tokayev"
    assert resolve(view, "person", "Kassym Jomart Tokaev") == "Kassym-Jomart Tokayev"
    assert resolve(view, "person", "Токаев") == "Kassym-Jomart Tokayev"  # a surname, in Cyrillic
    assert resolve(view, "country", "kazakstan") == "Kazakhstan"
    assert name_key("Mirziyoyev") == name_key("Mirziyoev")
    with pytest.raises(NotFound, match="no person named 'Nobody Here'"):
        resolve(view, "person", "Nobody Here")
    with pytest.raises(NotFound, match="no such facet"):
        resolve(view, "planet", "Mars")


def test_dossier_of_a_person(view):
    d = dossier(view, "person", "tokaev")
    assert (d["value"], d["articles"], d["dated"], d["undated"]) == ("Kassym-Jomart Tokayev", 3, 3, 0)
    assert (d["first_seen"], d["last_seen"]) == ("2025-01-10", "2025-03-20")
    assert d["timeline"] == [{"period": "2025-01", "count": 1}, {"period": "2025-02", "count": 0},
                             {"period": "2025-03", "count": 2}]
    assert d["co_mentions"]["country"][:2] == [{"value": "Kazakhstan", "count": 3}, {"value": "Uzbekistan", "count": 2}]
    assert {"value": "Shavkat Mirziyoyev", "count": 2} in d["co_mentions"]["person"]
    assert all(v["value"] != "Kassym-Jomart Tokayev" for v in d["co_mentions"]["person"])
    texts = {s["text"]: s["articles"] for s in d["spellings"]}
    assert {"Kassym-Jomart Tokaev", "Tokaev", "Касым-Жомарт Токаев"} <= set(texts)
    assert [a["id"] for a in d["latest"]] == ["k3", "k2", "k1"]
    assert sorted(a["id"] for a in d["relevant"]) == ["k1", "k2", "k3"]


def test_dossier_of_a_country_with_undated_articles(view):
    d = dossier(view, "country", "Kazakhstan")
    assert (d["articles"], d["dated"], d["undated"]) == (4, 3, 1)
    assert d["latest"][-1]["id"] == "n1"  # undated last
    assert {"value": "Wire", "count": 2} in d["co_mentions"]["source"]


def test_api_and_cli_dossier_and_their_errors(client, idx):
    data = client.get("/api/entities/person/tokaev").get_json()
    assert data["value"] == "Kassym-Jomart Tokayev" and data["articles"] == 3
    r = client.get("/api/entities/person/Nobody")
    assert r.status_code == 404 and r.get_json() == {"error": {"status": 404,
                                                               "message": "no person named 'Nobody' in the index"}}
    assert client.get("/api/entities/planet/Mars").status_code == 404
    runner = CliRunner()
    r = runner.invoke(main, ["entity", "country", "kazakstan", "--index-dir", str(idx)])
    assert r.exit_code == 0 and r.stdout.startswith("Kazakhstan (country)\nArticles:    4 (3 dated, 1 without a date)")
    r = runner.invoke(main, ["entity", "person", "Nobody", "--index-dir", str(idx)])
    assert r.exit_code == 1 and r.stderr.strip() == "Error: no person named 'Nobody' in the index"
    r = runner.invoke(main, ["entity", "planet", "Mars", "--index-dir", str(idx)])
    assert r.exit_code == 2
    r = runner.invoke(main, ["entity", "person", "tokaev", "--json", "--index-dir", str(idx)])
    assert __import__("json").loads(r.stdout)["value"] == "Kassym-Jomart Tokayev"


def test_dossier_page(client):
    r = client.get("/person/tokaev")
    assert r.status_code == 302 and r.headers["Location"].endswith("/person/Kassym-Jomart%20Tokayev")
    page = client.get("/person/Kassym-Jomart%20Tokayev").get_data(as_text=True)
    assert page.count("<h1") == 1 and "<h1>Kassym-Jomart Tokayev</h1>" in page
    assert 'href="/country/Kazakhstan"' in page  # a co-mentioned value links to its dossier
    assert 'href="/?person=Kassym-Jomart+Tokayev&amp;country=Kazakhstan"' in page  # and to the filtered search
    assert '<input type="hidden" name="person" value="Kassym-Jomart Tokayev">' in page  # the scoped search box
    assert 'type="application/atom+xml"' in page and "/feed.atom?person=Kassym-Jomart+Tokayev" in page
    r = client.get("/country/Atlantis")
    assert r.status_code == 404 and "no country named" in r.get_data(as_text=True)


def test_timeline_split_by_a_facet(view):
    res = run(refine(build_request(""), timeline_by="country"), view)
    series = {s.value: s for s in res.series}
    assert list(series) == ["Kazakhstan", "Uzbekistan", "China"]  # the top values, most frequent first
    assert res.timeline == (("2024-11", 1), ("2024-12", 0), ("2025-01", 1), ("2025-02", 0), ("2025-03", 2))
    assert series["Kazakhstan"].timeline == (("2024-11", 0), ("2024-12", 0), ("2025-01", 1), ("2025-02", 0),
                                             ("2025-03", 2))
    assert (series["Kazakhstan"].count, series["Kazakhstan"].undated) == (4, 1)
    assert (series["China"].count, series["China"].undated) == (1, 1)
    chosen = run(refine(build_request("", country=["Uzbekistan", "China"]), timeline_by="country"), view)
    assert [(s.value, s.selected) for s in chosen.series] == [("Uzbekistan", True), ("China", True)]
    assert chosen.to_dict()["series"][0] == {"value": "Uzbekistan", "count": 3, "undated": 0, "selected": True,
                                             "timeline": [{"period": "2024-11", "count": 1},
                                                          {"period": "2024-12", "count": 0},
                                                          {"period": "2025-01", "count": 1},
                                                          {"period": "2025-02", "count": 0},
                                                          {"period": "2025-03", "count": 1}]}
    with pytest.raises(BadQuery, match="timeline_by must be one of"):
        refine(build_request(""), timeline_by="planet")


def test_timeline_series_on_the_page_in_csv_and_api(client):
    data = client.get("/api/search?q=&timeline_by=country").get_json()
    assert data["undated"] == 1 and [s["value"] for s in data["series"]] == ["Kazakhstan", "Uzbekistan", "China"]
    assert client.get("/api/search?q=&timeline_by=planet").status_code == 400
    page = client.get("/?q=&country=Kazakhstan&country=Uzbekistan&timeline_by=country").get_data(as_text=True)
    assert page.count('<polyline class="series') == 2 and page.count('<ul class="legend"') == 1
    assert "/timeline.csv?" in page
    text = client.get("/timeline.csv?q=&country=Kazakhstan&country=Uzbekistan&timeline_by=country").get_data(
        as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["period", "all", "Kazakhstan", "Uzbekistan"]
    assert rows[1] == ["2024-11", "1", "0", "1"] and rows[-1] == ["undated", "1", "1", "0"]
    # two values selected: the bars offer to compare them
    assert "Compare the selected country values" in client.get("/?q=&country=Kazakhstan&country=Uzbekistan").get_data(
        as_text=True)


def test_article_page_marks_the_search_links_back_and_explains_tags(client):
    page = client.get("/article/k2?q=canal&back=q%3Dcanal%26source%3Dexample.org").get_data(as_text=True)
    assert "<mark>canal</mark>" in page and page.count("<h1") == 1
    assert '<a href="/?q=canal&amp;source=example.org">← Back to the results for <q>canal</q></a>' in page
    assert '<details class="why-tags">' in page and "<q>Tokaev</q> in the body" in page
    assert 'class="original" href="https://www.example.org/k2"' in page
    assert 'href="/person/Kassym-Jomart%20Tokayev"' in page
    plain = client.get("/article/k2").get_data(as_text=True)
    assert "<mark>" not in plain and "Back to the results" not in plain
    # a back link never leads off the site or carries unknown parameters
    odd = client.get("/article/k2?q=x&back=javascript%3Aalert(1)%26q%3Dy").get_data(as_text=True)
    assert '<a href="/?q=y">' in odd and "javascript" not in odd


def test_results_link_articles_with_the_search_and_chips_keep_the_query(client):
    page = client.get("/?q=canal").get_data(as_text=True)
    assert 'href="/article/k2?q=canal&amp;back=q%3Dcanal"' in page
    assert 'href="/person/Kassym-Jomart%20Tokayev">Kassym-Jomart Tokayev</a>' in page
    assert 'href="?q=canal&amp;person=Kassym-Jomart+Tokayev"' in page  # add as filter keeps q


def test_run_on_bodies_are_read_in_paragraphs(tmp_path):
    long_body = " ".join(f"Sentence number {i} says something about the river." for i in range(40))
    build_index([str(write_jsonl(tmp_path / "r.jsonl", [{"id": "r", "title": "Run-on", "body": long_body}]))],
                str(tmp_path / "i"))
    page = create_app({"INDEX_DIR": str(tmp_path / "i"), "TESTING": True}).test_client().get("/article/r")
    html = page.get_data(as_text=True)
    # 2,170 characters cut at sentence ends: seven sentences (364 characters, over READ_CHARS) a paragraph
    assert html.count("<p>Sentence number") == 6 and "<p>Sentence number 7 says" in html
    assert "Sentence number 39 says something about the river.</p>" in html


def test_feed_entries_are_dated_stably_and_parse_as_atom(client, view):
    first = client.get("/feed.atom?country=Kazakhstan").get_data()
    time.sleep(1.1)
    again = client.get("/feed.atom?country=Kazakhstan").get_data()
    assert first == again  # nothing in it moves between two polls
    root = ET.fromstring(first)
    updated = {e.find(f"{ATOM}id").text.rsplit("/", 1)[1]: e.find(f"{ATOM}updated").text
               for e in root.findall(f"{ATOM}entry")}
    assert updated["k1"] == "2025-01-10T00:00:00Z"
    from datetime import datetime, timezone
    assert updated["n1"] == datetime.fromtimestamp(view.first_indexed["n1"], timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert root.find(f"{ATOM}title").text == "casearch: country: Kazakhstan"
    assert root.find(f"{ATOM}updated").text == max(updated.values())


@pytest.mark.skipif(feedparser is None, reason="feedparser is not installed (pip install -e '.[test]')")
@pytest.mark.parametrize("path", ["/feed.atom?q=Tokayev", "/feed.atom?person=Kassym-Jomart+Tokayev",
                                  "/feed.atom?q=nothing-matches-this"])
def test_feeds_validate_as_atom(client, path):
    body = client.get(path).get_data()
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    # RFC 4287: the feed and every entry have an id, a title and an updated time; someone is named as author
    assert parsed.feed.id and parsed.feed.title and parsed.feed.updated_parsed and parsed.feed.author
    assert any(link.rel == "self" for link in parsed.feed.links)
    for e in parsed.entries:
        assert e.id.startswith("http://") and e.title and e.updated_parsed and e.link
    ids = [e.id for e in parsed.entries]
    assert len(ids) == len(set(ids))
