"""The page parser: each rule on a small hand-written page, then the five seed pages end to end."""
import json
from pathlib import Path

import pytest

from search.sources import merge, read
from search.sources.common import article_id, parse_date, resolve_relative
from search.sources.pages import parse_page

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = json.loads((ROOT / "tests" / "data" / "seed_articles.json").read_text(encoding="utf-8"))

LEAD = "The ministry said the plan would be presented to parliament next month, officials confirmed on Monday."


def titles(page: str) -> list:
    return [a.title for a in parse_page(page).articles]


def test_ticker_lines_page_date_and_counter_are_not_articles():
    page = ("• KGS/USD = 0.01144 0%\n  • KZT/USD = 0.00196 -0%\n09 February 2026\n\n"
            "Viewing results 1 - 2 of 78\n\nFirst Story About Kazakhstan Grain Exports\n\n" + LEAD + "\n\n"
            "Second Story About Uzbek Cotton Harvest Records\n\n" + LEAD + "\n")
    r = parse_page(page)
    assert [a.title for a in r.articles] == ["First Story About Kazakhstan Grain Exports",
                                             "Second Story About Uzbek Cotton Harvest Records"]
    assert r.page_date == "2026-02-09"
    assert all("USD" not in a.body and "Viewing" not in a.body for a in r.articles)


def test_author_profile_block_gives_the_author_and_no_article():
    page = ("21 December 2024\n\nOur People > Jane Doe\n\nJane Doe's Avatar\n\nJane Doe\n\nJournalist\n\n"
            "Jane Doe is a journalist. She covers energy.\n\nArticles\n\n"
            "Kazakhstan Signs New Gas Deal With China\n\n" + LEAD + "\n\n2 days ago\n")
    r = parse_page(page)
    assert r.author == "Jane Doe"
    assert [(a.title, a.author, a.date) for a in r.articles] == [
        ("Kazakhstan Signs New Gas Deal With China", "Jane Doe", "2024-12-19")]


def test_profile_without_section_header_is_still_dropped():
    page = ("Our People > Jane Doe\n\nJane Doe's Avatar\n\nJane Doe\n\nEditor\n\n"
            "Jane Doe edits the business pages. She lives in Almaty.\n\n"
            "Kyrgyzstan Opens New Border Crossing With China\n\n" + LEAD + "\n")
    assert titles(page) == ["Kyrgyzstan Opens New Border Crossing With China"]


def test_no_author_on_a_page_that_is_not_an_author_page():
    page = "Kyrgyzstan Opens New Border Crossing With China\n\n" + LEAD + "\n"
    assert parse_page(page).articles[0].author == ""


def test_relative_dates_follow_their_article_and_resolve_against_the_page_date():
    page = ("10 March 2025\n\nStory One About the Caspian Sea Level\n\n" + LEAD + "\n\n3 days ago\n\n"
            "Story Two About Tajik Hydropower Plans\n\n" + LEAD + "\n\n1 week ago\n\n"
            "Story Three About Turkmen Gas Exports\n\n" + LEAD + "\n\n2 months ago\n")
    assert [a.date for a in parse_page(page).articles] == ["2025-03-07", "2025-03-03", "2025-01-10"]


def test_absolute_date_lines_date_articles():
    page = ("Story One About the Caspian Sea Level\n\n" + LEAD + "\n\n05 June 2025\n\n"
            "Story Two About Tajik Hydropower Plans\n\n" + LEAD + "\n\nJune 4, 2025\n")
    assert [a.date for a in parse_page(page).articles] == ["2025-06-05", "2025-06-04"]


def test_relative_date_without_a_page_date_gives_no_date():
    page = "Story One About the Caspian Sea Level\n\n" + LEAD + "\n\n3 days ago\n"
    assert parse_page(page).articles[0].date is None


def test_page_date_alone_never_dates_the_articles():
    page = "08 December 2025\n\nStory One About the Caspian Sea Level\n\n" + LEAD + "\n"
    r = parse_page(page)
    assert r.page_date == "2025-12-08" and r.articles[0].date is None


def test_dates_before_titles_are_detected():
    page = ("05 June 2025\n\n04 June 2025\n\nStory One About the Caspian Sea Level\n\n" + LEAD + "\n\n"
            "03 June 2025\n\nStory Two About Tajik Hydropower Plans\n\n" + LEAD + "\n")
    # the first line is the page's own date line; a date before the first title means dates come first
    r = parse_page(page)
    assert r.page_date == "2025-06-05"
    assert [a.date for a in r.articles] == ["2025-06-04", "2025-06-03"]


