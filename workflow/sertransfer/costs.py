"""A run's costs: wall and CPU time per stage (benchmark files), seconds per fine-tuning fit (job logs), and the
span of each Snakemake invocation of a run resumed several times (Snakemake's own logs)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from sertransfer.vocabulary import BENCHMARKS_DIR, FINETUNE_BENCHMARK, FINETUNE_LOG

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


_EVENT = re.compile(r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \S+ INFO (?P<message>.*)$")
_TRAINED = re.compile(r"trained (?P<epochs>\d+) epochs")
_DONE = re.compile(r"finetune \S+ -> (?P<target>\S+) fold (?P<fold>\d+): (?P<approach>\S+) done$")


def finetune_fits(workdir: Path) -> list[dict]:
    """One row per approach of each fine-tuning unit in the run's job logs: its epochs and wall seconds.

    An approach's seconds run from the previous approach's `done` line to its own (set-up, fit, scoring);
    a job's first approach counts from the job's start (its benchmark file's time less its wall seconds),
    so it carries the job's start-up (`first`: True). A1 trains nothing: 0 epochs, its scoring time.
    """
    rows = []
    for log in sorted(Path(workdir).glob(FINETUNE_LOG.format(pretrain_set="*"))):
        previous = _job_start(Path(workdir), log.stem)
        first, epochs = True, 0
        for line in log.read_text().splitlines():
            event = _EVENT.match(line)
            if event is None:
                continue
            message = event["message"]
            if trained := _TRAINED.match(message):
                epochs = int(trained["epochs"])
            elif done := _DONE.match(message):
                moment = datetime.strptime(event["time"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                rows.append({"pretrain_set": log.stem, "target": done["target"], "fold": int(done["fold"]),
                             "approach": done["approach"], "epochs": epochs, "first": first,
                             "seconds": None if previous is None else round(moment - previous, 1)})
                previous, first, epochs = moment, False, 0
    return rows


def _job_start(workdir: Path, pretrain_set: str) -> float | None:
    """When a fine-tuning job started (its benchmark file's time less its wall seconds), or None if unknown."""
    benchmark = workdir / FINETUNE_BENCHMARK.format(pretrain_set=pretrain_set)
    if not benchmark.is_file():
        return None
    return benchmark.stat().st_mtime - float(pd.read_csv(benchmark, sep="\t")["s"].iloc[0])


#: Snakemake's own log of each invocation, named by the moment it started (Snakemake's layout, not ours).
SNAKEMAKE_LOGS = ".snakemake/log/*.snakemake.log"
_FINISHED = re.compile(r"^\[(?P<time>\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]\nFinished jobid: \d+ \(Rule: \w+\)",
                       re.MULTILINE)


def invocations(workdir: Path) -> list[dict]:
    """One row per Snakemake invocation of the run in `workdir`: start, last job finished, jobs finished, span.

    The span runs from the invocation's start to its last finished job, so a job killed when the invocation
    ended (and redone by the next) is not in it; minutes the process was stopped (SIGSTOP) are.
    """
    rows = []
    for log in sorted(Path(workdir).glob(SNAKEMAKE_LOGS)):
        started = datetime.strptime(log.name.removesuffix(".snakemake.log"), "%Y-%m-%dT%H%M%S.%f")
        finished = [datetime.strptime(" ".join(match["time"].split()), "%a %b %d %H:%M:%S %Y")
                    for match in _FINISHED.finditer(log.read_text())]
        last = max(finished, default=started)
        rows.append({"log": log.name, "started": started.isoformat(timespec="seconds"),
                     "last_finished": last.isoformat(timespec="seconds"), "jobs": len(finished),
                     "span_s": round((last - started).total_seconds(), 1)})
    return rows
