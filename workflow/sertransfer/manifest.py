"""Manifest files (`data/manifests/{domain}.parquet`) and their ingest reports (`.report.json`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sertransfer import atomic
from sertransfer.corpora.base import MANIFEST_COLUMNS, IngestResult

MANIFEST_SCHEMA = pa.schema([
    ("utterance_id", pa.string()), ("domain", pa.string()), ("path", pa.string()), ("speaker", pa.string()),
    ("gender", pa.string()), ("emotion", pa.string()), ("source_label", pa.string()),
    ("sample_rate", pa.int64()), ("channels", pa.int64()), ("duration_s", pa.float64()),
])


def report_path(manifest_path: str | Path) -> Path:
    """`X.parquet` -> `X.report.json` beside it."""
    manifest_path = Path(manifest_path)
    return manifest_path.with_name(manifest_path.name.removesuffix(".parquet") + ".report.json")


def write_manifest(result: IngestResult, path: str | Path, report: str | Path | None = None) -> None:
    """Write the manifest Parquet and its JSON report, each atomically (report first, manifest last)."""
    path = Path(path)
    report = report_path(path) if report is None else Path(report)
    atomic.write_text(report, json.dumps(result.report, indent=2, ensure_ascii=False) + "\n")
    table = pa.Table.from_pandas(result.manifest[list(MANIFEST_COLUMNS)], schema=MANIFEST_SCHEMA,
                                 preserve_index=False)
    with atomic.atomic_path(path) as temporary:
        pq.write_table(table, temporary)


def read_manifest(path: str | Path) -> pd.DataFrame:
    """Read a manifest, with a clear error naming the file when it is missing or corrupt."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise ValueError(f"cannot read manifest {path}: {error}; rerun the ingest rule to rebuild it") from error
    missing = [c for c in MANIFEST_COLUMNS if c not in table.column_names]
    if missing:
        raise ValueError(f"manifest {path} lacks columns {missing}; rerun the ingest rule to rebuild it")
    return table.to_pandas()


def read_report(path: str | Path) -> dict:
    """Read an ingest report JSON."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def summary_lines(report: dict) -> list[str]:
    """Human-readable per-emotion summary of an ingest report."""
    lines = [f"{report['domain']}: {report['kept']} utterances kept from {report['root']}, "
             f"{report['speakers']} speakers"]
    lines += [f"  {emotion:<10} {count:>6}" for emotion, count in report["kept_per_emotion"].items()]
    lines.append(f"  dropped {report['dropped']}: " + (", ".join(
        f"{reason} {count}" for reason, count in report["dropped_per_reason"].items()) or "none"))
    if report["dropped_unmapped_labels"]:
        lines.append("  labels outside the emotions (dropped): " + ", ".join(
            f"{label} {count}" for label, count in report["dropped_unmapped_labels"].items()))
    if report.get("dropped_by_mapping"):
        lines.append("  labels mapped to null in the config (dropped on purpose): " + ", ".join(
            f"{label} {count}" for label, count in report["dropped_by_mapping"].items()))
    if report["label_file_warnings"]:
        lines.append(f"  {len(report['label_file_warnings'])} label-file lines not understood (see report)")
    return lines
