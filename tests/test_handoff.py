"""The hand-off to OpenSearch / Elasticsearch: `export --format opensearch` and `export --mapping`.

No cluster runs here: the bulk lines are checked against the documented format (an action line, then the
document, newline-terminated) and against the official client's own serialiser and bulk helpers, and the
template against the fields each document carries and the analysis it names.
"""
import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from search import analysis
from search.cli import main
from search.indexing.run import build_index
from search.query.exports import EXPORT_KEYS
from search.engine.view import IndexView
from search.engine.postings import postings_ids
from search.tuning import DEFAULT

from .conftest import ROOT, SMALL, write_jsonl

opensearchpy = pytest.importorskip("opensearchpy", reason="opensearch-py (the test extras) is not installed")
from opensearchpy import Connection, OpenSearch  # noqa: E402
from opensearchpy.helpers import bulk  # noqa: E402
from opensearchpy.helpers.actions import _chunk_actions, expand_action  # noqa: E402
from opensearchpy.serializer import JSONSerializer  # noqa: E402

BODY = ("Herders in the Naryn valley moved their flocks to the summer pastures a month early this year, after a "
        "warm spring melted the snow on the high passes. Veterinary teams followed them with vaccines, and the "
        "regional council opened two new wells along the route, paid for by a grant from the water fund.")
EXTRA = [
    {"id": "c1", "title": "Токаев встретился с Жапаровым", "date": "2025-03-01", "author": "Ерлан Ахметов",
     "body": "Президент Токаевым и Садыр Жапаров обсудили воду. Tokayev later spoke in Astana.",
     "url": "https://news.example.kz/a/1"},
    {"id": "d1", "title": "Herders Move Early in Naryn", "date": "2025-04-10", "body": BODY, "source": "Wire"},
    {"id": "d2", "title": "Herders Move Early in Naryn", "date": "2025-04-11", "body": BODY + " Updated.",
     "source": "Daily"},
    {"id": "t1", "title": "Türkiye’s Élite Traders Visit the U.S.", "body": "O’Brien said 1,000 traders came."},
]
ALL_IDS = [r["id"] for r in SMALL + EXTRA]
TEXT_TYPES = {"text"}
DATE_RE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?)?")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("handoff")
    (d / "desk").mkdir()
    build_index([str(write_jsonl(d / "desk" / "news.jsonl", SMALL + EXTRA))], str(d / "index"))
    return str(d / "index")


def invoke(*args):
    return CliRunner().invoke(main, ["export", *args])


@pytest.fixture(scope="module")
def bulk_out(index_dir):
    r = invoke("--format", "opensearch", "--index-name", "news", "--index-dir", index_dir)
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.fixture(scope="module")
def pairs(bulk_out):
    lines = bulk_out.split("\n")
    assert lines[-1] == ""  # the bulk API wants the body to end with a newline
    lines = lines[:-1]
    assert len(lines) % 2 == 0
    return [(json.loads(a), json.loads(d)) for a, d in zip(lines[::2], lines[1::2])]


@pytest.fixture(scope="module")
def template():
    r = invoke("--mapping", "--index-name", "news", "--index-dir", "/nonexistent/index")  # no index needed
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_bulk_lines_are_action_then_document_with_our_ids(pairs, index_dir):
    assert [a for a, _ in pairs] == [{"index": {"_id": d["id"], "_index": "news"}} for _, d in pairs]
    ids = [d["id"] for _, d in pairs]
    assert sorted(ids) == sorted(ALL_IDS) and len(set(ids)) == len(ids)
    jsonl = [json.loads(line) for line in invoke("--index-dir", index_dir).stdout.splitlines()]
    assert ids == [row["id"] for row in jsonl]  # the same articles in the same order as the jsonl export
    for (_, doc), row in zip(pairs, jsonl):
        assert list(doc) == [*EXPORT_KEYS, "name_keys"]
        expected = {k: (None if k in ("author", "url", "source") and v == "" else v) for k, v in row.items()}
        assert {k: doc[k] for k in EXPORT_KEYS} == expected


def test_documents_carry_exact_values(pairs):
    docs = {d["id"]: d for _, d in pairs}
    assert docs["a5"]["date"] is None and docs["a4"]["author"] is None and docs["a1"]["url"] is None
    assert docs["c1"]["url"] == "https://news.example.kz/a/1" and docs["c1"]["author"] == "Ерлан Ахметов"
    assert docs["d1"]["source"] == "Wire" and docs["a1"]["source"] == "desk"  # the folder of its file
    assert docs["a3"]["countries"] == ["Uzbekistan", "Kazakhstan"] and docs["a3"]["people"] == []
    assert docs["d2"]["duplicate_of"] == "d1" and docs["d1"]["duplicate_of"] is None
    assert docs["d1"]["group"] == docs["d2"]["group"] is not None and docs["a1"]["group"] is None
    assert docs["t1"]["title"] == "Türkiye’s Élite Traders Visit the U.S."  # as written: the cluster folds
    assert {"tokaev", "tokaevim", "japarov", "japarovim", "astana"} <= set(docs["c1"]["name_keys"])
    assert docs["a2"]["name_keys"] == ["artificial", "builds", "farmers", "glaciers", "kirgizstan"]


