"""What scrapers save: HTML pages, RSS/Atom feeds and WARC files, written here, read into articles and indexed.

Every page, feed and WARC file is made in the test (warcio writes the WARC files); the readers run for real
(trafilatura, htmldate, feedparser, warcio), and the end-to-end cases run `casearch index` and search the
real index it builds.
"""
import io
import json

import pytest
from hypothesis import given, settings, strategies as st
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from search.cli import main
from search.models import Article, Rejected
from search.sources import iter_files, read, read_file
from search.sources.common import article_id, url_id, url_key
from search.sources.feeds import read_feed
from search.sources.html import read_html
from search.sources.warc import read_warc

P1 = ("Rivers burst their banks across the lowlands on Thursday, overwhelming defences that engineers had "
      "warned were too low for a storm of this size.")
P2 = "Residents of three towns were moved to school halls overnight as the water rose faster than expected."
P3 = ("The regional council said pumps would run through the weekend and that sandbags were being handed "
      "out at the fire station.")
BODY = f"{P1}\n\n{P2}\n\n{P3}"
HARBOUR = ("The harbour walls held through the night while boats in the marina were lifted onto trailers.",
           "Fishermen said the sandbags stacked on the quay kept the market hall dry for the first time in years.")
QUARRY = ("Quarry workers stopped blasting after the access road flooded and the river cut off the village.",
          "The company said sandbags and a pump were sent up the valley before noon on Friday.")
NAV = "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
FOOTER = "<footer><p>© 2024 The Ledger. All rights reserved.</p></footer>"


def page(title="Flood Defences Fail in Lowland Towns", head="", paragraphs=(P1, P2, P3), before="",
         heading=None, charset="utf-8"):
    """A saved news page: a menu, the article (a headline, then paragraphs) and a footer."""
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    h1 = title if heading is None else heading
    return (f"<!doctype html><html lang='en'><head><meta charset='{charset}'><title>{title}</title>{head}</head>"
            f"<body>{NAV}<article><h1>{h1}</h1>{before}{ps}</article>{FOOTER}</body></html>")


LEDGER_HEAD = ("<meta property='og:title' content='Flood Defences Fail in Lowland Towns'>"
               "<meta property='og:site_name' content='The Ledger'>"
               "<meta property='og:url' content='https://www.ledger.example/2025/floods?utm_source=share'>"
               "<meta name='author' content='Mira Kovac'>"
               "<meta property='article:published_time' content='2025-03-14T08:00:00Z'>")


def fields(a):
    return (a.title, a.body, a.date, a.author, a.url, a.source, a.publication)


def messages(items):
    return [str(x) for x in items if isinstance(x, Rejected)]


def articles(items):
    return [x for x in items if isinstance(x, Article)]


# --- ids from addresses -----------------------------------------------------------------------------

def test_one_address_written_several_ways_is_one_id():
    same = ["https://www.ledger.example/2025/floods", "http://ledger.example/2025/floods/",
            "HTTPS://LEDGER.example:443/2025/floods?utm_source=rss&utm_medium=x#comments"]
    assert {url_key(u) for u in same} == {"ledger.example/2025/floods"}
    assert len({url_id(u) for u in same}) == 1 and len(url_id(same[0])) == 16
    others = ["https://ledger.example/2025/Floods", "https://ledger.example/2025/floods?page=2",
              "https://ledger.example:8080/2025/floods", "https://news.ledger.example/2025/floods"]
    assert len({url_id(u) for u in others} | {url_id(same[0])}) == 5
    assert url_id("/2025/floods") == url_id("tag:wire,2025:1") == url_id("https://[bad") == ""


# --- HTML pages -------------------------------------------------------------------------------------

