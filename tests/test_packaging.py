"""The wheel is the product: built as `python -m build` builds it (an sdist of the checkout, then a wheel from
that sdist), installed in a fresh venv, run from another folder, it tags the seeds as the checkout does.

Slow (a venv, the dependencies from the package index, an index of the seeds): `pytest -m "not slow"` leaves it
out. Skipped, with pip's reason, when pip cannot reach the package index.
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from search.engine.view import IndexView
from search.query import build_request, export_rows

from .conftest import ROOT

pytestmark = pytest.mark.slow

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
NAME = f"casearch-{VERSION}"
# pip's words when the package index cannot be reached (no network, no proxy, a DNS failure)
OFFLINE = ("Could not find a version that satisfies", "No matching distribution found",
           "Failed to establish a new connection", "Temporary failure in name resolution",
           "Network is unreachable", "ProxyError", "ConnectTimeoutError", "ReadTimeoutError")
# what the copy of the checkout leaves out: version control, local venvs, builds and indexes, caches
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "index", "artifacts")
SHIPPED = ("search", "web")  # the packages: every file under them goes into the wheel and the sdist


def run(cmd, timeout=600, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kw)


def pip_install(venv: Path, *args):
    r = run([venv / "bin" / "pip", "install", "--quiet", *args])
    if r.returncode and any(s in r.stdout + r.stderr for s in OFFLINE):
        pytest.skip("pip cannot reach the package index: " + (r.stderr.strip().splitlines() or ["?"])[-1])
    assert r.returncode == 0, r.stderr


def backend(venv: Path, hook: str, cwd: Path, dist: Path) -> tuple:
    """Run one of setuptools' build hooks; return (the file it made, everything it printed)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # else distutils warns of it
    r = run([venv / "bin" / "python", "-c", f"import setuptools.build_meta as b; print(b.{hook}({str(dist)!r}))"],
            cwd=cwd, env=env)
    assert r.returncode == 0, r.stderr
    return dist / r.stdout.strip().splitlines()[-1], r.stdout + r.stderr


def shipped_files(root: Path) -> set:
    return {p.relative_to(root).as_posix() for d in SHIPPED for p in (root / d).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sdist and the wheel built from it, with what setuptools printed while building them."""
    tmp = tmp_path_factory.mktemp("packaging")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    tools = tmp / "build-venv"
    assert run([sys.executable, "-m", "venv", tools]).returncode == 0
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    pip_install(tools, *requires)
    dist = tmp / "dist"
    dist.mkdir()
    sdist, sdist_log = backend(tools, "build_sdist", src, dist)
    with tarfile.open(sdist) as tar:  # the "data" filter where this Python has it (3.11.4 on)
        tar.extractall(tmp / "unpacked", **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    wheel, wheel_log = backend(tools, "build_wheel", tmp / "unpacked" / NAME, dist)
    return {"src": src, "sdist": sdist, "wheel": wheel, "log": sdist_log + wheel_log, "tmp": tmp}


@pytest.fixture(scope="module")
def installed(built):
    """A fresh venv with the wheel (and its dependencies from the package index) installed."""
    venv = built["tmp"] / "venv"
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    pip_install(venv, built["wheel"])
    elsewhere = built["tmp"] / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CASEARCH_INDEX", "CASEARCH_SEEDS", "PYTHONPATH")}
    env["CASEARCH_CACHE"] = str(built["tmp"] / "cache")
    package = Path(run([venv / "bin" / "python", "-c", "import search; print(search.__file__)"], cwd=elsewhere,
                       env=env).stdout.strip()).parent
    assert package.parent.name == "site-packages"  # the installed copy, not the checkout
    return {"venv": venv, "bin": venv / "bin" / "casearch", "site": package.parent, "cwd": elsewhere, "env": env,
            "tmp": built["tmp"]}


def test_setuptools_builds_the_sdist_and_the_wheel_without_a_warning(built):
    lines = built["log"].lower().splitlines()
    assert [line for line in lines if "warning" in line or "absent from the packages configuration" in line] == []


def test_the_sdist_and_the_wheel_carry_every_file_of_the_packages(built):
    files = shipped_files(built["src"])
    assert {"search/data/stopwords.txt", "search/tagging/data/people.tsv", "web/templates/base.html",
            "web/static/app.js"} <= files
    with tarfile.open(built["sdist"]) as tar:
        in_sdist = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
    assert files <= in_sdist
    with zipfile.ZipFile(built["wheel"]) as whl:
        in_wheel = set(whl.namelist())
    assert {f for f in in_wheel if not f.startswith(f"{NAME}.dist-info/")} == files


def test_the_installed_command_prints_its_version(installed):
    r = run([installed["bin"], "--version"], cwd=installed["cwd"], env=installed["env"])
    assert (r.returncode, r.stdout) == (0, f"casearch {VERSION}\n")


def test_the_wheel_tags_the_seeds_as_the_checkout_does(installed, seed_index):
    ix = installed["tmp"] / "ix"
    r = run([installed["bin"], "index", ROOT / "seeds", "--index-dir", ix], cwd=installed["cwd"], env=installed["env"])
    assert r.returncode == 0, r.stderr
    r = run([installed["bin"], "export", "--index-dir", ix, "--format", "jsonl"], cwd=installed["cwd"],
            env=installed["env"])
    assert r.returncode == 0, r.stderr
    facets = ("id", "countries", "people", "topics")
    wheel = sorted(([row[k] for k in facets] for row in map(json.loads, r.stdout.splitlines())), key=lambda x: x[0])
    checkout = sorted(([row[k] for k in facets] for row in export_rows(build_request(), IndexView(str(seed_index)))),
                      key=lambda x: x[0])
    assert len(checkout) == 29 and sum(len(x[2]) for x in checkout) > 29  # the seeds, with their people
    assert wheel == checkout


def test_the_installed_command_keeps_its_index_and_seeds_in_the_working_directory(installed):
    cwd = installed["tmp"] / "newsroom"
    shutil.copytree(ROOT / "seeds", cwd / "seeds")
    r = run([installed["bin"], "index"], cwd=cwd, env=installed["env"])
    assert r.returncode == 0, r.stderr
    assert "29 added" in r.stderr
    assert (cwd / "index" / "CURRENT").is_file()
    assert [p for p in installed["site"].iterdir() if p.name in ("index", "seeds")] == []
    assert "$CASEARCH_INDEX, else index/ in the working directory" in " ".join(
        run([installed["bin"], "index", "--help"], cwd=cwd, env=installed["env"]).stdout.split())


def test_a_data_file_missing_from_the_installed_copy_stops_the_command_in_one_line(installed):
    """Stop words are read when the CLI is imported, the gazetteers when indexing starts, templates by serve."""
    cases = [("search/data/stopwords.txt", ["--version"]),
             ("search/tagging/data/people.tsv", ["index", ROOT / "seeds", "--index-dir", installed["tmp"] / "ix2"]),
             ("web/templates/base.html", ["serve", "--index-dir", installed["tmp"] / "ix2", "--port", "1"])]
    for name, args in cases:
        path = installed["site"] / name
        kept = path.read_bytes()
        path.unlink()
        try:
            r = run([installed["bin"], *args], cwd=installed["cwd"], env=installed["env"], timeout=120)
        finally:
            path.write_bytes(kept)
        assert (r.returncode, r.stdout) == (1, ""), name
        assert r.stderr.splitlines()[-1] == f"Error: casearch's data file {path} is missing: reinstall casearch"
        assert "Traceback" not in r.stderr
    assert not (installed["tmp"] / "ix2" / "CURRENT").exists()
