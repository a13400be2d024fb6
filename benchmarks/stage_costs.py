"""Wall and CPU time per stage of a finished (or running) workflow, and seconds per fine-tuning fit.

Every heavy rule writes `logs/benchmarks/<rule>/....tsv` (Snakemake's `benchmark:`: wall seconds `s`,
`cpu_time`, `max_rss`); every fine-tuning job logs a line as each approach is done. This sums the first
per rule and reads the second per approach:

    .venv/bin/python benchmarks/stage_costs.py /work/real5 --name real5/stage_costs

-> benchmarks/results/<name>.csv: rule, jobs, wall_s (sum over jobs), cpu_s, max_rss_mb, and the machine;
<name>_fits.csv: one row per approach of each fine-tuning unit (epochs, wall seconds); <name>_approaches.csv:
per approach, the fits, median epochs, median seconds and seconds per epoch (jobs' first approaches, which
carry the job's start-up, left out of the medians); <name>_invocations.csv: one row per Snakemake invocation
of a run resumed several times (start, last job finished, jobs, span), whose spans add up to the run's wall
time less the jobs killed at each invocation's end, but with any minutes the run was stopped. The sum of wall
seconds over jobs exceeds the run's wall time when jobs ran side by side, and side-by-side jobs run slower each.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from common import write_rows
from sertransfer.costs import finetune_fits, invocations, stage_costs


def approach_summary(fits: list[dict]) -> list[dict]:
    """Per approach: fits, median epochs, median wall seconds and seconds per epoch (first approaches left out)."""
    frame = pd.DataFrame(fits)
    steady = frame[~frame["first"] & frame["seconds"].notna()]
    rows = []
    for approach, group in steady.groupby("approach"):
        trained = group[group["epochs"] > 0]
        rows.append({"approach": approach, "fits": len(group), "epochs_median": float(group["epochs"].median()),
                     "seconds_median": float(group["seconds"].median()), "seconds_sum": float(group["seconds"].sum()),
                     "seconds_per_epoch": (round(float((trained["seconds"] / trained["epochs"]).median()), 2)
                                           if len(trained) else None)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--name", default="stage_costs", help="results file name (benchmarks/results/<name>.csv)")
    args = parser.parse_args()
    rows = stage_costs(args.workdir)
    for row in rows:
        print(row)
    print("wrote", write_rows(args.name, rows))
    fits = finetune_fits(args.workdir)
    if fits:
        print("wrote", write_rows(f"{args.name}_fits", fits))
        summary = approach_summary(fits)
        for row in summary:
            print(row)
        if summary:
            print("wrote", write_rows(f"{args.name}_approaches", summary))
    spans = invocations(args.workdir)
    if spans:
        print(f"{len(spans)} invocations, {sum(row['jobs'] for row in spans)} jobs finished, spans "
              f"{sum(row['span_s'] for row in spans) / 3600:.2f} h in all")
        print("wrote", write_rows(f"{args.name}_invocations", spans))


if __name__ == "__main__":
    main()