def test_html_page_gives_title_body_date_author_url_and_site_from_its_meta_tags():
    a = read_html(page(title="Flood Defences Fail in Lowland Towns | The Ledger", head=LEDGER_HEAD,
                       heading="Flood Defences Fail in Lowland Towns").encode(), "floods.html")
    assert fields(a) == ("Flood Defences Fail in Lowland Towns", BODY, "2025-03-14", "Mira Kovac",
                         "https://www.ledger.example/2025/floods?utm_source=share", "The Ledger", "The Ledger")
    assert a.id == url_id("https://ledger.example/2025/floods")


def test_html_page_metadata_from_json_ld():
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Lowland Towns Count the Cost",
          "datePublished": "2025-03-16T23:30:00-05:00", "url": "https://ledger.example/2025/cost",
          "author": [{"@type": "Person", "name": "Ana Ruiz"}, {"@type": "Person", "name": "Tom Berg"}],
          "publisher": {"@type": "Organization", "name": "Daily Ledger"}}
    head = f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
    a = read_html(page(title="Untitled", heading="Lowland Towns Count the Cost", head=head).encode(), "cost.html")
    assert fields(a) == ("Lowland Towns Count the Cost", BODY, "2025-03-16", "Ana Ruiz; Tom Berg",
                         "https://ledger.example/2025/cost", "Daily Ledger", "Daily Ledger")
    assert a.id == url_id("https://ledger.example/2025/cost")  # trafilatura reads no JSON-LD url: html.py does


def test_html_page_without_an_address_gets_the_content_id_and_a_byline_gives_the_author():
    byline = "<p class='byline'>By Ana Ruiz · Published 5 March 2025</p>"
    a = read_html(page(before=byline).encode(), "p.html")
    assert (a.author, a.date, a.url, a.body) == ("Ana Ruiz", "2025-03-05", "", BODY)
    assert a.id == article_id("Flood Defences Fail in Lowland Towns", BODY)


@pytest.mark.parametrize("head,before,date", [
    ("", "<p><time datetime='2025-02-11T09:00'>11 February</time></p>", "2025-02-11"),  # markup
    ("<link rel='canonical' href='https://ledger.example/2025/02/07/floods'>", "", "2025-02-07"),  # the address
    ("", "<p>Published 3 March 2025, updated later.</p>", "2025-03-03"),  # htmldate's search of the text
    ("", "", None),  # only the footer's copyright year: htmldate's guess 2024-01-01 is not taken
    ("<meta property='article:published_time' content='2099-01-05'>", "", None),  # after today: impossible
])
def test_html_date_from_markup_then_text_never_a_guess(head, before, date):
    a = read_html(page(head=head, before=before).encode(), "p.html")
    assert isinstance(a, Article) and a.date == date


def test_html_site_name_that_is_only_a_host_leaves_the_source_to_the_address(tmp_path):
    head = ("<meta property='og:site_name' content='harbour.example'>"
            "<meta property='og:url' content='https://www.harbour.example/quay'>")
    a = read_html(page(head=head).encode(), "quay.html")
    assert (a.url, a.publication, a.source) == ("https://www.harbour.example/quay", "", "quay.html")


def test_html_page_in_its_declared_encoding(tmp_path):
    html = page(title="Café Owners Bail Out", paragraphs=(P1 + " The café in Gérardmer closed.", P2),
                charset="iso-8859-1")
    f = tmp_path / "cafe.htm"
    f.write_bytes(html.encode("iso-8859-1"))
    (a,) = list(read_file(f))
    assert a.title == "Café Owners Bail Out" and a.body.endswith("The café in Gérardmer closed.\n\n" + P2)
    assert a.files == (str(f.resolve()),) and a.source == str(f)


