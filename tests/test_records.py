"""JSONL and CSV readers: fields, bad records reported as file:line and skipped."""
import json
import os

from search.models import Article, Rejected
from search.sources import read, read_file
from search.sources.records import read_csv, read_jsonl


def rejected(items):
    return [str(x) for x in items if isinstance(x, Rejected)]


def articles(items):
    return [x for x in items if isinstance(x, Article)]


def test_jsonl_reads_every_field():
    data = ('{"id": "x1", "title": "T", "body": "B text", "date": "2025-06-05T10:00Z", "author": " Ann  Lee ",'
            ' "url": "https://example.org/a", "source": "wire"}\n').encode()
    (a,) = list(read_jsonl(data, "f.jsonl"))
    assert (a.id, a.title, a.body, a.date, a.author, a.url, a.source) == (
        "x1", "T", "B text", "2025-06-05", "Ann Lee", "https://example.org/a", "wire")


def test_jsonl_bad_records_are_reported_and_skipped():
    data = "\n".join([
        '{"title": "Good", "body": "Fine body."}',
        '{"title": "Broken", "body": ',
        '{"body": "no title"}',
        '{"title": "No body", "body": "  "}',
        '{"title": "Bad date", "body": "x", "date": "next Tuesday"}',
        '{"title": "Impossible", "body": "x", "date": "2025-02-30"}',
        '{"title": ["list"], "body": "x"}',
        '["not", "an", "object"]',
        '',
        '{"title": "Written date", "body": "x", "date": "08 December 2025"}',
    ]).encode() + b"\n\xff\xfe{\"title\": 1}\n"
    items = list(read_jsonl(data, "f.jsonl"))
    assert [a.title for a in articles(items)] == ["Good", "Written date"]
    assert articles(items)[1].date == "2025-12-08"
    assert rejected(items) == [
        "f.jsonl:2: invalid JSON: Expecting value at column 29",
        "f.jsonl:3: missing title",
        "f.jsonl:4: missing body",
        "f.jsonl:5: unparseable date 'next Tuesday'",
        "f.jsonl:6: impossible date '2025-02-30'",
        "f.jsonl:7: field 'title' must be a string, got list",
        "f.jsonl:8: expected an object with title and body, got list",
        "f.jsonl:11: not UTF-8 (byte 1 of the line); save the file as UTF-8",
    ]


def test_json_errors_are_given_in_full_with_their_column():
    data = b'{"title": "Broken", "body": "no end\n{"title": "T", "body": "B"} {"x": 1}\n{"title": "T",, }\n'
    assert rejected(read_jsonl(data, "f.jsonl")) == [
        "f.jsonl:1: invalid JSON: Unterminated string starting at column 29",
        "f.jsonl:2: invalid JSON: Extra data at column 29",
        "f.jsonl:3: invalid JSON: Expecting property name enclosed in double quotes at column 15"]


def test_json_array_instead_of_jsonl_gets_a_hint():
    hint = "JSON Lines needs one object per line, e.g. jq -c '.[]' 'my arr.jsonl' > fixed.jsonl"
    pretty = list(read_jsonl(b'[\n  {"title": "a", "body": "b"},\n  {"title": "c", "body": "d"}\n]\n', "my arr.jsonl"))
    assert rejected(pretty)[0] == ("my arr.jsonl:1: invalid JSON (Expecting value at column 2): the file is a JSON "
                                   "array; " + hint)
    one_line = list(read_jsonl(b'[{"title": "a", "body": "b"}, {"title": "c", "body": "d"}]\n', "my arr.jsonl"))
    assert rejected(one_line) == ["my arr.jsonl:1: a JSON array of 2 items; " + hint]


def test_csv_reads_rows_and_reports_bad_ones():
    data = ("\ufefftitle,body,date,author\n"
            "First,\"Body, with comma\",2025-01-02,Ann\n"
            ",missing title,,\n"
            "Third,\"multi\nline body\",,\n").encode()
    items = list(read_csv(data, "f.csv"))
    good = articles(items)
    assert [(a.title, a.body, a.date, a.author) for a in good] == [
        ("First", "Body, with comma", "2025-01-02", "Ann"), ("Third", "multi\nline body", None, "")]
    assert rejected(items) == ["f.csv:3: missing title"]


