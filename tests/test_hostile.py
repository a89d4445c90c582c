"""Hostile input: random queries and parameters, XSS payloads, odd requests. Never a 500, never a leak."""
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from search import config
from search.indexing.run import build_index
from search.query.request import build_request
from search.query.run import run
from search.engine.view import IndexView
from web import create_app

from .conftest import raw_request, served, write_jsonl

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'

QUERY_TEXT = st.text(alphabet=st.sampled_from(list('abcxyz KAZ"()*~:-+^[]{}!?/\\\'`<>&;%\u202e\u0000🙂ТокаевAND OR NOT')),
                     max_size=60)


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    src = write_jsonl(d / "x.jsonl", [
        {"id": "xss", "title": "Title " + XSS, "body": "Body about Kazakhstan " + XSS, "author": XSS,
         "url": "javascript:alert(3)", "date": "2025-01-01"},
        {"id": "plain", "title": "Plain Kazakhstan story", "body": "Nothing odd in Almaty."},
    ])
    build_index([str(src)], str(d / "index"))
    return d / "index"


@pytest.fixture(scope="module")
def hclient(hostile_index):
    return create_app({"INDEX_DIR": str(hostile_index), "TESTING": True}).test_client()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=QUERY_TEXT, sort=st.sampled_from(["relevance", "newest", "oldest"]), page=st.integers(1, 5))
def test_random_queries_never_fail_in_the_library(hostile_index, q, sort, page):
    view = IndexView(str(hostile_index)) if not hasattr(test_random_queries_never_fail_in_the_library, "v") else \
        test_random_queries_never_fail_in_the_library.v
    test_random_queries_never_fail_in_the_library.v = view
    res = run(build_request(q, sort=sort, page=page), view)
    assert len(res.hits) == min(10, max(0, res.total - (page - 1) * 10))  # a full page, or what is left
    for h in res.hits:
        assert "<script" not in h.snippet and "<img" not in h.snippet


PARAM = st.sampled_from(["q", "country", "person", "topic", "source", "author", "from", "to", "sort", "page",
                         "per_page", "explain", "timeline_by", "fold", "bogus", ""])
VALUE = st.one_of(QUERY_TEXT, st.integers(-10**12, 10**12).map(str), st.sampled_from(
    ["2025-01-01", "2025-13-40", "2025", "2025-06", "relevance", "newest", "sideways", "", "1", "0", "-1",
     "country", "topic", "source", "planet"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(PARAM, VALUE), max_size=6))
def test_random_parameters_never_give_a_500(hclient, pairs):
    r = hclient.get("/api/search", query_string=pairs)
    assert r.status_code in (200, 400), r.data[:200]
    body = r.get_json()
    if r.status_code == 400:
        assert set(body) == {"error"} and body["error"]["status"] == 400 and body["error"]["message"]
        assert "Traceback" not in body["error"]["message"]
    r = hclient.get("/", query_string=pairs)
    assert r.status_code in (200, 400)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facet=st.sampled_from(["person", "country", "topic", "source", "planet"]), name=QUERY_TEXT)
def test_random_dossier_names_never_give_a_500(hclient, facet, name):
    from urllib.parse import quote
    path = quote(name.replace("\x00", ""), safe="") or "x"
    r = hclient.get(f"/api/entities/{facet}/{path}")
    assert r.status_code in (200, 308, 404), r.data[:200]  # 308: werkzeug merges the slashes of "a//b"
    if r.status_code == 404:
        assert r.get_json()["error"]["status"] == 404
    if facet != "planet":
        assert hclient.get(f"/{facet}/{path}").status_code in (200, 302, 308, 404)


@pytest.mark.parametrize("qs,status", [
    ("page=-1", 400), ("page=1000000000", 400), ("per_page=1000000", 400), ("from=2025-06-01&to=2025-01-01", 400),
    ("from=01/02/2025", 400), ("to=2025-02-30", 400), ("bogusfacet=x", 200), ("sort=newest&sort=oldest", 400),
    ("country=Kazakhstan&country=Kazakhstan", 200), ("q=" + "x" * 3000, 200), ("q=%00%00", 200),
    ("q=*", 200), ("q=a*", 200), ("q=title:", 200), ("q=nofield:abc", 200), ("q=%22%22", 200),
    ("q=" + "(" * 50, 200), ("q=" + "tokayev~" * 20, 200), ("q=" + "k" * 9000, 400), ("q=" + "k" * 200_000, 414),
])
def test_odd_parameters(hclient, qs, status):
    r = hclient.get("/api/search?" + qs)
    assert r.status_code == status
    if status >= 400:
        assert r.get_json()["error"]["status"] == status


@pytest.mark.parametrize("path", ["/api/articles/..%2F..%2Fetc%2Fpasswd", "/api/articles/%00", "/article/../../etc",
                                  "/api/articles/" + "x" * 500, "/article/nope"])
def test_unknown_and_traversal_ids_are_404(hclient, path):
    assert hclient.get(path).status_code == 404


