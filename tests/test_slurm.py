"""profiles/slurm on a real SLURM cluster: the tiny 3-domain workflow submitted job by job through sbatch.

CI starts a single-node cluster on localhost with `scripts/slurm-local.sh start` (no GPUs, no
accounting); without a reachable cluster the end-to-end test is skipped with the reason. The CI
overrides (the local partition, no GPUs, a short status-check interval) are passed on the command
line on top of the profile's own values, read from profiles/slurm/config.yaml.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import REPO
from slurm_cluster import (
    JOBNAME_PREFIX,
    cancel_our_jobs,
    ci_overrides,
    default_partition,
    profile,
    run_command,
)
from workflow_run import TINY_DOMAINS, copy_repository, planned_jobs, snakemake, tiny_config

# A subset of `all` that still has every kind of job (18 SLURM jobs today): corpus jobs, both feature kinds,
# folds, a training job (TT, a rule with a `gpu` resource), a baseline (SVM-IS), metrics, Table 1.
TARGETS = ("results/tables/table1.csv", "results/tables/table1.tex", "results/tables/table1_vs_paper.csv",
           "results/metrics/svm_is.csv", "results/predictions/tt/rml/fold0.parquet")


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory):
    """The tiny workflow run once through profiles/slurm: (workdir, config, result, partition, planned)."""
    partition = default_partition()
    workdir = copy_repository(tmp_path_factory.mktemp("slurm-run"))
    config = tiny_config(workdir)
    args = (*TARGETS, "--profile", "profiles/slurm", *ci_overrides(partition), "--configfile", str(config))
    planned = planned_jobs(snakemake(workdir, "-n", *args))
    try:
        result = snakemake(workdir, *args, timeout=780)
    finally:
        cancel_our_jobs()
    return workdir, args, result, partition, planned


@pytest.mark.slow
def test_tiny_workflow_runs_through_slurm(slurm_run):
    workdir, args, result, partition, planned = slurm_run
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]

    # Every job went through sbatch; SLURM ran each one, on the CI partition, without a GPU.
    submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", output))
    assert planned.get("target_only") == 1 and planned.get("svm_is") == 2, planned
    assert len(submitted) == sum(planned.values()), output[-3000:]
    job_ids = set(submitted.values())
    logs = {path.stem: path for path in (workdir / ".snakemake" / "slurm_logs").rglob("*.log")}
    assert job_ids <= set(logs), f"missing slurm logs: {sorted(job_ids - set(logs))}"
    for job_id in job_ids:   # each SLURM job ran the Snakemake job inside it
        text = logs[job_id].read_text()
        assert "Finished jobid" in text and "1 of 1 steps (100%) done" in text, text[-2000:]
    fields = "JobID:20,State:20,Partition:40,tres-per-job:40,tres-per-node:40,Name:100,Comment:200"
    listed = run_command("squeue", "-h", "-t", "all", "-j", ",".join(sorted(job_ids)), "-O", fields)
    known = {line.split()[0]: line.split()[1:] for line in listed.stdout.splitlines()}
    assert known, f"squeue knows none of the jobs (MinJobAge too low?): {listed.stderr}"
    rules = set()
    for job_id, (state, job_partition, per_job, per_node, name, comment) in known.items():
        assert state == "COMPLETED" and job_partition == partition, (job_id, state, job_partition)
        assert "gpu" not in per_job + per_node, (job_id, per_job, per_node)
        assert name.startswith(JOBNAME_PREFIX), (job_id, name)
        rules.add(comment.split("_wildcards_")[0])
    if len(known) == len(job_ids):   # squeue still lists them all (MinJobAge >= the test's duration)
        assert {"rule_fetch_corpus", "rule_ingest_corpus", "rule_waveform_features", "rule_is10_features",
                "rule_folds", "rule_target_only", "rule_svm_is", "rule_collect_metrics", "rule_table1"} == rules

    # The outputs.
    table = pd.read_csv(workdir / "results" / "tables" / "table1.csv")
    assert table["domain"].tolist() == TINY_DOMAINS
    metrics = pd.read_csv(workdir / "results" / "metrics" / "svm_is.csv")
    assert sorted(set(metrics["domain"])) == sorted(TINY_DOMAINS) and metrics["uar"].between(0, 1).all()
    tt = pd.read_parquet(workdir / "results" / "predictions" / "tt" / "rml" / "fold0.parquet")
    assert len(tt) > 0 and set(tt["utterance_id"].str.split("/").str[0]) == {"rml"}
    again = snakemake(workdir, "-n", *args)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def test_profile_trains_on_gpus(tmp_path):
    """profiles/slurm sets training.device: gpu; the training rules then request a GPU (and the CUDA env)."""
    import yaml

    config = profile()
    assert config["executor"] == "slurm" and config["slurm-status-command"] == "squeue"
    overrides = [yaml.safe_load(item.split("=", 1)[1]) for item in config["config"] if item.startswith("training=")]
    assert overrides == [{"device": "gpu"}]
    workdir = copy_repository(tmp_path)
    target = "results/predictions/tt/emodb/fold0.parquet"
    for device, gpus in (("gpu", 1), ("cpu", 0)):
        planned = snakemake(workdir, "-n", "--verbose", target, "--config", f"training={{'device': '{device}'}}")
        assert planned.returncode == 0, planned.stderr[-2000:]
        rule = (planned.stdout + planned.stderr).split("rule target_only:", 1)[1]
        assert f"gpu={gpus}," in rule.split("resources:", 1)[1].splitlines()[0], rule[:800]
    common = (REPO / "workflow" / "rules" / "common.smk").read_text()
    assert 'TRAIN_ENV = "../../envs/train-gpu.yaml" if config["training"]["device"] == "gpu"' in common


def test_local_cluster_script_is_valid_bash():
    result = run_command("bash", "-n", str(REPO / "scripts" / "slurm-local.sh"))
    assert result.returncode == 0, result.stderr