def test_csv_without_required_columns_is_rejected():
    assert rejected(read_csv(b"headline,text\nx,y\n", "f.csv")) == [
        "f.csv:1: CSV header must name at least the columns title and body"]


def test_csv_not_utf8_is_rejected_with_its_line():
    data = "title,body\nok,fine\n".encode() + "Привет,мир\n".encode("cp1251")
    items = list(read_csv(data, "f.csv"))
    assert rejected(items) == ["f.csv:3: not UTF-8; save the file as UTF-8"]
    assert [a.title for a in articles(items)] == ["ok"]  # rows before the bad bytes are kept


def test_ids_are_derived_when_missing_and_kept_when_given():
    items = articles(read_jsonl(b'{"title": "T", "body": "B"}\n{"id": "mine", "title": "T", "body": "B"}\n', "f"))
    assert len(items[0].id) == 16 and items[1].id == "mine"


def test_unsafe_ids_are_rejected():
    items = list(read_jsonl(b'{"id": "../etc/passwd", "title": "T", "body": "B"}\n', "f.jsonl"))
    assert rejected(items) == ["f.jsonl:1: id '../etc/passwd' must be at most 128 printable characters "
                               "without / \\ ? # %"]
    data = b"".join(b'{"id": "%s", "title": "T", "body": "B"}\n' % i for i in (b".", b"..", b"...", b".x"))
    items = list(read_jsonl(data, "f.jsonl"))
    assert rejected(items) == ["f.jsonl:1: id '.' cannot be . or ..: a browser reads /article/. as another page",
                               "f.jsonl:2: id '..' cannot be . or ..: a browser reads /article/.. as another page"]
    assert [a.id for a in articles(items)] == ["...", ".x"]  # no dot segment: their links lead to them
    items = list(read_csv(b"id,title,body\n..,T,B\n", "f.csv"))
    assert rejected(items) == ["f.csv:2: id '..' cannot be . or ..: a browser reads /article/.. as another page"]


def test_files_and_folders(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to(tmp_path / "sub")
    (tmp_path / "sub" / "ok.jsonl").write_text('{"title": "T", "body": "B"}\n')
    items = list(read([str(tmp_path), str(tmp_path / "missing.csv")]))
    assert len(articles(items)) == 1
    msgs = rejected(items)
    assert f"{tmp_path}/bin.txt: binary file, not a text page" in msgs
    assert f"{tmp_path}/empty.jsonl: empty file" in msgs
    assert f"{tmp_path}/missing.csv: no such file or folder" in msgs
    assert any(m.endswith("symlink loop skipped") for m in msgs)


def test_page_that_is_not_utf8_is_rejected(tmp_path):
    p = tmp_path / "ru.txt"
    p.write_bytes("Заголовок\n\nТекст статьи.\n".encode("cp1251"))
    assert rejected(read_file(p)) == [f"{p}:1: not UTF-8 text; save the page as UTF-8"]


def test_bom_control_characters_and_long_titles():
    data = ("\ufeff" + json.dumps({"title": "Ti\u0007tle\u200b", "body": "Bo\x00dy\r\ntext"}) + "\n"
            + json.dumps({"title": "T" * 10000, "body": "b"}) + "\n").encode("utf-8")
    a, b = articles(read_jsonl(data, "f.jsonl"))
    assert (a.title, a.body) == ("Title", "Body\ntext")
    assert len(b.title) == 1001 and b.title.endswith("…")


def test_page_without_articles_is_reported(tmp_path):
    p = tmp_path / "empty-page.txt"
    p.write_text("09 February 2026\n\nViewing results 1 - 0 of 0\n", encoding="utf-8")
    assert rejected(read_file(p)) == [f"{p}: no articles found on this page"]


def test_unreadable_file_is_reported(tmp_path, monkeypatch):
    p = tmp_path / "locked.jsonl"
    p.write_text('{"title": "T", "body": "B"}\n')
    if os.geteuid() != 0:
        p.chmod(0)
        assert rejected(read_file(p)) == [f"{p}: cannot read file: Permission denied"]
    else:
        # root reads anything; a folder where a file is expected gives the same kind of error
        d = tmp_path / "dir.jsonl"
        d.mkdir()
        assert rejected(read_file(d)) == [f"{d}: cannot read file: Is a directory"]



def test_large_jsonl_and_csv_files_are_streamed(tmp_path, monkeypatch):
    import search.sources as sources
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 100)  # the page limit does not apply to records
    j = tmp_path / "many.jsonl"
    j.write_text("".join(json.dumps({"title": f"T{i}", "body": "b" * 50}) + "\n" for i in range(50)))
    c = tmp_path / "many.csv"
    c.write_text("title,body\n" + "".join(f"T{i},{'b' * 50}\n" for i in range(50)))
    assert len(articles(read_file(j))) == 50 and len(articles(read_file(c))) == 50
    p = tmp_path / "page.txt"
    p.write_text("Story One About the Caspian Sea Level\n\n" + "word " * 100 + "\n")
    assert rejected(read_file(p))[0].endswith("MB limit for one page")


