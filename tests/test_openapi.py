"""The API does what its OpenAPI document says: the declared limits are the server's (and the settings'), and
schemathesis, every check on, finds nothing against a real `casearch serve`."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from web import create_app
from web.params import MAX_Q_GIVEN, MAX_VALUE_CHARS, MAX_VALUES

from .conftest import ROOT, served

SCHEMATHESIS_EXAMPLES = 500  # per operation: 1,784 requests, about 25 s on two cores
SCHEMATHESIS_SEED = 22


def _search_params(spec) -> dict:
    return {p["name"]: p["schema"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}


def test_the_document_declares_the_limits_of_the_settings(seed_index):
    app = create_app({"INDEX_DIR": str(seed_index), "TESTING": True, "MAX_PER_PAGE": 50,
                      "MAX_RESULTS_DEPTH": 2000})
    spec = app.test_client().get("/api/openapi.json").get_json()
    validate(spec)
    params = _search_params(spec)
    assert params["per_page"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 50}
    assert params["page"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 2000}
    assert params["q"] == {"type": "string", "maxLength": MAX_Q_GIVEN}
    assert params["country"]["maxItems"] == MAX_VALUES and params["author"]["maxLength"] == MAX_VALUE_CHARS
    assert params["timeline_by"]["enum"] == ["", "country", "person", "topic", "source"]
    for path, ops in spec["paths"].items():
        assert list(ops) == ["get"], path  # the only method; any other is a 405 with Allow
        assert {"405", "413", "414"} <= set(ops["get"]["responses"]), path
    assert set(spec["paths"]["/api/search"]["get"]["responses"]) == {"200", "400", "405", "413", "414", "503"}


@pytest.mark.parametrize("value,accepted", [
    ("2025-06-01", True), ("2025-06", True), ("2025", True), ("", True), ("0001", True), ("9999-12-31", True),
    ("0000", False), ("2025-13", False), ("2025-02-30", False), ("2025-6-1", False), (" 2025", False),
    ("2025-06-01T00:00", False), ("20250601", False), ("2025-W23-1", False), ("٢٠٢٥", False),
])
def test_dates_are_read_as_the_document_declares_them(client, value, accepted):
    """The pattern and format the document gives `from` and `to` accept exactly what the server accepts."""
    spec = client.get("/api/openapi.json").get_json()
    alternatives = _search_params(spec)["to"]["anyOf"]
    declared = any(re.search(a["pattern"], value) for a in alternatives if "pattern" in a) or value == "" or \
        bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) and _is_date(value))
    assert declared == accepted
    assert (client.get("/api/search", query_string={"to": value}).status_code == 200) == accepted


def _is_date(value: str) -> bool:
    from datetime import date
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("qs,status", [
    ("page=%2B2", 400), ("page=%202", 400), ("page=", 200), ("per_page=", 200), ("per_page=100", 200),
    ("per_page=101", 400), ("page=10000&per_page=1", 200), ("page=10001&per_page=1", 400),
    ("explain=banana", 400), ("explain=TRUE", 400), ("explain=yes", 200), ("fold=off", 200), ("fold=2", 400),
    ("sort=", 200), ("sort=Newest", 400), ("timeline_by=", 200), ("timeline_by=%20country", 400),
    ("&".join(["country=x"] * 10), 200), ("&".join(["country=x"] * 11), 400),
    ("author=" + "a" * 100, 200), ("author=" + "a" * 101, 400), ("person=" + "b" * 101, 400),
])
def test_each_parameter_is_checked_as_declared(client, qs, status):
    r = client.get("/api/search?" + qs)
    assert r.status_code == status, r.get_json()
    if status == 400:
        assert r.get_json()["error"]["status"] == 400


def test_the_longest_declared_request_is_not_refused_as_too_long(client):
    """Every parameter at its declared limit, every character 4 bytes of UTF-8: under the query-string cap."""
    wide = "\U0001f600"
    pairs = [("q", wide * MAX_Q_GIVEN), ("author", wide * MAX_VALUE_CHARS), ("from", "2024-01-01"),
             ("to", "2025-12-31"), ("sort", "relevance"), ("page", "1"), ("per_page", "100"), ("explain", "false"),
             ("timeline_by", "country"), ("fold", "true")]
    pairs += [(f, wide * MAX_VALUE_CHARS) for f in ("country", "person", "topic", "source") for _ in range(MAX_VALUES)]
    r = client.get("/api/search", query_string=pairs)
    assert r.status_code == 200 and r.get_json()["total"] == 0
    r = client.get("/api/search", query_string=pairs + [("bogus", "x" * 2000)])
    assert r.status_code == 414


@pytest.mark.slow
def test_schemathesis_finds_nothing_against_a_running_server(seed_index, tmp_path):
    """`schemathesis run --checks all` (examples, coverage and fuzzing phases) with a fixed seed. Its hooks
    (tests/schemathesis_hooks.py) hold back the requests that break the two rules the document states in words."""
    pytest.importorskip("schemathesis")
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    assert st, "the schemathesis command is missing: pip install -e '.[test]'"
    env = dict(os.environ, SCHEMATHESIS_HOOKS="tests.schemathesis_hooks", PYTHONPATH=str(ROOT))
    with served(seed_index, tmp_path / "server.log") as base:
        r = subprocess.run([st, "run", base + "/api/openapi.json", "--checks", "all", "--max-examples",
                            str(SCHEMATHESIS_EXAMPLES), "--seed", str(SCHEMATHESIS_SEED), "--generation-database",
                            "none", "--no-color", "--workers", "2"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=600)
    summary = [line for line in r.stdout.splitlines() if " generated, " in line]
    print("\nschemathesis:", summary[-1].strip() if summary else "(no summary)", "|", r.stdout.strip().splitlines()[-1])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "No issues found" in r.stdout
    assert re.search(r"Selected: 4/4\s+Tested: 4", r.stdout)
