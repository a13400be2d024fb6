"""Case 7: a SLURM job cancelled with `scancel` while it runs; Snakemake reports it, resubmits it, completes.

Runs on the CI cluster (scripts/slurm-local.sh); skipped with the reason where no cluster is reachable.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time

import pandas as pd
import pytest

from slurm_cluster import JOBNAME_PREFIX, cancel_our_jobs, ci_overrides, default_partition, run_command
from workflow_run import copy_repository, planned_jobs, snakemake_environment, snakemake_exe, tiny_config

pytestmark = pytest.mark.slow

TARGET = "results/predictions/tt/rml/fold0.parquet"   # one TT training job and the jobs it needs


def cancel_first_running(rule: str, cancelled: list[str], stop: threading.Event) -> None:
    """Poll squeue; scancel the first of our jobs of `rule` seen RUNNING (its id goes into `cancelled`)."""
    while not stop.is_set():
        listed = run_command("squeue", "-h", "-o", "%i|%T|%j|%k")
        for line in listed.stdout.splitlines():
            job_id, state, name, comment = (line.split("|") + ["", "", ""])[:4]
            if name.startswith(JOBNAME_PREFIX) and comment.startswith(f"rule_{rule}") and state == "RUNNING":
                run_command("scancel", job_id)
                cancelled.append(job_id)
                return
        time.sleep(0.2)


def test_cancelled_slurm_job_is_reported_and_resubmitted(tmp_path, tiny_run):
    partition = default_partition()
    workdir = copy_repository(tmp_path / "workflow")
    config = tiny_config(workdir)
    args = [TARGET, "--profile", "profiles/slurm", *ci_overrides(partition), "--retries", "2",
            "--configfile", str(config)]
    cancelled: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=cancel_first_running, args=("target_only", cancelled, stop), daemon=True)
    watcher.start()
    try:
        run = subprocess.run([snakemake_exe(), *args], cwd=workdir, capture_output=True, text=True,
                             env=snakemake_environment(), check=False, timeout=600)
    finally:
        stop.set()
        watcher.join(timeout=5)
        cancel_our_jobs()
    output = run.stdout + run.stderr
    assert cancelled, "the TT job was never seen RUNNING, so nothing was cancelled:\n" + output[-3000:]
    assert run.returncode == 0, output[-5000:]

    # Reported: the failed attempt names the rule and its SLURM job id; then it was submitted again.
    assert "Error in rule target_only" in output, output[-5000:]
    assert f"SLURM-job '{cancelled[0]}' failed, SLURM status is: 'CANCELLED'" in output, output[-5000:]
    submitted = [slurm_id for _, slurm_id in re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", output)]
    listed = run_command("squeue", "-h", "-t", "all", "-j", ",".join(submitted), "-o", "%i|%k|%T").stdout
    states = {job_id: state for job_id, comment, state in (line.split("|") for line in listed.splitlines())
              if comment.startswith("rule_target_only")}
    assert cancelled[0] in states and len(states) == 2, (submitted, listed)   # the cancelled one and its retry
    retry = next(job_id for job_id in states if job_id != cancelled[0])
    assert states[cancelled[0]] == "CANCELLED" and states[retry] == "COMPLETED", states

    # Completed: the TT predictions equal those of the uninterrupted local tiny run (same config, same seeds).
    assert planned_jobs(subprocess.run([snakemake_exe(), "-n", *args], cwd=workdir, capture_output=True, text=True,
                                       env=snakemake_environment(), check=False)) == {}
    reference = tiny_run[0] / TARGET
    pd.testing.assert_frame_equal(pd.read_parquet(workdir / TARGET), pd.read_parquet(reference))
