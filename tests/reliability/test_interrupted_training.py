"""Case 1: a training job killed with SIGKILL mid-epoch; the rerun completes with the uninterrupted tables."""

from __future__ import annotations

import shutil

import pytest
from faults import fault, partials

from workflow_run import snakemake, table_snapshot

pytestmark = pytest.mark.slow

PRETRAIN_SET = "s2-rml"
OUTPUTS = (f"results/models/pretrain/{PRETRAIN_SET}.keras", f"results/predictions/pretrain/{PRETRAIN_SET}.parquet",
           f"results/histories/pretrain/{PRETRAIN_SET}.json")
# Made from it: its fine-tuning job's directories and the metrics of the transfer group (a target of `all`).
DOWNSTREAM = (f"results/predictions/finetune/{PRETRAIN_SET}", f"results/histories/finetune/{PRETRAIN_SET}",
              "results/metrics/transfer.csv")


def test_pretraining_killed_mid_epoch_then_rerun_gives_the_uninterrupted_tables(finished_copy, uninterrupted_tables,
                                                                               tmp_path):
    workdir, config = finished_copy
    assert "Nothing to be done" in snakemake(workdir, "-n", "all", "--configfile", str(config)).stdout
    # A run that has not reached this pretraining job yet: its outputs and what is made from them are absent.
    # (Snakemake does not rebuild a missing intermediate file while everything made from it is up to date.)
    for name in (*OUTPUTS, *DOWNSTREAM):
        path = workdir / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    marker = tmp_path / "fired"

    killed = snakemake(workdir, "--cores", "2", "all", "--configfile", str(config),
                       env=fault("pretrain", "training-batch", marker))
    output = killed.stdout + killed.stderr
    assert marker.read_text().startswith("killed after the first training update step"), output[-3000:]
    assert killed.returncode != 0 and "Error in rule pretrain" in output, output[-3000:]
    survivors = [name for name in OUTPUTS if (workdir / name).exists()]
    assert survivors == [], f"outputs of the killed job survived: {survivors}"

    rerun = snakemake(workdir, "--cores", "2", "all", "--configfile", str(config))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert all((workdir / name).exists() for name in (*OUTPUTS, *DOWNSTREAM))
    assert partials(workdir / "results") == []
    assert table_snapshot(workdir) == uninterrupted_tables   # determinism: byte-identical Tables 1-5 (CSV and LaTeX)
    assert "Nothing to be done" in snakemake(workdir, "-n", "all", "--configfile", str(config)).stdout
