"""The CLI through click's CliRunner and as a real process: commands, output streams, exit codes."""
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from search.cli import main

from .conftest import ROOT, SMALL, write_jsonl

COMMANDS = sorted(main.commands)  # every command the CLI has (the next test names them)


@pytest.fixture
def runner():
    return CliRunner()


def test_the_cli_has_the_commands_of_the_interface():
    assert COMMANDS == ["bench", "entity", "eval", "export", "index", "search", "serve", "show", "stats", "tags",
                        "verify"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help_with_an_example(runner, cmd):
    r = runner.invoke(main, [cmd, "--help"])
    assert r.exit_code == 0 and "Example: casearch" in r.output


def test_index_search_show_export_stats_verify(runner, tmp_path):
    idx = str(tmp_path / "index")
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    r = runner.invoke(main, ["index", str(src), "--index-dir", idx])
    assert r.exit_code == 0
    assert r.stdout == ""
    assert "Indexed 5 articles from 1 file in" in r.stderr and "5 added" in r.stderr
    r = runner.invoke(main, ["search", "water", "--json", "--index-dir", idx])
    data = json.loads(r.stdout)
    assert r.exit_code == 0 and sorted(h["id"] for h in data["results"]) == ["a2", "a3", "a5"]
    r = runner.invoke(main, ["search", "air taxi", "--index-dir", idx])
    assert "1 articles match" in r.stdout and "Almaty Air Taxi Service to Launch  [a1]" in r.stdout
    r = runner.invoke(main, ["show", "a2", "--json", "--index-dir", idx])
    assert json.loads(r.stdout)["title"] == "Kyrgyzstan Builds Artificial Glaciers"
    r = runner.invoke(main, ["export", "--index-dir", idx])
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert sorted(x["id"] for x in rows) == ["a1", "a2", "a3", "a4", "a5"]
    r = runner.invoke(main, ["export", "water", "--format", "csv", "--index-dir", idx])
    assert r.stdout.splitlines()[0] == "id,title,date,author,url,countries,people,topics,source,body,truncated,group,duplicate_of"
    assert len(r.stdout.strip().splitlines()) == 4
    r = runner.invoke(main, ["stats", "--json", "--index-dir", idx])
    st = json.loads(r.stdout)
    assert st["articles"] == 5 and st["date_from"] == "2024-11-02" and st["schema_version"] == 2
    r = runner.invoke(main, ["verify", "--index-dir", idx])
    assert r.exit_code == 0 and "OK: 5 articles" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["show", "nope"], "Error: no article with id 'nope'"),
    (["search", "x", "--page", "0"], "Error: page must be at least 1"),
    (["search", "x", "--from", "yesterday"], "Error: from must be a date"),
    (["search", "x", "--limit", "0"], "Error: --limit must be at least 1"),
    (["search", "x", "--limit", "101"], "Error: --limit must be at most 100"),
])
def test_user_errors_are_one_line_and_exit_1(runner, small_index, args, message):
    r = runner.invoke(main, args + ["--index-dir", str(small_index)])
    assert r.exit_code == 1
    assert r.stderr.startswith(message)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_filters_take_what_a_person_types(runner, seed_index):
    def search(*args):
        r = runner.invoke(main, ["search", "--json", "--limit", "100", "--index-dir", str(seed_index), *args])
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        return [h["id"] for h in data["results"]], data["query"]

    canonical = search("--person", "Kassym-Jomart Tokayev", "--country", "Kazakhstan", "--author", "Vagit Ismailov")
    assert canonical[0] and canonical[1]["notices"] == []
    typed = search("--person", "Tokayev", "--country", "kazakhstan", "--author", "ismailov")
    assert typed[0] == canonical[0]
    assert (typed[1]["person"], typed[1]["country"], typed[1]["author"]) == (
        ["Kassym-Jomart Tokayev"], ["Kazakhstan"], "Vagit Ismailov")
    assert typed[1]["notices"] == ["The person “Tokayev” was read as “Kassym-Jomart Tokayev”.",
                                   "The author “ismailov” was read as “Vagit Ismailov”."]
    r = runner.invoke(main, ["search", "--person", "Nobody", "--index-dir", str(seed_index)])
    assert r.exit_code == 0 and r.stdout.startswith("0 articles match")
    assert r.stderr == "note: No article is tagged with the person “Nobody”.\n"


def test_missing_index_is_a_user_error(runner, tmp_path):
    r = runner.invoke(main, ["search", "x", "--index-dir", str(tmp_path / "none")])
    assert r.exit_code == 1 and r.stderr.startswith("Error: no index at")


