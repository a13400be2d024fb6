"""Metrics from predictions files only (SPEC §9): UAR over a domain's classes, paired t-tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sertransfer.predictions import probability_column


def restricted_predictions(frame: pd.DataFrame, labels: Sequence[str]) -> pd.Series:
    """Argmax over `labels` only (the domain's own classes), from the `p_<emotion>` columns."""
    columns = [probability_column(label) for label in labels]
    index = frame[columns].to_numpy().argmax(axis=1)
    return pd.Series(np.asarray(labels)[index], index=frame.index)


def uar(true: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    """Unweighted average recall: the mean recall over `labels` (classes present in the domain)."""
    true, pred = np.asarray(true), np.asarray(pred)
    recalls = [float(np.mean(pred[true == label] == label)) for label in labels if np.any(true == label)]
    if not recalls:
        raise ValueError("UAR of an empty set of utterances")
    return float(np.mean(recalls))


def frame_uar(frame: pd.DataFrame, labels: Sequence[str], restrict: bool = True) -> float:
    """UAR of a predictions frame over a domain's `labels`, optionally restricting the argmax to them."""
    pred = restricted_predictions(frame, labels) if restrict else frame["pred"]
    return uar(frame["true"], pred, labels)


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Paired t-test over folds (`scipy.stats.ttest_rel`): statistic and two-sided p-value."""
    result = stats.ttest_rel(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return float(result.statistic), float(result.pvalue)


#: Columns identifying an evaluated configuration in the metrics table.
GROUP_COLUMNS = ("experiment", "model", "scenario", "approach", "excluded", "domain", "split")


def fold_uars(predictions: pd.DataFrame, domain_labels: dict[str, Sequence[str]], restrict: bool = True) -> pd.DataFrame:
    """UAR per (configuration, domain, split, fold) from predictions rows: the tidy metrics table.

    `domain_labels` maps each domain to the classes it has (from its manifest); UAR is over those
    classes, and with `restrict` the argmax too.
    """
    rows = []
    keys = [*GROUP_COLUMNS, "fold"]
    for key, frame in predictions.groupby(keys, sort=True, dropna=False):
        ident = dict(zip(keys, key))
        labels = list(domain_labels[ident["domain"]])
        rows.append({**ident, "n": len(frame), "uar": frame_uar(frame, labels, restrict)})
    columns = [*keys, "n", "uar"]
    return pd.DataFrame(rows, columns=columns)
