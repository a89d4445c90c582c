"""The Flask app through its test client: pages, API, exports, errors, escaping, headers."""
import csv
import io
import json
import os
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from openapi_spec_validator import validate

from search.engine.store import current_generation
from search.indexing.run import build_index
from web import create_app

from .conftest import SMALL, held_files, served, write_jsonl

ATOM = "{http://www.w3.org/2005/Atom}"


def test_search_page_shows_ranked_results_with_marks_and_facets(client):
    r = client.get("/?q=air+taxi&country=Kazakhstan")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert page.index("From Alatau to Almaty by Air") < page.index("</ol>")
    assert "<mark>air</mark>" in page.lower()
    for facet in ("Country", "Person", "Topic"):
        assert f">{facet}</h2>" in page
    assert 'aria-label="Remove filter country: Kazakhstan"' in page
    assert "/export.csv?q=air+taxi&amp;country=Kazakhstan" in page
    assert "/feed.atom?q=air+taxi&amp;country=Kazakhstan" in page


def test_api_search_matches_the_page_and_the_cli_shape(client, seed_view):
    from search.query.request import build_request
    from search.query.run import run
    r = client.get("/api/search?q=air+taxi&country=Kazakhstan")
    data = r.get_json()
    assert r.status_code == 200 and r.content_type.startswith("application/json")
    expected = run(build_request("air taxi", country=["Kazakhstan"]), seed_view).to_dict()
    assert [h["id"] for h in data["results"]] == [h["id"] for h in expected["results"]]
    assert data["results"][0]["title"].startswith("From Alatau to Almaty by Air")
    assert set(data) >= {"query", "total", "page", "per_page", "results", "facets", "timeline", "suggestion"}
    assert data["query"]["country"] == ["Kazakhstan"]


def test_multiselect_counts_ignore_their_own_facet(client):
    base = client.get("/api/search?q=").get_json()
    counts = {v["value"]: v["count"] for v in base["facets"]["country"]}
    top2 = [v["value"] for v in base["facets"]["country"][:2]]
    both = client.get(f"/api/search?q=&country={top2[0]}&country={top2[1]}").get_json()
    c = {v["value"]: v for v in both["facets"]["country"]}
    assert [c[v]["count"] for v in top2] == [counts[v] for v in top2]
    assert all(c[v]["selected"] for v in top2)
    assert max(counts[top2[0]], counts[top2[1]]) <= both["total"] <= counts[top2[0]] + counts[top2[1]]


@pytest.mark.parametrize("path,status,message", [
    ("/api/search?q=x&page=-1", 400, "page must be at least 1"),
    ("/api/search?q=x&per_page=1000000", 400, "per_page must be at most 100"),
    ("/api/search?q=x&from=notadate", 400, "from must be a date"),
    ("/api/search?q=x&sort=sideways", 400, "sort must be one of"),
    ("/api/search?q=x&page=1&page=2", 400, "parameter page is given more than once"),
    ("/api/search?q=x&page=1000000000", 400, "page"),
    ("/api/articles/no-such-id-000", 404, "no article with id"),
    ("/api/articles/..%2F..%2Fetc%2Fpasswd", 404, "no article with id"),
    ("/api/nothing-here", 404, ""),
])
def test_api_errors_have_the_one_shape(client, path, status, message):
    r = client.get(path)
    body = r.get_json()
    assert r.status_code == status
    assert body["error"]["status"] == status and message in body["error"]["message"]


def test_missing_index_is_503(tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True})
    r = app.test_client().get("/api/search?q=x")
    assert r.status_code == 503 and "no index" in r.get_json()["error"]["message"]
    assert app.test_client().get("/?q=x").status_code == 503


def _truncated_index(tmp_path):
    """A real index of the small records with its segment file cut to half: (index folder, segment, size)."""
    src = write_jsonl(tmp_path / "small.jsonl", SMALL)
    build_index([str(src)], str(tmp_path / "index"))
    seg = next(current_generation(str(tmp_path / "index")).glob("*.seg"))
    return tmp_path / "index", seg, seg.stat().st_size