def test_name_keys_are_the_keys_the_index_holds(pairs, index_dir):
    view = IndexView(index_dir)
    reader = view.searcher.reader()
    held = {}
    for field in ("title", "body", "tags"):
        for term in reader.expand_prefix(field, analysis.VARIANT_MARK):
            key = term.decode("utf-8")[1:]
            for docnum in postings_ids(reader, field, term).tolist():
                held.setdefault(view.searcher.stored_fields(docnum)["id"], set()).add(key)
    for _, doc in pairs:
        assert doc["name_keys"] == sorted(doc["name_keys"])
        assert set(doc["name_keys"]) == held.get(doc["id"], set()), doc["id"]


def _properties(template):
    return template["template"]["mappings"]["properties"]


def _check_value(field, spec, value):
    kind = spec["type"]
    if value is None:
        assert kind != "text", field  # title and body are always there
        return
    if kind == "keyword":
        values = value if isinstance(value, list) else [value]
        assert values == [] or all(isinstance(v, str) and v for v in values), (field, value)
        if spec.get("ignore_above"):
            assert all(len(v) <= spec["ignore_above"] for v in values), field
    elif kind == "text":
        assert isinstance(value, str) and value, field
    elif kind == "boolean":
        assert isinstance(value, bool), field
    elif kind == "date":
        assert spec["format"] == "strict_date_optional_time"
        assert DATE_RE.fullmatch(value), value  # the documented grammar of strict_date_optional_time
        assert date.fromisoformat(value).isoformat() == value  # and a real day (no 2025-02-30)
    else:
        pytest.fail(f"unexpected type {kind} for {field}")


def test_every_field_a_document_carries_is_mapped_with_its_type(pairs, template):
    props = _properties(template)
    assert template["template"]["mappings"]["dynamic"] == "strict"  # a field it does not map is refused
    for _, doc in pairs:
        assert set(doc) <= set(props)
        for field, value in doc.items():
            _check_value(field, props[field], value)
    assert set(props) - set(pairs[0][1]) == {"tags"}  # filled by copy_to from the facets, as our tags field
    for facet in ("countries", "people", "topics", "source"):
        assert props[facet] == {"type": "keyword", "copy_to": "tags"}
    assert {props[f]["type"] for f in ("id", "author", "url", "group", "duplicate_of", "name_keys")} == {"keyword"}
    assert (props["date"]["type"], props["truncated"]["type"]) == ("date", "boolean")


def test_the_client_serialises_the_same_lines(bulk_out, pairs):
    actions = [{"_id": d["id"], "_index": "news", **d} for _, d in pairs]
    serializer = JSONSerializer()
    lines = []
    for _, chunk in _chunk_actions(map(expand_action, actions), 500, 100 * 1024 * 1024, serializer):
        lines += chunk
    assert "".join(line + "\n" for line in lines) == bulk_out
    # `split -l 4` of our file gives the bodies the client sends two documents at a time
    ours = bulk_out.splitlines(keepends=True)
    split = ["".join(ours[i:i + 4]) for i in range(0, len(ours), 4)]
    chunks = ["".join(line + "\n" for line in chunk)
              for _, chunk in _chunk_actions(map(expand_action, actions), 2, 100 * 1024 * 1024, serializer)]
    assert chunks == split and len(chunks) == (len(ALL_IDS) + 1) // 2


class RecordingConnection(Connection):
    """The network seam: keeps each request's body and answers as a cluster that indexed every document."""

    bodies = []

    def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
        assert (method, url) == ("POST", "/_bulk")
        self.bodies.append(body)
        items = [{"index": {"_id": json.loads(a)["index"]["_id"], "status": 201}}
                 for a in body.decode("utf-8").splitlines()[::2]]
        return 200, {}, json.dumps({"took": 1, "errors": False, "items": items})


def test_the_clients_bulk_helper_sends_our_bytes(bulk_out, pairs):
    client = OpenSearch(hosts=[{"host": "127.0.0.1", "port": 9200}], connection_class=RecordingConnection)
    RecordingConnection.bodies = []
    ok, errors = bulk(client, ({"_id": d["id"], "_index": "news", **d} for _, d in pairs), chunk_size=1000)
    assert (ok, errors) == (len(ALL_IDS), [])
    assert RecordingConnection.bodies == [bulk_out.encode("utf-8")]


def test_export_opensearch_takes_the_query_and_filters_of_search(index_dir):
    args = ["water", "--country", "Kazakhstan", "--index-dir", index_dir]
    jsonl = [json.loads(line)["id"] for line in invoke(*args).stdout.splitlines()]
    r = invoke(*args, "--format", "opensearch")
    docs = [json.loads(line) for line in r.stdout.splitlines()[1::2]]
    assert [d["id"] for d in docs] == jsonl == ["a3"]
    assert json.loads(r.stdout.splitlines()[0]) == {"index": {"_id": "a3", "_index": "casearch"}}


