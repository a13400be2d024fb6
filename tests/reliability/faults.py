"""Helpers of the reliability suite: fault injection and the atomic writers' temporaries."""

from __future__ import annotations

from pathlib import Path

INJECTOR = Path(__file__).resolve().parent / "inject"   # sitecustomize.py: the SIGKILL fault injector


def fault(script: str, kind: str, marker: Path) -> dict[str, str]:
    """Environment that arms `kind` (training-batch | parquet-write) once in the rule script `script`."""
    return {"PYTHONPATH": str(INJECTOR), "SERTRANSFER_FAULT": f"{script}:{kind}",
            "SERTRANSFER_FAULT_ONCE": str(marker)}


def partials(directory: Path) -> list[Path]:
    """Temporaries of atomic writes (`.<name>.partial-*`) under `directory`."""
    return sorted(directory.rglob(".*.partial-*"))
