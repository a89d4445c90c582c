"""The data files casearch ships: a missing, unreadable or empty one stops the command with one line naming it.

Each loader runs on a real temporary copy of its folder with one file removed, emptied or spoiled; the
folder constant (gazetteer.DATA, analysis.DATA, names.NAM_PACKAGE, web.FILES) is monkeypatched, never the loader.
"""
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import web
from search import analysis, tagging
from search.cli import main
from search.errors import DataMissing
from search.query import variants
from search.tagging import gazetteer, names
from search.tagging.countries import CountryTagger
from search.tagging.people import PersonTagger
from search.tagging.topics import TopicTagger

from .conftest import ROOT

# every file of search/tagging/data and search/data, with a loader that reads it
TAGGING = {
    "cities.tsv": CountryTagger.load, "conventions.tsv": CountryTagger.load, "countries.tsv": CountryTagger.load,
    "currencies.tsv": CountryTagger.load, "divisions.tsv": CountryTagger.load, "topics.tsv": TopicTagger.load,
    "people.tsv": PersonTagger.load, "given_names.txt": PersonTagger.load, "companies.txt": PersonTagger.load,
}
SEARCH = {
    "stopwords.txt": lambda: analysis._load_stopwords("stopwords.txt"),
    "query_stopwords.txt": lambda: analysis._load_stopwords("query_stopwords.txt"),
    "aliases.txt": variants.aliases,
}
COMMENTS_ONLY = "# a header and nothing else\n\n#\n"


@pytest.fixture(autouse=True)
def fresh_caches():
    """Loaders keep what they read: each test starts and ends with nothing kept."""
    def clear():
        variants.aliases.cache_clear()
        names.load_world_names.cache_clear()
        gazetteer._table.cache_clear()
        tagging.taggers.cache_clear()
    clear()
    yield
    clear()


def copy_of(folder, tmp_path, name="data"):
    dest = tmp_path / name
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def spoil(path, how):
    """Make a data file missing, empty (comments only), blank, a folder, or not UTF-8."""
    path.unlink()
    if how == "empty":
        path.write_text(COMMENTS_ONLY, encoding="utf-8")
    elif how == "blank":
        path.write_text("\n  \n", encoding="utf-8")
    elif how == "folder":
        path.mkdir()
    elif how == "latin-1":
        path.write_bytes("Müller\n".encode("latin-1"))


REASONS = {"missing": "is missing", "empty": "holds no entries", "blank": "holds no entries", "folder": "cannot be read (Is a directory)",
           "latin-1": "cannot be read (not UTF-8 text)"}


def test_every_shipped_file_has_a_loader_here():
    assert sorted(p.name for p in gazetteer.DATA.iterdir()) == sorted(TAGGING)
    assert sorted(p.name for p in analysis.DATA.iterdir()) == sorted(SEARCH)
    assert sorted(p.name for p in (web.FILES / "templates").iterdir()) == sorted(web.TEMPLATES)
    assert sorted(p.name for p in (web.FILES / "static").iterdir()) == sorted(web.STATIC)


@pytest.mark.parametrize("how", ["missing", "empty"])
@pytest.mark.parametrize("module,name,load", [(gazetteer, n, TAGGING[n]) for n in sorted(TAGGING)]
                         + [(analysis, n, SEARCH[n]) for n in sorted(SEARCH)],
                         ids=[f"tagging-{n}" for n in sorted(TAGGING)] + [f"search-{n}" for n in sorted(SEARCH)])
def test_a_data_file_that_is_missing_or_empty_stops_its_loader(tmp_path, monkeypatch, module, name, load, how):
    data = copy_of(module.DATA, tmp_path)
    spoil(data / name, how)
    monkeypatch.setattr(module, "DATA", data)
    with pytest.raises(DataMissing) as e:
        load()
    assert str(e.value) == f"casearch's data file {data / name} {REASONS[how]}: reinstall casearch"


@pytest.mark.parametrize("how", ["folder", "latin-1"])
def test_a_data_file_that_cannot_be_read_says_why(tmp_path, monkeypatch, how):
    data = copy_of(gazetteer.DATA, tmp_path)
    spoil(data / "companies.txt", how)
    monkeypatch.setattr(gazetteer, "DATA", data)
    with pytest.raises(DataMissing) as e:
        PersonTagger.load()
    assert str(e.value) == f"casearch's data file {data / 'companies.txt'} {REASONS[how]}: reinstall casearch"


def test_the_checkouts_data_files_load():
    """The copies above differ from the shipped folders by one file: the shipped ones load."""
    assert len(CountryTagger.load().names()) > 190
    assert "Kassym-Jomart Tokayev" in PersonTagger.load().alias.values()
    assert "the" in analysis._load_stopwords() and variants.aliases()


