"""Long queries as a pasted passage meets them: quotes and brackets in prose do not make a query of
operators (every item required), while AND, NOT, -word and w/N still bind; a hyphenated word's joined form
weighs `joined_weight`; pseudo-relevance feedback weighs each document by exp(its score), reorders a long
query's matches and never adds one."""
import math

import numpy as np
import pytest

from search.engine.nodes import All, Any, Not, Phrase, Word
from search.query.parsing import parse_query
from search.query.request import build_request
from search.query.run import run
from search.tuning import Tuning

from .conftest import view_of

TALKS = [
    {"id": "t1", "title": "Talks in Moscow", "body": "Tokayev met Putin in Moscow on Monday for talks on gas."},
    {"id": "t2", "title": "Visit planned", "body": "Putin said that Tokayev would visit Astana soon."},
    {"id": "t3", "title": "Gas prices", "body": "Gas prices rose in Astana after the winter."},
    {"id": "t4", "title": "A new school", "body": "A school opened in Tashkent."},
]


@pytest.fixture(scope="module")
def talks(tmp_path_factory):
    return view_of(tmp_path_factory, "talks", TALKS)


def ids(view, q, tuning=None):
    res = run(build_request(q, per_page=20), view, tuning or Tuning())
    return [h.id for h in res.hits], res.total


def nodes(node):
    yield node
    for c in getattr(node, "children", ()) or ():
        yield from nodes(c)


def test_quotes_around_single_words_leave_a_passage_plain():
    # the text between two quoted words is no phrase: pairs of quotes are read from the left
    parsed = parse_query('During the "training" phase words are selected, and the "classification" phase '
                         'matches each word of a title')
    assert isinstance(parsed.query, Any)
    assert all(isinstance(c, Word) for c in parsed.query.children)
    assert [c.text for c in parsed.query.children][:4] == ["training", "phase", "words", "selected"]


def test_a_passage_with_a_phrase_and_brackets_ranks_any_of_its_items(talks):
    q = 'Reports said "Tokayev met Putin" for talks about gas prices (in Astana)'
    parsed = parse_query(q)
    assert isinstance(parsed.query, Any)  # every item optional: not All, as operators would make it
    kinds = [type(c).__name__ for c in parsed.query.children]
    assert kinds.count("Phrase") == 1 and "All" not in kinds  # the brackets are prose, not a group
    # t1 holds the phrase and more words, t3 gas, prices and Astana, t2 only Astana; t4 nothing
    assert ids(talks, q) == (["t1", "t3", "t2"], 3)


def test_a_passage_keeps_its_exclusions_and_explicit_operators(talks):
    # a word excluded with a dash still excludes (t1); the rest follows the plain rules: t3 has gas and prices,
    # t2 "said"
    assert ids(talks, 'Reports said "Tokayev met Putin" for talks about gas prices -Moscow') == (["t3", "t2"], 2)
    # AND typed: every item required, as typed
    parsed = parse_query('Reports said "Tokayev met Putin" AND talks about gas prices in Astana')
    assert isinstance(parsed.query, All)
    assert ids(talks, '"Tokayev met Putin" AND talks gas Moscow') == (["t1"], 1)
    assert ids(talks, '"Tokayev met Putin" AND talks gas Astana') == ([], 0)


def test_a_short_query_with_a_phrase_still_needs_every_item(talks):
    parsed = parse_query('"Tokayev met" gas')
    assert isinstance(parsed.query, All)
    assert ids(talks, '"Tokayev met" gas') == (["t1"], 1)


def test_a_hyphenated_words_joined_form_weighs_half_in_a_long_query():
    parsed = parse_query("heating of re-entry vehicles at hypersonic speed")
    weights = {c.text: c.weight for c in parsed.query.children}
    assert weights == {"heating": 1.0, "reentry": 0.5, "re": 1.0, "entry": 1.0, "vehicles": 1.0,
                       "hypersonic": 1.0, "speed": 1.0}
    assert parse_query("heating of re-entry vehicles at speed", tuning=Tuning(joined_weight=1.0)).query.children[1].weight \
        == 1.0
    # a short query: the joined form or its parts in a row, as before
    short = parse_query("re-entry heating").query
    assert isinstance(short, All) and isinstance(short.children[0], Any)
    assert isinstance(short.children[0].children[1], Phrase)


def test_a_repeated_hyphenated_word_keeps_its_parts():
    parsed = parse_query("re-entry heating and re-entry vehicles at hypersonic speed")
    texts = {c.text: c.weight for c in parsed.query.children}
    assert texts["reentry"] == 1.0  # typed twice (weight 2), joined form at half
    assert texts["re"] == 1.0 and texts["entry"] == 1.0


# --- pseudo-relevance feedback ----------------------------------------------------------------------------

FEED = [
    {"id": "f1", "title": "Copper output at the Aktogay mine",
     "body": "Copper output at the Aktogay mine rose; copper smelter workers in Balkhash shipped copper cathodes."},
    {"id": "f2", "title": "Smelter strike", "body": "Workers at the Balkhash smelter went on strike over cathodes."},
    {"id": "f3", "title": "Cotton harvest", "body": "The cotton harvest in Fergana was late; mine clearance went on."},
    {"id": "f4", "title": "Prices", "body": "Copper prices fell in London."},
]


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    return view_of(tmp_path_factory, "feed", FEED)


LONG = "copper output at the Aktogay mine this year"


