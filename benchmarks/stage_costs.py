"""Wall and CPU time per stage of a finished (or running) workflow, from its jobs' Snakemake benchmark files.

Every heavy rule writes `logs/benchmarks/<rule>/....tsv` (Snakemake's `benchmark:`: wall seconds `s`,
`cpu_time`, `max_rss`). This sums them per rule:

    .venv/bin/python benchmarks/stage_costs.py /work/real5 --name real5_stage_costs

-> benchmarks/results/<name>.csv: rule, jobs, wall_s (sum over jobs), cpu_s, max_rss_mb, and the machine.
The sum of wall seconds over jobs exceeds the run's wall time when jobs ran side by side.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import write_rows
from sertransfer.costs import stage_costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--name", default="stage_costs", help="results file name (benchmarks/results/<name>.csv)")
    args = parser.parse_args()
    rows = stage_costs(args.workdir)
    for row in rows:
        print(row)
    print("wrote", write_rows(args.name, rows))


if __name__ == "__main__":
    main()
