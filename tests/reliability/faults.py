"""Helpers of the reliability suite: fault injection and snapshots of a run's final state."""

from __future__ import annotations

from pathlib import Path

INJECTOR = Path(__file__).resolve().parent / "inject"   # sitecustomize.py: the SIGKILL fault injector


def fault(script: str, kind: str, marker: Path) -> dict[str, str]:
    """Environment that arms `kind` (training-batch | parquet-write) once in the rule script `script`."""
    return {"PYTHONPATH": str(INJECTOR), "SERTRANSFER_FAULT": f"{script}:{kind}",
            "SERTRANSFER_FAULT_ONCE": str(marker)}


def snapshot(workdir: Path) -> dict[str, bytes]:
    """Every table (CSV and LaTeX) of a run, by relative path: what a researcher takes away."""
    tables = workdir / "results" / "tables"
    return {str(p.relative_to(workdir)): p.read_bytes() for p in sorted(tables.glob("table*")) if p.is_file()}


def partials(directory: Path) -> list[Path]:
    """Temporaries of atomic writes (`.<name>.partial-*`) under `directory`."""
    return sorted(directory.rglob(".*.partial-*"))