def test_truncated_body_is_marked_and_the_ellipsis_removed():
    page = ("Story One About the Caspian Sea Level\n\nThe sea has been falling for years and experts say...\n\n"
            "Story Two About Tajik Hydropower Plans\n\n" + LEAD + "\n")
    a, b = parse_page(page).articles
    assert (a.truncated, a.body) == (True, "The sea has been falling for years and experts say")
    assert b.truncated is False


def test_two_dots_after_an_abbreviation_is_not_truncation():
    page = "Story One About the Caspian Sea Level\n\nThey may travel to the U.S..\n"
    assert parse_page(page).articles[0].truncated is False


def test_caption_shortcodes_are_removed():
    page = ("Story One About the Caspian Sea Level\n\nFirst sentence here. [caption id=\"attachment_1\" "
            "align=\"aligncenter\" width=\"960\"] Image: example.org[/caption] Second sentence here.\n")
    body = parse_page(page).articles[0].body
    assert body == "First sentence here. Second sentence here."


def test_bullet_list_stays_in_the_body_and_is_never_a_title():
    page = ("Kazakh Doctors Among Lowest Paid in the Economy\n\nSalaries were as follows:\n\n"
            "  • Therapists: 460,200 KZT\n  • Surgeons: 505,700 KZT\n\nOthers earn less than that.\n")
    r = parse_page(page)
    assert [a.title for a in r.articles] == ["Kazakh Doctors Among Lowest Paid in the Economy"]
    assert r.articles[0].body == ("Salaries were as follows:\n\n• Therapists: 460,200 KZT\n• Surgeons: 505,700 KZT"
                                  "\n\nOthers earn less than that.")


def test_subheading_inside_an_article_stays_in_its_body():
    page = ("Proton Plans to Launch Electric Vehicle Production in Kazakhstan\n\n"
            "Malaysian carmaker Proton is exploring electric vehicle production in Kazakhstan, after a meeting "
            "with Yersayin Nagaspayev, the Minister of Industry.\n\n"
            "The company began operations in 1985 by producing cars under license.\n\n"
            "Kazakhstan’s Growing Automotive Sector\n\n"
            "Minister Nagaspayev said more than 134,000 cars were produced in Kazakhstan in 2024.\n")
    r = parse_page(page)
    assert [a.title for a in r.articles] == ["Proton Plans to Launch Electric Vehicle Production in Kazakhstan"]
    assert "\n\nKazakhstan’s Growing Automotive Sector\n\nMinister Nagaspayev" in r.articles[0].body


def test_a_new_story_after_full_paragraphs_is_a_new_article():
    page = ("Proton Plans to Launch Electric Vehicle Production in Kazakhstan\n\n"
            "Malaysian carmaker Proton is exploring electric vehicle production in Kazakhstan.\n\n"
            "The company began operations in 1985 by producing cars under license.\n\n"
            "Artificial Glacier Technology to Support Kyrgyz Farmers Amid Climate Change\n\n"
            "Artificial glacier technology is emerging as a solution for farmers adapting to climate change.\n\n"
            "Glaciers store water in winter and release it in summer for irrigation.\n")
    assert titles(page) == ["Proton Plans to Launch Electric Vehicle Production in Kazakhstan",
                            "Artificial Glacier Technology to Support Kyrgyz Farmers Amid Climate Change"]


def test_question_in_an_interview_is_body_text_not_a_title():
    page = ("Digitizing Central Asia: Interview with a Media Leader From Almaty\n\nWe spoke with her.\n\n"
            "In what areas do you think these initiatives can help them improve?\n\nIn many areas, she said.\n")
    r = parse_page(page)
    assert len(r.articles) == 1 and "In what areas" in r.articles[0].body


def test_every_heading_on_a_listing_page_is_a_title():
    # one paragraph per article: the headings can only be titles, even a short one sharing words
    page = ("Tokayev Calls Nuclear Power a Correction\n\nTokayev said Kazakhstan would build nuclear plants.\n\n"
            "Tokayev Talks With Trump\n\nTokayev spoke with Trump by telephone about Kazakhstan.\n")
    assert titles(page) == ["Tokayev Calls Nuclear Power a Correction", "Tokayev Talks With Trump"]


def test_title_ending_in_an_abbreviation():
    page = "Kyrgyzstan Expands Security Cooperation with the U.S.\n\n" + LEAD + "\n"
    assert titles(page) == ["Kyrgyzstan Expands Security Cooperation with the U.S."]


def test_crlf_and_bom_are_handled():
    page = "\ufeffStory One About the Caspian Sea Level\r\n\r\n" + LEAD + "\r\n"
    r = parse_page(page)
    assert [a.title for a in r.articles] == ["Story One About the Caspian Sea Level"]
    assert r.articles[0].body == LEAD


