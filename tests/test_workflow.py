"""The Snakemake workflow end to end, on a copy of the repository (as a new user would run it)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from workflow_run import TINY_DOMAINS, copy_repository, snakemake

pytestmark = pytest.mark.slow

@pytest.fixture
def workdir(tmp_path) -> Path:
    """A copy of the repository's workflow files (no data, no results)."""
    return copy_repository(tmp_path)


def test_whole_workflow_on_a_tiny_config(tiny_run):
    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    table = pd.read_csv(workdir / "results" / "tables" / "table1.csv")
    assert table["domain"].tolist() == TINY_DOMAINS
    assert (table["kept"] > 0).all()
    for domain in table["domain"]:
        manifest = pd.read_parquet(workdir / "data" / "manifests" / f"{domain}.parquet")
        assert len(manifest) == table.set_index("domain").loc[domain, "kept"]
        assert (workdir / "data" / "raw" / domain).is_dir()
    assert (workdir / "results" / "tables" / "table1.tex").read_text().startswith(r"\begin{table}")
    assert len(pd.read_csv(workdir / "results" / "tables" / "table1_vs_paper.csv")) == 6
    for domain in table["domain"]:
        kept = table.set_index("domain").loc[domain, "kept"]
        folds = pd.read_parquet(workdir / "data" / "folds" / f"{domain}.parquet")
        assert len(folds) == kept and set(folds["fold"]) == {0, 1}
        waveform = pd.read_parquet(workdir / "data" / "features" / "waveform" / f"{domain}.parquet")
        assert len(waveform) == kept and len(waveform["x"].iloc[0]) == 4 * 8000
        assert len(pd.read_parquet(workdir / "data" / "features" / "is10" / f"{domain}.parquet").columns) == 1585
    finetuned = pd.read_parquet(workdir / "results" / "predictions" / "finetune" / "s2-rml" / "rml" / "fold1.parquet")
    assert sorted(finetuned["approach"].unique()) == [f"A{i}" for i in range(1, 9)]
    assert set(finetuned["utterance_id"].str.split("/").str[0]) == {"rml"}
    assert (workdir / "results" / "models" / "pretrain" / "s2xemodb+iemocap.keras").is_file()
    for predictions in ("svm_is/fold0.parquet", "asvm/emodb/fold1.parquet", "tt/iemocap/fold0.parquet"):
        assert len(pd.read_parquet(workdir / "results" / "predictions" / predictions)) > 0
    for table in (2, 3, 4, 5):
        assert (workdir / "results" / "tables" / f"table{table}.csv").stat().st_size > 0
    figures = sorted(p.name for p in (workdir / "results" / "figures").glob("*.png"))
    expected = {"table3_gains.png", "pretrain_curves.png", "table4_S1.png", "table4_S2.png", "uar_intervals.png"}
    expected |= {f"{kind}_{domain}.png" for kind in ("confusion", "learning_curves") for domain in TINY_DOMAINS}
    assert set(figures) == expected
    fold_metrics = pd.read_csv(workdir / "results" / "metrics" / "transfer.csv")
    assert {"uar", "wa", "macro_f1", "n"} <= set(fold_metrics.columns)
    pooled = pd.read_csv(workdir / "results" / "metrics" / "tt_pooled.csv", keep_default_na=False, na_values=[""])
    test_rows = pooled[pooled["split"] == "test"]
    assert test_rows["uar_ci_low"].notna().all() and (test_rows["uar_ci_low"] <= test_rows["uar"]).all()
    table4 = pd.read_csv(workdir / "results" / "tables" / "table4.csv", keep_default_na=False)
    ablated = table4[table4["excluded"] != ""]
    assert set(ablated["test"]) == {"paired_t"} and set(ablated["correction"]) == {"none"}
    assert "% markers: paired t-test" in (workdir / "results" / "tables" / "table4.tex").read_text()
    audit = pd.read_csv(workdir / "results" / "audit" / "protocol.csv")
    assert (audit[["test_in_lineage_fit", "validation_in_lineage_fit"]] == 0).all().all()
    assert {"pretrain", "finetune", "tt", "svm_is", "asvm"} <= set(audit["job"].str.split("/").str[0])
    assert audit.query("job.str.startswith('finetune/pooled')")["validation"].sum() > 0
    again = snakemake(workdir, "-n", "all", "--configfile", str(config))
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def test_report_of_the_tiny_run_holds_every_table_and_figure(tiny_run, tmp_path):
    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    by_rule = workdir / "results" / "report.html"   # the last job of rule all
    by_hand = tmp_path / "report.html"              # the same command by hand
    made = snakemake(workdir, "--report", str(by_hand), "--configfile", str(config))
    assert made.returncode == 0, made.stderr[-3000:]
    for report in (by_rule, by_hand):
        html = report.read_text(errors="replace")
        for name in ("table1.csv", "table5.csv", "table3_gains.png", "confusion_rml.png", "pretrain_curves.png",
                     "summary.csv", "Protocol audit", "uar_intervals.png"):
            assert name in html, (report, name)


def test_paper_config_plans_without_corpora(workdir):
    result = snakemake(workdir, "-n", "all", "--configfile", "config/paper.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "fetch_corpus" in result.stdout and "table1" in result.stdout


def test_missing_manual_corpus_fails_at_run_time_naming_the_path(workdir):
    result = snakemake(workdir, "--cores", "1", "data/raw/iemocap.ready.json", "--configfile", "config/paper.yaml")
    assert result.returncode != 0
    log = (workdir / "logs" / "fetch_corpus" / "iemocap.log").read_text()
    assert str((workdir / "data" / "raw" / "iemocap").absolute()) in log
    assert "sail.usc.edu/iemocap" in log
    assert not (workdir / "data" / "raw" / "iemocap.ready.json").exists()


def test_invalid_config_is_refused_before_any_job(workdir):
    bad = workdir / "config" / "bad.yaml"
    bad.write_text(json.dumps({"ingest": {"on_bad_audio": "explode"}}))
    result = snakemake(workdir, "--cores", "1", "all", "--configfile", str(bad))
    assert result.returncode != 0
    assert "config key 'ingest.on_bad_audio'" in result.stdout + result.stderr
    assert not (workdir / "data").exists()
