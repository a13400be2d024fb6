"""Case 2: a feature-extraction job killed mid-write; its partial Parquet is never accepted; the rerun completes."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from faults import fault, partials

from workflow_run import planned_jobs, snakemake

pytestmark = pytest.mark.slow

CACHE = "data/features/waveform/rml.parquet"


def test_waveform_cache_killed_mid_write_is_rebuilt_identically(finished_copy, tmp_path):
    workdir, config = finished_copy
    original = (workdir / CACHE).read_bytes()
    marker = tmp_path / "fired"
    args = ("--cores", "2", CACHE, "--configfile", str(config))

    killed = snakemake(workdir, *args, "--forcerun", CACHE, env=fault("waveform_features", "parquet-write", marker))
    output = killed.stdout + killed.stderr
    assert marker.read_text().startswith("killed after the first row group"), output[-3000:]
    assert killed.returncode != 0 and "Error in rule waveform_features" in output, output[-3000:]
    assert not (workdir / CACHE).exists(), "a killed extraction left a file at the cache path"
    leftovers = partials(workdir / "data" / "features")
    assert leftovers, "the fault should have fired mid-write, leaving the writer's temporary file"
    for leftover in leftovers:   # what was on disk at the kill is not a readable Parquet file
        with pytest.raises((pa.ArrowInvalid, OSError)):
            pq.read_table(leftover)
    assert planned_jobs(snakemake(workdir, "-n", *args)) == {"waveform_features": 1}

    rerun = snakemake(workdir, *args)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert partials(workdir / "data" / "features") == []
    assert (workdir / CACHE).read_bytes() == original   # the same cache an uninterrupted run wrote