def test_without_gender_guessers_package_the_person_tagger_stops(monkeypatch):
    monkeypatch.setattr(names, "NAM_PACKAGE", "casearch_no_such_package")
    with pytest.raises(DataMissing) as e:
        PersonTagger.load()
    assert str(e.value) == ("the package casearch_no_such_package, which holds the given names of the person "
                            "tagger, is not installed: reinstall casearch")
    assert PersonTagger.load(off=("world names",)).tag  # the rule switched off needs no name list


@pytest.mark.parametrize("how", ["missing", "empty", "latin-1"])
def test_gender_guessers_name_list_that_is_missing_or_spoiled_stops_the_person_tagger(tmp_path, monkeypatch, how):
    package = copy_of(names.nam_dict().parent.parent, tmp_path, "gender_guesser_copy")
    spoil(package / "data" / "nam_dict.txt", how)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(names, "NAM_PACKAGE", "gender_guesser_copy")
    with pytest.raises(DataMissing) as e:
        PersonTagger.load()
    path = package / "data" / "nam_dict.txt"
    assert str(e.value) == f"casearch's data file {path} {REASONS[how]}: reinstall casearch"


@pytest.mark.parametrize("how", ["missing", "blank"])
@pytest.mark.parametrize("name", [f"templates/{n}" for n in web.TEMPLATES] + [f"static/{n}" for n in web.STATIC])
def test_a_template_or_static_file_that_is_missing_or_empty_stops_the_app(tmp_path, monkeypatch, name, how):
    files = tmp_path / "web"
    for folder in ("templates", "static"):
        copy_of(web.FILES / folder, files, folder)
    spoil(files / name, how)
    monkeypatch.setattr(web, "FILES", files)
    with pytest.raises(DataMissing) as e:
        web.create_app({"INDEX_DIR": str(tmp_path / "index")})
    assert str(e.value) == f"casearch's data file {files / name} {REASONS[how]}: reinstall casearch"


def one_line_error(result, path, progress=()):
    """Exit 1, nothing on stdout, and on stderr the progress lines shown so far and the error's one line."""
    assert result.exit_code == 1
    assert result.stdout == ""
    error = f"Error: casearch's data file {path} is missing: reinstall casearch"
    assert [line.strip() for line in result.stderr.splitlines()] == [*progress, error]


def test_index_with_a_tagging_file_missing_is_one_line_and_exit_1(tmp_path, monkeypatch, small_index):
    data = copy_of(gazetteer.DATA, tmp_path)
    (data / "people.tsv").unlink()
    monkeypatch.setattr(gazetteer, "DATA", data)
    monkeypatch.setenv("CASEARCH_CACHE", str(tmp_path / "cache"))
    tagging.taggers.cache_clear()  # small_index loaded them from the shipped folder
    before = sorted(p.name for p in small_index.iterdir())
    r = CliRunner().invoke(main, ["index", str(ROOT / "seeds"), "--full", "--index-dir", str(small_index)])
    one_line_error(r, data / "people.tsv", progress=("Reading", "Tagging"))
    assert sorted(p.name for p in small_index.iterdir()) == before  # the index is left as it was


def test_search_with_the_aliases_missing_is_one_line_and_exit_1(tmp_path, monkeypatch, small_index):
    data = copy_of(analysis.DATA, tmp_path)
    (data / "aliases.txt").unlink()
    monkeypatch.setattr(analysis, "DATA", data)
    r = CliRunner().invoke(main, ["search", "water", "--index-dir", str(small_index)])
    one_line_error(r, data / "aliases.txt")


def test_serve_with_a_template_missing_is_one_line_and_exit_1(tmp_path, monkeypatch, small_index):
    files = tmp_path / "web"
    for folder in ("templates", "static"):
        copy_of(web.FILES / folder, files, folder)
    (files / "templates" / "base.html").unlink()
    monkeypatch.setattr(web, "FILES", files)
    r = CliRunner().invoke(main, ["serve", "--index-dir", str(small_index)])
    one_line_error(r, files / "templates" / "base.html")


def test_stop_words_missing_at_import_is_one_line_and_exit_1(tmp_path):
    """search.analysis reads its stop words when imported: `python -m search` still ends in one line."""
    copy_of(ROOT / "search", tmp_path, "search")
    (tmp_path / "search" / "data" / "stopwords.txt").unlink()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-m", "search", "--version"], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=60)
    path = tmp_path / "search" / "data" / "stopwords.txt"
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f"Error: casearch's data file {path} is missing: reinstall casearch\n"
