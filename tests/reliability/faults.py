"""Helpers of the reliability suite: fault injection and the atomic writers' temporaries."""

from __future__ import annotations

import shutil
from pathlib import Path

from workflow_run import snakemake

INJECTOR = Path(__file__).resolve().parent / "inject"   # sitecustomize.py: the SIGKILL fault injector


def fault(script: str, kind: str, marker: Path) -> dict[str, str]:
    """Environment that arms `kind` (training-batch | parquet-write | unit-kept) once in the rule script `script`."""
    return {"PYTHONPATH": str(INJECTOR), "SERTRANSFER_FAULT": f"{script}:{kind}",
            "SERTRANSFER_FAULT_ONCE": str(marker)}


def partials(directory: Path) -> list[Path]:
    """Temporaries of atomic writes (`.<name>.partial-*`) under `directory`."""
    return sorted(directory.rglob(".*.partial-*"))


def run_until_killed(workdir: Path, config: Path, rule: str, kind: str, removed: tuple[str, ...],
                     outputs: tuple[str, ...], marker: Path) -> str:
    """Remove `removed` (a run that has not reached the job yet), run `all` with the fault `kind` armed in
    `rule`'s script; check that it fired, that the run failed naming the rule and that none of `outputs`
    survived. Returns the fault's record."""
    # (Snakemake does not rebuild a missing intermediate file while everything made from it is up to date,
    # so `removed` holds the job's outputs and what is made from them.)
    for name in removed:
        path = workdir / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    killed = snakemake(workdir, "--cores", "2", "all", "--configfile", str(config), env=fault(rule, kind, marker))
    output = killed.stdout + killed.stderr
    assert marker.exists(), f"the fault {kind} never fired in rule {rule}: {output[-3000:]}"
    assert killed.returncode != 0 and f"Error in rule {rule}" in output, output[-3000:]
    survivors = [name for name in outputs if (workdir / name).exists()]
    assert survivors == [], f"outputs of the killed job survived: {survivors}"
    return marker.read_text()
