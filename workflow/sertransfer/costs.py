"""Wall and CPU time per stage of a run, from its jobs' Snakemake benchmark files (`logs/benchmarks/**.tsv`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sertransfer.vocabulary import BENCHMARKS_DIR

#: Benchmark folders that hold several rules (features/waveform, baselines/asvm, ...): a stage is two levels.
GROUPED = ("features", "baselines")


def stage_costs(workdir: Path) -> list[dict]:
    """One row per stage with benchmark files under `workdir`, then a `total` row (empty list when none)."""
    root = Path(workdir) / BENCHMARKS_DIR
    stages: dict[str, list[Path]] = {}
    for file in sorted(root.rglob("*.tsv")):
        parts = file.relative_to(root).parts
        stage = "/".join(parts[:2]) if parts[0] in GROUPED and len(parts) > 2 else parts[0]
        stages.setdefault(stage, []).append(file)
    rows = []
    for stage, files in stages.items():
        frame = pd.concat([pd.read_csv(f, sep="\t") for f in files], ignore_index=True)
        cpu = pd.to_numeric(frame.get("cpu_time"), errors="coerce")
        rss = pd.to_numeric(frame.get("max_rss"), errors="coerce")
        rows.append({"rule": stage, "jobs": len(files), "wall_s": round(float(frame["s"].sum()), 1),
                     "cpu_s": round(float(cpu.sum()), 1), "max_rss_mb": round(float(rss.max()), 0)})
    if not rows:
        return []
    total = {"rule": "total", "jobs": sum(r["jobs"] for r in rows), "wall_s": round(sum(r["wall_s"] for r in rows), 1),
             "cpu_s": round(sum(r["cpu_s"] for r in rows), 1), "max_rss_mb": max(r["max_rss_mb"] for r in rows)}
    return [*rows, total]
