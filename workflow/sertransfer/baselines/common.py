"""Shared pieces of the SVM baselines: IS10 rows of several domains, gamma values, UAR, inner CV, scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold

from sertransfer.features.is10 import read_is10
from sertransfer.predictions import softmax
from sertransfer.sets import domain_of

Gamma = float | str  # a config gamma: a number, or sklearn's 'scale' / 'auto'


def read_rows(is10_paths: Mapping[str, str | Path], ids: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """IS10 matrix and metadata of `ids` (any mix of domains, in the given order), each cache read once."""
    ids = list(ids)
    domains = [domain_of(uid) for uid in ids]
    unknown = sorted(set(domains) - set(is10_paths))
    if unknown:
        raise ValueError(f"no IS10 cache given for domains {unknown}")
    matrix: np.ndarray | None = None
    meta = pd.DataFrame(index=range(len(ids)), columns=["utterance_id", "emotion", "speaker"], dtype=object)
    for domain in dict.fromkeys(domains):
        rows = np.flatnonzero(np.asarray(domains) == domain)
        part, part_meta, _ = read_is10(is10_paths[domain], ids=[ids[i] for i in rows])
        if matrix is None:
            matrix = np.empty((len(ids), part.shape[1]), dtype=np.float64)
        matrix[rows] = part
        meta.iloc[rows] = part_meta[list(meta.columns)].to_numpy()
    if matrix is None:
        raise ValueError("no utterances given")
    meta.insert(1, "domain", domains)
    return matrix, meta


def gamma_key(gamma: Gamma) -> str:
    """A config gamma as a stable text key ('scale', '0.001')."""
    return gamma if isinstance(gamma, str) else repr(float(gamma))


def resolve_gamma(gamma: Gamma, features: np.ndarray) -> float:
    """The numeric RBF gamma for `features`, with scikit-learn's definitions of 'scale' and 'auto'."""
    if gamma == "scale":
        variance = float(np.asarray(features).var())
        return 1.0 / (features.shape[1] * variance) if variance > 0 else 1.0
    if gamma == "auto":
        return 1.0 / features.shape[1]
    if isinstance(gamma, str):
        raise ValueError(f"gamma must be a positive number, 'scale' or 'auto', not {gamma!r}")
    if gamma <= 0:
        raise ValueError(f"gamma must be positive, not {gamma}")
    return float(gamma)


def uar(true: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None) -> float:
    """Unweighted average recall over `labels` (default: the classes present in `true`)."""
    true, predicted = np.asarray(true), np.asarray(predicted)
    if labels is not None:
        keep = np.isin(true, list(labels))
        true, predicted = true[keep], predicted[keep]
    return float(balanced_accuracy_score(true, predicted))


def inner_splits(labels: Sequence[str], folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified inner CV splits (seeded); fewer folds when the rarest class has fewer than `folds` rows."""
    labels = np.asarray(labels)
    rarest = int(pd.Series(labels).value_counts().min())
    n_splits = min(folds, rarest)
    if n_splits < 2:
        raise ValueError(f"inner CV needs at least 2 training rows per class; the rarest class has {rarest}")
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


def class_probabilities(scores: np.ndarray, classes: Sequence[str], emotions: Sequence[str]) -> np.ndarray:
    """Softmax of per-class decision values over `classes`, laid out in `emotions` order (0 elsewhere)."""
    missing = [c for c in classes if c not in emotions]
    if missing:
        raise ValueError(f"classes {missing} are not among the configured emotions {list(emotions)}")
    probabilities = np.zeros((scores.shape[0], len(emotions)))
    probabilities[:, [list(emotions).index(c) for c in classes]] = softmax(np.asarray(scores, dtype=np.float64))
    return probabilities