def test_html_pages_that_are_not_articles_are_skipped_with_the_reason(tmp_path):
    teasers = "".join(f"<div><h2><a href='/a/{i}'>Storm story number {i} from the lowland towns</a></h2>"
                      f"<p>A short teaser about story {i} and what it says.</p></div>" for i in range(12))
    links = "<ul>" + "".join(f"<li><a href='/a/{i}'>Story {i} about the floods in the lowlands</a></li>"
                             for i in range(30)) + "</ul>"
    collection = ("<script type='application/ld+json'>{\"@context\": \"https://schema.org\", "
                  "\"@type\": \"CollectionPage\", \"name\": \"Floods\"}</script>")
    pages = {
        "a-empty.html": f"<html><head><title>Nothing</title></head><body>{NAV}</body></html>",
        "b-stub.html": page(paragraphs=("Page not found. Try the search box.",)),
        "c-links.html": f"<html><head><title>Floods | Ledger</title></head><body>{links}</body></html>",
        "d-teasers.html": f"<html><head><title>World | Ledger</title></head><body><main>{teasers}</main></body></html>",
        "e-collection.html": page(head=collection),
        "f-blank.html": "  \n ",
        "g-bare.html": "<html><body><!-- nothing --></body></html>",
    }
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    items = list(read([str(tmp_path)]))
    assert articles(items) == []
    assert [m.replace(str(tmp_path) + "/", "") for m in messages(items)] == [
        "a-empty.html: only 3 words of text (fewer than 20): not an article",
        "b-stub.html: only 16 words of text (fewer than 20): not an article",
        "c-links.html: a listing page (100% of its text is links to other pages), not an article",
        "d-teasers.html: a listing page (12 headlines linking to other pages), not an article",
        "e-collection.html: a listing page (schema.org type collectionpage), not an article",
        "f-blank.html: empty file",
        "g-bare.html: no article text found on this page",
    ]


def test_html_article_with_a_few_related_links_is_still_an_article():
    related = "".join(f"<h3><a href='/r/{i}'>Related story number {i}</a></h3>" for i in range(3))
    a = read_html(page(paragraphs=(P1, P2, P3, P1 + " " + P2, P3 + " " + P1), before="").replace(
        "</article>", related + "</article>").encode(), "r.html")
    assert isinstance(a, Article) and a.title == "Flood Defences Fail in Lowland Towns"


def test_html_page_over_the_extractor_limit_is_skipped():
    big = page(paragraphs=(P1 * 140_000,)).encode()
    assert len(big) > 20_000_000
    r = read_html(big, "big.html")
    assert str(r) == f"big.html: page of {len(big) / 1e6:.1f} MB is larger than the 20 MB the HTML extractor reads"


def test_an_extractor_failure_costs_one_page(monkeypatch):
    import trafilatura

    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(trafilatura, "bare_extraction", broken)
    assert str(read_html(page().encode(), "p.html")) == "p.html: the HTML extractor failed on this page (RecursionError)"


# --- feeds ------------------------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>The Ledger: World</title><link>https://ledger.example/</link>
<item><title>Floods &amp; Storms Hit the Lowlands</title>
  <link>https://ledger.example/2025/floods?utm_source=rss</link><guid>https://ledger.example/2025/floods</guid>
  <pubDate>Fri, 14 Mar 2025 23:30:00 -0500</pubDate><dc:creator>Mira Kovac</dc:creator>
  <description>&lt;p&gt;A short summary.&lt;/p&gt;</description>
  <content:encoded><![CDATA[<p>Rivers burst <b>their</b>
  banks.</p><p>Towns were moved<br>to school halls.</p><script>alert(1)</script>]]></content:encoded></item>
<item><title>Only a Link</title><link>https://ledger.example/2025/link</link></item>
<item><title>Ferry Crossings Resume</title><link>https://ledger.example/2025/ferry</link>
  <author>desk@ledger.example (Desk Editor)</author><pubDate>Sat, 15 Mar 2025 07:00:00 GMT</pubDate>
  <description>Ferries crossed the estuary again on Saturday.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire Desk</title><id>urn:wire</id><updated>2025-03-02T00:00:00Z</updated>
<entry><title type="html">A &lt;i&gt;Long&lt;/i&gt; Night</title><id>tag:wire.example,2025:1</id>
  <updated>2025-03-02T01:00:00+02:00</updated>
  <author><name>Ana Ruiz</name></author><author><name>Tom Berg</name></author>
  <summary>Plain summary text of the night.</summary></entry>
