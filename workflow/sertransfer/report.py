"""The Snakemake HTML report as a rule's output: a nested `snakemake --report` on the finished run.

Its front page is the run's landing page (`results/summary.rst`, sertransfer.findings): the nested run
gets its path in `FRONT_PAGE_ENV`, which the Snakefile's `report:` directive reads; without it (a
`snakemake --report` by hand before the summary exists) the front page is workflow/report/workflow.rst.
"""

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

#: The environment variable that carries the report's front page (an .rst file) to the Snakefile.
FRONT_PAGE_ENV = "SERTRANSFER_REPORT_FRONT_PAGE"
#: The front page when no landing page is given.
DEFAULT_FRONT_PAGE = "workflow/report/workflow.rst"


def front_page() -> str:
    """The Snakefile's `report:` file: the landing page the report rule passes, else the static description."""
    return os.environ.get(FRONT_PAGE_ENV) or DEFAULT_FRONT_PAGE


def write_report(config: Mapping[str, Any], snakefile: str | Path, workdir: str | Path, output: str | Path,
                 log_path: str | Path, front: str | Path | None = None) -> None:
    """Write the report of the run in `workdir` (its effective `config`) to `output`, atomically; `front`: its
    front page (.rst)."""
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
                                  env={**os.environ, "PYTHONUNBUFFERED": "1",
                                       **({FRONT_PAGE_ENV: str(Path(front).resolve())} if front else {})})
        if done.returncode != 0 or partial.stat().st_size == 0:
            raise RuntimeError(f"snakemake --report failed (exit {done.returncode}); see {log_path}")
