"""Shared fixtures: real whoosh indexes in temporary folders, the real Flask app and CLI runner."""
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from search import sources
from search.indexing.run import build_index
from search.engine.view import IndexView

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

SMALL = [
    {"id": "a1", "title": "Almaty Air Taxi Service to Launch", "date": "2025-06-05", "author": "Jane Roe",
     "body": "Electric air taxis will connect Almaty with Alatau, officials in Kazakhstan said."},
    {"id": "a2", "title": "Kyrgyzstan Builds Artificial Glaciers", "date": "2025-05-20", "author": "John Doe",
     "body": "Farmers in Kyrgyzstan use artificial glaciers to store water for the summer."},
    {"id": "a3", "title": "Uzbekistan and Kazakhstan Sign Water Deal", "date": "2024-11-02", "author": "Jane Roe",
     "body": "Uzbekistan and Kazakhstan agreed to share water from the Syr Darya river."},
    {"id": "a4", "title": "Taxi Drivers Protest in Bishkek", "date": "2025-01-15", "author": "",
     "body": "Taxi drivers in Bishkek, the capital of Kyrgyzstan, protested against new fees."},
    {"id": "a5", "title": "Water Prices Rise in Tashkent", "author": "John Doe",
     "body": "Residents of Tashkent in Uzbekistan pay more for water this year."},
]


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def view_of(tmp_path_factory, name: str, records) -> IndexView:
    """A real index of hand-written records in a temporary folder, opened."""
    d = tmp_path_factory.mktemp(name)
    build_index([str(write_jsonl(d / f"{name}.jsonl", records))], str(d / "index"))
    return IndexView(str(d / "index"))


def odd_dates_index(tmp_path: Path, monkeypatch, dates) -> Path:
    """A real index as built before ingest kept dates within sources.DATE_RANGE (any year from 1 to 9999):
    one article on water per date, in a different city each; returns its folder."""
    monkeypatch.setattr(sources, "DATE_RANGE", ("0001-01-01", "9999-12-31"))
    cities = ["Almaty", "Tashkent", "Bishkek", "Dushanbe"]
    recs = [{"id": f"w{i}", "title": f"Water in Kazakhstan {i}", "body": f"Water in {city}.", "date": d}
            for i, (d, city) in enumerate(zip(dates, cities))]
    build_index([str(write_jsonl(tmp_path / "odd.jsonl", recs))], str(tmp_path / "odd-index"))
    return tmp_path / "odd-index"


@pytest.fixture
def small_index(tmp_path):
    """A real index of five hand-written articles; returns its folder."""
    src = write_jsonl(tmp_path / "small.jsonl", SMALL)
    idx = tmp_path / "index"
    build_index([str(src)], str(idx))
    return idx


@pytest.fixture
def small_view(small_index):
    return IndexView(str(small_index))


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory):
    """A real index of the five seed pages (built once per test session)."""
    idx = tmp_path_factory.mktemp("seeds") / "index"
    build_index([str(ROOT / "seeds")], str(idx), full=True)
    return idx


@pytest.fixture(scope="session")
def seed_view(seed_index):
    return IndexView(str(seed_index))


@pytest.fixture
def client(seed_index):
    from web import create_app
    app = create_app({"INDEX_DIR": str(seed_index), "TESTING": True})
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(index, log_path: Path, *args, env=None):
    """A real `casearch serve` process over an index on a free loopback port, answering when this yields its
    base URL; stopped afterwards. Its stderr goes to log_path; `env` adds environment variables."""
    port = free_port()
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "search", "serve", "--port", str(port), "--index-dir",
                                   str(index), *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                  env=dict(os.environ, **(env or {})))
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        for _ in range(200):
            try:
                opener.open(base + "/api/openapi.json", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def raw_request(base: str, data: bytes) -> tuple:
    """Send bytes as they are to the server (http.client would encode them) and read the answer to its end:
    (status, {lowercase header: value}, body)."""
    host, port = base.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
    return int(lines[0].split()[1]), headers, body


def held_files(folder: Path) -> list:
    """What this process maps or holds open under a folder (/proc/self/maps and /proc/self/fd): a removed
    file's disk space is freed only when this is empty."""
    prefix = str(folder) + "/"
    with open("/proc/self/maps") as maps:
        found = [line.split(None, 5)[-1].strip() for line in maps if prefix in line]
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed since
            continue
        if target.startswith(prefix):
            found.append(target)
    return found