<entry><title>Linked Entry</title><id>tag:wire.example,2025:2</id><link href="https://wire.example/2"/>
  <published>2025-03-01T10:00:00Z</published><updated>2025-03-05T10:00:00Z</updated>
  <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>First.</p><p>Second.</p></div></content></entry>
</feed>"""


def test_rss_entries_become_articles_and_entries_without_text_are_reported():
    items = list(read_feed(RSS.encode(), "world.rss"))
    assert messages(items) == ["world.rss:entry 2: no text (the entry has neither content nor a summary)"]
    a, b = articles(items)
    assert fields(a) == ("Floods & Storms Hit the Lowlands", "Rivers burst their banks.\n\nTowns were moved\n\n"
                         "to school halls.", "2025-03-14", "Mira Kovac",
                         "https://ledger.example/2025/floods?utm_source=rss", "The Ledger: World", "The Ledger: World")
    assert a.id == url_id("https://ledger.example/2025/floods")
    assert fields(b) == ("Ferry Crossings Resume", "Ferries crossed the estuary again on Saturday.", "2025-03-15",
                         "Desk Editor", "https://ledger.example/2025/ferry", "The Ledger: World", "The Ledger: World")


def test_atom_entries_with_html_titles_several_authors_and_no_link():
    a, b = list(read_feed(ATOM.encode(), "wire.atom"))
    assert fields(a) == ("A Long Night", "Plain summary text of the night.", "2025-03-02", "Ana Ruiz; Tom Berg", "",
                         "Wire Desk", "Wire Desk")
    assert fields(b) == ("Linked Entry", "First.\n\nSecond.", "2025-03-01", "", "https://wire.example/2",
                         "Wire Desk", "Wire Desk")
    # no link: the id comes from the entry's own id, the same on every read, another for another entry
    again = list(read_feed(ATOM.replace("Plain summary", "Edited summary").encode(), "wire.atom"))
    assert again[0].id == a.id and a.id != article_id(a.title, a.body) and b.id == url_id("https://wire.example/2")


def test_rss_1_0_is_a_feed_too(tmp_path):
    f = tmp_path / "rdf.xml"
    f.write_text("""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://r.example/"><title>R Daily</title></channel>
        <item rdf:about="https://r.example/1"><title>RDF Item</title><link>https://r.example/1</link>
        <description>Body of the item.</description></item></rdf:RDF>""", encoding="utf-8")
    (a,) = list(read_file(f))
    assert fields(a) == ("RDF Item", "Body of the item.", None, "", "https://r.example/1", "R Daily", "R Daily")


def test_malformed_feed_is_reported_with_its_line_and_what_was_recovered_is_read():
    broken = ("<?xml version='1.0'?>\n<rss version='2.0'><channel><title>T</title>\n"
              "<item><title>One</title><description>first body</description></item>\n"
              "<item><title>Two</title><description>second & body</description></item>\n"
              "<item><title>Thr")
    items = list(read_feed(broken.encode(), "cut.rss"))
    assert messages(items) == [
        "cut.rss:4: malformed feed XML (not well-formed (invalid token)); the 3 entries feedparser's lenient "
        "parser recovered are read",
        "cut.rss:entry 3: no text (the entry has neither content nor a summary)"]
    assert [(a.title, a.body) for a in articles(items)] == [("One", "first body"), ("Two", "second & body")]


def test_xml_that_is_not_a_feed_and_a_feed_without_entries(tmp_path):
    (tmp_path / "sitemap.xml").write_text("<?xml version='1.0'?><!-- map --><urlset xmlns="
                                          "'http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://x.example/"
                                          "</loc></url></urlset>", encoding="utf-8")
    (tmp_path / "empty.rss").write_text("<rss version='2.0'><channel><title>Quiet</title></channel></rss>",
                                        encoding="utf-8")
    assert [m.replace(str(tmp_path) + "/", "") for m in messages(read([str(tmp_path)]))] == [
        "empty.rss: the feed has no entries",
        "sitemap.xml: not an RSS or Atom feed (the root element is <urlset>)"]


# --- WARC files -------------------------------------------------------------------------------------

def http(status="200 OK", ctype="text/html; charset=utf-8"):
    return StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")


def warc_bytes(responses, gzip=False, extras=True):
    """A WARC file: a warcinfo record, then for each (uri, date, html, status, ctype) a request and its
    response; `extras` adds a metadata record and a revisit."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gzip)
    w.write_record(w.create_warcinfo_record("crawl.warc", {"software": "test"}))
    for uri, date, html, status, ctype in responses:
        req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
        w.write_record(w.create_warc_record(uri, "request", http_headers=req, warc_headers_dict={"WARC-Date": date}))
        w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(html.encode()),
                                            http_headers=http(status, ctype), warc_headers_dict={"WARC-Date": date}))
    if extras:
        w.write_record(w.create_warc_record("https://ledger.example/a", "metadata", payload=io.BytesIO(b"via: x\r\n"),
                                            warc_content_type="application/warc-fields"))
        w.write_record(w.create_revisit_record("https://ledger.example/a", "sha1:AAAA", "https://ledger.example/a",
                                               "2025-03-01T00:00:00Z", http_headers=http()))
    return buf.getvalue()