def test_a_damaged_index_is_503_naming_the_file(tmp_path):
    idx, seg, size = _truncated_index(tmp_path)
    os.truncate(seg, size // 2)
    client = create_app({"INDEX_DIR": str(idx), "TESTING": True}).test_client()
    message = (f"the index is damaged: {seg} is truncated ({size // 2:,} bytes; its directory of parts ends at "
               f"byte {size:,}); rebuild it with `casearch index --full`")
    for url in ("/api/search?q=water", "/api/stats", "/api/articles/a1", "/api/entities/country/Kazakhstan",
                "/export.json?q=water"):
        r = client.get(url)
        assert (r.status_code, r.get_json()) == (503, {"error": {"status": 503, "message": message}}), url
    r = client.get("/?q=water")
    assert r.status_code == 503 and "is truncated" in r.get_data(as_text=True)


def test_a_segment_truncated_while_serving_is_503_not_a_crash(tmp_path):
    """The server maps the segment: reading a page the truncation took would kill it (SIGBUS). It checks the
    size of what it maps before each request, and answers 503 naming the file until the index is rebuilt."""
    idx, seg, size = _truncated_index(tmp_path)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with served(idx, tmp_path / "server.log", env={"CASEARCH_PRELOAD_MB": "0"}) as base:
        assert json.load(opener.open(base + "/api/search?q=water"))["total"] == 3
        os.truncate(seg, size // 2)
        for expected in (f"changed size while it was served ({size:,} bytes, now {size // 2:,})",
                         f"is truncated ({size // 2:,} bytes; its directory of parts ends at byte {size:,})"):
            with pytest.raises(urllib.error.HTTPError) as e:
                opener.open(base + "/api/search?q=water")
            assert e.value.code == 503
            assert json.load(e.value)["error"]["message"] == (f"the index is damaged: {seg} {expected}; rebuild "
                                                              f"it with `casearch index --full`")
        build_index([str(tmp_path / "small.jsonl")], str(idx), full=True)
        assert json.load(opener.open(base + "/api/search?q=water"))["total"] == 3


def test_article_api_and_page(client, seed_view):
    aid = next(i for i in seed_view.ids)
    data = client.get(f"/api/articles/{aid}").get_json()
    assert data["id"] == aid and data["body"] and isinstance(data["similar"], list)
    assert all(set(s) == {"id", "title"} for s in data["similar"])
    page = client.get(f"/article/{aid}").get_data(as_text=True)
    assert "<html" in page and "Similar articles" in page
    assert client.get("/article/nope").status_code == 404


def test_stats_and_openapi(client):
    st = client.get("/api/stats").get_json()
    assert st["articles"] == 29
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    assert set(spec["paths"]) == {"/api/search", "/api/articles/{id}", "/api/entities/{facet}/{name}", "/api/stats",
                                  "/api/openapi.json"}


def test_csv_export_has_every_match_with_bom(client):
    r = client.get("/export.csv?q=")
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["id", "title", "date", "author", "url", "countries", "people", "topics", "source", "body",
                       "truncated", "group", "duplicate_of"]
    assert len(rows) == 30  # header + all 29, not just a page


def test_json_export_and_atom_feed(client):
    data = json.loads(client.get("/export.json?q=glacier").get_data(as_text=True))
    assert sorted(d["title"][:20] for d in data) == ["Artificial Glacier T", "Kyrgyzstan Offers Su"]
    root = ET.fromstring(client.get("/feed.atom?q=Tokayev").data)
    assert root.tag == ATOM + "feed"
    entries = root.findall(ATOM + "entry")
    assert entries and all(e.find(ATOM + "id").text.startswith("http://localhost/article/") for e in entries)


def test_user_text_is_escaped(client):
    payload = '"><script>alert(1)</script>'
    r = client.get("/", query_string={"q": payload})
    page = r.get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_security_headers(client):
    r = client.get("/")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_filter_parameters_take_what_a_person_types(client):
    typed = client.get("/api/search?person=tokaev&country=kazakhstan&author=ismailov&per_page=100").get_json()
    canonical = client.get("/api/search?person=Kassym-Jomart+Tokayev&country=Kazakhstan&author=Vagit+Ismailov"
                           "&per_page=100").get_json()
    assert canonical["total"] > 0 and typed["total"] == canonical["total"]
    assert [h["id"] for h in typed["results"]] == [h["id"] for h in canonical["results"]]
    assert {k: typed["query"][k] for k in ("person", "country", "author")} == {
        "person": ["Kassym-Jomart Tokayev"], "country": ["Kazakhstan"], "author": "Vagit Ismailov"}
    assert typed["query"]["notices"] == ["The person “tokaev” was read as “Kassym-Jomart Tokayev”.",
                                         "The author “ismailov” was read as “Vagit Ismailov”."]
    # the page's chips and links carry the index's spelling: removing the chip removes the filter
    page = client.get("/?q=&country=kazakhstan&person=tokaev").get_data(as_text=True)
    assert ('<a class="chip" href="?person=Kassym-Jomart+Tokayev" aria-label="Remove filter country: Kazakhstan">'
            in page)
    assert 'aria-label="Remove filter person: Kassym-Jomart Tokayev"' in page
    assert "/export.csv?country=Kazakhstan&amp;person=Kassym-Jomart+Tokayev" in page
    assert '<p class="notice">The person “tokaev” was read as “Kassym-Jomart Tokayev”.</p>' in page
    nobody = client.get("/api/search?person=Nobody+Atall").get_json()
    assert nobody["total"] == 0 and nobody["query"]["person"] == ["Nobody Atall"]
    assert nobody["query"]["notices"] == ["No article is tagged with the person “Nobody Atall”."]


def test_a_query_over_2000_characters_is_searched_by_its_first_words(client):
    words = ("water glacier taxi Kazakhstan agency " * 100).split()  # 500 words, 3,699 characters
    long_q = " ".join(words)
    r = client.get("/api/search", query_string={"q": long_q, "per_page": 100})
    data = r.get_json()
    kept = " ".join(words[:270])  # 270 words and their spaces fill 1,997 characters; the cut falls in the 271st
    assert r.status_code == 200 and len(kept) == 1997 and data["query"]["q"] == kept
    notice = "The query is longer than 2,000 characters: it was cut to its first 270 words."
    assert data["query"]["notices"][0] == notice
    alone = client.get("/api/search", query_string={"q": kept, "per_page": 100}).get_json()
    assert [h["id"] for h in data["results"]] == [h["id"] for h in alone["results"]] and data["total"] > 0
    page = client.get("/", query_string={"q": long_q}).get_data(as_text=True)
    assert f'<p class="notice">{notice}</p>' in page
    one_word = client.get("/api/search", query_string={"q": "x" * 2001}).get_json()
    assert one_word["query"]["q"] == "x" * 2000 and one_word["query"]["notices"][0].endswith("its first 1 word.")


def test_pagination_links_keep_every_parameter(client):
    page = client.get("/?q=&country=Kazakhstan&sort=oldest&per_page=5").get_data(as_text=True)
    assert 'href="?country=Kazakhstan&amp;sort=oldest&amp;page=2&amp;per_page=5"' in page


def test_explain_toggle_shows_why(client):
    page = client.get("/?q=glacier&explain=1").get_data(as_text=True)
    assert 'name="explain" value="1" checked' in page
    assert "Why: score" in page and "glacier in title ×1" in page
    data = client.get("/api/search?q=glacier&explain=1").get_json()
    assert {"field": "title", "term": "glacier"} in [{k: m[k] for k in ("field", "term")}
                                                      for m in data["results"][0]["explanation"]["matched"]]


def test_article_page_shows_subheadings_and_lists(client, seed_view):
    aid = next(i for i in seed_view.ids
               if seed_view.searcher.stored_fields(seed_view.ids[i])["title"].startswith("Kazakh Doctors"))
    page = client.get(f"/article/{aid}").get_data(as_text=True)
    assert '<h2 class="sub">Healthcare Among Lowest-Paid Sectors</h2>' in page
    assert "<li>Therapists: 460,200 KZT ($890)</li>" in page


def test_the_app_reads_its_limits_once_from_its_config(seed_index, monkeypatch):
    app = create_app({"INDEX_DIR": seed_index, "TESTING": True, "PER_PAGE": 2, "MAX_PER_PAGE": 3})
    monkeypatch.setenv("CASEARCH_PER_PAGE", "7")  # read at start only: a later change does nothing
    c = app.test_client()
    data = c.get("/api/search").get_json()
    assert (data["per_page"], len(data["results"])) == (2, 2)
    r = c.get("/api/search?per_page=4")
    assert r.status_code == 400 and r.get_json()["error"]["message"] == "per_page must be at most 3"
    page = c.get("/?q=water&page=2").get_data(as_text=True)
    assert "per_page=" not in page  # the app's default page size is left out of its links


@pytest.mark.parametrize("env, message", [
    ({"CASEARCH_PER_PAGE": "500"}, "CASEARCH_PER_PAGE (500) must not be larger than CASEARCH_MAX_PER_PAGE (100)"),
    ({"CASEARCH_MAX_PER_PAGE": "20000"},
     "CASEARCH_MAX_PER_PAGE (20000) must not be larger than CASEARCH_MAX_DEPTH (10000)"),
])
def test_settings_that_contradict_each_other_stop_the_app(seed_index, monkeypatch, env, message):
    from search.errors import BadSetting
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(BadSetting) as e:
        create_app({"INDEX_DIR": seed_index})
    assert str(e.value) == message


def test_the_spreadsheet_export_neutralises_formulas(tmp_path):
    from search.indexing import build_index
    from .conftest import write_jsonl
    rows = [{"id": "f1", "title": '=HYPERLINK("http://evil.example","click")', "body": "@SUM(A1) water", "author": "+1"},
            {"id": "f2", "title": "-2 degrees in Almaty", "body": "cold water", "author": "plain"}]
    build_index([str(write_jsonl(tmp_path / "f.jsonl", rows))], str(tmp_path / "ix"))
    c = create_app({"INDEX_DIR": str(tmp_path / "ix"), "TESTING": True}).test_client()
    r = c.get("/export.csv?sort=oldest")
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    got = {row["id"]: row for row in csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")))}
    assert got["f1"]["title"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert (got["f1"]["body"], got["f1"]["author"]) == ("'@SUM(A1) water", "'+1")
    assert (got["f2"]["title"], got["f2"]["body"], got["f2"]["author"]) == ("'-2 degrees in Almaty", "cold water",
                                                                            "plain")
    exact = {a["id"]: a for a in c.get("/export.json").get_json()}  # the JSON export stays exact
    assert exact["f1"]["title"] == '=HYPERLINK("http://evil.example","click")'
    assert exact["f2"]["title"] == "-2 degrees in Almaty"


@pytest.mark.parametrize("value, cell", [
    ("=1+2", "'=1+2"), ("+7 700", "'+7 700"), ("-5", "'-5"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("a=b", "a=b"), ("", ""), (None, ""), (["Kazakhstan", "=X"], "Kazakhstan; =X"), (True, "True"),
])
def test_a_csv_cell_never_starts_a_formula(value, cell):
    from search.query.exports import csv_cell
    assert csv_cell(value) == cell


@pytest.mark.parametrize("url", ["/export.json?from=bad", "/export.csv?from=bad", "/feed.atom?from=bad",
                                 "/timeline.csv?from=bad", "/api/search?from=bad"])
def test_files_and_the_api_answer_errors_in_the_json_shape(client, url):
    r = client.get(url)
    assert (r.status_code, r.content_type) == (400, "application/json")
    assert r.get_json() == {"error": {"status": 400,
                                      "message": "from must be a date as YYYY-MM-DD (or YYYY-MM, YYYY), not 'bad'"}}


def test_pages_answer_errors_as_a_page(client):
    r = client.get("/?from=bad")
    assert r.status_code == 400 and r.content_type.startswith("text/html")


@pytest.mark.parametrize("url, allowed", [("/api/search", {"GET", "HEAD", "OPTIONS"}), ("/", {"GET", "HEAD", "OPTIONS"})])
def test_a_405_names_the_allowed_methods(client, url, allowed):
    r = client.post(url)
    assert r.status_code == 405
    assert set(m.strip() for m in r.headers["Allow"].split(",")) == allowed


def test_the_feed_escapes_whatever_an_article_holds(tmp_path):
    from search.indexing import build_index
    from .conftest import write_jsonl
    title = 'Tom & Jerry <b>"quoted"</b> \'single\' ]]> water'
    build_index([str(write_jsonl(tmp_path / "f.jsonl", [
        {"id": "x&y", "title": title, "body": "water <script>alert(1)</script> & more", "author": "A <b>",
         "date": "2024-05-01"}]))], str(tmp_path / "ix"))
    c = create_app({"INDEX_DIR": str(tmp_path / "ix"), "TESTING": True}).test_client()
    root = ET.fromstring(c.get("/feed.atom?q=water").get_data())
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == title
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "A <b>"
    assert entry.find(f"{ATOM}link").get("href") == "http://localhost/article/x&y"
    assert "<mark>water</mark>" in entry.find(f"{ATOM}summary").text
    other = ET.fromstring(c.get('/feed.atom?q=water&country=<"x">').get_data())  # nothing matches: no entry
    assert other.find(f"{ATOM}title").text == 'casearch: water; country: <"x">' and other.find(f"{ATOM}entry") is None


def test_a_download_holds_its_generation_and_lets_it_go_when_it_ends(tmp_path):
    """A reindex swaps generations under a download in progress: the download ends on the generation it
    started on, then the server maps nothing of it (the removed generation's disk is freed)."""
    src = write_jsonl(tmp_path / "small.jsonl", SMALL)
    idx = tmp_path / "index"
    build_index([str(src)], str(idx))
    client = create_app({"INDEX_DIR": str(idx), "TESTING": True, "PRELOAD_MB": 1}).test_client()
    assert client.get("/api/search?q=watr").get_json()["suggestion"] == "water"
    gen = current_generation(str(idx))
    download = client.get("/export.json?q=water", buffered=False)
    for _ in range(2):  # the second full run removes the first generation
        build_index([str(src)], str(idx), full=True)
    assert not gen.exists()
    assert client.get("/api/search?q=water").get_json()["total"] == 3  # served by the new generation
    assert held_files(gen) != []
    assert sorted(r["id"] for r in json.loads(download.get_data())) == ["a2", "a3", "a5"]
    download.close()
    assert held_files(gen) == []
    assert held_files(current_generation(str(idx))) != []


@pytest.mark.parametrize("dates", [["0999-05-01", "2025-05-01"], ["0001-01-01", "2025-05-01"], ["9999-12-31"],
                                   ["9999-11-30", "9999-12-31"]])
@pytest.mark.parametrize("path", ["/", "/?q=water", "/?q=water&sort=oldest", "/api/search?q=water",
                                  "/timeline.csv?q=water", "/?q=water&timeline_by=country", "/feed.atom?q=water",
                                  "/?q=water&to=9999-12", "/api/search?q=water&from=0001&to=9999-12"])
def test_an_index_with_odd_dates_never_answers_500(tmp_path, monkeypatch, dates, path):
    """Ingest now keeps dates within sources.DATE_RANGE; an index built before may hold any year from 1 to 9999."""
    from .conftest import odd_dates_index
    client = create_app({"INDEX_DIR": str(odd_dates_index(tmp_path, monkeypatch, dates)), "TESTING": True}).test_client()
    r = client.get(path)
    assert r.status_code == 200
    if path.startswith("/api/search"):
        assert r.get_json()["total"] == len(dates)


def test_the_feed_is_xml_whatever_the_index_and_the_query_hold(tmp_path, monkeypatch):
    """Code points XML 1.0 forbids, in an index built before ingest removed them or in the query, are left out."""
    import re
    feedparser = pytest.importorskip("feedparser")
    from search.indexing import build_index
    from search.sources import common, records
    from .conftest import write_jsonl
    monkeypatch.setattr(common, "_CONTROL_RE", re.compile(r"[\x00-\x08]"))  # the old index's ingest
    monkeypatch.setattr(records, "drop_forbidden", lambda text: text)
    rec = {"id": "x1", "title": "Water \ufffe news\uffff", "author": "Ann \ufdd0Lee", "date": "2025-01-02",
           "body": "Water \U0010ffff in the \U0001fffeSyr Darya."}
    build_index([str(write_jsonl(tmp_path / "x.jsonl", [rec]))], str(tmp_path / "index"))
    monkeypatch.undo()
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    assert client.get("/api/articles/x1").get_json()["title"] == "Water \ufffe news\uffff"  # it is in the index
    body = client.get("/feed.atom?q=water%EF%BF%BE%01").get_data()
    root = ET.fromstring(body)
    assert root.find(ATOM + "title").text == "casearch: water"
    (entry,) = root.findall(ATOM + "entry")
    assert entry.find(ATOM + "title").text == "Water  news"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Ann Lee"
    assert "Syr Darya" in entry.find(ATOM + "summary").text
    assert not feedparser.parse(body).bozo
