"""The paper's claims checked on a run's tables: each verdict follows the tables, the paper's side its CSVs."""

from __future__ import annotations

import pandas as pd
import pytest

from sertransfer.tables.claims import (
    CLAIMS,
    RunTables,
    check_claims,
    render_markdown,
    render_side_by_side,
    side_by_side,
    write_claims,
)
from sertransfer.tables.evidence import Statistics
from sertransfer.tables.latex import paper_number
from sertransfer.tables.paper import to_float
from test_tables import PAPER_DIR, THREE_DOMAINS, make_metrics, run_table

SCENARIOS, APPROACHES = ["S1", "S2"], ["A1", "A2", "A3"]


def shift(metrics: pd.DataFrame, amount: float, *, experiment: str, scenario: str | None = None,
          approach: str | None = None, split: str | None = None) -> pd.DataFrame:
    """The metrics with `amount` added to the UARs of one experiment (optionally one scenario/approach/split)."""
    metrics = metrics.copy()
    mask = metrics["experiment"] == experiment
    for column, value in (("scenario", scenario), ("approach", approach), ("split", split)):
        if value is not None:
            mask &= metrics[column] == value
    metrics.loc[mask, "uar"] += amount
    return metrics


def claims_of(tmp_path, metrics: pd.DataFrame) -> pd.DataFrame:
    """Tables 2-5 of `metrics` written to `tmp_path`, then the claims read back from them, by claim key."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for number in (2, 3, 4, 5):
        run_table(number, tmp_path, metrics, THREE_DOMAINS, SCENARIOS, APPROACHES)
    return check_claims(RunTables.read_dir(tmp_path, PAPER_DIR), Statistics()).set_index("claim")


def test_every_claim_has_a_row_in_the_papers_order(tmp_path):
    claims = claims_of(tmp_path, make_metrics(THREE_DOMAINS, SCENARIOS, APPROACHES))
    assert list(claims.index) == list(CLAIMS)
    assert set(claims["verdict"]) <= {"agrees", "disagrees", "not shown", "mixed", "not run"}
    markdown = render_markdown(claims.reset_index())
    assert markdown.count("\n") == len(CLAIMS) + 2 and "| **" in markdown


def test_the_papers_side_is_read_from_its_tables(tmp_path):
    claims = claims_of(tmp_path, make_metrics(THREE_DOMAINS, SCENARIOS, APPROACHES))
    table5 = pd.read_csv(PAPER_DIR / "table5.csv", dtype=str)
    ahead = sum(to_float(gain) > 0 for gain in table5["Gain"])
    assert claims.loc["network_vs_asvm", "paper"].startswith(f"ahead on {ahead} of {len(table5)} corpora")
    table3 = pd.read_csv(PAPER_DIR / "table3.csv", dtype=str)
    table3 = table3[~table3["target"].isin(["Average", "Std"])]
    gains = table3.drop(columns=["target", "TT"]).map(to_float)
    assert claims.loc["which_layers", "paper"].startswith(f"best on average {gains.mean().idxmax()}")
    shared = [f"{scenario}-{approach}" for scenario in SCENARIOS for approach in APPROACHES]
    mean = gains[shared].to_numpy().mean()   # the paper over the configurations this run has, then over all 16
    assert claims.loc["transfer_vs_tt", "paper"].startswith(f"mean gain {'+' if mean >= 0 else ''}"
                                                            f"{paper_number(mean)}, ")
    assert f"over {', '.join(shared)} (all 16: " in claims.loc["transfer_vs_tt", "paper"]


def test_the_svm_far_ahead_disagrees_the_network_far_ahead_agrees(tmp_path):
    metrics = make_metrics(THREE_DOMAINS, SCENARIOS, APPROACHES)
    behind = claims_of(tmp_path / "behind", shift(metrics, 0.2, experiment="svm_is"))
    assert behind.loc["network_vs_svm_is", "verdict"] == "disagrees"
    assert behind.loc["network_vs_svm_is", "run"].startswith("ahead on 0 of 3 domains")
    ahead = claims_of(tmp_path / "ahead", shift(metrics, -0.2, experiment="svm_is"))
    assert ahead.loc["network_vs_svm_is", "verdict"] == "agrees"


@pytest.mark.parametrize(("amount", "verdict"), [(0.15, "agrees"), (-0.15, "disagrees")])
def test_transfer_far_from_tt_gets_its_verdict(tmp_path, amount, verdict):
    metrics = shift(make_metrics(THREE_DOMAINS, SCENARIOS, APPROACHES), amount, experiment="transfer", split="test")
    claims = claims_of(tmp_path, metrics)
    assert claims.loc["transfer_vs_tt", "verdict"] == verdict
    counts = "18 significantly above TT, 0 below" if amount > 0 else "0 significantly above TT, 18 below"
    assert counts in claims.loc["transfer_vs_tt", "run"]


def test_which_layers_follows_the_best_mean_gain(tmp_path):
    metrics = make_metrics(THREE_DOMAINS, SCENARIOS, APPROACHES)
    s1_a2 = claims_of(tmp_path / "a", shift(metrics, 0.2, experiment="transfer", scenario="S1", approach="A2"))
    assert s1_a2.loc["which_layers", "verdict"] == "agrees"
    s2_a3 = claims_of(tmp_path / "b", shift(metrics, 0.2, experiment="transfer", scenario="S2", approach="A3"))
    assert s2_a3.loc["which_layers", "verdict"] == "disagrees"
    assert s2_a3.loc["which_layers", "run"].startswith("best on average S2-A3")


def test_table4_markers_decide_the_source_claims(tmp_path):
    metrics = shift(make_metrics(THREE_DOMAINS, SCENARIOS, APPROACHES), 0.15, experiment="ablation", split="test")
    claims = claims_of(tmp_path, metrics)   # every source left out raises UAR significantly, in both scenarios
    assert claims.loc["sources_s1", "verdict"] == "agrees"      # the paper: S1 gains without a source
    assert claims.loc["sources_s2", "verdict"] == "disagrees"   # the paper: S2 loses without a source
    assert claims.loc["sources_s1", "run"].startswith("18 ↑ and 0 • of 18 cells")


def test_the_asvm_far_ahead_disagrees_with_table5(tmp_path):
    metrics = shift(make_metrics(THREE_DOMAINS, SCENARIOS, APPROACHES), 0.3, experiment="asvm")
    claims = claims_of(tmp_path, metrics)
    assert claims.loc["network_vs_asvm", "verdict"] == "disagrees"
    assert "ahead on 0 of 3 domains" in claims.loc["network_vs_asvm", "run"]


def test_a_run_without_table4_says_not_run_and_a_missing_table_is_named(tmp_path):
    metrics = make_metrics(THREE_DOMAINS, SCENARIOS, APPROACHES)
    for number in (2, 3, 5):
        run_table(number, tmp_path, metrics, THREE_DOMAINS, SCENARIOS, APPROACHES)
    claims = write_claims(RunTables.read_dir(tmp_path, PAPER_DIR), Statistics(), tmp_path / "claims.csv",
                          tmp_path / "claims.md").set_index("claim")
    assert claims.loc["sources_s1", "verdict"] == claims.loc["sources_s2", "verdict"] == "not run"
    run_table(4, tmp_path, metrics, THREE_DOMAINS, SCENARIOS, APPROACHES, ablation=False)   # All rows only
    claims = check_claims(RunTables.read_dir(tmp_path, PAPER_DIR)).set_index("claim")
    assert claims.loc["sources_s1", "run"] == "no S1 ablation cells in this run"
    assert (tmp_path / "claims.md").read_text().startswith("| finding | paper | this run | verdict |")
    (tmp_path / "table3.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"table3\.csv missing: build it first"):
        RunTables.read_dir(tmp_path, PAPER_DIR)


def test_runs_side_by_side_keep_each_verdict_and_say_where_the_papers_side_differs():
    def claims(run: str, paper: str, verdict: str) -> pd.DataFrame:
        return pd.DataFrame([{"claim": "network_vs_svm_is", "finding": "Table 2", "paper": "ahead on 4 of 6",
                              "run": run, "verdict": verdict},
                             {"claim": "transfer_vs_tt", "finding": "RQ1", "paper": paper, "run": run,
                              "verdict": verdict}], columns=["claim", "finding", "paper", "run", "verdict"])

    table = side_by_side({"stratified": claims("ahead on 1 of 5", "all 16", "disagrees"),
                          "speaker": claims("ahead on 0 of 5", "S1-A2, S2-A2", "not shown").iloc[[1]]})
    assert list(table.columns) == ["claim", "finding", "paper", "stratified", "speaker"]
    assert table["stratified"].tolist() == ["**disagrees**: ahead on 1 of 5"] * 2
    assert table["speaker"].tolist() == ["not checked", "**not shown**: ahead on 0 of 5 (the paper, over this "
                                         "run's configurations: S1-A2, S2-A2)"]
    markdown = render_side_by_side(table)
    assert markdown.splitlines()[0] == "| finding | paper | stratified | speaker |"
    assert len(markdown.splitlines()) == 4
    with pytest.raises(ValueError, match="not in run 'speaker'"):
        side_by_side({"speaker": claims("x", "y", "z").iloc[[1]], "stratified": claims("x", "y", "z")})