def test_every_result_link_leads_a_browser_to_its_article(tmp_path):
    """Ids a browser reads as path steps (/article/. is /article/, /article/.. is /) are refused at ingest;
    every other id's link, resolved as a browser resolves it, opens that article."""
    ids = [".", "..", "...", ".x", "a.b", "~z", "x y"]
    src = write_jsonl(tmp_path / "ids.jsonl", [{"id": i, "title": f"Dotted {n}", "body": "Dotted ids story."}
                                               for n, i in enumerate(ids)])
    report = build_index([str(src)], str(tmp_path / "index"))
    assert [str(r) for r in report.rejected] == [
        f"{src}:1: id '.' cannot be . or ..: a browser reads /article/. as another page",
        f"{src}:2: id '..' cannot be . or ..: a browser reads /article/.. as another page"]
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    page = client.get("/?q=dotted&per_page=20&fold=0").get_data(as_text=True)
    links = re.findall(r'<h2 class="hit-title"><a href="([^"]+)">([^<]+)</a>', page)
    assert sorted(title for _, title in links) == [f"Dotted {n}" for n in range(2, len(ids))]
    for href, title in links:
        resolved = urlsplit(urljoin("http://localhost/?q=dotted", href.replace("&amp;", "&")))
        assert resolved.path == urlsplit(href).path, href  # no dot segment for the browser to remove
        r = client.get(resolved.path, query_string=resolved.query)
        h1 = re.search(r"<h1>(.*?)</h1>", r.get_data(as_text=True)).group(1)
        assert r.status_code == 200 and re.sub(r"</?mark>", "", h1) == title, href


def test_article_fields_are_escaped_everywhere(hclient):
    for url in ("/?q=Kazakhstan", "/article/xss", "/?q=&author=" + XSS):
        page = hclient.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
    page = hclient.get("/article/xss").get_data(as_text=True)
    assert 'href="javascript:' not in page
    data = hclient.get("/api/search?q=Kazakhstan").get_json()
    for h in data["results"]:
        assert "<script" not in h["snippet"] and "<img" not in h["snippet"]
    feed = hclient.get("/feed.atom?q=Kazakhstan").data
    ET.fromstring(feed)  # still well-formed XML
    assert b"<script>" not in feed


def test_a_query_that_is_a_script_is_escaped(hclient):
    page = hclient.get("/", query_string={"q": XSS}).get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_server_defaults_are_safe():
    app = create_app({"INDEX_DIR": "/nonexistent"})
    assert app.debug is False and app.testing is False
    assert config.get("host") == "127.0.0.1"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_post_is_not_allowed(hclient):
    r = hclient.post("/api/search", data="x" * 10)
    assert r.status_code == 405 and r.get_json()["error"]["status"] == 405


# --- what waitress answers itself, before the app: a real `casearch serve` and raw bytes on a socket --------

@pytest.fixture(scope="module")
def server(hostile_index, tmp_path_factory):
    with served(hostile_index, tmp_path_factory.mktemp("server") / "server.log") as base:
        yield base


def _assert_json_error(status, headers, body, expected_status, message):
    assert status == expected_status
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": {"status": expected_status, "message": message}}
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert headers["content-security-policy"].startswith("default-src 'self'")


def test_a_raw_utf8_request_target_is_read_as_its_percent_encoding(server):
    raw = raw_request(server, "GET /api/search?q=Казахстан&country=Kazakhstan HTTP/1.1\r\nHost: x\r\n"
                              "Connection: close\r\n\r\n".encode("utf-8"))
    encoded = raw_request(server, b"GET /api/search?q=%D0%9A%D0%B0%D0%B7%D0%B0%D1%85%D1%81%D1%82%D0%B0%D0%BD"
                                  b"&country=Kazakhstan HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert raw[0] == encoded[0] == 200 and raw[1]["content-type"] == "application/json"
    got, want = json.loads(raw[2]), json.loads(encoded[2])
    assert got["query"]["q"] == "Казахстан" and got["query"]["country"] == ["Kazakhstan"]
    assert [h["id"] for h in got["results"]] == [h["id"] for h in want["results"]]
    assert got["total"] == want["total"]


def test_a_body_over_the_limit_is_413_in_the_json_shape(server):
    _assert_json_error(*raw_request(server, b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n"
                                            b"Connection: close\r\n\r\n"),
                       413, "the request body is larger than 1,048,576 bytes")


def test_a_malformed_request_is_400_in_the_json_shape(server):
    _assert_json_error(*raw_request(server, b"GET /api/search HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
                       400, "bad request: Invalid header")
    _assert_json_error(*raw_request(server, b"GET http://[::1/ HTTP/1.1\r\nHost: x\r\n\r\n"),
                       400, "bad request: Bad URI")


def test_headers_over_the_limit_are_431_in_the_json_shape(server):
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: "
    # exactly waitress' limit, so it has read every byte when it answers (unread bytes would reset the connection)
    _assert_json_error(*raw_request(server, head + b"a" * (262_144 - len(head))),
                       431, "the request's headers are larger than 262,144 bytes")


def test_other_odd_request_lines_are_400_in_the_json_shape(server):
    _assert_json_error(*raw_request(server, b"get / HTTP/1.1\r\nHost: x\r\n\r\n"),
                       400, 'bad request: Malformed HTTP method "get"')
    _assert_json_error(*raw_request(server, b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n"),
                       400, "bad request: Start line is invalid")
