"""Helpers for tests on a real SLURM cluster (CI: a single-node one from scripts/slurm-local.sh).

Without a reachable cluster the tests are skipped with the reason, or fail where CI requires one
(SERTRANSFER_REQUIRE_SLURM=1). The CI overrides (the local partition, no GPUs, a short status-check
interval) are passed on the command line on top of the profile's own values.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from conftest import REPO

PROFILE = REPO / "profiles" / "slurm" / "config.yaml"
TRAINING_RULES = ("pretrain", "finetune", "target_only")
GPU_KEYS = ("gpu", "gpu_model", "gres", "slurm_partition")   # what the CI cluster cannot honour
JOBNAME_PREFIX = "sertransfer_ci"
def profile() -> dict:
    return yaml.safe_load(PROFILE.read_text())


def run_command(*args: str, timeout: int = 30) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, check=False, timeout=timeout)


def unavailable(reason: str):
    """Skip, or fail where a cluster is required (CI sets SERTRANSFER_REQUIRE_SLURM=1)."""
    if os.environ.get("SERTRANSFER_REQUIRE_SLURM") == "1":
        pytest.fail(f"SERTRANSFER_REQUIRE_SLURM=1 but {reason}")
    pytest.skip(reason)


def default_partition() -> str:
    """The default partition of the reachable cluster; skips the test when there is none."""
    if shutil.which("sinfo") is None:
        unavailable("no SLURM client (sinfo) on PATH; CI installs slurm-wlm and runs scripts/slurm-local.sh start")
    try:
        result = run_command("sinfo", "-h", "-o", "%P %a %D %t")
    except subprocess.TimeoutExpired:
        unavailable("sinfo timed out: no SLURM controller reachable (scripts/slurm-local.sh start)")
    if result.returncode != 0:
        error = " | ".join(line for line in result.stderr.splitlines() if line.strip())[:300]
        unavailable(f"no SLURM cluster reachable (sinfo: {error}); "
                    "start one with scripts/slurm-local.sh start")
    rows = [line.split() for line in result.stdout.splitlines()]   # partition, avail, nodes, state
    default = [row[0].rstrip("*") for row in rows if len(row) == 4 and row[0].endswith("*") and row[1] == "up"
               and row[3].rstrip("*~#!%$@^-") in ("idle", "mix", "alloc", "comp")]
    if not default:
        unavailable(f"SLURM cluster has no usable default partition (sinfo: {result.stdout.strip()[:200]})")
    return default[0]


def ci_overrides(partition: str) -> list[str]:
    """Command-line overrides of the profile for the CI cluster: its partition, CPU training and no GPUs.

    A command-line list replaces the profile's whole list, so the profile's other values are
    passed again, unchanged."""
    config = profile()
    defaults = {**config["default-resources"], "slurm_partition": partition, "gpu": 0}
    set_resources = []
    for rule, resources in config["set-resources"].items():
        kept = {key: value for key, value in resources.items() if key not in GPU_KEYS}
        if rule in TRAINING_RULES:
            kept["gpu"] = 0
        set_resources += [f"{rule}:{key}={value}" for key, value in kept.items()]
    return ["--config", "training={'device': 'cpu'}",
            "--default-resources", *[f"{key}={value}" for key, value in defaults.items()],
            "--set-resources", *set_resources,
            "--slurm-init-seconds-before-status-checks", "5",
            "--slurm-jobname-prefix", JOBNAME_PREFIX,
            "--slurm-keep-successful-logs",
            "--max-threads", "1",      # two single-CPU jobs side by side on a 2-core CI machine
            "--jobs", "4"]


def cancel_our_jobs() -> None:
    listed = run_command("squeue", "-h", "-o", "%i %j")
    ours = [line.split()[0] for line in listed.stdout.splitlines() if JOBNAME_PREFIX in line]
    if ours:
        run_command("scancel", *ours)
