"""Case 3: a truncated feature cache; the job reading it names the file and the one-command recovery works."""

from __future__ import annotations

import os
import re

import pytest

from workflow_run import snakemake, table_snapshot

pytestmark = pytest.mark.slow

# The IS10 cache: its recovery reruns the SVM baselines only (the waveform cache's would retrain most
# networks; both readers raise the same FeatureCacheError with the same recovery, tests/test_features.py).
CACHE = "data/features/is10/rml.parquet"
READER = "results/predictions/svm_is/fold0.parquet"   # a job that reads the cache


def truncate_keeping_mtime(path, keep: float = 0.5) -> None:
    """Cut `path` to a fraction of its size, as a full disk or a bad copy would, leaving its mtime."""
    stat = path.stat()
    with open(path, "r+b") as handle:
        handle.truncate(int(stat.st_size * keep))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_truncated_cache_is_named_and_one_command_rebuilds_everything(finished_copy, uninterrupted_tables):
    workdir, config = finished_copy
    truncate_keeping_mtime(workdir / CACHE)
    assert "Nothing to be done" in snakemake(workdir, "-n", "all", "--configfile", str(config)).stdout

    failed = snakemake(workdir, "--cores", "2", "all", "--forcerun", READER, "--configfile", str(config))
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0 and "Error in rule svm_is" in output, output[-3000:]
    message = re.search(r"FeatureCacheError: ((?:IS10|waveform) cache .*)", output)
    assert message, output[-3000:]
    assert CACHE in message.group(1) and re.search("corrupt|unreadable", message.group(1))
    recovery = re.search(r"with: (snakemake all --forcerun \S+)", message.group(1)).group(1)
    assert not (workdir / READER).exists()

    # The recovery the error states, with this run's options added as it says.
    fixed = snakemake(workdir, *recovery.split()[1:], "--cores", "2", "--configfile", str(config))
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert table_snapshot(workdir) == uninterrupted_tables
    assert "Nothing to be done" in snakemake(workdir, "-n", "all", "--configfile", str(config)).stdout
