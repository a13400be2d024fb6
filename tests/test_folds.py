"""Folds: each utterance in one fold, stratified balance, speaker independence, stability."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sertransfer.folds import assign_folds, domain_classes, folds_report, read_folds, write_folds


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
    assert folds.set_index("utterance_id")["emotion"].equals(data.set_index("utterance_id").loc[folds["utterance_id"],
                                                                                                  "emotion"])
    merged = folds.merge(data.drop(columns="emotion"), on="utterance_id")
    per_fold = merged.groupby(["emotion", "fold"]).size().unstack()
    assert ((per_fold.max(axis=1) - per_fold.min(axis=1)) <= 1).all()
    sizes = folds["fold"].value_counts()
    assert sizes.max() - sizes.min() <= len(CLASSES)


def test_speaker_folds_keep_speakers_apart():
    data = manifest(CLASSES, speakers=10)
    folds = assign_folds(data, k=5, strategy="speaker", seed=1).merge(data.drop(columns="emotion"), on="utterance_id")
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


#: Real IEMOCAP's categorical labels (majority vote) after the six-emotion mapping with exc -> happiness:
#: ang 1103, hap 595 + exc 1041, sad 1084, sur 107, fea 40, dis 2 (neu, fru, oth, xxx are dropped at ingest).
IEMOCAP = {"anger": 1103, "happiness": 1636, "sadness": 1084, "surprise": 107, "fear": 40, "disgust": 2}


@pytest.mark.parametrize("strategy", ["stratified", "speaker"])
def test_a_class_rarer_than_k_is_dropped_and_reported(strategy):
    data = manifest(IEMOCAP, speakers=10)
    folds = assign_folds(data, k=5, strategy=strategy, seed=1)
    assert set(folds["emotion"]) == set(IEMOCAP) - {"disgust"}
    assert len(folds) == sum(IEMOCAP.values()) - 2 and set(folds["fold"]) == set(range(5))
    report = folds_report(data, folds, k=5, strategy=strategy)
    assert report["dropped_rare_classes"] == {"disgust": 2}
    assert report["dropped_utterances"] == ["d/disgust0", "d/disgust1"]
    assert report["kept"] == len(folds) and report["kept_per_emotion"]["fear"] == 40
    unit = "speakers" if strategy == "speaker" else "utterances"
    with pytest.raises(ValueError, match=f"'disgust' has 2 {unit}, fewer than folds.k=5.*rare_classes"):
        assign_folds(data, k=5, strategy=strategy, rare_class_policy="fail")


def test_speaker_folds_count_a_class_by_its_speakers():
    """30 fear utterances from 3 speakers cannot reach 5 speaker-independent test folds: dropped and reported as
    3 speakers; stratified folds keep them (30 utterances >= k)."""
    data = manifest({"anger": 40, "sadness": 40}, speakers=10)
    fear = pd.DataFrame({"utterance_id": [f"d/fear{i}" for i in range(30)], "domain": "d", "emotion": "fear",
                         "speaker": [f"spk{i % 3}" for i in range(30)]})
    data = pd.concat([data, fear], ignore_index=True)
    speaker = assign_folds(data, k=5, strategy="speaker", seed=1)
    assert "fear" not in set(speaker["emotion"])
    assert folds_report(data, speaker, k=5, strategy="speaker")["dropped_rare_classes"] == {"fear": 3}
    for _, rows in speaker.groupby("emotion"):
        assert set(rows["fold"]) == set(range(5))  # every kept class is in every test fold
    stratified = assign_folds(data, k=5, strategy="stratified", seed=1)
    assert (stratified["emotion"] == "fear").sum() == 30


def test_a_class_with_k_utterances_stays_in_every_fold():
    folds = assign_folds(manifest({"anger": 20, "fear": 5}), k=5, seed=2)
    assert sorted(folds.loc[folds["emotion"] == "fear", "fold"]) == [0, 1, 2, 3, 4]


def test_folds_report_is_written_beside_the_table(tmp_path):
    data = manifest(IEMOCAP)
    folds = assign_folds(data, k=5, seed=1)
    write_folds(folds, tmp_path / "iemocap.parquet", folds_report(data, folds, k=5, strategy="stratified"))
    written = json.loads((tmp_path / "iemocap.report.json").read_text())
    assert written["dropped_rare_classes"] == {"disgust": 2} and written["k"] == 5
    assert domain_classes(tmp_path / "iemocap.parquet") == sorted(set(IEMOCAP) - {"disgust"})


def test_too_few_samples_is_a_clear_error():
    with pytest.raises(ValueError, match="fewer than folds.k=5"):
        assign_folds(manifest({"anger": 3}), k=5)
    with pytest.raises(ValueError, match="speakers, fewer than folds.k"):
        assign_folds(manifest({"anger": 20}, speakers=2), k=5, strategy="speaker")
