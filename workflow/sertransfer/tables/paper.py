"""The paper's reported numbers (`config/paper_reported/*.csv`), keyed by corpus key, and the comparison of
a run's cells with them (the tables' `*_vs_paper.csv`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sertransfer.corpora import CORPORA

#: Markers of a cell against its reference, as printed by the paper (`↓` is printed but undefined there).
MARKERS = "↑↓•"


def domain_of_dataset(name: str) -> str:
    """Corpus key of a dataset name as printed in the paper ('Emo-DB' -> 'emodb')."""
    for key, spec in CORPORA.items():
        if spec.display_name.lower() == name.strip().lower():
            return key
    raise KeyError(f"paper dataset name {name!r} matches no corpus display name")


def read_reported(path: str | Path, key_column: str) -> pd.DataFrame:
    """Read a table of the paper's numbers as strings and add a `domain` column from `key_column`."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"paper numbers {path} missing; restore it from git (config/paper_reported)") from None
    frame["domain"] = [domain_of_dataset(name) if name not in ("Average", "Std") else name.lower()
                       for name in frame[key_column]]
    return frame


def to_float(text: str) -> float:
    """Parse a reported number ('.323', '-.095', '.725↑'); NaN for empty cells."""
    cleaned = text.strip().rstrip(MARKERS)
    return float(cleaned) if cleaned else float("nan")


def reported_marker(text: str) -> str:
    """The marker printed after a reported number ('.725↑' -> '↑')."""
    return "".join(ch for ch in text.strip() if ch in MARKERS)


def compare_with_paper(reported: pd.DataFrame, key_columns: Sequence[str], value_columns: Sequence[str],
                       reproduced: Mapping[tuple, float], markers: Mapping[tuple, str] | None = None) -> pd.DataFrame:
    """Reported vs reproduced for every cell the paper has and this run reproduced (key: keys + column)."""
    rows = []
    for record in reported.to_dict("records"):
        keys = {column: record[column] for column in key_columns}
        for column in value_columns:
            text, key = str(record.get(column, "")), (*keys.values(), column)
            if math.isnan(to_float(text)) or key not in reproduced:
                continue
            value, paper = reproduced[key], to_float(text)
            row = {**keys, "column": column, "reported": paper, "reproduced": value, "difference": value - paper}
            if markers is not None:
                row.update(reported_marker=reported_marker(text), reproduced_marker=markers[key])
            rows.append(row)
    columns = [*key_columns, "column", "reported", "reproduced", "difference"]
    if markers is not None:
        columns += ["reported_marker", "reproduced_marker"]
    return pd.DataFrame(rows, columns=columns)
