"""Case 1: a training job killed with SIGKILL mid-epoch; the rerun completes with the uninterrupted tables."""

from __future__ import annotations

import pytest
from faults import partials, run_until_killed

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
    record = run_until_killed(workdir, config, "pretrain", "training-batch", (*OUTPUTS, *DOWNSTREAM), OUTPUTS,
                              tmp_path / "fired")
    assert record.startswith("killed after the first training update step"), record

    rerun = snakemake(workdir, "--cores", "2", "all", "--configfile", str(config))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert all((workdir / name).exists() for name in (*OUTPUTS, *DOWNSTREAM))
    assert partials(workdir / "results") == []
    assert table_snapshot(workdir) == uninterrupted_tables   # determinism: byte-identical Tables 1-5 (CSV and LaTeX)
    assert "Nothing to be done" in snakemake(workdir, "-n", "all", "--configfile", str(config)).stdout