def test_feedback_reorders_a_long_query_and_never_adds(feed):
    off = Tuning(feedback_docs=0)
    got, total = ids(feed, LONG)
    plain, plain_total = ids(feed, LONG, off)
    assert (total, sorted(got)) == (plain_total, sorted(plain)) == (3, ["f1", "f3", "f4"])  # f2 never matches
    assert plain == ["f1", "f4", "f3"]
    # f1's smelter, Balkhash and cathodes come back as feedback: f4 (copper) keeps its place over f3 (mine)
    assert got == ["f1", "f4", "f3"]


def test_feedback_terms_come_from_the_documents_weighed_by_exp_of_their_score(feed):
    rel = feed.relevance(Tuning())
    parsed = parse_query(LONG, feed)
    ev = rel.evaluate(parsed.query)
    allowed = feed.live.copy()
    docs = np.flatnonzero(allowed & ev.mask)
    scores = ev.scores[docs]
    expansion = rel.feedback(parsed.query, allowed)
    words = {w.text: weight for w, weight in expansion}
    f1 = int(docs[np.argmax(scores)])
    assert feed.searcher.stored_fields(f1)["id"] == "f1"
    # the odds: f1 0.979, f4 0.011, f3 0.0099; a document under 1% of the whole (f3) is not read
    odds = dict(zip((feed.searcher.stored_fields(int(d))["id"] for d in docs), np.exp(scores - scores.max())))
    total = sum(odds.values())
    assert odds["f4"] / total > 0.01 > odds["f3"] / total
    assert set(words) == {"smelter", "balkhash", "cathod", "worker", "ship", "rose", "price", "london", "fell"}
    # a word's weight is its share of each document read, times the document's odds: f1 keeps 16 words
    # (copper 4 times; output, Aktogay and mine twice; rose, smelter, workers, Balkhash, shipped and cathodes),
    # f4 5 (prices twice, copper, fell, London)
    assert math.isclose(words["smelter"] / words["london"], (odds["f1"] / 16) / (odds["f4"] / 5), rel_tol=1e-9)
    assert math.isclose(words["price"] / words["london"], 2.0)
    # the feedback weighs 0.4 / 0.6 of the query's words (5 searched here, under the cap of 8)
    assert math.isclose(sum(words.values()), 0.4 / 0.6 * 5)
    # a short query gets none
    assert rel.feedback(parse_query("copper mine", feed).query, allowed) == ()


def test_feedback_words_are_scored_at_the_best_documents_as_everywhere(feed):
    rel = feed.relevance(Tuning())
    docs = np.arange(feed.n)
    for text in ("smelter", "copper", "cathodes", "london", "nothing"):
        w = parse_query(text, feed).query if text != "nothing" else Word("nothing", ("nothing",))
        ids, scores, _ = rel.word(w)
        full = np.zeros(feed.n)
        full[ids] = scores
        assert rel.word_at(w, docs).tolist() == full.tolist()  # the same floats, not only close ones
        assert rel.word_at(w, docs[1:3]).tolist() == full[1:3].tolist()


def test_feedback_reorders_only_the_first_pass_best(feed, monkeypatch):
    from search.engine import relevance
    scores = {}
    for depth in (1000, 1):
        monkeypatch.setattr(relevance, "FEEDBACK_DEPTH", depth)
        view_rel = feed.relevance(Tuning())  # top() itself is not cached: the depth applies on each call
        parsed = parse_query(LONG, feed)
        top = view_rel.top(parsed.query, feed.live.copy(), 0, 10)
        scores[depth] = {feed.searcher.stored_fields(d)["id"]: s for d, s in top}
    plain = feed.relevance(Tuning(feedback_docs=0))
    first = {feed.searcher.stored_fields(d)["id"]: s
             for d, s in plain.top(parse_query(LONG, feed).query, feed.live.copy(), 0, 10)}
    # depth 1: f1 alone gets its feedback part; f4 and f3 keep their first-pass scores, below f1
    assert scores[1]["f1"] > first["f1"]
    assert (scores[1]["f4"], scores[1]["f3"]) == (first["f4"], first["f3"])
    # the whole depth: f4 holds feedback words (London, fell, prices: f4 was read) and gains; f3 holds none
    assert scores[1000]["f4"] > first["f4"] and scores[1000]["f3"] == first["f3"]


def test_a_passage_corrects_a_word_only_for_a_one_letter_slip(talks):
    # "prises" is two letters from "prices": a pasted passage keeps it; "pricess" (one letter too many) is fixed
    q = 'Reports said "Tokayev met Putin" for talks about gas prises'
    assert parse_query(q, talks).corrections == ()
    assert parse_query('Reports said "Tokayev met Putin" for talks about gas pricess', talks).corrections == \
        (("pricess", "prices"),)
    # a short query is corrected further
    assert parse_query("gas prises", talks).corrections == (("prises", "prices"),)


def test_a_typed_and_keeps_every_word_required_beside_an_exclusion(talks):
    # the words of "a AND b AND c AND d -e" were read by the plain rules (any word): the ANDs were lost
    parsed = parse_query("Tokayev AND Putin AND visit AND Astana -Moscow")
    assert isinstance(parsed.query, All) and parsed.fallback is None
    assert [type(c).__name__ for c in parsed.query.children] == ["Word", "Word", "Word", "Word", "Not"]
    assert ids(talks, "Tokayev AND Putin AND visit AND Astana -Moscow") == (["t2"], 1)
    assert ids(talks, "Tokayev AND Putin AND talks AND gas -Moscow") == ([], 0)
    # without AND the plain rules still hold: any of the words, ranked, Moscow excluded
    assert ids(talks, "Tokayev Putin talks gas -Moscow") == (["t2", "t3"], 2)  # t2: Tokayev and Putin
