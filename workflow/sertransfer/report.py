"""The Snakemake HTML report as a rule's output: a nested `snakemake --report` on the finished run."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sertransfer import atomic


def write_report(config: Mapping[str, Any], snakefile: str | Path, workdir: str | Path, output: str | Path,
                 log_path: str | Path) -> None:
    """Write the report of the run in `workdir` (its effective `config`) to `output`, atomically."""
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="sertransfer-report-") as scratch, atomic.atomic_path(output) as partial:
        configfile = Path(scratch) / "config.yaml"
        configfile.write_text(yaml.safe_dump(dict(config), sort_keys=False))
        command = [sys.executable, "-m", "snakemake", "--snakefile", str(snakefile), "--directory", str(workdir),
                   "--configfile", str(configfile), "--report", str(partial.resolve()), "--nolock"]
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(" ".join(command) + "\n")
            log.flush()
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})
        if done.returncode != 0 or partial.stat().st_size == 0:
            raise RuntimeError(f"snakemake --report failed (exit {done.returncode}); see {log_path}")