def test_strict_failure_exits_1(runner, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "only title"}\n')
    r = runner.invoke(main, ["index", str(bad), "--strict", "--index-dir", str(tmp_path / "i")])
    assert r.exit_code == 1 and "--strict: 1 bad record(s)" in r.stderr


def test_usage_error_exits_2(runner):
    assert runner.invoke(main, ["search", "--sort", "sideways"]).exit_code == 2


def test_index_dir_from_environment(tmp_path):
    env = dict(os.environ, CASEARCH_INDEX=str(tmp_path / "envidx"))
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    r = subprocess.run([sys.executable, "-m", "search", "index", str(src)], env=env, capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0 and (tmp_path / "envidx" / "CURRENT").exists()


def test_default_paths_are_relative_to_the_working_directory(tmp_path):
    """seeds/ and index/ are the working directory's, never the installed package's (a wheel is the same)."""
    import shutil
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    env = {k: v for k, v in os.environ.items() if k not in ("CASEARCH_INDEX", "CASEARCH_SEEDS")}
    r = subprocess.run([sys.executable, "-m", "search", "index"], env=env, capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "index" / "CURRENT").exists()
    assert "29 added" in r.stderr


def test_version(runner):
    r = runner.invoke(main, ["--version"])
    assert r.exit_code == 0 and r.output == "casearch 0.1.0\n"


def test_pipeline_runs_with_an_empty_nltk_data(tmp_path):
    """NLTK's data packages cannot be downloaded: nothing may need them."""
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    env = dict(os.environ, NLTK_DATA=str(empty), HOME=str(tmp_path))
    idx = str(tmp_path / "index")
    r = subprocess.run([sys.executable, "-m", "search", "index", str(ROOT / "seeds"), "--index-dir", idx],
                       env=env, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "search", "search", "Tokayev", "--json", "--index-dir", idx],
                       env=env, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and json.loads(r.stdout)["total"] > 5


def test_tags_explains_each_value(runner, seed_index):
    from search.engine.view import IndexView
    view = IndexView(str(seed_index))
    aid = next(i for i in view.ids if view.searcher.stored_fields(view.ids[i])["title"].startswith("Kyrgyzstan Expands"))
    r = runner.invoke(main, ["tags", aid, "--json", "--index-dir", str(seed_index)])
    ev = json.loads(r.stdout)
    countries = {v["value"]: v["mentions"] for v in ev["facets"]["country"]}
    assert list(countries) == ["Kyrgyzstan", "United States"]
    assert ["Kyrgyzstan", "title", 0] in countries["Kyrgyzstan"]
    assert any(m[0] == "Bishkek" for m in countries["Kyrgyzstan"])
    r = runner.invoke(main, ["tags", aid, "--index-dir", str(seed_index)])
    assert "Kyrgyzstan: 'Kyrgyzstan' (title @0)" in r.stdout


def _casearch(args, **kw):
    """Run the CLI as a real process (the shell's redirections are real files, sockets are real ports)."""
    return subprocess.run([sys.executable, "-m", "search", *args], cwd=ROOT, text=True, timeout=60, **kw)


def test_serve_on_a_busy_port_says_so_in_one_line(small_index):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = _casearch(["serve", "--port", str(port), "--index-dir", str(small_index)], capture_output=True)
    assert r.returncode == 1
    assert r.stderr == (f"Error: cannot listen on 127.0.0.1:{port}: address already in use — is another casearch "
                        f"serve running? use --port\n")


@pytest.mark.parametrize("host,reason", [
    ("nosuchhost.invalid", "'nosuchhost.invalid' is neither an address nor a host name this machine can resolve; "
                           "use --host"),
    ("192.0.2.1", "no such address on this machine; use --host"),  # TEST-NET-1: never a local address
])
def test_serve_on_a_host_it_cannot_listen_on_says_so_in_one_line(small_index, host, reason):
    r = _casearch(["serve", "--host", host, "--port", "8000", "--index-dir", str(small_index)], capture_output=True)
    assert r.returncode == 1
    assert r.stderr == f"Error: cannot listen on {host}:8000: {reason}\n"


@pytest.mark.parametrize("args", [["export"], ["export", "air taxi"], ["export", "--format", "csv"]])
def test_export_to_a_full_disk_is_one_line_and_exit_1(small_index, args):
    """/dev/full: every write fails with ENOSPC, as on a full disk; a small export fails only at its flush."""
    with open("/dev/full", "w") as full:
        r = _casearch(args + ["--index-dir", str(small_index)], stdout=full, stderr=subprocess.PIPE)
    assert r.returncode == 1
    assert r.stderr == "Error: cannot write the output: No space left on device\n"


def test_other_output_to_a_full_disk_is_one_line_and_exit_1(small_index):
    with open("/dev/full", "w") as full:
        r = _casearch(["search", "water", "--json", "--index-dir", str(small_index)], stdout=full,
                      stderr=subprocess.PIPE)
    assert r.returncode == 1 and r.stderr == "Error: No space left on device\n"


def test_write_out_writes_every_line_and_flushes(capsys):
    from search.terminal import write_out
    write_out(iter(["a\n", "b\n"]))
    assert capsys.readouterr().out == "a\nb\n"


def _damage(gen, what):
    """Damage one file of a generation as a failing disk or a stray command would; returns the file."""
    seg = next(gen.glob("*.seg"))
    path = {"segment": seg, "toc": next(gen.glob("_MAIN_*.toc")), "ledger": gen / "ledger.npz",
            "spelling": gen / "deletes.npy", "meta": gen / "meta.json", "missing": seg}[what]
    if what == "missing":
        path.unlink()
    elif what == "meta":
        path.write_text("{")
    else:
        os.truncate(path, {"segment": path.stat().st_size // 2, "toc": 100}.get(what, 1000))
    return path


@pytest.mark.parametrize("what,reason", [
    ("segment", "is truncated ("),
    ("toc", "is damaged (pickle.UnpicklingError: pickle data was truncated)"),
    ("ledger", "is damaged (zipfile.BadZipFile: File is not a zip file)"),
    ("spelling", "is damaged (ValueError: mmap length is greater than file size)"),
    ("meta", "is damaged (json.JSONDecodeError: Expecting property name"),
    ("missing", "is missing"),
])
def test_verify_names_the_damaged_file_and_what_to_run(runner, small_index, what, reason):
    from search.engine.store import current_generation
    path = _damage(current_generation(str(small_index)), what)
    r = runner.invoke(main, ["verify", "--index-dir", str(small_index)])
    assert r.exit_code == 1 and len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.startswith(f"Error: the index is damaged: {path} {reason}")
    assert r.stderr.endswith("; rebuild it with `casearch index --full`\n")


@pytest.mark.parametrize("args", [["stats"], ["search", "water"], ["show", "a1"], ["export"],
                                  ["index", "{src}"], ["verify"]])
def test_commands_on_a_truncated_segment_say_which_in_one_line(small_index, tmp_path, args):
    """As real processes: click turns an EOFError that escapes into `Aborted!`."""
    from search.engine.store import current_generation
    seg = next(current_generation(str(small_index)).glob("*.seg"))
    size = seg.stat().st_size
    os.truncate(seg, size // 2)
    src = write_jsonl(tmp_path / "more.jsonl", SMALL)
    r = _casearch([a.format(src=src) for a in args] + ["--index-dir", str(small_index)], capture_output=True)
    assert r.returncode == 1
    assert r.stderr.splitlines()[-1] == (f"Error: the index is damaged: {seg} is truncated ({size // 2:,} bytes; its "
                                         f"directory of parts ends at byte {size:,}); rebuild it with "
                                         f"`casearch index --full`")
    assert "Aborted!" not in r.stderr and "Traceback" not in r.stderr
    r = _casearch(["index", str(src), "--full", "--index-dir", str(small_index)], capture_output=True)
    assert r.returncode == 0 and "5 added" in r.stderr
    assert _casearch(["verify", "--index-dir", str(small_index)], capture_output=True).returncode == 0


def test_a_missing_path_beside_a_valid_one_exits_1_after_indexing_the_rest(runner, tmp_path):
    idx = str(tmp_path / "index")
    src = write_jsonl(tmp_path / "a.jsonl", SMALL)
    r = runner.invoke(main, ["index", str(src), str(tmp_path / "typo.jsonl"), "--index-dir", idx])
    assert r.exit_code == 1 and r.stdout == ""
    lines = r.stderr.splitlines()
    assert f"warning: {tmp_path}/typo.jsonl: no such file or folder" in lines
    assert lines[-2].startswith("Indexed 5 articles from 1 file in ")
    assert lines[-1] == f"Error: no such file or folder: {tmp_path}/typo.jsonl (the other paths were indexed)"
    r = runner.invoke(main, ["search", "water", "--json", "--index-dir", idx])
    assert r.exit_code == 0 and json.loads(r.stdout)["total"] == 3
    r = runner.invoke(main, ["index", str(src), "--index-dir", idx])
    assert r.exit_code == 0 and r.stderr.splitlines()[-1].startswith("Indexed 5 articles from 1 file in ")