def test_ids_are_stable_short_and_url_safe():
    a = parse_page("Story One About the Caspian Sea Level\n\n" + LEAD + "\n").articles[0]
    assert a.id == article_id("Story One About the Caspian Sea Level", LEAD)
    assert len(a.id) == 16 and a.id.isalnum()
    # a known value: the same on every run and machine
    assert article_id("Title", "Body text") == "840943801135cc67"
    # case, accents and punctuation do not change it; the body's first 30 words do, later words do not
    assert article_id("TITLE!", "body  TEXT") == "840943801135cc67"
    assert article_id("Title", "Body text" + " word" * 40) != article_id("Title", "Other text" + " word" * 40)
    long = " ".join(f"w{i}" for i in range(30))
    assert article_id("Title", long + " tail one") == article_id("Title", long + " tail two")


def test_merge_keeps_the_longest_body_and_the_union_of_metadata(tmp_path):
    listing = "Story About the Caspian Sea\n\n" + LEAD + " " + LEAD + " More follows...\n\n3 days ago\n"
    full = ("08 March 2025\n\nStory About the Caspian Sea\n\n" + LEAD + " " + LEAD + " More follows here in full.\n\n"
            "A second paragraph of the full text.\n")
    (tmp_path / "a.txt").write_text("10 March 2025\n\n" + listing, encoding="utf-8")
    (tmp_path / "b.txt").write_text(full, encoding="utf-8")
    arts = merge(x for x in read([str(tmp_path)]) if hasattr(x, "title"))
    assert len(arts) == 1
    a = arts[0]
    assert a.truncated is False and a.body.endswith("A second paragraph of the full text.")
    assert a.date == "2025-03-07"  # only the listing page told the date
    assert a.source == "a.txt; b.txt"


@pytest.mark.parametrize("text,iso", [("08 December 2025", "2025-12-08"), ("December 8, 2025", "2025-12-08"),
                                      ("2025-06-05T10:00Z", "2025-06-05"), ("1 Sept 2024", "2024-09-01"),
                                      ("30 February 2025", None), ("yesterday", None)])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_resolve_relative_clamps_month_ends():
    assert resolve_relative("1 month ago", "2025-03-31") == "2025-02-28"
    assert resolve_relative("a year ago", "2024-02-29") == "2023-02-28"
    assert resolve_relative("yesterday", "2025-01-01") == "2024-12-31"


# --- the five seed pages, end to end --------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_articles():
    return [a for a in read([str(ROOT / "seeds")]) if hasattr(a, "title")]


def test_seed_pages_give_every_article_exactly_once(seed_articles):
    assert [a.title for a in seed_articles] == [e["title"] for e in EXPECTED]
    assert len({a.id for a in seed_articles}) == 29


def test_seed_articles_per_page(seed_articles):
    per_page = {}
    for a in seed_articles:
        per_page[a.source] = per_page.get(a.source, 0) + 1
    assert per_page == {"000_72d898d6795f4622.txt": 6, "001_b04ae946092498ef.txt": 6,
                        "002_bcb3d56eb4f7bcec.txt": 6, "003_56765e4a1b937601.txt": 6, "004_0990d27ca15e835f.txt": 5}


@pytest.mark.parametrize("i", range(len(EXPECTED)))
def test_seed_article_fields(seed_articles, i):
    a, e = seed_articles[i], EXPECTED[i]
    assert (a.title, a.date, a.author, a.truncated, a.source) == (e["title"], e["date"], e["author"], e["truncated"],
                                                                 e["file"])
    words = a.body.split()
    assert words[:len(e["body_starts"].split())] == e["body_starts"].split()
    assert words[-len(e["body_ends"].split()):] == e["body_ends"].split()
    for junk in ("USD =", "[caption", "[/caption]", "Our People", "Avatar", "Viewing results", "days ago"):
        assert junk not in a.body


def test_seed_subheadings_stay_inside_their_article(seed_articles):
    doctors = next(a for a in seed_articles if a.title.startswith("Kazakh Doctors"))
    paragraphs = doctors.body.split("\n\n")
    assert "Healthcare Among Lowest-Paid Sectors" in paragraphs
    assert "Income Disparities Within the Profession" in paragraphs
    assert "• Therapists: 460,200 KZT ($890)" in doctors.body
    citizens = next(a for a in seed_articles if a.title.startswith("Citizens of Central Asia"))
    assert [p for p in citizens.body.split("\n\n") if len(p.split()) <= 7] == [
        "Russia Tightens Border Rules", "Response to the Crocus City Hall Attack", "Regional Backlash",
        "U.S. Restrictions Expand"]
