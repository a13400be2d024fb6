"""The paper's reported numbers (`config/paper_reported/*.csv`), keyed by corpus key."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sertransfer.corpora import CORPORA


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
    cleaned = text.strip().rstrip("↑↓•")
    return float(cleaned) if cleaned else float("nan")