CRAWL = [
    ("https://ledger.example/a", "2025-03-20T10:00:00Z", page(title="Page A Story", head=LEDGER_HEAD.split(">", 1)[1]),
     "200 OK",
     "text/html; charset=utf-8"),
    ("https://ledger.example/b", "2025-03-21T23:59:00Z", page(title="Page B Story", paragraphs=QUARRY), "200 OK",
     "application/xhtml+xml"),
    ("https://ledger.example/gone", "2025-03-21T10:00:00Z", page(title="Gone"), "404 Not Found", "text/html"),
    ("https://ledger.example/moved", "2025-03-21T10:00:00Z", "", "301 Moved Permanently", "text/html"),
    ("https://ledger.example/logo.png", "2025-03-21T10:00:00Z", "\x89PNG", "200 OK", "image/png"),
    ("https://ledger.example/", "2025-03-22T10:00:00Z", f"<html><body>{NAV}</body></html>", "200 OK", "text/html"),
]


@pytest.mark.parametrize("gzip,name", [(False, "crawl.warc"), (True, "crawl.warc.gz")])
def test_warc_html_responses_are_articles_with_target_uri_and_fetch_date(tmp_path, gzip, name):
    f = tmp_path / name
    f.write_bytes(warc_bytes(CRAWL, gzip=gzip))
    items = list(read_file(f))
    a, b = articles(items)
    # the page's own date and site, but the address it was fetched from; the fetch date when the page has none
    assert fields(a) == ("Page A Story", BODY, "2025-03-14", "Mira Kovac", "https://ledger.example/a", "The Ledger",
                         "The Ledger")
    assert fields(b) == ("Page B Story", "\n\n".join(QUARRY), "2025-03-21", "", "https://ledger.example/b", str(f), "")
    assert (a.id, b.id) == (url_id("https://ledger.example/a"), url_id("https://ledger.example/b"))
    assert messages(items) == [f"{f}:record 13 (https://ledger.example/): only 3 words of text (fewer than 20): "
                               f"not an article"]


