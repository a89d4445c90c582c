"""The indexer: generations swapped atomically, incremental updates, --strict, the lock, schema versions."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from click.testing import CliRunner

from search.cli import main
from search.engine import analyzers, store
from search.indexing import Progress
from search.errors import BadInput, IndexBusy, IndexMissing, IndexOutdated
from search.indexing.run import build_index
from search.engine.store import current_generation
from search.query.request import build_request
from search.query.run import run
from search.engine.view import IndexView

from .conftest import ROOT, SMALL, write_jsonl


def ids(index_dir, q=""):
    return sorted(h.id for h in run(build_request(q, per_page=100), IndexView(str(index_dir))).hits)


def test_full_build_then_incremental_skips_unchanged_and_replaces_changed(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    idx = tmp_path / "index"
    r1 = build_index([str(src)], str(idx))
    assert (r1.added, r1.updated, r1.unchanged, r1.articles) == (5, 0, 0, 5)
    gen1 = current_generation(str(idx))
    changed = [dict(SMALL[0], body=SMALL[0]["body"] + " New sentence about drones.")] + SMALL[1:] + [
        {"id": "a6", "title": "New Article on Drones", "body": "Drones over the steppe."}]
    write_jsonl(src, changed)
    r2 = build_index([str(src)], str(idx))
    assert (r2.added, r2.updated, r2.unchanged, r2.articles) == (1, 1, 4, 6)
    assert current_generation(str(idx)) != gen1
    assert ids(idx, "drones") == ["a1", "a6"]
    # the previous generation is kept for readers still holding it; older ones are removed
    r3 = build_index([str(src)], str(idx))
    assert (r3.added, r3.updated, r3.unchanged) == (0, 0, 6)
    gens = sorted(p.name for p in idx.glob("gen-*"))
    assert len(gens) == 2 and gens[-1] == current_generation(str(idx)).name


def test_full_rebuild_drops_articles_no_longer_in_the_input(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    idx = tmp_path / "index"
    build_index([str(src)], str(idx))
    write_jsonl(src, SMALL[:2])
    r = build_index([str(src)], str(idx), full=True)
    assert (r.added, r.articles) == (2, 2)
    assert ids(idx) == ["a1", "a2"]


def test_bad_records_are_skipped_and_reported(tmp_path):
    src = tmp_path / "mixed.jsonl"
    src.write_text('{"id": "g", "title": "Good", "body": "Fine."}\n{"title": "x"}\nnot json\n', encoding="utf-8")
    r = build_index([str(src)], str(tmp_path / "index"))
    assert r.added == 1
    assert [str(x) for x in r.rejected] == [f"{src}:2: missing body",
                                            f"{src}:3: invalid JSON: Expecting value at column 1"]


def test_strict_rejects_the_run_and_leaves_the_index_as_it_was(tmp_path):
    idx = tmp_path / "index"
    build_index([str(write_jsonl(tmp_path / "a.jsonl", SMALL))], str(idx))
    before = (idx / "CURRENT").read_text()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "n", "title": "New", "body": "B"}\n{"title": "no body"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match=r"--strict: 1 bad record\(s\), nothing indexed: .*bad.jsonl:2: missing body"):
        build_index([str(bad)], str(idx), strict=True)
    assert (idx / "CURRENT").read_text() == before
    assert ids(idx) == ["a1", "a2", "a3", "a4", "a5"]


def test_nothing_to_index_is_an_error_and_the_index_is_kept(tmp_path):
    idx = tmp_path / "index"
    build_index([str(write_jsonl(tmp_path / "a.jsonl", SMALL))], str(idx))
    with pytest.raises(BadInput, match="no articles found"):
        build_index([str(tmp_path / "nope")], str(idx))
    assert len(ids(idx)) == 5


def test_a_crash_while_writing_leaves_the_old_generation_live(tmp_path, monkeypatch):
    idx = tmp_path / "index"
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    build_index([str(src)], str(idx))
    live = current_generation(str(idx))

    def boom(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(store, "swap", boom)
    from search.errors import SearchError
    with pytest.raises(SearchError, match="the disk is full; the old index is unchanged"):
        build_index([str(src)], str(idx), full=True)
    assert current_generation(str(idx)) == live
    assert not list(idx.glob("gen-*.tmp"))
    assert len(ids(idx)) == 5


def test_kill_during_a_full_build_leaves_a_working_index(tmp_path):
    idx = tmp_path / "index"
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    build_index([str(src)], str(idx))
    big = write_jsonl(tmp_path / "big.jsonl", [{"title": f"Story {i}", "body": f"Body {i} " * 200}
                                               for i in range(3000)])
    proc = subprocess.Popen([sys.executable, "-m", "search", "index", str(big), "--full", "--index-dir", str(idx)],
                            stderr=subprocess.DEVNULL, cwd=Path(__file__).parent.parent)
    import time
    time.sleep(2.0)
    proc.kill()
    proc.wait()
    assert len(ids(idx)) in (5, 3000)  # the old generation, or the new one if it finished first
    from search.engine.stats import verify
    assert verify(IndexView(str(idx))) in (5, 3000)
    # the killed run's lock is gone with its process: the next run goes through
    assert build_index([str(src)], str(idx), full=True).articles == 5


@pytest.mark.parametrize("full", [True, False])
def test_kill_at_several_moments_keeps_every_article(tmp_path, full):
    """kill -9 an index run (full or incremental) at several moments: the index opens, verifies and keeps
    every article it had."""
    import time
    from search.engine.stats import verify
    idx = tmp_path / "index"
    base = write_jsonl(tmp_path / "base.jsonl", [{"id": f"b{i}", "title": f"Base {i}", "body": f"Base body {i} " * 50}
                                                 for i in range(300)])
    build_index([str(base)], str(idx))
    more = write_jsonl(tmp_path / "more.jsonl", [{"id": f"m{i}", "title": f"More {i}", "body": f"More body {i} " * 100}
                                                 for i in range(1500)])
    args = [sys.executable, "-m", "search", "index", str(base), str(more), "--index-dir", str(idx)]
    for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
        proc = subprocess.Popen(args + (["--full"] if full else []), stderr=subprocess.DEVNULL,
                                cwd=Path(__file__).parent.parent)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        view = IndexView(str(idx))
        n = verify(view)
        assert n in (300, 1800)
        assert {f"b{i}" for i in range(300)} <= set(view.ids)


def test_a_second_run_while_one_holds_the_lock_is_refused(tmp_path):
    idx = tmp_path / "index"
    idx.mkdir()
    with store.Lock(idx):
        with pytest.raises(IndexBusy, match=rf"another indexing run is in progress \(pid {os.getpid()}\)"):
            build_index([str(write_jsonl(tmp_path / "a.jsonl", SMALL))], str(idx))
    # released: the next run goes through
    assert build_index([str(tmp_path / "a.jsonl")], str(idx)).added == 5


def test_missing_and_outdated_indexes_give_clear_messages(tmp_path):
    with pytest.raises(IndexMissing, match="no index at .*: build one with `casearch index`"):
        IndexView(str(tmp_path / "none"))
    idx = tmp_path / "index"
    build_index([str(write_jsonl(tmp_path / "a.jsonl", SMALL))], str(idx))
    meta = current_generation(str(idx)) / "meta.json"
    meta.write_text(json.dumps({"schema_version": 0}))
    with pytest.raises(IndexOutdated, match="rebuild with casearch index --full"):
        IndexView(str(idx))


def test_an_index_whose_schema_names_moved_code_is_outdated_not_a_crash(tmp_path, monkeypatch):
    # an index written before a class of its pickled schema moved (as search.analysis.NewsTokenizer did)
    idx = tmp_path / "index"
    build_index([str(write_jsonl(tmp_path / "a.jsonl", SMALL))], str(idx))
    monkeypatch.delattr(analyzers, "NewsTokenizer")
    with pytest.raises(IndexOutdated, match=r"written by an older casearch: its schema names code this version no "
                                            r"longer has \(Can't get attribute 'NewsTokenizer'.*\); rebuild with "
                                            r"casearch index --full"):
        IndexView(str(idx))
    result = CliRunner().invoke(main, ["search", "water", "--index-dir", str(idx)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: the index at ") and "rebuild with casearch index --full" in result.output
    assert "Traceback" not in result.output


def test_an_indexing_run_reads_whooshs_mapped_files_in_place(tmp_path):
    # whoosh-reloaded copies every memory-mapped file it opens into a BytesIO unless share_mapped_files ran:
    # about 50 MB more at 30,000 articles in the indexer when it did not (README: Performance). A fresh
    # process, as `casearch index` is: importing changes nothing, the run itself turns it on.
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    code = f"""
from whoosh.filedb.structfile import BufferFile
from search.engine.postings import _buffer_file_init
from search.indexing.run import build_index
assert BufferFile.__init__ is not _buffer_file_init
build_index([{str(src)!r}], {str(tmp_path / "index")!r})
assert BufferFile.__init__ is _buffer_file_init
print("in place")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT))
    assert (out.returncode, out.stdout.strip()) == (0, "in place"), out.stderr


