"""Planning the paper-scale DAG: `snakemake -n all --configfile config/paper.yaml` job count per rule
and wall time (target <= 15 s). Run: `.venv/bin/python benchmarks/dag_dryrun.py`."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, write_rows

RUNS = 3


def main() -> None:
    """Dry-run the paper config RUNS times; record the median wall time and the job counts."""
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    times, output = [], ""
    for _ in range(RUNS):
        start = time.perf_counter()
        result = subprocess.run([snakemake, "-n", "all", "--configfile", "config/paper.yaml"], cwd=REPO, env=env,
                                capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - start)
        output = result.stdout + result.stderr
    table = output.split("Job stats:", 1)[1].splitlines()[3:]
    counts = {}
    for line in table:
        match = re.fullmatch(r"(\S+)\s+(\d+)", line.strip())
        if not match:
            break
        counts[match.group(1)] = int(match.group(2))
    print(counts)
    print(f"median wall {statistics.median(times):.2f} s over {RUNS} runs")
    rows = [{"rule": rule, "jobs": jobs, "dry_run_median_s": round(statistics.median(times), 2)}
            for rule, jobs in counts.items()]
    print("wrote", write_rows("dag_dryrun", rows))


if __name__ == "__main__":
    main()
