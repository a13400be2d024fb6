"""Metrics from predictions files only (docs/design.md §10): what each configuration scored, per fold and pooled.

A domain's metrics are over its own classes (its folds table): UAR, WA and macro-F1, with the argmax
restricted to those classes unless `evaluate.restrict_to_domain_labels` is off. Three tables per
experiment group: fold metrics (`<group>.csv`), metrics pooled over the folds with a bootstrap CI of
UAR over utterances (`<group>_pooled.csv`), and the evaluated predictions themselves, one row per
(configuration, utterance) (`<group>_utterances.parquet`), which the tables compare pairwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sertransfer import atomic
from sertransfer.predictions import probability_column, read_predictions
from sertransfer.seeds import derived_seed
from sertransfer.statistics import bootstrap_uar_interval, mean_fold_uar, scores

#: Columns identifying an evaluated configuration (and where) in the metrics tables.
GROUP_COLUMNS = ("experiment", "model", "scenario", "approach", "excluded", "domain", "split")
#: Columns of one evaluation: a configuration's run k (`fold`) with one seed (`repeat`).
RUN_COLUMNS = ("fold", "repeat")
#: Columns of the evaluated-predictions table.
UTTERANCE_COLUMNS = (*GROUP_COLUMNS, *RUN_COLUMNS, "utterance_id", "true", "pred")


def restricted_predictions(frame: pd.DataFrame, labels: Sequence[str]) -> pd.Series:
    """Argmax over `labels` only (the domain's own classes), from the `p_<emotion>` columns."""
    columns = [probability_column(label) for label in labels]
    index = frame[columns].to_numpy().argmax(axis=1)
    return pd.Series(np.asarray(labels)[index], index=frame.index)


def uar(true: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    """Unweighted average recall: the mean recall over `labels` (classes present in the domain)."""
    return scores(true, pred, labels).uar


def frame_uar(frame: pd.DataFrame, labels: Sequence[str], restrict: bool = True) -> float:
    """UAR of a predictions frame over a domain's `labels`, optionally restricting the argmax to them."""
    pred = restricted_predictions(frame, labels) if restrict else frame["pred"]
    return uar(frame["true"], pred, labels)


def evaluated_predictions(predictions: pd.DataFrame, domain_labels: Mapping[str, Sequence[str]],
                          restrict: bool = True) -> pd.DataFrame:
    """One row per (configuration, utterance): the true class and the evaluated prediction.

    The prediction is the argmax over the domain's classes (`restrict`) or over all classes.
    """
    parts = []
    for domain, frame in predictions.groupby("domain", sort=True):
        labels = list(domain_labels[domain])
        pred = restricted_predictions(frame, labels) if restrict else frame["pred"]
        parts.append(frame[[*GROUP_COLUMNS, *RUN_COLUMNS, "utterance_id", "true"]].assign(pred=pred.to_numpy()))
    if not parts:
        return pd.DataFrame(columns=list(UTTERANCE_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(UTTERANCE_COLUMNS)]


def fold_metrics(evaluated: pd.DataFrame, domain_labels: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """UAR, WA and macro-F1 per (configuration, domain, split, fold, repeat): the tidy metrics table."""
    rows = []
    keys = [*GROUP_COLUMNS, *RUN_COLUMNS]
    for key, frame in evaluated.groupby(keys, sort=True, dropna=False):
        ident = dict(zip(keys, key))
        result = scores(frame["true"], frame["pred"], domain_labels[ident["domain"]])
        rows.append({**ident, "n": result.n, "uar": result.uar, "wa": result.wa, "macro_f1": result.macro_f1})
    return pd.DataFrame(rows, columns=[*keys, "n", "uar", "wa", "macro_f1"])


def pooled_metrics(evaluated: pd.DataFrame, domain_labels: Mapping[str, Sequence[str]], *, resamples: int,
                   confidence: float, seed: int) -> pd.DataFrame:
    """Metrics of each configuration and seed repeat over all its folds' utterances, with a bootstrap CI of UAR.

    One row per (configuration, repeat): each repeat is a complete set of test predictions, so the
    bootstrap resamples utterances that each occur once. `uar` is over all utterances; `fold_mean_uar`
    is the mean of the fold UARs (what the tables print), and the interval is that number's.
    """
    rows = []
    keys = [*GROUP_COLUMNS, "repeat"]
    for key, frame in evaluated.groupby(keys, sort=True, dropna=False):
        ident = dict(zip(keys, key))
        labels = domain_labels[ident["domain"]]
        result = scores(frame["true"], frame["pred"], labels)
        folds = frame["fold"].to_numpy()
        fold_mean = mean_fold_uar(frame["true"], frame["pred"], labels, folds)
        low = high = float("nan")
        if ident["split"] == "test":
            low, high = bootstrap_uar_interval(frame["true"], frame["pred"], labels, resamples=resamples,
                                               confidence=confidence, seed=derived_seed(seed, "bootstrap", *key),
                                               folds=folds)
        rows.append({**ident, "n_folds": int(frame["fold"].nunique()), "n": result.n, "uar": result.uar,
                     "fold_mean_uar": fold_mean, "uar_ci_low": low, "uar_ci_high": high, "wa": result.wa,
                     "macro_f1": result.macro_f1})
    return pd.DataFrame(rows, columns=[*keys, "n_folds", "n", "uar", "fold_mean_uar", "uar_ci_low", "uar_ci_high",
                                       "wa", "macro_f1"])


def write_group_metrics(prediction_paths: Sequence[str | Path], domain_labels: Mapping[str, Sequence[str]], *,
                        restrict: bool, resamples: int, confidence: float, seed: int, uar_path: str | Path,
                        pooled_path: str | Path, utterances_path: str | Path) -> tuple[int, int]:
    """An experiment group's three metrics tables from its predictions files, each written atomically.

    Returns (predictions rows read, configurations pooled).
    """
    predictions = read_predictions(prediction_paths)
    evaluated = evaluated_predictions(predictions, domain_labels, restrict)
    pooled = pooled_metrics(evaluated, domain_labels, resamples=resamples, confidence=confidence, seed=seed)
    with atomic.atomic_path(utterances_path) as temporary:
        evaluated.to_parquet(temporary, index=False)
    atomic.write_text(pooled_path, pooled.to_csv(index=False))
    atomic.write_text(uar_path, fold_metrics(evaluated, domain_labels).to_csv(index=False))
    return len(predictions), len(pooled)
