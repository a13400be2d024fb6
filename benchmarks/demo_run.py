"""The demo end to end: `snakemake --cores 8 all` (config/config.yaml) in a fresh copy of the repository,
as a new user runs it; wall time (target <= 15 min on a 2-core machine), CPU time and job count.
Run on an otherwise idle machine: `.venv/bin/python benchmarks/demo_run.py`."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, write_rows

COPIED = ("Snakefile", "workflow", "config", "envs", "profiles", "pyproject.toml")


def main() -> None:
    """Copy the workflow files to a temporary folder, run the demo there, record the figures."""
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with tempfile.TemporaryDirectory(prefix="sertransfer-demo-") as scratch:
        workdir = Path(scratch)
        for name in COPIED:
            source = REPO / name
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, workdir / name)
        start = time.perf_counter()
        result = subprocess.run([snakemake, "--cores", "8", "all"], cwd=workdir, env=env, capture_output=True,
                                text=True, check=False)
        wall = time.perf_counter() - start
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        output = result.stdout + result.stderr
        if result.returncode != 0:
            sys.exit(f"demo failed (exit {result.returncode}):\n{output[-3000:]}")
        steps = re.findall(r"(\d+) of (\d+) steps \(100%\) done", output)
    jobs = int(steps[-1][1]) if steps else -1
    print(f"demo: {jobs} jobs, wall {wall / 60:.1f} min, CPU {children.ru_utime + children.ru_stime:.0f} s "
          f"on {os.cpu_count()} cores")
    write_rows("demo_run", [{"jobs": jobs, "wall_s": round(wall, 1),
                             "cpu_s": round(children.ru_utime + children.ru_stime, 1), "cores": os.cpu_count()}])


if __name__ == "__main__":
    main()
