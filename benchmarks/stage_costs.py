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

import pandas as pd

from common import write_rows

#: Log folders that hold several rules (features/waveform, baselines/asvm, ...).
GROUPED = ("features", "baselines")


def stage_costs(workdir: Path) -> list[dict]:
    """One row per rule with benchmark files under `workdir/logs/benchmarks/`."""
    rows = []
    root = workdir / "logs" / "benchmarks"
    stages: dict[str, list[Path]] = {}
    for file in sorted(root.rglob("*.tsv")):
        parts = file.relative_to(root).parts
        stage = "/".join(parts[:2]) if parts[0] in GROUPED and len(parts) > 2 else parts[0]
        stages.setdefault(stage, []).append(file)
    for stage, files in stages.items():
        frame = pd.concat([pd.read_csv(f, sep="\t") for f in files], ignore_index=True)
        cpu = pd.to_numeric(frame.get("cpu_time"), errors="coerce")
        rss = pd.to_numeric(frame.get("max_rss"), errors="coerce")
        rows.append({"rule": stage, "jobs": len(files), "wall_s": round(float(frame["s"].sum()), 1),
                     "cpu_s": round(float(cpu.sum()), 1), "max_rss_mb": round(float(rss.max()), 0)})
    total = {"rule": "total", "jobs": sum(r["jobs"] for r in rows), "wall_s": round(sum(r["wall_s"] for r in rows), 1),
             "cpu_s": round(sum(r["cpu_s"] for r in rows), 1), "max_rss_mb": max(r["max_rss_mb"] for r in rows)}
    return [*rows, total]


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
