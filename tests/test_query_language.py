"""The query language with exact hit order on small hand-written corpora: w/N, pre/N, Lucene's unordered
"a b"~N, boolean combinations, facet fields resolved as a person types them, unknown fields, field names
never corrected, date:, inflected Cyrillic names, phrase snippets and explanations that add up."""
import pytest

from search.engine.nodes import Dates, Facet, Near, Phrase, Word
from search.query.parsing import parse_query
from search.query.request import build_request
from search.query.run import run
from search.tuning import Tuning

from .conftest import view_of

NEAR = [
    {"id": "n1", "title": "Talks in Moscow", "body": "Tokayev met Putin in Moscow on Monday."},
    {"id": "n2", "title": "Visit planned", "body": "Putin said that Tokayev would visit soon."},
    {"id": "n3", "title": "A new school", "body": "Tokayev opened a school. Many weeks later, after long talks "
                                                 "and several delays, Putin arrived."},
    {"id": "n4", "title": "A short speech", "body": "Tokayev spoke to the students."},
    {"id": "n5", "title": "Phone call", "body": "Mirziyoyev and Putin talked by phone about gas."},
]


@pytest.fixture(scope="module")
def near_view(tmp_path_factory):
    return view_of(tmp_path_factory, "near", NEAR)


def ids(view, q, **kw):
    return [h.id for h in run(build_request(q, per_page=20, **kw), view).hits]


@pytest.mark.parametrize("q,expected", [
    ("Tokayev w/2 Putin", ["n1"]),            # "Tokayev met Putin": two words apart
    ("Tokayev w/3 Putin", ["n2", "n1"]),      # "Putin said that Tokayev": three apart, the other order
    ("Putin w/3 Tokayev", ["n2", "n1"]),      # either order (n2's shorter title ranks it first)
    ("Tokayev pre/3 Putin", ["n1"]),          # Tokayev first
    ("Putin pre/3 Tokayev", ["n2"]),
    ("tokayev W/20 putin", ["n2", "n1", "n3"]),  # case of the operator does not matter
    ("Tokayev within/2 Putin", ["n1"]),
    ('"Tokayev Putin"', []),                  # the exact phrase
    ('"Tokayev Putin"~1', ["n1"]),            # Lucene's slop: one move
    ('"Tokayev Putin"~3', ["n1"]),            # reversed order costs two moves plus the distance
    ('"Tokayev Putin"~4', ["n2", "n1"]),      # "Putin said that Tokayev": either order within 4 moves
    ('"Putin Tokayev"~2', ["n2"]),            # "Putin said that Tokayev": in order, two words between
    ("(Tokayev OR Mirziyoyev) w/2 Putin", ["n5", "n1"]),
    ('"met Putin" w/3 Moscow', ["n1"]),       # a phrase as an operand
    ("Tokayev w/3 Putin NOT Moscow", ["n2"]),
    ("Tokayev w/3 Putin -Moscow", ["n2"]),
    ("(Tokayev w/3 Putin) OR school", ["n3", "n2", "n1"]),  # a rare word outscores two common ones
    ("school OR Tokayev w/2 Putin", ["n1"]),  # OR binds tightest: (school OR Tokayev) w/2 Putin
    ("gas OR school spoke", []),               # (gas OR school) AND spoke: operators never fall back
    ("Putin -(gas OR Moscow)", ["n2", "n3"]),
    ("Putin -\"met Putin\"", ["n5", "n2", "n3"]),
    ("(gas OR spoke) students", ["n4"]),
])
def test_proximity_and_boolean_operators(near_view, q, expected):
    assert ids(near_view, q) == expected


def test_a_sentence_is_long_by_the_words_typed():
    # "why few are than" are function words: three words are searched, but any of them, ranked
    q = parse_query("Why few targets are better than many").query
    assert q.__class__.__name__ == "Any" and [w.text for w in q.children] == ["targets", "better", "many"]
    assert parse_query("glacier water").query.__class__.__name__ == "All"


def test_proximity_trees():
    q = parse_query("Tokayev pre/5 Putin").query
    assert isinstance(q, Near) and (q.distance, q.ordered) == (5, True)
    assert (q.left.text, q.right) == ("tokayev", Word("putin", ("putin", "~putin")))
    assert parse_query("Tokayev w/3 Putin").query.ordered is False
    p = parse_query('"water the agency"~2').query
    assert isinstance(p, Phrase) and p.offsets == (0, 2) and p.slop == 2  # a stop word leaves a gap