@pytest.mark.parametrize("gzip", [False, True])
def test_truncated_warc_keeps_the_articles_before_the_cut(tmp_path, gzip):
    pages = [(f"https://ledger.example/{i}", "2025-03-20T10:00:00Z", page(title=f"Story {i} of the Floods"),
              "200 OK", "text/html") for i in range(3)]
    data = warc_bytes(pages, gzip=gzip, extras=False)
    f = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    f.write_bytes(data[:-100])  # into the last response's page
    items = list(read_file(f))
    assert [a.title for a in articles(items)] == ["Story 0 of the Floods", "Story 1 of the Floods"]
    assert messages(items) == [f"{f}:record 7: truncated WARC file (https://ledger.example/2 is cut off); the 2 "
                               f"articles before it are kept"]
    f.write_bytes(data[:len(data) - len(data) // 6 - 200])  # into the last request or response's header
    items = list(read_file(f))
    assert [a.title for a in articles(items)] == ["Story 0 of the Floods", "Story 1 of the Floods"]
    (m,) = messages(items)
    assert m.startswith(f"{f}:record ") and "truncated" in m and m.endswith("; the 2 articles before it are kept")


def test_damaged_warc_files(tmp_path):
    pages = [(f"https://ledger.example/{i}", "2025-03-20T10:00:00Z", page(title=f"Story {i} of the Floods"),
              "200 OK", "text/html") for i in range(2)]
    data = warc_bytes(pages, extras=False)
    starts = [i for i in range(len(data)) if data.startswith(b"WARC/1.0\r\n", i)]
    assert len(starts) == 5  # warcinfo, then a request and a response per page
    # a stray line after a record's block: warcio reads on, the file is reported as damaged
    f = tmp_path / "stray.warc"
    f.write_bytes(data[:starts[3] - 4] + b"stray line\r\n" + data[starts[3] - 4:])
    items = list(read_file(f))
    assert [a.title for a in articles(items)] == ["Story 0 of the Floods", "Story 1 of the Floods"]
    assert messages(items) == [f"{f}: 1 record(s) not followed by the blank lines WARC requires (a wrong "
                               f"Content-Length?): the file may be damaged"]
    # a line where a record should start: reading stops there
    f = tmp_path / "junk.warc"
    f.write_bytes(data[:starts[3]] + b"junk line\r\n" + data[starts[3]:])
    items = list(read_file(f))
    assert [a.title for a in articles(items)] == ["Story 0 of the Floods"]
    assert messages(items) == [f"{f}:record 4: truncated or corrupt WARC file (Invalid WARC record, first line: "
                               f"junk line); the 1 article before it is kept"]
    # a page larger than the extractor reads: that page only
    big = [("https://ledger.example/big", "2025-03-20T10:00:00Z", page(paragraphs=(P1 * 140_000,)), "200 OK",
            "text/html")]
    f = tmp_path / "big.warc.gz"
    f.write_bytes(warc_bytes(big + pages[:1], gzip=True, extras=False))
    items = list(read_file(f))
    assert [a.title for a in articles(items)] == ["Story 0 of the Floods"]
    assert messages(items) == [f"{f}:record 3 (https://ledger.example/big): page larger than the 20 MB the HTML "
                               f"extractor reads"]


def test_files_that_are_not_warc_files(tmp_path):
    (tmp_path / "page.warc").write_text("<html><body>a page saved with the wrong name</body></html>")
    (tmp_path / "junk.warc.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    assert [m.replace(str(tmp_path) + "/", "") for m in messages(read([str(tmp_path)]))] == [
        "junk.warc.gz: not a WARC file (Unknown archive format, first line: ['\\x1f\\x8b\\x08\\x00', 'not', "
        "'really', 'gzip'])",
        "page.warc: not a WARC file (it does not start with a WARC/1.x record header)"]


# --- the dispatcher and the index -------------------------------------------------------------------

def test_every_saved_format_is_picked_up_by_its_suffix(tmp_path):
    names = ["a.html", "b.HTM", "c.xml", "d.rss", "e.atom", "f.warc", "g.WARC.GZ", "h.gz", "i.json", "j.txt"]
    for n in names:
        (tmp_path / n).write_text("x")
    found = list(iter_files([str(tmp_path)]))
    assert [p.name for p in found if not isinstance(p, Rejected)] == ["a.html", "b.HTM", "c.xml", "d.rss", "e.atom",
                                                                       "f.warc", "g.WARC.GZ", "j.txt"]
    assert [str(r) for r in found if isinstance(r, Rejected)] == [  # a .json file is named, never skipped silently
        f"{tmp_path / 'i.json'}: a .json file is not read: write one article per line and name the file .jsonl, skipped"]
    (r,) = list(iter_files([str(tmp_path / "h.gz")]))
    assert str(r) == (f"{tmp_path / 'h.gz'}: unsupported file type .gz; use .atom, .csv, .htm, .html, .jsonl, "
                      f".ndjson, .rss, .txt, .warc, .warc.gz, .xml")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def search(idx, *args):
    r = invoke("search", *args, "--json", "--index-dir", idx)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_index_a_folder_of_pages_feeds_and_warc_files_and_search_it(tmp_path):
    src, idx = tmp_path / "crawl", tmp_path / "index"
    src.mkdir()
    (src / "floods.html").write_text(page(head=LEDGER_HEAD), encoding="utf-8")
    harbour = page(title="Harbour Walls Hold", paragraphs=HARBOUR,
                   head="<meta property='og:url' content='https://www.harbour.example/w'>")
    (src / "harbour.htm").write_text(harbour, encoding="utf-8")
    (src / "world.rss").write_text(RSS, encoding="utf-8")
    (src / "wire.atom").write_text(ATOM, encoding="utf-8")
    (src / "sitemap.xml").write_text("<urlset><url><loc>https://x.example/</loc></url></urlset>", encoding="utf-8")
    (src / "crawl.warc.gz").write_bytes(warc_bytes(CRAWL[1:], gzip=True))
    r = invoke("index", src, "--index-dir", idx)
    assert r.exit_code == 0, r.output
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    # the page and the feed's first entry have one address: one article, the full page's text
    assert warnings == [
        f"warning: {src}/crawl.warc.gz:record 11 (https://ledger.example/): only 3 words of text (fewer than 20): "
        f"not an article",
        f"warning: {src}/sitemap.xml: not an RSS or Atom feed (the root element is <urlset>)",
        f"warning: {src}/world.rss:entry 2: no text (the entry has neither content nor a summary)",
        f"warning: {src}/world.rss:entry 1: duplicate id '{url_id('https://ledger.example/2025/floods')}' with different "
        f"content from {src}/floods.html: kept the longer one, 'Flood Defences Fail in Lowland Towns'"]
    assert ("Indexed 6 articles from 6 files" in r.stderr and "6 added, 0 updated, 0 unchanged, 3 rejected"
            in r.stderr)
    every = search(idx)
    assert every["total"] == 6
    assert {f["value"]: f["count"] for f in every["facets"]["source"]} == {
        "The Ledger": 1, "harbour.example": 1, "The Ledger: World": 1, "Wire Desk": 2, "ledger.example": 1}
    hits = search(idx, "sandbags")["results"]
    assert sorted((h["title"], h["source"], h["date"], h["url"]) for h in hits) == [
        ("Flood Defences Fail in Lowland Towns", "The Ledger", "2025-03-14",
         "https://www.ledger.example/2025/floods?utm_source=share"),
        ("Harbour Walls Hold", "harbour.example", None, "https://www.harbour.example/w"),
        ("Page B Story", "ledger.example", "2025-03-21", "https://ledger.example/b")]
    assert [h["title"] for h in search(idx, "estuary")["results"]] == ["Ferry Crossings Resume"]


def test_a_recrawl_of_the_same_address_updates_the_article(tmp_path):
    src, idx = tmp_path / "crawl", tmp_path / "index"
    src.mkdir()
    f = src / "floods.html"
    f.write_text(page(head=LEDGER_HEAD), encoding="utf-8")
    r = invoke("index", src, "--index-dir", idx)
    assert r.exit_code == 0 and "1 added, 0 updated, 0 unchanged" in r.stderr
    # the page saved again: the same address written another way, a new headline and a changed paragraph
    recrawl = LEDGER_HEAD.replace("https://www.ledger.example/2025/floods?utm_source=share",
                                  "http://ledger.example/2025/floods/")
    f.write_text(page(title="Flood Defences Fail: Pumps Run All Weekend", head=recrawl.replace(
        "Flood Defences Fail in Lowland Towns", "Flood Defences Fail: Pumps Run All Weekend"),
        paragraphs=(P1, P2, P3.replace("sandbags", "tarpaulins"))), encoding="utf-8")
    r = invoke("index", src, "--index-dir", idx)
    assert r.exit_code == 0 and "0 added, 1 updated, 0 unchanged" in r.stderr and "; 1 in the index" in r.stderr
    assert search(idx, "sandbags")["total"] == 0
    (hit,) = search(idx, "tarpaulins")["results"]
    assert (hit["id"], hit["title"], hit["url"]) == (url_id("https://ledger.example/2025/floods"),
                                                    "Flood Defences Fail: Pumps Run All Weekend",
                                                    "http://ledger.example/2025/floods/")
    # a WARC file of a later crawl in place of the page: the same address, one article still
    f.unlink()
    later = page(title="Floods: The Clean-Up Begins", paragraphs=(P1, "Crews cleared mud from the high street. " + P2))
    (src / "later.warc.gz").write_bytes(warc_bytes([("https://ledger.example/2025/floods", "2025-03-30T08:00:00Z",
                                                     later, "200 OK", "text/html")], gzip=True, extras=False))
    r = invoke("index", src, "--index-dir", idx)
    assert r.exit_code == 0 and "0 added, 1 updated, 0 unchanged" in r.stderr and "; 1 in the index" in r.stderr
    (hit,) = search(idx, "mud")["results"]
    assert (hit["title"], hit["date"]) == ("Floods: The Clean-Up Begins", "2025-03-30")


# --- the benchmark's pages --------------------------------------------------------------------------

def test_benchmark_pages_read_back_as_the_records_they_were_made_from():
    from search.ingestbench import render_page
    from search.synth import generate_corpus
    for i, rec in enumerate(generate_corpus(6, 7)):  # meta tags, JSON-LD, text only; twice each
        a = read_html(render_page(rec, i).encode(), "p.html")
        url = f"https://www.ledger.example/{rec['date'][:4]}/{rec['id']}" if i % 3 != 2 else ""
        assert fields(a) == (rec["title"], rec["body"], rec["date"], rec["author"], url,
                             "p.html" if i % 3 == 2 else "The Steppe Ledger", "" if i % 3 == 2 else "The Steppe Ledger")


def test_bench_html_pages_reads_and_indexes_every_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("bench", "--html-pages", 12, "--json")
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert (res["pages"], res["read"]["articles"], res["read"]["rejected"]) == (12, 12, 0)
    assert (res["index"]["articles"], res["index"]["rejected"]) == (12, 0)
    assert res["read"]["articles_per_s"] > 0 and res["index"]["articles_per_s"] > 0 and 3 < res["page_kb"] < 12
    assert res["table"].splitlines()[0].startswith("casearch bench --html-pages: 12 pages of ")


# --- hostile input ----------------------------------------------------------------------------------

MARKUP = st.sampled_from(["<", ">", "</", "<p>", "</p>", "<a href='/x'>", "</a>", "<rss version='2.0'>", "<item>",
                          "<title>", "</title>", "<feed xmlns='http://www.w3.org/2005/Atom'>", "<entry>", "&amp;",
                          "&#0;", "<![CDATA[", "]]>", "<script type='application/ld+json'>", "{\"@type\": [1]}",
                          "WARC/1.0\r\n", "Content-Length: 5\r\n", "\r\n\r\n", "\x1f\x8b", "\x00", "é", " word "])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(MARKUP, st.text(max_size=12)), max_size=40))
def test_hostile_bytes_give_articles_or_messages_never_an_exception(parts):
    data = "".join(parts).encode("utf-8", "surrogatepass")
    assert isinstance(read_html(data, "h.html"), (Article, Rejected))
    assert all(isinstance(x, (Article, Rejected)) for x in read_feed(data, "h.rss"))
    assert all(isinstance(x, (Article, Rejected)) for x in read_warc(io.BytesIO(data), "h.warc"))
