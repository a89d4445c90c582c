"""IndexView.preload maps the most-read parts of the index, within its budget, and stops when asked;
settings read from the environment are checked with a clear message."""
import os
import sys
from pathlib import Path

import pytest

from search import config
from search.errors import BadSetting
from search.indexing.run import build_index
from search.engine.handle import IndexHandle
from search.engine.view import IndexView

from .conftest import held_files, write_jsonl

DOCS = [{"id": f"p{i}", "title": f"Report {i} on the {('Aral', 'Caspian', 'Issyk-Kul')[i % 3]} basin",
         "body": f"Water levels fell by {i % 9} metres. " * (1 + i % 4), "date": f"2024-0{1 + i % 9}-1{i % 10}"}
        for i in range(60)]


def _kind(name: str) -> str:
    for end in (".trm", ".cpst", "_stored.col", ".pst"):
        if name.endswith(end):
            return end
    return "column" if name.endswith(".col") else name


@pytest.fixture()
def index(tmp_path):
    build_index([str(write_jsonl(tmp_path / "p.jsonl", DOCS))], str(tmp_path / "index"), full=True)
    return str(tmp_path / "index")


def _parts(view) -> dict:
    """Every part of the view's one segment with its length, as the compound file lists them."""
    (leaf, _), = view.searcher.reader().leaf_readers()
    storage = leaf._segment.open_compound_file(view.ix.storage)
    try:
        return {name: storage.file_length(name) for name in storage.list()}
    finally:
        storage.close()


def test_preload_maps_every_part_columns_first_then_terms_postings_articles(index):
    view = IndexView(index)
    parts = _parts(view)
    assert view.preloaded == [] and view.preloaded_bytes == 0
    assert view.preload(1 << 30) == sum(parts.values())
    names = [name for name, _ in view.preloaded]
    assert sorted(names) == sorted(parts) and dict(view.preloaded) == parts  # each part whole
    kinds = [_kind(n) for n in names]
    columns = kinds.count("column")
    assert columns == 6  # id, hash, date and the lengths of title, body and tags (no article has an author)
    assert kinds == ["column"] * columns + [".trm", ".cpst", "_stored.col", ".pst"]
    assert view.preload(1 << 30) == sum(parts.values())  # once per view: nothing mapped twice
    assert len(view._maps) == 1
    view.close()
    assert view._maps == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps (Linux)")
def test_preloaded_pages_are_resident_in_preloads_own_map(index):
    view = IndexView(index)
    segment = next(Path(view.generation).glob("*.seg"))
    before = _mapped(segment)
    mapped = view.preload(1 << 30)
    after = _mapped(segment)
    assert len(after) == len(before) + 1  # preload's own map of the segment file, kept open
    (new_rss,) = [rss for start, rss in after.items() if start not in before]
    # every page of every part is touched; the compound file's header and directory are outside the parts
    assert mapped <= new_rss <= os.path.getsize(segment) + 4096
    view.close()
    assert before and _mapped(segment) == {}  # closed with the view: preload's map and its searchers'


def _mapped(path: Path) -> dict:
    """Start address -> resident kB * 1024 of each map of `path` in this process."""
    maps, current = {}, None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
            current = fields[0].split("-")[0] if len(fields) == 6 and fields[5] == str(path) else None
            if current:
                maps[current] = 0
        elif current and fields[0] == "Rss:":
            maps[current] = int(fields[1]) * 1024
    return maps


def test_preload_stops_at_its_budget_in_the_middle_of_a_part(index):
    view = IndexView(index)
    parts = _parts(view)
    by_kind = {}
    for name, size in parts.items():
        by_kind[_kind(name)] = by_kind.get(_kind(name), 0) + size
    budget = by_kind["column"] + by_kind[".trm"] + 100
    assert view.preload(budget) == budget
    assert [_kind(n) for n, _ in view.preloaded][-2:] == [".trm", ".cpst"]
    assert view.preloaded[-1][1] == 100  # the sidecar's first 100 bytes
    view.close()


def test_a_zero_budget_or_a_stopped_view_maps_nothing(index):
    view = IndexView(index)
    assert view.preload(0) == 0 and view.preloaded == [] and view._maps == []
    view.stop_preload()
    assert view.preload(1 << 30) == 0 and view.preloaded == [] and view._maps == []
    view.close()


def test_warm_preloads_as_the_setting_says(index, monkeypatch):
    monkeypatch.setenv("CASEARCH_PRELOAD_MB", "0")
    view = IndexView(index)
    view.warm(limit=1)
    assert view.preloaded == []
    monkeypatch.setenv("CASEARCH_PRELOAD_MB", "1")
    view = IndexView(index)
    view.warm(limit=1)
    assert view.preloaded_bytes == min(1 << 20, sum(_parts(view).values()))
    view = IndexView(index)
    view.warm(limit=1, preload_mb=0)  # the argument wins over the setting
    assert view.preloaded == []
    monkeypatch.setenv("CASEARCH_PRELOAD_MB", "lots")
    with pytest.raises(BadSetting, match="^CASEARCH_PRELOAD_MB must be a whole number, not 'lots'$"):
        IndexView(index).warm(limit=1)


