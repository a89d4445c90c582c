"""The web UI in a real browser: Debian's chromium driven by Playwright against a real `casearch serve`.

Skipped, with the reason, where chromium or playwright is missing (a user's machine without root); CI
installs chromium (Makefile: test). Screenshots of the main states go to artifacts/screenshots/.
"""
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "artifacts" / "screenshots"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extra is not installed
    sync_playwright = None

pytestmark = [
    pytest.mark.slow,  # a real Chromium: `make test-fast` leaves it out
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (pip install -e '.[test]')"),
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium); "
                                                "`make test` installs it in CI"),
]


def serving(index_dir):
    """Run `casearch serve` over an index on a free loopback port; yield its base URL, then stop it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "search", "serve", "--port", str(port), "--index-dir",
                             str(index_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def server(seed_index):
    yield from serving(seed_index)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def params(page):
    return parse_qs(urlparse(page.url).query)


def facet_link(page, facet, value):
    return page.locator(f"#values-{facet} a", has_text=value).first


def test_search_facets_chips_dates_paging(page, server):
    page.goto(server + "/")
    page.fill("#q", "Kazakhstan")
    page.press("#q", "Enter")
    page.wait_for_load_state()
    assert page.locator("ol.hits > li").count() == 10
    assert "articles for" in page.locator("h1.summary").inner_text()
    shot(page, "1-results")

    # click a facet, then a second value of the same facet (OR), and check the counts and chips
    facet_link(page, "country", "Russia").click()
    page.wait_for_load_state()
    assert params(page)["country"] == ["Russia"]
    n_russia = int(page.locator("h1.summary strong").inner_text())
    facet_link(page, "country", "China").click()
    page.wait_for_load_state()
    assert params(page)["country"] == ["Russia", "China"]
    n_both = int(page.locator("h1.summary strong").inner_text())
    assert n_both >= n_russia
    assert page.locator("ul.chips a.chip").count() == 2
    shot(page, "2-two-countries")

    # remove a chip
    page.locator("ul.chips a.chip", has_text="Russia").click()
    page.wait_for_load_state()
    assert params(page)["country"] == ["China"]
    assert page.locator("ul.chips a.chip").count() == 1

    # change the date range with the form
    page.goto(server + "/?q=")
    page.fill("#from", "2026-01-01")
    page.fill("#to", "2026-12-31")
    page.click("form.dates button[type=submit]")
    page.wait_for_load_state()
    assert params(page)["from"] == ["2026-01-01"] and params(page)["to"] == ["2026-12-31"]
    assert page.locator("h1.summary strong").inner_text() == "6"
    dates = page.locator("ol.hits p.meta").all_inner_texts()
    assert all(d.startswith("2026-") for d in dates)
    shot(page, "3-date-range")

    # page forward and back, every parameter kept
    page.goto(server + "/?q=&per_page=5&sort=oldest")
    first_page = page.locator("ol.hits h2.hit-title").all_inner_texts()
    page.click("a[rel=next]")
    page.wait_for_load_state()
    assert params(page)["page"] == ["2"] and params(page)["sort"] == ["oldest"]
    second_page = page.locator("ol.hits h2.hit-title").all_inner_texts()
    assert set(first_page).isdisjoint(second_page)
    page.go_back()
    page.wait_for_load_state()
    assert page.locator("ol.hits h2.hit-title").all_inner_texts() == first_page


def test_article_similar_and_csv(page, server, tmp_path):
    page.goto(server + "/?q=glacier")
    page.locator("ol.hits h2.hit-title a").first.click()
    page.wait_for_load_state()
    title = page.locator("article h1").inner_text()
    assert "Glacier" in title or "Water-Saving" in title
    assert page.locator("section.similar li").count() >= 1
    shot(page, "4-article")
    similar = page.locator("section.similar a").first
    similar_title = similar.inner_text()
    similar.click()
    page.wait_for_load_state()
    assert page.locator("article h1").inner_text() == similar_title

    page.goto(server + "/?q=glacier")
    with page.expect_download() as info:
        page.click("text=CSV")
    path = info.value.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,title,date")
    assert len([l for l in lines if "Glacier" in l or "Water-Saving" in l]) >= 2


def test_works_without_javascript(browser, server):
    ctx = browser.new_context(java_script_enabled=False)
    pg = ctx.new_page()
    pg.goto(server + "/?q=Tokayev")
    facet_link(pg, "country", "Kazakhstan").click()
    pg.wait_for_load_state()
    assert params(pg)["country"] == ["Kazakhstan"]
    pg.select_option("#sort", "newest")
    pg.click("form.dates button[type=submit]")
    pg.wait_for_load_state()
    assert params(pg)["sort"] == ["newest"]
    ctx.close()


def test_keyboard_focus_is_visible(page, server):
    page.goto(server + "/?q=Tokayev")
    page.keyboard.press("Tab")  # the skip link
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    shot(page, "5-focus")


def test_phone_layout(browser, server):
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    pg = ctx.new_page()
    pg.goto(server + "/?q=Kazakhstan")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no sideways scrolling on a phone
    shot(pg, "6-phone")
    ctx.close()