def _mount_tmpfs(path, options):
    """Mount a small tmpfs (root only); return a function that unmounts it, or None when not possible."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                                           capture_output=True).returncode != 0:
        return None
    return lambda: subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_read_only_index_folder_is_a_clear_error(tmp_path):
    from search.errors import SearchError
    idx = tmp_path / "index"
    unmount = _mount_tmpfs(idx, "ro,size=1m")
    if unmount is None:
        idx.chmod(0o555)
        if os.access(idx, os.W_OK):
            pytest.skip("cannot make a read-only folder here (root without mount)")
    try:
        with pytest.raises(SearchError, match="is not writable; the index was not changed"):
            build_index([str(write_jsonl(tmp_path / "a.jsonl", SMALL))], str(idx))
    finally:
        if unmount:
            unmount()


def test_disk_full_is_a_clear_error_and_the_old_index_stays(tmp_path):
    from search.errors import SearchError
    idx = tmp_path / "index"
    unmount = _mount_tmpfs(idx, "size=400k")
    if unmount is None:
        pytest.skip("a small filesystem needs root and mount (the seam test above covers the message)")
    try:
        build_index([str(write_jsonl(tmp_path / "a.jsonl", SMALL))], str(idx))
        big = write_jsonl(tmp_path / "big.jsonl", [{"title": f"Story {i}", "body": f"Word{i} " * 3000}
                                                   for i in range(200)])
        with pytest.raises(SearchError, match="disk is full; the old index is unchanged"):
            build_index([str(big)], str(idx))
        assert ids(idx) == ["a1", "a2", "a3", "a4", "a5"]
        assert not list(idx.glob("gen-*.tmp"))
    finally:
        unmount()


def test_prune_removes_articles_whose_files_are_gone(tmp_path):
    idx = tmp_path / "index"
    a = write_jsonl(tmp_path / "a.jsonl", SMALL[:2])
    b = write_jsonl(tmp_path / "b.jsonl", SMALL[2:])
    build_index([str(a), str(b)], str(idx))
    b.unlink()
    r = build_index([str(a)], str(idx))  # without --prune nothing is removed
    assert (r.removed, r.articles) == (0, 5)
    r = build_index([str(a)], str(idx), prune=True)
    assert (r.removed, r.unchanged, r.articles) == (3, 2, 2)
    assert ids(idx) == ["a1", "a2"]


def test_duplicate_ids_with_different_content_are_reported(tmp_path):
    src = write_jsonl(tmp_path / "d.jsonl", [{"id": "x", "title": "One", "body": "First text."},
                                             {"id": "x", "title": "Two", "body": "A longer second text."}])
    warnings = []

    class P(Progress):
        def warn(self, message):
            warnings.append(message)
    r = build_index([str(src)], str(tmp_path / "index"), progress=P())
    assert r.articles == 1
    assert warnings == [f"{src}:2: duplicate id 'x' with different content from {src}:1: kept the longer one, 'Two'"]


def test_huge_article_is_rejected_and_the_rest_indexed(tmp_path):
    src = write_jsonl(tmp_path / "big.jsonl", [{"id": "big", "title": "Huge", "body": "word " * 1_100_000},
                                               {"id": "ok", "title": "Fine", "body": "Small body."}])
    r = build_index([str(src)], str(tmp_path / "index"))
    assert r.articles == 1
    assert [str(x) for x in r.rejected] == [
        f"{src}:1: article 'Huge' has a body of 5.5 M characters, over the 5 M limit"]


class Warnings(Progress):
    def __init__(self):
        self.seen = []

    def warn(self, message):
        self.seen.append(message)


def test_warnings_stop_after_a_few_per_file_and_every_problem_is_counted(tmp_path):
    import random
    noise = tmp_path / "noise.jsonl"
    noise.write_bytes(random.Random(22).randbytes(300_000))
    few = tmp_path / "few.jsonl"
    few.write_text('{"title": "x"}\n{"title": "y"}\n{"id": "ok", "title": "Fine", "body": "Fine."}\n')
    progress = Warnings()
    r = build_index([str(noise), str(few)], str(tmp_path / "index"), progress=progress)
    bad = sum(str(x).startswith(f"{noise}:") for x in r.rejected)
    assert bad > 1000 and len(r.rejected) == bad + 2 and r.articles == 1
    assert progress.seen[:5] == [str(x) for x in r.rejected[:5]]
    assert progress.seen[5:] == [f"… and {bad - 5:,} more problems in {noise}", f"{few}:1: missing body",
                                 f"{few}:2: missing body"]


def test_summary_counts_in_the_singular_and_the_plural(tmp_path):
    r = build_index([str(write_jsonl(tmp_path / "one.jsonl", SMALL[:1]))], str(tmp_path / "index"))
    r.seconds = 0.25
    assert r.summary() == ("Indexed 1 article from 1 file in 0.2 s: 1 added, 0 updated, 0 unchanged, 0 rejected, "
                           "0 removed; 1 in the index")
    r = build_index([str(write_jsonl(tmp_path / "two.jsonl", SMALL[1:3])), str(tmp_path / "one.jsonl")],
                    str(tmp_path / "index"))
    r.seconds = 1.0
    assert r.summary() == ("Indexed 3 articles from 2 files in 1.0 s: 2 added, 0 updated, 1 unchanged, 0 rejected, "
                           "0 removed; 3 in the index")


def test_missing_paths_are_reported_and_the_rest_indexed(tmp_path):
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    r = build_index([str(src), str(tmp_path / "typo.jsonl"), str(tmp_path / "gone")], str(tmp_path / "index"))
    assert r.articles == 5 and r.missing == [str(tmp_path / "typo.jsonl"), str(tmp_path / "gone")]
    assert [str(x) for x in r.rejected] == [f"{tmp_path}/typo.jsonl: no such file or folder",
                                            f"{tmp_path}/gone: no such file or folder"]


def test_code_points_xml_forbids_never_stop_a_build(tmp_path):
    """A lone surrogate (a JSON escape such as \\ud800) in any field used to crash the run at hashing."""
    src = tmp_path / "s.jsonl"
    src.write_text('{"id": "s1", "title": "Water \\ud800 news", "body": "Water \\udfff and \\ufffe more.", '
                   '"author": "Ann \\ud800Lee", "url": "https://example.org/\\ud800"}\n', encoding="utf-8")
    r = build_index([str(src)], str(tmp_path / "index"))
    assert (r.articles, r.rejected) == (1, [])
    hit = run(build_request("water"), IndexView(str(tmp_path / "index"))).hits[0]
    assert (hit.title, hit.author, hit.url) == ("Water news", "Ann Lee", "https://example.org/")