def test_clean_text_unifies_spaces_and_keeps_paragraphs():
    from search.sources.common import clean_text
    text = "  Almaty\u00a0 air\ttaxis \r\n\r\n\r\nsecond\u2003para\x00graph  \n \u200bthird"
    assert clean_text(text) == "Almaty air taxis\n\nsecond paragraph\nthird"
    assert clean_text("plain line with single spaces") == "plain line with single spaces"


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\u00a0\u2003\u202f\u3000\u205fab\n\r\x01\u200b", max_size=30))
def test_clean_text_skips_the_space_regex_only_where_it_changes_nothing(text):
    """Lines without double spaces, tabs or non-ASCII skip _SPACE_RE: the result is the regex's everywhere."""
    from search.sources import common
    text2 = common._CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [common._SPACE_RE.sub(" ", line).strip() for line in text2.split("\n")]
    assert common.clean_text(text) == common._paragraphs(lines)


def test_dates_outside_the_accepted_range_are_rejected_with_their_line(tmp_path):
    """Years 1600 to 2199 are read; others (placeholders such as 9999-12-31, typos) are rejected at ingest."""
    dates = ["0999-05-01", "0001-01-01", "9999-12-31", "1599-12-31", "1600-01-01", "2199-12-31", "2200-01-01",
             "May 1, 1066"]
    src = tmp_path / "odd.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i}", "title": f"T{i}", "body": "B", "date": d}) + "\n"
                           for i, d in enumerate(dates)))
    items = list(read_file(src))
    assert [(a.id, a.date) for a in articles(items)] == [("d4", "1600-01-01"), ("d5", "2199-12-31")]
    outside = "outside the accepted range 1600-01-01 to 2199-12-31"
    assert rejected(items) == [f"{src}:1: date 0999-05-01 {outside}", f"{src}:2: date 0001-01-01 {outside}",
                               f"{src}:3: date 9999-12-31 {outside}", f"{src}:4: date 1599-12-31 {outside}",
                               f"{src}:7: date 2200-01-01 {outside}", f"{src}:8: date 1066-05-01 {outside}"]


def test_a_page_article_dated_outside_the_range_is_rejected_by_its_title(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Story One About the Caspian Sea Level\n\nThe level of the Caspian Sea fell again this year, "
                    "scientists in Baku said on Monday.\n\n05 June 1492\n\nStory Two About Tajik Hydropower Plans\n\n"
                    "Tajikistan plans three new plants on the Vakhsh river, the ministry said.\n\nJune 4, 2025\n")
    items = list(read_file(page))
    assert [(a.title, a.date) for a in articles(items)] == [("Story Two About Tajik Hydropower Plans", "2025-06-04")]
    assert rejected(items) == [f"{page}: article 'Story One About the Caspian Sea Level': date 1492-06-05 outside "
                               f"the accepted range 1600-01-01 to 2199-12-31"]


def test_csv_cells_of_any_size_are_read_and_so_are_the_rows_after_them(tmp_path):
    """Over the csv module's default 131,072 characters a cell used to end the file; 5 M is the only limit."""
    src = tmp_path / "long.csv"
    src.write_text(f"title,body\nLong,\"{'word ' * 40_000}\"\nAfter,still read\nHuge,{'w' * 5_000_001}\n"
                   "Last,read too\n")
    items = list(read_file(src))
    assert [(a.title, len(a.body)) for a in articles(items)] == [("Long", 199_999), ("After", 10), ("Last", 8)]
    assert rejected(items) == [f"{src}:4: article 'Huge' has a body of 5.0 M characters, over the 5 M limit"]


