"""`sertransfer predict`'s table: failed files keep an empty window count and their error."""

from __future__ import annotations

import pandas as pd

from sertransfer.predict import format_table


def test_a_failed_row_prints_blank_cells_and_the_counts_stay_integers():
    frame = pd.DataFrame({"file": ["a.wav", "b.wav"], "windows": pd.array([6, None], dtype="Int64"),
                          "emotion": ["anger", None], "p_anger": [0.91, None], "error": ["", "unreadable: x"]})
    lines = format_table(frame).splitlines()
    assert lines[1].split() == ["a.wav", "6", "anger", "0.910"]
    assert lines[2].split() == ["b.wav", "unreadable:", "x"]
    assert frame.to_csv(index=False).splitlines()[1:] == ["a.wav,6,anger,0.91,", "b.wav,,,,unreadable: x"]