def test_phrase_snippet_marks_the_whole_phrase(near_view):
    res = run(build_request('"met Putin"'), near_view)
    assert res.hits[0].snippet == "Tokayev <mark>met Putin</mark> in Moscow on Monday."
    res = run(build_request("Putin pre/3 Tokayev"), near_view)
    assert res.hits[0].snippet == "<mark>Putin said that Tokayev</mark> would visit soon."
    # a word outside the phrase is marked alone; the phrase's words alone are not
    res = run(build_request('"Putin said" soon'), near_view)
    assert res.hits[0].snippet == "<mark>Putin said</mark> that Tokayev would visit <mark>soon</mark>."


# --- facet fields: values resolved as a person types them ------------------------------------------

TAGGED = [
    {"id": "t1", "title": "Tokayev Opens Power Plant", "date": "2025-03-01",
     "body": "President Kassym-Jomart Tokayev opened a coal power plant in Kazakhstan. Energy output will rise "
             "as the grid, electricity prices and oil and gas supplies change."},
    {"id": "t2", "title": "Mirziyoyev Meets Tokayev", "date": "2025-04-01",
     "body": "Shavkat Mirziyoyev of Uzbekistan met Kassym-Jomart Tokayev in Tashkent to discuss trade."},
    {"id": "t3", "title": "Japarov on Water", "date": "2025-05-01",
     "body": "Sadyr Japarov said Kyrgyzstan will build dams on its rivers."},
]


@pytest.fixture(scope="module")
def tagged_view(tmp_path_factory):
    return view_of(tmp_path_factory, "tagged", TAGGED)


@pytest.mark.parametrize("q,facet,values,expected", [
    ("person:Tokayev", "person", ("Kassym-Jomart Tokayev",), ["t2", "t1"]),     # a surname
    ("person:tokaev", "person", ("Kassym-Jomart Tokayev",), ["t2", "t1"]),      # a variant, lower case
    ('person:"kassym-jomart tokayev"', "person", ("Kassym-Jomart Tokayev",), ["t2", "t1"]),
    ("person:Токаев", "person", ("Kassym-Jomart Tokayev",), ["t2", "t1"]),      # Cyrillic
    ("country:kazakhstan", "country", ("Kazakhstan",), ["t1"]),
    ("country:Казахстан", "country", ("Kazakhstan",), ["t1"]),
    ("country:Kirghizia", "country", ("Kyrgyzstan",), ["t3"]),                  # an alias
    ("topic:energy", "topic", ("energy",), ["t1"]),
    ("topic:ENERGY", "topic", ("energy",), ["t1"]),
])
def test_facet_fields_resolve_to_canonical_values(tagged_view, q, facet, values, expected):
    parsed = parse_query(q, lexicon=tagged_view)
    assert parsed.query == Facet(facet, values)
    res = run(build_request(q), tagged_view)
    assert [h.id for h in res.hits] == expected  # newest first: a filter has no score
    assert res.suggestion is None and res.notices == ()


def test_facet_field_with_several_values(tagged_view):
    assert parse_query("person:(Tokayev OR Japarov)", lexicon=tagged_view).query.children == (
        Facet("person", ("Kassym-Jomart Tokayev",)), Facet("person", ("Sadyr Japarov",)))
    assert ids(tagged_view, "person:(Tokayev OR Japarov)") == ["t3", "t2", "t1"]


def test_facet_field_with_words(tagged_view):
    assert ids(tagged_view, "person:Tokayev trade") == ["t2"]
    assert ids(tagged_view, "person:Tokayev -country:uzbekistan") == ["t1"]


def test_unknown_facet_value_is_searched_as_words(tagged_view):
    res = run(build_request("person:Japarov"), tagged_view)
    assert [h.id for h in res.hits] == ["t3"]  # "Sadyr Japarov" resolves by surname
    res = run(build_request("person:dams"), tagged_view)
    assert [h.id for h in res.hits] == ["t3"]
    assert res.notices == ("No article is tagged with the person “dams”: it was searched as words.",)


