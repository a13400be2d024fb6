"""Shared helpers for the benchmarks: where the data is, machine description, CSV output."""

from __future__ import annotations

import csv
import os
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))
RESULTS = REPO / "benchmarks" / "results"
WORK = REPO / "benchmarks" / "work"
SHARED_EMODB = Path(os.environ.get("SERTRANSFER_SHARED", REPO.parent / "shared")) / "data" / "emodb-2s"
SIX = ("anger", "disgust", "fear", "happiness", "sadness", "surprise")


def machine() -> str:
    """One-line description of the machine a figure came from."""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def emodb_manifest() -> tuple[pd.DataFrame, Path]:
    """Ingest the shared real Emo-DB copy (the benchmark corpus): (manifest, root)."""
    from sertransfer.corpora import get_corpus, ingest

    if not (SHARED_EMODB / "wav").is_dir():
        raise SystemExit(f"benchmark corpus not found at {SHARED_EMODB} (set SERTRANSFER_SHARED)")
    return ingest(get_corpus("emodb"), SHARED_EMODB, emotions=SIX, threads=2).manifest, SHARED_EMODB


def write_rows(name: str, rows: list[dict]) -> Path:
    """Write benchmark rows to benchmarks/results/<name>.csv (with date and machine columns)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    path = RESULTS / f"{name}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*rows[0].keys(), "date", "machine"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "date": stamp, "machine": machine()})
    return path
