"""Case 4: two snakemake invocations on one directory; the second is refused by the lock, the first completes."""

from __future__ import annotations

import subprocess
import time

import pytest

from workflow_run import snakemake, snakemake_environment, snakemake_exe, table_snapshot

pytestmark = pytest.mark.slow

RERUN = "results/models/pretrain/s2-rml.keras"   # a pretraining job and what is made from it


def test_second_invocation_is_refused_while_the_first_completes(finished_copy, uninterrupted_tables):
    workdir, config = finished_copy
    first = subprocess.Popen([snakemake_exe(), "--cores", "2", "all", "--forcerun", RERUN, "--configfile", str(config)],
                             cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=snakemake_environment())
    try:
        locks = workdir / ".snakemake" / "locks"
        deadline = time.monotonic() + 120
        while not any(locks.glob("*")) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert first.poll() is None and any(locks.glob("*")), "the first run never held the lock"

        second = snakemake(workdir, "--cores", "1", "all", "--configfile", str(config))
        refusal = second.stdout + second.stderr
        assert second.returncode != 0, refusal[-2000:]
        assert "Directory cannot be locked" in refusal, refusal[-2000:]
        assert first.poll() is None, "the refused invocation must not disturb the running one"
        output, _ = first.communicate(timeout=900)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, output[-3000:]
    assert not any(locks.glob("*")), "the finished run left its lock behind"
    assert table_snapshot(workdir) == uninterrupted_tables
    assert "Nothing to be done" in snakemake(workdir, "-n", "all", "--configfile", str(config)).stdout
