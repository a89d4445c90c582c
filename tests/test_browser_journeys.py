"""A journalist's journeys in real Chromium, on a desktop and on a 390 px phone, and axe-core on every page type.

The server holds the seed pages plus a wire copy of one seed article (so one result has a folded copy).
axe-core comes from the axe-playwright-python wheel (its axe.min.js, no download at run time); the
accessibility test is skipped with the reason where it is missing. Screenshots go to artifacts/screenshots/.
"""
import json
import subprocess
import sys

import pytest

from search.indexing.run import build_index

from .conftest import ROOT, write_jsonl
from .test_browser import SHOTS, browser, pytestmark, serving  # noqa: F401 (the same skips and browser)

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # pragma: no cover - the test extra is not installed
    Axe = None

SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("journeys")
    idx = tmp / "index"
    build_index([str(ROOT / "seeds")], str(idx))
    out = subprocess.run([sys.executable, "-m", "search", "show", "f44c05528a768668", "--json", "--index-dir",
                          str(idx)], capture_output=True, text=True, cwd=ROOT, check=True)
    original = json.loads(out.stdout)
    body = original["body"].replace("The Almaty region", "Almaty region authorities say the region", 1)
    copy = {"id": "wire-air-taxi", "title": "Kazakhstan plans air taxis between Alatau and Almaty",
            "body": body, "date": original["date"], "url": "https://wire.example.com/air-taxi"}
    build_index([str(write_jsonl(tmp / "wire.jsonl", [copy]))], str(idx))
    yield from serving(idx)


@pytest.fixture(params=list(SCREENS))
def page(request, browser):
    ctx = browser.new_context(viewport=SCREENS[request.param])
    pg = ctx.new_page()
    pg.screen = request.param
    yield pg
    ctx.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.screen}.png"), full_page=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] + 1


def test_dossier_from_a_tag_chip_then_a_co_mentioned_country(page, server):
    page.goto(server + "/?q=nuclear+power")
    chip = page.locator("ol.hits .tag.person a", has_text="Kassym-Jomart Tokayev").first
    chip.click()
    page.wait_for_load_state()
    assert page.url.endswith("/person/Kassym-Jomart%20Tokayev")
    assert page.locator("h1").inner_text() == "Kassym-Jomart Tokayev"
    assert page.locator(".figures dd").first.inner_text() == "11"
    assert "Tokayev" in page.locator("ul.spellings").inner_text()
    no_sideways_scroll(page)
    shot(page, "7-dossier")
    page.locator("#co-country + ul a", has_text="Russia").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/country/Russia") and page.locator("h1").inner_text() == "Russia"
    # its scoped search box searches within the country
    page.fill("#scoped-q", "Putin")
    page.press("#scoped-q", "Enter")
    page.wait_for_load_state()
    assert "country=Russia" in page.url and "q=Putin" in page.url


def test_add_as_filter_keeps_the_query(page, server):
    page.goto(server + "/?q=nuclear+power")
    page.locator("ol.hits .tag.country a.add").first.click()
    page.wait_for_load_state()
    assert "q=nuclear+power" in page.url and "country=" in page.url


def test_compare_two_countries_on_the_timeline(page, server):
    page.goto(server + "/?q=")
    if page.screen == "phone":  # the filters are one tap away from the top
        page.locator(".filters-link a").click()
        assert page.evaluate("location.hash") == "#filters"
    page.locator("#values-country a", has_text="Kazakhstan").first.click()
    page.wait_for_load_state()
    page.locator("#values-country a", has_text="Russia").first.click()
    page.wait_for_load_state()
    page.locator("figure.timeline a", has_text="Compare the selected country values").click()
    page.wait_for_load_state()
    assert "timeline_by=country" in page.url
    assert page.locator("figure.timeline polyline.series").count() == 2
    assert page.locator("ul.legend li").all_inner_texts()[0].strip().startswith("Kazakhstan 21")
    box = page.locator("figure.timeline svg.chart").bounding_box()
    assert box["width"] <= page.viewport_size["width"]  # the chart fits the screen
    no_sideways_scroll(page)
    shot(page, "8-timeline-split")


def test_expand_a_group_of_copies(page, server):
    page.goto(server + "/?q=air+taxi")
    group = page.locator("ol.hits details.copies").first
    assert group.locator("summary").inner_text() == "1 copy"
    assert not group.locator("ul").is_visible()
    group.locator("summary").click()
    link = group.locator("ul a")
    assert link.is_visible()
    titles = page.locator("ol.hits h2.hit-title").all_inner_texts() + [link.inner_text()]
    assert {"From Alatau to Almaty by Air: How Kazakhstan’s First Air Taxi Service Will Operate",
            "Kazakhstan plans air taxis between Alatau and Almaty"} <= set(titles)
    shot(page, "9-copies")


def test_arrive_at_an_article_from_a_search_and_go_back(page, server):
    page.goto(server + "/?q=glacier&sort=newest")
    results = page.url
    page.locator("ol.hits h2.hit-title a").first.click()
    page.wait_for_load_state()
    marks = page.locator("article p:not(.marked-note) mark").all_inner_texts()
    assert marks and all(m.lower().startswith("glacier") for m in marks)
    assert page.locator("article p").count() > 3  # paragraphs, not one block
    page.locator("details.why-tags summary").click()
    assert page.locator("details.why-tags li").count() >= 2
    no_sideways_scroll(page)
    shot(page, "10-article-marked")
    page.locator("p.back a").click()
    page.wait_for_load_state()
    assert page.url == results


@pytest.mark.skipif(Axe is None, reason="axe-playwright-python (axe-core) is not installed: pip install -e '.[test]'")
@pytest.mark.parametrize("path", ["/?q=Kazakhstan", "/?q=&country=Kazakhstan&country=Russia&timeline_by=country",
                                  "/article/f44c05528a768668?q=air+taxi&back=q%3Dair%2Btaxi",
                                  "/person/Kassym-Jomart%20Tokayev", "/country/Kazakhstan",
                                  "/?q=zzzzqqqq+nothing", "/article/no-such-id", "/?page=0"])
def test_axe_finds_no_serious_violation(page, server, path):
    page.goto(server + path)
    page.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")  # check what they hide too
    results = Axe().run(page)
    bad = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []
    assert page.locator("h1").count() == 1
