"""Case 8: a fine-tuning job killed after its first unit; the rerun trains only the rest, same tables."""

from __future__ import annotations

import pytest
from faults import partials, run_until_killed

from sertransfer.resume import KEY_FILE
from sertransfer.vocabulary import FINETUNE_HISTORIES, FINETUNE_INTERRUPTED, FINETUNE_LOG, FINETUNE_PREDICTIONS
from workflow_run import snakemake, table_snapshot

pytestmark = pytest.mark.slow

PRETRAIN_SET = "s2-rml"   # fine-tuned on rml's two folds: two units in one job
OUTPUTS = tuple(path.format(pretrain_set=PRETRAIN_SET) for path in (FINETUNE_PREDICTIONS, FINETUNE_HISTORIES))
DOWNSTREAM = ("results/metrics/transfer.csv",)
KEPT = FINETUNE_INTERRUPTED.format(pretrain_set=PRETRAIN_SET)


def test_finetuning_killed_after_a_unit_keeps_it_and_the_rerun_gives_the_uninterrupted_tables(
        finished_copy, uninterrupted_tables, tmp_path):
    workdir, config = finished_copy
    record = run_until_killed(workdir, config, "finetune", "unit-kept", (*OUTPUTS, *DOWNSTREAM), OUTPUTS,
                              tmp_path / "fired")
    assert record.startswith("killed after the first fine-tuning unit was kept"), record
    kept = workdir / KEPT
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file()) == [
        "histories/rml/fold0.json", KEY_FILE, "predictions/rml/fold0.parquet"]

    rerun = snakemake(workdir, "--cores", "2", "all", "--configfile", str(config))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    log = (workdir / FINETUNE_LOG.format(pretrain_set=PRETRAIN_SET)).read_text()
    assert f"{PRETRAIN_SET} -> rml fold 0: kept from the interrupted run" in log, log[-3000:]
    assert f"{PRETRAIN_SET} -> rml fold 0: A2 done" not in log             # not trained again
    assert f"{PRETRAIN_SET} -> rml fold 1: A8 done" in log
    assert not kept.exists() and not (workdir / "results" / "interrupted").exists()
    assert partials(workdir / "results") == []
    assert table_snapshot(workdir) == uninterrupted_tables   # byte-identical Tables 1-5 (CSV and LaTeX)
    assert "Nothing to be done" in snakemake(workdir, "-n", "all", "--configfile", str(config)).stdout
