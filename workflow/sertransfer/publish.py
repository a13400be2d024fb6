"""A finished run's results copied for publication, checked first, with the commit that read them.

A study runs in a worktree of its own (`benchmarks/results/*/README.md` names the commit and the
command); its tables, claims, audit summary and figures are then copied next to that README. This
does the copy so that nothing is picked by hand: it refuses a run that is not finished (a job marked
incomplete, a table asked for that is not there) or whose protocol audit found an overlap, and writes
`provenance.json` beside the copies (the run's directory, `git describe` of its checkout, every file's
sha256), so each published number can be traced to the file it came from.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .atomic import write_text
from .vocabulary import (
    AUDIT_SUMMARY,
    CLAIMS_CSV,
    CLAIMS_MD,
    CROSS_CORPUS_CSV,
    FIGURES_DIR,
    TABLE_CSV_NAME,
    TABLE_TEX_NAME,
    TABLE_VS_PAPER_NAME,
    TABLES_DIR,
)

PROVENANCE = "provenance.json"
#: Published name of the audit summary (the run's own name, `summary.csv`, says too little beside the tables).
AUDIT_SUMMARY_NAME = "audit_summary.csv"
#: Per table: the files that must be there (the rest of a table's files are copied when present).
TABLE_REQUIRED = (TABLE_CSV_NAME, TABLE_TEX_NAME)
TABLE_OPTIONAL = (TABLE_VS_PAPER_NAME,)
#: Files of the tables directory that are not numbered tables, copied when present.
OTHER_TABLES = tuple(Path(path).name for path in (CLAIMS_CSV, CLAIMS_MD, CROSS_CORPUS_CSV))


class PublishError(RuntimeError):
    """The run cannot be published as it is (not finished, a table missing, an overlap in the audit)."""


def _unfinished_jobs(workdir: Path) -> list[str]:
    """Snakemake's markers of jobs that started and did not finish (`.snakemake/incomplete`)."""
    markers = workdir / ".snakemake" / "incomplete"
    return sorted(path.name for path in markers.iterdir()) if markers.is_dir() else []


def _check_audit(summary_path: Path) -> None:
    """Refuse an audit summary that is missing or counts an overlap."""
    if not summary_path.is_file():
        raise PublishError(f"{summary_path} is missing: run `snakemake {AUDIT_SUMMARY}` in the run's directory first")
    summary = pd.read_csv(summary_path)
    leaking = summary[summary["overlaps"] != 0]
    if len(leaking):
        kinds = ", ".join(f"{row.kind} ({row.overlaps})" for row in leaking.itertuples())
        raise PublishError(f"{summary_path}: the protocol audit found overlaps in {kinds}; "
                           "read results/audit/protocol.csv for the jobs, nothing was published")


def planned_copies(workdir: Path, tables: Sequence[int]) -> dict[str, Path]:
    """Published name -> the run's file, for every file that will be copied; PublishError naming what is missing."""
    tables_dir = workdir / TABLES_DIR
    copies: dict[str, Path] = {}
    missing: list[str] = []
    for number in tables:
        for pattern, required in [(p, True) for p in TABLE_REQUIRED] + [(p, False) for p in TABLE_OPTIONAL]:
            name = pattern.format(n=number)
            if (tables_dir / name).is_file():
                copies[name] = tables_dir / name
            elif required:
                missing.append(f"{TABLES_DIR}/{name}")
    if missing:
        raise PublishError(f"{workdir}: {', '.join(missing)} missing: finish the run (snakemake resumes) or leave "
                           "those tables out of --tables")
    for name in OTHER_TABLES:
        if (tables_dir / name).is_file():
            copies[name] = tables_dir / name
    copies[AUDIT_SUMMARY_NAME] = workdir / AUDIT_SUMMARY
    for figure in sorted((workdir / FIGURES_DIR).glob("*.png")):
        copies[figure.name] = figure
    return copies


def _describe(workdir: Path) -> str:
    """`git describe --always --dirty` of the run's checkout (the commit whose code read the run)."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=workdir, capture_output=True,
                              text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"


def publish(workdir: Path, destination: Path, tables: Sequence[int] = (1, 2, 3, 4, 5)) -> list[Path]:
    """Check the finished run in `workdir`, copy its tables, claims, audit summary and figures; the copies."""
    unfinished = _unfinished_jobs(workdir)
    if unfinished:
        raise PublishError(f"{workdir}/.snakemake/incomplete holds {len(unfinished)} unfinished job(s): let the run "
                           "finish (or rerun snakemake there, which redoes them) before publishing")
    _check_audit(workdir / AUDIT_SUMMARY)
    copies = planned_copies(workdir, tables)
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for name, source in copies.items():
        target = destination / name
        shutil.copyfile(source, target)
        written.append(target)
    provenance = {"run": str(workdir.resolve()), "read_at": _describe(workdir),
                  "published": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "files": {name: hashlib.sha256(path.read_bytes()).hexdigest()
                            for name, path in sorted((p.name, p) for p in written)}}
    write_text(destination / PROVENANCE, json.dumps(provenance, indent=1) + "\n")
    return written
