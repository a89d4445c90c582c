"""The ablation runner (README: Relevance): each row is the product's own evaluation with one thing changed,
analysis changes are undone after their row, and the table says what it measured."""
from click.testing import CliRunner

from search import analysis
from search.ablation import ROWS, markdown, run_ablation
from search.cli import main
from search.evaluate import evaluate
from search.tuning import Tuning

from .test_evaluate import EXPECTED, write_beir

ROWS_HERE = (ROWS[0], ("k1 1.2 (1.8)", ("k1=1.2",)), ("title weight 2.5", ("title_weight=2.5",)),
             ("no stemming", "nostem"))


def test_each_row_is_the_products_evaluation_with_one_thing_changed(tmp_path):
    folder = write_beir(tmp_path / "tiny")
    res = run_ablation([str(folder)], rows=ROWS_HERE)
    assert [r["name"] for r in res["rows"]] == [name for name, _ in ROWS_HERE]
    figures = [r["collections"]["tiny"] for r in res["rows"]]

    def metrics(**settings):
        got = evaluate(str(folder), tuning=Tuning(**settings))["metrics"]
        return {k: got[k] for k in ("ndcg@10", "recall@100")}

    assert figures[0] == metrics() == {"ndcg@10": EXPECTED["ndcg@10"], "recall@100": EXPECTED["recall@100"]}
    assert figures[1] == metrics(k1=1.2)
    assert figures[2] == metrics(title_weight=2.5)
    assert res["rows"][3]["settings"] == "nostem" and figures[3] == figures[0]  # one-word queries: same order
    assert all(r["seeds"] is None and r["latency"] is None for r in res["rows"])
    # the analysis change is undone after its row
    assert analysis.stem("reforms") == "reform" and analysis.terms("glaciers") == ["glacier"]
    table = markdown(res).splitlines()
    assert table[0] == "| feature | tiny nDCG@10 / R@100 | seeds nDCG@5 |"
    assert table[2] == "| casearch defaults | 0.3113 / 0.5000 |  |"
    k = figures[1]
    assert table[3] == f"| k1 1.2 (1.8) | {k['ndcg@10']:.4f} ({k['ndcg@10'] - 0.3113:+.4f}) / {k['recall@100']:.4f} |  |"


def test_an_ablation_without_seed_queries_says_its_seeds_column_is_empty(tmp_path, monkeypatch):
    folder = write_beir(tmp_path / "tiny")
    monkeypatch.chdir(tmp_path)  # not a checkout: tests/data/seed_queries.json is not here
    monkeypatch.setattr("search.cli.run_ablation", lambda *a, **k: run_ablation(*a, **{**k, "rows": ROWS[:1]}))
    result = CliRunner().invoke(main, ["eval", str(folder), "--ablation"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Note: no seed queries (tests/data/seed_queries.json is not in this folder; "
                                    "give --seed-queries FILE): the seeds column is left empty.")
    assert result.stdout.splitlines()[2] == "| casearch defaults | 0.3113 / 0.5000 |  |"
