"""Folds: each utterance in one fold, stratified balance, speaker independence, stability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sertransfer.folds import assign_folds, read_folds, write_folds


def manifest(n_per_class: dict[str, int], speakers: int = 10, seed: int = 0) -> pd.DataFrame:
    """A synthetic manifest with uneven classes and speakers."""
    rng = np.random.default_rng(seed)
    rows = []
    for emotion, n in n_per_class.items():
        for i in range(n):
            rows.append({"utterance_id": f"d/{emotion}{i}", "domain": "d", "emotion": emotion,
                         "speaker": f"spk{rng.integers(speakers)}"})
    return pd.DataFrame(rows)


CLASSES = {"anger": 127, "happiness": 71, "fear": 69, "sadness": 62, "disgust": 46}


def test_stratified_folds_partition_and_balance():
    data = manifest(CLASSES)
    folds = assign_folds(data, k=5, seed=1)
    assert sorted(folds["utterance_id"]) == sorted(data["utterance_id"])
    assert folds["utterance_id"].is_unique and set(folds["fold"]) == set(range(5))
    merged = folds.merge(data, on="utterance_id")
    per_fold = merged.groupby(["emotion", "fold"]).size().unstack()
    assert ((per_fold.max(axis=1) - per_fold.min(axis=1)) <= 1).all()
    sizes = folds["fold"].value_counts()
    assert sizes.max() - sizes.min() <= len(CLASSES)


def test_speaker_folds_keep_speakers_apart():
    data = manifest(CLASSES, speakers=10)
    folds = assign_folds(data, k=5, strategy="speaker", seed=1).merge(data, on="utterance_id")
    assert (folds.groupby("speaker")["fold"].nunique() == 1).all()
    assert set(folds["fold"]) == set(range(5))


def test_unknown_speakers_are_their_own_groups():
    data = manifest({"anger": 20, "sadness": 20})
    data["speaker"] = None
    folds = assign_folds(data, k=5, strategy="speaker")
    assert folds["fold"].value_counts().min() >= 6


def test_seeded_and_stable(tmp_path):
    data = manifest(CLASSES)
    first = assign_folds(data, seed=3)
    assert first.equals(assign_folds(data.sample(frac=1, random_state=5), seed=3))  # input order irrelevant
    assert not first.equals(assign_folds(data, seed=4))
    write_folds(first, tmp_path / "f.parquet")
    assert read_folds(tmp_path / "f.parquet").equals(first)


def test_too_few_samples_is_a_clear_error():
    with pytest.raises(ValueError, match="fewer than folds.k=5"):
        assign_folds(manifest({"anger": 20, "fear": 3}), k=5)
    with pytest.raises(ValueError, match="speakers, fewer than folds.k"):
        assign_folds(manifest({"anger": 20}, speakers=2), k=5, strategy="speaker")
