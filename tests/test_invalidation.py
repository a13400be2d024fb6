"""Precise invalidation (docs/design.md §17): after a finished run, an edit reruns only what it affects."""

from __future__ import annotations

import re

import pytest
import yaml

from workflow_run import planned_jobs, snakemake

pytestmark = pytest.mark.slow

#: After Table 5, a dry run lists the export checkpoint and every export as possible reruns (it cannot know
#: the checkpoint's result); a real run retrains an export only when its chosen configuration changed.
EXPORTS = {"export_choices", "export_model"}
#: The landing page (rule summary) names the config's digest, so any config edit rewrites it (a second).
LANDING = {"summary"}
DOWNSTREAM = re.compile(r"collect_metrics|audit_predictions|table[2-5]|claims|figure_\w+|report\w*|summary|all"
                        r"|export_\w+")


def dry_run(workdir, config, **edits):
    """Dry-run `all` with `config` edited (dotted keys as a__b__c) and return rule -> job count."""
    data = yaml.safe_load(config.read_text())
    for dotted, value in edits.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})  # keys left to the schema defaults are absent from the file
        node[last] = value
    edited = config.with_name("edited.yaml")
    edited.write_text(yaml.safe_dump(data))
    result = snakemake(workdir, "-n", "all", "--configfile", str(edited))
    assert result.returncode == 0, result.stderr[-2000:]
    return planned_jobs(result)


@pytest.fixture
def finished(tiny_run):
    """The finished tiny run (skips the checks if the run itself failed)."""
    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir, config


def test_no_edit_nothing_to_do(finished):
    assert dry_run(*finished) == {}


def test_finetune_epochs_rerun_only_finetuning_and_downstream(finished):
    jobs = dry_run(*finished, training__finetune__max_epochs=2)
    assert jobs.get("finetune", 0) > 0
    assert all(rule == "finetune" or DOWNSTREAM.fullmatch(rule) for rule in jobs), jobs


def test_waveform_length_reruns_features_and_training_only(finished):
    jobs = dry_run(*finished, features__waveform__length=8800)
    assert jobs.get("waveform_features") == 3
    assert {"pretrain", "finetune", "target_only"} <= set(jobs)
    untouched = {"fetch_corpus", "ingest_corpus", "folds", "is10_features", "svm_is", "asvm_source", "asvm",
                 "table1"}
    assert not untouched & set(jobs), jobs


#: What an Adaptive SVM change may rerun: its jobs, its metrics, Table 5, the claims, the UAR-with-CI figure, the
#: report.
ASVM_DOWNSTREAM = {"asvm", "collect_metrics", "audit_predictions", "table5", "claims", "figure_uar_intervals",
                   "report", "all", *EXPORTS, *LANDING}


def test_asvm_grid_reruns_only_asvm_jobs_and_table5(finished):
    jobs = dry_run(*finished, baselines__asvm__C=[0.5, 5.0])
    assert jobs.get("asvm") == 6 and jobs.get("collect_metrics") == 1
    assert set(jobs) <= ASVM_DOWNSTREAM, jobs


def test_corrected_test_reruns_only_the_tables_that_compare(finished):
    jobs = dry_run(*finished, evaluate__test="corrected_t")
    assert set(jobs) == {"table3", "table4", "table5", "claims", "figure_table3_gains", "figure_table4", "report",
                         "all", *EXPORTS, *LANDING}, jobs


def test_an_unchanged_choice_does_not_retrain_the_exports(finished_copy):
    workdir, config = finished_copy
    models = sorted((workdir / "results" / "export").glob("*/model.keras"))
    before = {path: path.stat().st_mtime_ns for path in models}
    data = yaml.safe_load(config.read_text())
    data.setdefault("evaluate", {})["test"] = "corrected_t"   # new p-values in Table 5, the same choices
    edited = config.with_name("edited.yaml")
    edited.write_text(yaml.safe_dump(data))
    result = snakemake(workdir, "--cores", "2", "all", "--configfile", str(edited))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rule export_model" not in result.stdout + result.stderr
    assert {path: path.stat().st_mtime_ns for path in models} == before and len(models) == 3


def test_bootstrap_resamples_rerun_metrics_not_training(finished):
    jobs = dry_run(*finished, evaluate__bootstrap__resamples=500)
    assert jobs.get("collect_metrics") == 7 and not {"pretrain", "finetune", "target_only", "svm_is"} & set(jobs)


def test_alpha_reruns_only_table4_its_figures_and_the_claims(finished):
    jobs = dry_run(*finished, evaluate__alpha=0.01)
    assert set(jobs) == {"table4", "claims", "figure_table4", "report", "all", *LANDING}, jobs


def test_code_change_in_asvm_module_reruns_only_asvm_jobs_and_downstream_and_a_comment_nothing(finished):
    workdir, config = finished
    module = workdir / "workflow" / "sertransfer" / "baselines" / "asvm.py"
    original = module.read_text()
    try:
        module.write_text(original.replace('"""', '"""Edited. ', 1) + "\n# a comment\n")
        documented = snakemake(workdir, "-n", "all", "--configfile", str(config))
        module.write_text(original + "\n_A_CODE_CHANGE = 1\n")
        jobs = planned_jobs(snakemake(workdir, "-n", "all", "--configfile", str(config)))
    finally:
        module.write_text(original)
    # docstrings and comments are not code: nothing reruns
    assert documented.returncode == 0 and "Nothing to be done" in documented.stdout + documented.stderr, \
        documented.stderr[-2000:]
    assert jobs.get("asvm") == 6
    assert set(jobs) <= ASVM_DOWNSTREAM, jobs


def test_renaming_a_dataset_reruns_only_what_prints_its_name(finished):
    jobs = dry_run(*finished, corpora__lab__name="Lab (2-s clips)")
    assert {"table1", "table2", "table3", "table5", "figure_confusion", "figure_learning_curves"} <= set(jobs)
    assert all(rule.startswith(("table", "figure_")) or rule in {"claims", "report", "all", *EXPORTS, *LANDING}
               for rule in jobs), jobs
    assert not {"fetch_corpus", "ingest_corpus", "collect_metrics"} & set(jobs), jobs