def test_a_new_generation_stops_the_old_views_preload(index, tmp_path):
    handle = IndexHandle(index)
    old = handle.get()
    handle.warmer.join(30)
    assert not old._stop.is_set() and old.preloaded_bytes > 0
    build_index([str(write_jsonl(tmp_path / "more.jsonl", DOCS[:5] + [dict(DOCS[0], id="new")]))], index)
    new = handle.get()
    assert new is not old and old._stop.is_set() and not new._stop.is_set()
    handle.warmer.join(30)
    assert new.preloaded_bytes > 0


@pytest.mark.parametrize("env,raw,message", [
    ("CASEARCH_PORT", "abc", "CASEARCH_PORT must be a whole number, not 'abc'"),
    ("CASEARCH_PORT", "70000", "CASEARCH_PORT must be from 1 to 65535, not 70000"),
    ("CASEARCH_THREADS", "0", "CASEARCH_THREADS must be at least 1, not 0"),
    ("CASEARCH_PRELOAD_MB", "-5", "CASEARCH_PRELOAD_MB must be at least 0, not -5"),
    ("CASEARCH_PER_PAGE", "1.5", "CASEARCH_PER_PAGE must be a whole number, not '1.5'"),
])
def test_a_bad_setting_is_named_with_its_value(monkeypatch, env, raw, message):
    monkeypatch.setenv(env, raw)
    name = next(s.name for s in config.SETTINGS if s.env == env)
    with pytest.raises(BadSetting) as e:
        config.get(name)
    assert str(e.value) == message
    with pytest.raises(BadSetting):
        config.check()


def test_settings_are_read_typed_and_trimmed(monkeypatch):
    monkeypatch.setenv("CASEARCH_PRELOAD_MB", " 64 ")
    monkeypatch.setenv("CASEARCH_HOST", "0.0.0.0")
    monkeypatch.setenv("CASEARCH_PORT", "")
    assert config.get("preload_mb") == 64 and config.get("host") == "0.0.0.0" and config.get("port") == 8000
    config.check()
    assert config.shown("port") == "$CASEARCH_PORT, else 8000"
    monkeypatch.setenv("CASEARCH_PORT", "x")
    assert config.shown("port") == "$CASEARCH_PORT, else 8000"  # --help never reads the variable


def test_serve_with_a_bad_setting_stops_with_one_line(monkeypatch, index):
    from click.testing import CliRunner
    from search.cli import main
    monkeypatch.setenv("CASEARCH_THREADS", "many")
    r = CliRunner().invoke(main, ["serve", "--index-dir", index])
    assert r.exit_code == 1
    assert r.output.strip() == "Error: CASEARCH_THREADS must be a whole number, not 'many'"
    monkeypatch.delenv("CASEARCH_THREADS")
    r = CliRunner().invoke(main, ["serve", "--index-dir", index, "--port", "0"])
    assert r.exit_code == 2 and "0 is not in the range 1<=x<=65535" in r.output


def test_a_bad_setting_stops_the_app_before_it_serves(monkeypatch, index):
    from search.errors import BadSetting
    from web import create_app
    monkeypatch.setenv("CASEARCH_PER_PAGE", "ten")
    with pytest.raises(BadSetting) as e:
        create_app({"INDEX_DIR": index, "TESTING": True})  # read once, at start: never a 500 per request
    assert str(e.value) == "CASEARCH_PER_PAGE must be a whole number, not 'ten'"


def test_a_replaced_generation_is_let_go_when_its_last_request_ends(index, tmp_path):
    """A request holds its view across a reindex; when it ends, the old generation's maps and files are closed
    (the deleted generation's disk is freed), while the live view stays open for the next request."""
    from search.query.request import build_request
    from search.query.run import run
    from search.query.articles import article
    handle = IndexHandle(index, preload_mb=64)
    with handle.acquire() as old:
        handle.warmer.join(30)
        gen = old.generation
        first = run(build_request("water basin", per_page=5), old)
        assert run(build_request("watr"), old).suggestion == "water"  # the mapped spelling table read
        assert article(old, "p1")["title"] == "Report 1 on the Caspian basin"
        assert any(f.endswith(".seg") for f in held_files(gen)) and old.preloaded_bytes > 0
        for _ in range(2):  # the second full run removes the first generation (one old one is kept)
            build_index([str(tmp_path / "p.jsonl")], index, full=True)
        assert not gen.exists()
        with handle.acquire() as new:
            assert new is not old and new.generation != gen
            assert handle.users(old) == 1 and handle.users(new) == 1
            assert [h.id for h in run(build_request("water basin", per_page=5), new).hits] == \
                   [h.id for h in first.hits]
        assert held_files(gen) != []  # still read by the first request: mapped, marked (deleted)
        assert [h.id for h in run(build_request("water basin", per_page=5), old).hits] == [h.id for h in first.hits]
    assert held_files(gen) == []
    assert handle.users(old) == 0 and handle.users(new) == 0
    with handle.acquire() as again:  # the live view was not closed with its request
        assert again is new and run(build_request("water basin", per_page=5), again).total == first.total
    assert held_files(new.generation) != []


def test_a_view_no_request_holds_is_closed_at_the_swap(index, tmp_path):
    handle = IndexHandle(index, preload_mb=0)
    old = handle.get()
    handle.warmer.join(30)
    gen = old.generation
    assert held_files(gen) != []
    build_index([str(tmp_path / "p.jsonl")], index, full=True)
    assert handle.get() is not old and held_files(gen) == []
