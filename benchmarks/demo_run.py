"""The demo end to end, as `make run` runs it: `snakemake --cores 8 all` (config/config.yaml) in a fresh copy.

Records the wall time (target: 15 min on an idle 2-core machine), the CPU time of every process, the
job count, how many jobs started TensorFlow (the training rules), and, as the machine's speed so that a
reader can scale, the median wall time of the paper DAG's dry run. With `--twice` the demo runs in two
fresh copies and their tables are compared byte for byte (determinism).

Run on an otherwise idle machine: `.venv/bin/python benchmarks/demo_run.py [--twice] [--keep DIR]`
-> benchmarks/results/demo_run.csv
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, write_rows

COPIED = ("Snakefile", "workflow", "config", "envs", "profiles", "pyproject.toml")
#: Rules whose jobs start TensorFlow.
TENSORFLOW_RULES = ("pretrain", "finetune", "target_only", "export_model")


def environment() -> dict[str, str]:
    """The benchmark interpreter's environment first on PATH (its snakemake, its python)."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def paper_dryrun_s(runs: int = 3) -> float:
    """Median wall seconds of `snakemake -n all --configfile config/paper.yaml`: the machine's speed."""
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([snakemake, "-n", "all", "--configfile", "config/paper.yaml"], cwd=REPO, env=environment(),
                       capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_demo(workdir: Path) -> dict:
    """Copy the workflow into `workdir`, run the demo, return its figures and its tables' bytes."""
    for name in COPIED:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, workdir / name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([str(Path(sys.executable).with_name("snakemake")), "--cores", "8", "all"], cwd=workdir,
                            env=environment(), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = result.stdout + result.stderr
    (workdir / "demo_run.out").write_text(output)   # what a user sees, kept with --keep
    if result.returncode != 0:
        sys.exit(f"demo failed (exit {result.returncode}):\n{output[-3000:]}")
    steps = re.findall(r"(\d+) of (\d+) steps \(100%\) done", output)
    rules = re.findall(r"^(?:local)?rule (\w+):", output, flags=re.M)
    tables = {p.name: p.read_bytes() for p in sorted((workdir / "results" / "tables").glob("table*"))}
    return {"jobs": int(steps[-1][1]) if steps else -1, "wall_s": round(wall, 1),
            "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 1),
            "tensorflow_jobs": sum(rules.count(rule) for rule in TENSORFLOW_RULES), "tables": tables}


def main() -> None:
    """Run the demo (once, or twice to compare the tables) and write benchmarks/results/demo_run.csv."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--twice", action="store_true", help="run in two fresh copies and compare the tables")
    parser.add_argument("--keep", type=Path, help="run the (first) demo in this new folder and keep its results")
    args = parser.parse_args()
    speed = paper_dryrun_s()
    runs = []
    for attempt in range(2 if args.twice else 1):
        if args.keep and attempt == 0:
            args.keep.mkdir(parents=True)
            runs.append(run_demo(args.keep))
        else:
            with tempfile.TemporaryDirectory(prefix="sertransfer-demo-") as scratch:
                runs.append(run_demo(Path(scratch)))
        print({k: v for k, v in runs[-1].items() if k != "tables"}, flush=True)
    identical = all(run["tables"] == runs[0]["tables"] for run in runs)
    if args.twice:
        print("tables of the two runs identical:", identical)
    rows = [{**{k: v for k, v in run.items() if k != "tables"}, "cores": os.cpu_count(),
             "paper_dryrun_s": round(speed, 2), "runs_compared": len(runs),
             "tables_identical": identical if len(runs) > 1 else ""} for run in runs]
    print("wrote", write_rows("demo_run", rows))


if __name__ == "__main__":
    main()