def test_unknown_field_is_searched_as_words_with_the_known_fields(tagged_view):
    # read as the plain words "colour water": no article has both, so any of them
    res = run(build_request("colour:water"), tagged_view)
    assert [h.id for h in res.hits] == ["t3"]
    assert res.notices == ("There is no field “colour”: it was searched as a word. Fields: title, body, "
                           "text, author, country, person, topic, source, date.",
                           "No article has every word; showing articles with any of them.")
    # a pasted headline with a colon stays a plain query (no operator mode, no empty answer)
    assert parse_query("TV presenter Deeley drops CD:UK").query.__class__.__name__ == "Any"
    res = run(build_request("rivers:dams"), tagged_view)
    assert [h.id for h in res.hits] == ["t3"]


# --- field names are never corrected; date: ---------------------------------------------------------

# a corpus with words one letter from the field names (tite, bodo, rate) and none of the names themselves
FIELD_NAMES = [
    {"id": "f1", "title": "President on a Tite Schedule", "date": "2016-03-01",
     "body": "The president named a bodo of experts as the interest rate held."},
    {"id": "f2", "title": "Water Rate Rise", "date": "2017-05-02",
     "body": "Water bills rose at the fastest rate since 2016."},
    {"id": "f3", "title": "Undated water note", "body": "A water note from 2016 without a date."},
]


@pytest.fixture(scope="module")
def fields_view(tmp_path_factory):
    return view_of(tmp_path_factory, "fieldnames", FIELD_NAMES)


def test_field_names_are_never_corrected(fields_view):
    for q, expected in (("title:president", ["f1"]), ("body:water", ["f3", "f2"]), ("title:", []),
                        ("body:", []), ("title: president", ["f1"])):
        res = run(build_request(q), fields_view)
        assert [h.id for h in res.hits] == expected, q
        assert res.suggestion is None, q
        assert not any("tite" in n or "bodo" in n for n in res.notices), q
    res = run(build_request("title:"), fields_view)
    assert res.notices == ("Nothing follows “title:”, so “title” was searched as a word; to search one field, "
                           "write the word right after the colon: title:water.",)
    # a name that is no field is searched as a word, uncorrected: "schedle" stays (the word would be "schedule")
    assert parse_query("schedle", lexicon=fields_view).corrections == (("schedle", "schedule"),)
    res = run(build_request("schedle:water"), fields_view)
    assert res.suggestion is None and parse_query("schedle:water", lexicon=fields_view).corrections == ()


@pytest.mark.parametrize("q,tree,expected", [
    ("date:2016", Dates(20160101, 20161231), ["f1"]),
    ("date:2017-05", Dates(20170501, 20170531), ["f2"]),
    ("date:2016-03-01", Dates(20160301, 20160301), ["f1"]),
    ("date:2016..2017-05-01", Dates(20160101, 20170501), ["f1"]),
    ("date:2017..", Dates(20170101, 99991231), ["f2"]),
    ('date:"..2016"', Dates(1, 20161231), ["f1"]),
])
def test_date_field_is_a_period(fields_view, q, tree, expected):
    assert parse_query(q, lexicon=fields_view).query == tree
    res = run(build_request(q), fields_view)
    assert [h.id for h in res.hits] == expected
    assert res.notices == () and res.suggestion is None


def test_date_field_combines_and_reads_what_is_no_date_as_words(fields_view):
    assert ids(fields_view, "water date:2017") == ["f2"]
    assert ids(fields_view, "water -date:2017") == ["f3"]  # the undated article is in no period
    assert ids(fields_view, "date:(2016 OR 2017)") == ["f2", "f1"]
    res = run(build_request("date:yesterday"), fields_view)
    assert res.hits == () and res.suggestion is None
    assert res.notices == ("date: takes a year, a month or a day (date:2016, date:2016-03, date:2016-03-01) or a "
                           "range (date:2015..2016-06): “yesterday” was searched as words.",)
    res = run(build_request("date:2017..2016"), fields_view)  # no period: the words, both of them
    assert res.hits == () and res.notices[0].endswith("“2017..2016” was searched as words.")


# --- Cyrillic names as Russian text writes them ----------------------------------------------------

