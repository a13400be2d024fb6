"""A run's costs: wall and CPU seconds per stage from benchmark files, seconds per fine-tuning fit from job logs."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from sertransfer.costs import finetune_fits, invocations, stage_costs


def test_stage_costs_sum_each_stage_of_the_benchmark_files(tmp_path):
    def benchmark(path: str, seconds: float, cpu: float) -> None:
        file = tmp_path / "logs" / "benchmarks" / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"s\th:m:s\tmax_rss\tcpu_time\n{seconds}\t0:00:01\t120.5\t{cpu}\n")

    assert stage_costs(tmp_path) == []
    benchmark("target_only/emodb/fold0.tsv", 60, 100)
    benchmark("target_only/emodb/fold1.tsv", 30, 50)
    benchmark("features/is10/emodb.tsv", 5, 4)
    rows = {row["rule"]: row for row in stage_costs(tmp_path)}
    target_only = rows["target_only"]
    assert target_only["jobs"] == 2 and target_only["wall_s"] == 90 and target_only["cpu_s"] == 150
    assert rows["features/is10"]["jobs"] == 1 and rows["total"]["jobs"] == 3 and rows["total"]["cpu_s"] == 154


FINETUNE_LOG = """\
2026-12-05 04:26:45,976 sertransfer.training INFO trained 38 epochs (best 28, val_uar 0.4778)
2026-12-05 04:26:46,427 sertransfer.jobs INFO finetune pooled-k0 -> ravdess fold 0: A2 done
  a warning TensorFlow printed, not an event
2026-12-05 04:26:50,000 sertransfer.jobs INFO finetune pooled-k0 -> ravdess fold 0: A1 done
2026-12-05 04:29:07,768 sertransfer.training INFO epoch 50 of at most 100: loss 1.2, val_uar 0.5; best 0.5 at epoch 40
2026-12-05 04:29:07,768 sertransfer.training INFO trained 50 epochs (best 40, val_uar 0.5333)
2026-12-05 04:29:08,000 sertransfer.jobs INFO finetune pooled-k0 -> emovo fold 0: A3 done
"""


def test_finetune_fits_time_each_approach_from_the_previous_done_line(tmp_path):
    log = tmp_path / "logs" / "finetune" / "pooled-k0.log"
    log.parent.mkdir(parents=True)
    log.write_text(FINETUNE_LOG)
    rows = finetune_fits(tmp_path)  # no benchmark file yet (a running job): the first approach's time is unknown
    assert [(r["target"], r["fold"], r["approach"], r["epochs"], r["first"]) for r in rows] == [
        ("ravdess", 0, "A2", 38, True), ("ravdess", 0, "A1", 0, False), ("emovo", 0, "A3", 50, False)]
    assert rows[0]["seconds"] is None and rows[1]["seconds"] == pytest.approx(3.6) and rows[2]["seconds"] == 138.0

    benchmark = tmp_path / "logs" / "benchmarks" / "finetune" / "pooled-k0.tsv"
    benchmark.parent.mkdir(parents=True)
    benchmark.write_text("s\tcpu_time\n200.0\t380\n")
    end = datetime(2026, 12, 5, 4, 29, 10).timestamp()  # written at 04:29:10 after 200 s: started 04:25:50
    os.utime(benchmark, (end, end))
    first = finetune_fits(tmp_path)[0]
    assert first["first"] and first["seconds"] == 56.4  # to 04:26:46.427, the job's start-up included


SNAKEMAKE_LOG = """\
Building DAG of jobs...
[Sat Dec  5 16:59:02 2026]
rule pretrain:
    jobid: 232
[Sat Dec  5 17:00:30 2026]
Finished jobid: 232 (Rule: pretrain)
1 of 105 steps (1%) done
[Sat Dec  5 17:03:17 2026]
Finished jobid: 41 (Rule: target_only)
2 of 105 steps (2%) done
[Sat Dec  5 17:04:00 2026]
rule finetune:
    jobid: 7
"""


def test_invocations_span_each_snakemake_log_to_its_last_finished_job(tmp_path):
    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    assert invocations(tmp_path) == []
    (logs / "2026-12-05T165724.983953.snakemake.log").write_text(SNAKEMAKE_LOG)
    (logs / "2026-12-05T201351.250892.snakemake.log").write_text("Building DAG of jobs...\n")
    first, second = invocations(tmp_path)
    assert first == {"log": "2026-12-05T165724.983953.snakemake.log", "started": "2026-12-05T16:57:24",
                     "last_finished": "2026-12-05T17:03:17", "jobs": 2, "span_s": 352.0}  # the killed finetune: out
    assert second["jobs"] == 0 and second["span_s"] == 0 and second["last_finished"] == second["started"]
