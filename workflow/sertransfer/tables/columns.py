"""The tables' printed column names and how their CSVs read back, one home: the tables write them, and the
claims, the landing page, the run summary, the figures and the export's choice read them. Imports nothing of the
tables, so a rule that only reads a table is not rerun by an edit of a table's code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sertransfer.vocabulary import TT_APPROACH

#: Table 2's columns, in the paper's order (also the systems of the cross-corpus matrix).
SVM_IS_COLUMN, CNN_COLUMN, CNN_LSTM_COLUMN = "SVM-IS", "CNN", "CNN+LSTM"
TABLE2_COLUMNS = (SVM_IS_COLUMN, CNN_COLUMN, CNN_LSTM_COLUMN)
#: The column of each target's TT row in Table 3.
TT_COLUMN = TT_APPROACH
#: Table 5's Adaptive SVM column.
ASVM_COLUMN = "Adaptive SVM"

#: Columns of the tables' CSVs that hold text: read back as text ('' where empty), even where every cell is
#: empty (Table 4's `excluded` of an All row, `marker` without significance) or looks like a number.
TEXT_COLUMNS = frozenset({
    "domain", "dataset", "column", "experiment", "model", "scenario", "approach", "excluded", "source", "selection",
    "configuration", "chosen_on", "chosen_per_run", "test", "correction", "marker", "note", "quantity",
    "reproduced_as", "reported_marker", "reproduced_marker", "system", "source_dataset", "target", "target_dataset",
    "paper_age", "paper_language", "paper_emotion_type", "paper_gender", "paper_recording", "sample_rates_hz",
    "dropped_rare_classes", "dropped", "dropped_per_reason"})
#: Columns holding True/False.
FLAG_COLUMNS = frozenset({"best", "in_tex", "above_chance"})


def read_table_csv(path: str | Path) -> pd.DataFrame:
    """A CSV the tables stage wrote, the one way every reader reads it.

    Text columns (`TEXT_COLUMNS`) as text with '' where empty; flags (`FLAG_COLUMNS`) as booleans; every
    other column as numbers with NaN where empty. A column outside both sets that does not parse as numbers is
    an error: a writer added a text column without declaring it here.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} missing: build it first (snakemake {path})")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column in FLAG_COLUMNS:
            frame[column] = frame[column].str.lower() == "true"
        elif column not in TEXT_COLUMNS:
            try:
                frame[column] = pd.to_numeric(frame[column].replace("", float("nan")))
            except ValueError:
                raise ValueError(f"{path}: column {column!r} holds text, but sertransfer.tables.columns does not "
                                 "declare it in TEXT_COLUMNS; add it there") from None
    return frame