@pytest.mark.parametrize("name", ["News", "Ärger", "my index", "-news", "a/b", "a,b", "a:b", "_x", "", "..",
                                  "x" * 256, "é" * 128])
def test_a_name_the_cluster_refuses_is_a_user_error(index_dir, name):
    for args in (["--format", "opensearch", "--index-dir", index_dir], ["--mapping"]):
        r = invoke(*args, "--index-name", name)
        assert r.exit_code == 1 and r.stdout == ""
        assert "is not one OpenSearch accepts" in r.stderr


def test_a_missing_index_is_a_user_error(tmp_path):
    r = invoke("--format", "opensearch", "--index-dir", str(tmp_path / "none"))
    assert r.exit_code == 1 and r.stdout == "" and r.stderr.startswith("Error: ")


def test_the_template_matches_the_index_and_its_dated_copies(template):
    assert template["index_patterns"] == ["news", "news-*"]
    for name in ("news-2026.06", "ärger"):  # dots, digits and lowercase non-ASCII are names a cluster takes
        r = invoke("--mapping", "--index-name", name)
        assert r.exit_code == 0 and json.loads(r.stdout)["index_patterns"] == [name, f"{name}-*"]
    assert template["_meta"]["schema_version"] == template["template"]["mappings"]["_meta"]["schema_version"]


def _alias_groups_of_the_file():
    groups = []
    for line in (ROOT / "search" / "data" / "aliases.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            groups.append([m.strip() for m in line.split("=")])
    return groups


def test_the_synonyms_are_the_alias_groups(template):
    analysis_ = template["template"]["settings"]["analysis"]
    rules = analysis_["filter"]["casearch_aliases"]["synonyms"]
    assert analysis_["filter"]["casearch_aliases"]["type"] == "synonym_graph"
    assert [r.split(", ") for r in rules] == _alias_groups_of_the_file()
    assert ["kyrgyzstan", "kyrgystan", "kirghizia", "kirgizia", "kirgizstan", "kyrgyz republic"] in \
        [r.split(", ") for r in rules]


def test_the_analyzers_and_everything_they_name_exist(template):
    settings = template["template"]["settings"]
    an = settings["analysis"]
    builtin_filters = {"lowercase", "asciifolding"}
    for name, analyzer in an["analyzer"].items():
        assert analyzer["tokenizer"] == "standard"
        assert set(analyzer["char_filter"]) <= set(an["char_filter"]), name
        assert set(analyzer["filter"]) <= set(an["filter"]) | builtin_filters, name
    assert set(an["normalizer"]["casearch_fold"]["filter"]) <= builtin_filters
    for field, spec in _properties(template).items():
        for key in ("analyzer", "search_analyzer"):
            if key in spec:
                assert spec[key] in an["analyzer"], field
        if "similarity" in spec:
            assert spec["similarity"] in settings["index"]["similarity"], field
        if "normalizer" in spec.get("fields", {}).get("key", {}):
            assert spec["fields"]["key"]["normalizer"] in an["normalizer"]
        if "copy_to" in spec:
            assert spec["copy_to"] in _properties(template)
    # the graph filter only at search time; the index analyzer has the index's stop words, the search one the
    # query's; Snowball English (porter2; "english" is the older Porter) and Russian, as analysis.stem
    assert "casearch_aliases" not in an["analyzer"]["casearch_text"]["filter"]
    assert "casearch_aliases" in an["analyzer"]["casearch_search"]["filter"]
    assert an["filter"]["casearch_stop"]["stopwords"] == sorted(analysis.STOPWORDS)
    assert an["filter"]["casearch_query_stop"]["stopwords"] == sorted(analysis.QUERY_STOPWORDS)
    assert (an["filter"]["casearch_english"]["language"], an["filter"]["casearch_russian"]["language"]) == \
        ("porter2", "russian")
    # the product's own k1 and b (search.tuning), whatever they are tuned to
    assert settings["index"]["similarity"]["casearch_body"] == {"type": "BM25", "k1": DEFAULT.k1, "b": DEFAULT.b_body}


def test_the_marks_pattern_cuts_what_split_token_cuts(template):
    # the pattern is Java's; the `regex` module (nltk's dependency) reads \p{L} and lookbehinds alike
    regex = pytest.importorskip("regex", reason="the regex module is not installed")
    spec = template["template"]["settings"]["analysis"]["filter"]["casearch_marks"]
    # the tokens as Lucene's standard tokenizer and asciifolding leave them (U.S. -> "u.s", ’ -> ')
    for token in ("u.s", "e.g", "o'brien", "1,000", "5.4", "kazakhstan", "turkiye"):
        assert regex.sub(spec["pattern"], spec["replacement"], token) == analysis.split_token(token)[0], token
