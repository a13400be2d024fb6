"""`sertransfer predict`: its table (failed files keep an empty window count and their error) and the card's checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile

from sertransfer.predict import ExportedModel, format_table, predict_files


def test_a_failed_row_prints_blank_cells_and_the_counts_stay_integers():
    frame = pd.DataFrame({"file": ["a.wav", "b.wav"], "windows": pd.array([6, None], dtype="Int64"),
                          "emotion": ["anger", None], "p_anger": [0.91, None], "error": ["", "unreadable: x"]})
    lines = format_table(frame).splitlines()
    assert lines[1].split() == ["a.wav", "6", "anger", "0.910"]
    assert lines[2].split() == ["b.wav", "unreadable:", "x"]
    assert frame.to_csv(index=False).splitlines()[1:] == ["a.wav,6,anger,0.91,", "b.wav,,,,unreadable: x"]


CARD_INPUT = {"sample_rate": 16000, "length": 8000, "crop": "center", "pad": "end", "standardize": "utterance",
              "min_duration_s": 0.25, "silence_peak": 1e-4}


class Heard(ExportedModel):
    """An exported model whose network answers uniformly (the unit here is the file checks, not the network)."""

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """Equal probabilities for every window."""
        return np.full((len(windows), 2), 0.5)


def quiet_file(tmp_path: Path) -> Path:
    """One second of a 200 Hz tone with a peak of 0.01: quiet, not silent by the ingest default."""
    path = tmp_path / "quiet.wav"
    soundfile.write(str(path), 0.01 * np.sin(np.linspace(0, 400 * np.pi, 16000)).astype(np.float32), 16000)
    return path


@pytest.mark.parametrize(("silence_peak", "error"), [(1e-4, ""), (0.05, "silent")])
def test_predict_refuses_files_by_the_cards_ingest_checks(tmp_path, silence_peak, error):
    card = {"input": {**CARD_INPUT, "silence_peak": silence_peak}, "outputs": ["anger", "sadness"],
            "classes": ["anger", "sadness"]}
    row = predict_files(Heard(None, card), [quiet_file(tmp_path)], hop_s=1.0).iloc[0]
    assert row["error"].startswith(error) and (row["emotion"] in ("anger", "sadness")) == (not error)


def test_a_card_without_the_ingest_checks_is_refused_naming_the_key(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"not loaded: the card is read first")
    card = {"input": {k: v for k, v in CARD_INPUT.items() if k != "silence_peak"}}
    (tmp_path / "model_card.json").write_text(json.dumps(card))
    with pytest.raises(ValueError, match=r"model_card.json lacks input.silence_peak .*export it again"):
        ExportedModel.load(tmp_path)
