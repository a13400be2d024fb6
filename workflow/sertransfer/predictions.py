"""Predictions files: the single source of every reported number (docs/design.md §10).

One Parquet file per evaluated job under `results/predictions/`, one row per (utterance,
evaluated model). Columns:

- `utterance_id`, `domain` (the utterance's domain), `fold` (the run k whose test fold holds it, or
  whose training folds it was held out of), `repeat` (the seed repeat, 0 for the first; `repeats:`),
  `split` (`test`; `validation`: the early-stopping split; `selection`: the split configurations are
  chosen on, which no model fitted or early-stopped on);
- `experiment` (an experiment group of `sertransfer.vocabulary`, or `pretrain`), `model` (`cnn_lstm`,
  `cnn`, `svm_is`, `asvm`), `scenario` (`S1`, `S2` or empty), `approach` (`A1`..`A8`, `TT` or empty),
  `excluded` (the source domain left out of pretraining, or empty);
- `true`, `pred` (emotion names; `pred` is the argmax over all classes — evaluation may restrict
  it to the domain's labels), and `p_<emotion>` for each emotion: softmax probabilities for the
  networks, softmax of the one-vs-rest decision values for the SVMs (scores, not calibrated).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sertransfer import atomic
from sertransfer.recovery import rebuild_hint

ID_COLUMNS = ("utterance_id", "domain", "fold", "repeat", "split", "experiment", "model", "scenario", "approach",
              "excluded")
TEST, VALIDATION, SELECTION = "test", "validation", "selection"
SPLITS = (TEST, VALIDATION, SELECTION)


def probability_column(emotion: str) -> str:
    """Column holding the score of `emotion`."""
    return f"p_{emotion}"


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax (numerically stable)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def prediction_frame(utterance_ids: Sequence[str], domains: Sequence[str], fold: int, true: Sequence[str],
                     probabilities: np.ndarray, emotions: Sequence[str], *, experiment: str, model: str,
                     scenario: str = "", approach: str = "", excluded: str = "", split: str = TEST,
                     repeat: int = 0) -> pd.DataFrame:
    """Rows of a predictions file for one evaluated model on a set of utterances."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    probabilities = np.asarray(probabilities, dtype=np.float32)
    if probabilities.shape != (len(utterance_ids), len(emotions)):
        expected = (len(utterance_ids), len(emotions))
        raise ValueError(f"probabilities shaped {probabilities.shape}, expected {expected}")
    frame = pd.DataFrame({
        "utterance_id": list(utterance_ids), "domain": list(domains), "fold": np.int64(fold),
        "repeat": np.int64(repeat), "split": split,
        "experiment": experiment, "model": model, "scenario": scenario, "approach": approach, "excluded": excluded,
        "true": list(true), "pred": [emotions[i] for i in probabilities.argmax(axis=1)],
    })
    for index, emotion in enumerate(emotions):
        frame[probability_column(emotion)] = probabilities[:, index]
    return frame


def write_predictions(frames: Sequence[pd.DataFrame] | pd.DataFrame, path: str | Path) -> None:
    """Concatenate and write a predictions file atomically."""
    frame = pd.concat(frames, ignore_index=True) if not isinstance(frames, pd.DataFrame) else frames
    missing = [c for c in (*ID_COLUMNS, "true", "pred") if c not in frame.columns]
    if missing:
        raise ValueError(f"predictions lack columns {missing}")
    with atomic.atomic_path(path) as temporary:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), temporary, compression="zstd")


def predictions_files(paths: Sequence[str | Path]) -> list[Path]:
    """The predictions files among `paths`: a file itself, a directory's `*.parquet` files (sorted, recursive)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.parquet") if not p.name.startswith("."))
            if not found:
                raise ValueError(f"predictions directory {path} holds no predictions files; {rebuild_hint(path)}")
            files.extend(found)
        else:
            files.append(path)
    return files


def read_predictions(paths: Sequence[str | Path] | str | Path) -> pd.DataFrame:
    """Read predictions files (or directories of them), with a clear error naming a bad file."""
    paths = predictions_files([paths] if isinstance(paths, (str, Path)) else list(paths))
    frames = []
    for path in paths:
        try:
            frames.append(pq.read_table(path).to_pandas())
        except (OSError, pa.ArrowInvalid) as error:
            raise ValueError(f"predictions file {path} is unreadable ({error}); {rebuild_hint(path)}") from error
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*ID_COLUMNS, "true", "pred"])