def test_a_malformed_csv_row_is_rejected_alone(tmp_path, monkeypatch):
    """Whatever the csv module refuses (here a cell over a lowered field limit) costs that row only."""
    import csv
    from search.sources import records
    monkeypatch.setattr(records, "FIELD_LIMIT", 50)
    before = csv.field_size_limit()
    try:
        items = list(read_csv(f"title,body\nA,short\nB,{'x' * 60}\nC,\"two\nlines\"\n".encode(), "f.csv"))
    finally:
        csv.field_size_limit(before)  # the limit is process-wide: leave it as it was for the other tests
    assert [(a.title, a.body, a.where) for a in articles(items)] == [("A", "short", "f.csv:2"),
                                                                     ("C", "two\nlines", "f.csv:4")]
    assert rejected(items) == ["f.csv:3: malformed CSV: field larger than field limit (50)"]


def test_csv_with_lines_ended_by_a_lone_cr_is_read():
    """Old Mac exports end lines with CR alone; a CR inside a quoted cell stays in it."""
    items = list(read_csv(b'title,body\rFirst,one\r"Second","two\rlines"\r,no title\r', "mac.csv"))
    assert [(a.title, a.body) for a in articles(items)] == [("First", "one"), ("Second", "two\nlines")]
    assert rejected(items) == ["mac.csv:5: missing title"]


def test_code_points_xml_forbids_are_removed_from_every_field():
    """Lone surrogates (from JSON escapes), U+FFFE, U+FFFF and the other noncharacters are no text."""
    rec = {"title": "Wa\ufffeter \ud800news", "body": "Body\uffff text \ufdd0and \U0010ffff\U0001fffemore\udfff",
           "author": "Ann\ud83d Lee\ufffe", "url": "https://example.org/\uffffa", "source": "wire\udc00"}
    (a,) = articles(read_jsonl((json.dumps(rec) + "\n").encode(), "f.jsonl"))
    assert (a.title, a.body, a.author, a.url, a.source) == (
        "Water news", "Body text and more", "Ann Lee", "https://example.org/a", "wire")


def test_clean_text_keeps_every_other_code_point():
    from search.sources.common import clean_text
    text = "\ud7ff\ue000\ufdcf\ufdf0\ufffd \U0001f600\U0010fffd"
    assert clean_text(text) == text


def test_json_files_and_broken_links_in_a_folder_are_reported(tmp_path):
    (tmp_path / "articles.json").write_text('[{"title": "T", "body": "B"}]')
    (tmp_path / "gone.jsonl").symlink_to(tmp_path / "deleted.jsonl")
    (tmp_path / "notes.md").write_text("not articles, skipped without a word")
    (tmp_path / "ok.jsonl").write_text('{"title": "T", "body": "B"}\n')
    items = list(read([str(tmp_path), str(tmp_path / "named.json")]))
    assert len(articles(items)) == 1
    assert rejected(items) == [
        f"{tmp_path}/articles.json: a .json file is not read: write one article per line and name the file .jsonl, "
        "skipped",
        f"{tmp_path}/gone.jsonl: broken symbolic link (to {tmp_path}/deleted.jsonl), skipped",
        f"{tmp_path}/named.json: no such file or folder"]
    (tmp_path / "named.json").write_text("{}")
    assert rejected(read([str(tmp_path / "named.json")])) == [
        f"{tmp_path}/named.json: a .json file is not read: write one article per line and name the file .jsonl"]


def test_utf16_records_files_are_rejected_once(tmp_path):
    for name in ("excel.csv", "tool.jsonl"):
        p = tmp_path / name
        p.write_text('title,body\nT,B\n' if name.endswith(".csv") else '{"title": "T", "body": "B"}\n',
                     encoding="utf-16")
        assert rejected(read_file(p)) == [f"{p}: UTF-16 text; save the file as UTF-8"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(alphabet='title,body"\r\n \x00\ufffe\ud800{}[]:é', max_size=60).map(
    lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_give_articles_or_rejections_never_an_error(data):
    for reader, name, head in ((read_csv, "f.csv", b""), (read_csv, "f.csv", b"title,body\n"),
                               (read_jsonl, "f.jsonl", b"")):
        for item in reader(head + data, name):
            assert isinstance(item, Article) or (isinstance(item, Rejected) and item.where.startswith(f"{name}:"))