RUSSIAN = [
    {"id": "r1", "title": "Визит", "body": "Президент Токаев прибыл в Москву."},
    {"id": "r2", "title": "Встреча", "body": "Встреча с Токаевым прошла в Кремле."},
    {"id": "r3", "title": "Переговоры", "body": "Визит Токаева в Ташкент завершился."},
    {"id": "r4", "title": "Tokayev Abroad", "body": "Tokayev visited Tashkent."},
    {"id": "r5", "title": "Звонок", "body": "Путин говорил с Мирзиёевым по телефону."},
    {"id": "r6", "title": "Саммит", "body": "Мирзиеева и Путина ждут на саммите."},
    {"id": "r7", "title": "Summit", "body": "Mirziyoyev and Putin will meet."},
]


@pytest.fixture(scope="module")
def russian_view(tmp_path_factory):
    return view_of(tmp_path_factory, "russian", RUSSIAN)


@pytest.mark.parametrize("q", ["Токаев", "Токаева", "Токаеву", "Токаевым", "Tokayev", "Tokaev"])
def test_inflected_cyrillic_names_find_every_form(russian_view, q):
    assert sorted(ids(russian_view, q)) == ["r1", "r2", "r3", "r4"]


@pytest.mark.parametrize("q", ["Мирзиёев", "Мирзиеев", "Мирзиёевым", "Mirziyoyev", "Mirziyoev"])
def test_yo_and_ye_spellings_meet(russian_view, q):
    assert sorted(ids(russian_view, q)) == ["r5", "r6", "r7"]


@pytest.mark.parametrize("q", ["Путин", "Путиным", "Путина", "Putin"])
def test_putin_in_every_case(russian_view, q):
    assert sorted(ids(russian_view, q)) == ["r5", "r6", "r7"]


# --- explain ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("q,tuning", [
    ("Tokayev Putin", Tuning()),
    ("Putin talks phone gas students Moscow", Tuning()),
    ('"met Putin" OR school', Tuning()),
    ("Tokayev w/3 Putin", Tuning()),
    ("Tokayev Putin Moscow talks", Tuning(proximity=1.0)),
    ("Putin Tokayev talks Moscow school", Tuning(feedback_docs=2, feedback_terms=3)),
])
def test_explain_parts_add_up_to_the_score(near_view, q, tuning):
    res = run(build_request(q, explain=True), near_view, tuning)
    assert res.hits
    for h in res.hits:
        ex = h.explanation
        assert ex["score"] == round(h.score, 6)
        assert abs(sum(p["score"] for p in ex["parts"]) - h.score) < 1e-5
        assert ex["sum"] == pytest.approx(h.score, abs=1e-5)


def test_explain_names_terms_fields_and_proximity(near_view):
    res = run(build_request("Tokayev Putin Moscow", explain=True), near_view, Tuning(proximity=1.0))
    ex = res.hits[0].explanation
    assert res.hits[0].id == "n1"
    assert [(p["kind"], p.get("word") or tuple(p["words"])) for p in ex["parts"]] == [
        ("word", "tokayev"), ("word", "putin"), ("word", "moscow"), ("proximity", ("tokayev", "putin")),
        ("proximity", ("putin", "moscow"))]
    assert ex["parts"][2]["matched"] == [{"field": "title", "term": "moscow", "tf": 1},
                                         {"field": "title", "term": "~moscow", "tf": 1},
                                         {"field": "body", "term": "moscow", "tf": 1},
                                         {"field": "body", "term": "~moscow", "tf": 1}]


# --- name keys only where a word looks like a name ---------------------------------------------------

KEYS = [
    {"id": "k1", "title": "Metal prices", "body": "Tin rose while copper fell."},
    {"id": "k2", "title": "Thin margins", "body": "Margins stayed thin for traders of thin sheets."},
    {"id": "k3", "title": "Tokayev in Astana", "body": "Tokayev spoke."},
]


@pytest.fixture(scope="module")
def keys_view(tmp_path_factory):
    return view_of(tmp_path_factory, "keys", KEYS)


def test_a_lower_case_word_uses_its_name_key_only_when_the_key_adds_articles(keys_view):
    assert ids(keys_view, "thin") == ["k2"]  # not k1's "Tin" (~tin is thin's key too)
    assert ids(keys_view, "tin") == ["k1"]
    assert ids(keys_view, "tokaev") == ["k3"]  # the key finds Tokayev; the stem "tokaev" nothing
    assert ids(keys_view, "Thin") == ["k2", "k1"]  # typed as a name: its key is searched
