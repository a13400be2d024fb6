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


def by_repeat(rows: pd.DataFrame) -> pd.DataFrame:
    """One configuration's evaluated rows, one row per (fold, utterance): `true`, `fold` and a `pred` column per
    repeat, indexed by (fold, utterance_id).

    A held-out utterance (validation, selection) is in several runs' splits, a test utterance in one fold's.
    The `pred` columns are named by the repeat number (ints, sorted); an utterance a repeat did not predict
    has NaN there.
    """
    rows = rows.assign(repeat=rows["repeat"].astype(int)) if "repeat" in rows else rows.assign(repeat=0)
    keys = ["fold", "utterance_id"]
    preds = rows.pivot(index=keys, columns="repeat", values="pred").sort_index(axis=1)
    first = rows.drop_duplicates(keys).set_index(keys, drop=False)[["true", "fold"]]
    return first.join(preds)


def repeat_predictions(wide: pd.DataFrame) -> np.ndarray:
    """The per-repeat predictions of a `by_repeat` frame, shape (repeats, utterances), None where missing."""
    columns = [c for c in wide.columns if isinstance(c, (int, np.integer))]
    values = wide[columns].to_numpy(dtype=object).T
    return np.where(pd.isna(values), None, values)


def pooled_metrics(evaluated: pd.DataFrame, domain_labels: Mapping[str, Sequence[str]], *, resamples: int,
                   confidence: float, seed: int) -> pd.DataFrame:
    """Metrics of each configuration and seed repeat over all its folds' utterances, with a bootstrap CI of UAR.

    One row per (configuration, repeat): `uar` is over all the repeat's utterances, `fold_mean_uar` the mean
    of its fold UARs. The interval is of the number the tables print, the mean over folds of each fold's UAR
    averaged over the configuration's repeats, the same in every repeat's row: each resample draws
    utterances with every repeat's predictions of them.
    """
    rows = []
    keys = [*GROUP_COLUMNS, "repeat"]
    for group, configuration in evaluated.groupby(list(GROUP_COLUMNS), sort=True, dropna=False):
        ident = dict(zip(GROUP_COLUMNS, group))
        labels = domain_labels[ident["domain"]]
        low = high = float("nan")
        if ident["split"] == "test":
            wide = by_repeat(configuration)
            first_repeat = int(configuration["repeat"].astype(int).min()) if "repeat" in configuration else 0
            low, high = bootstrap_uar_interval(wide["true"], repeat_predictions(wide), labels, resamples=resamples,
                                               confidence=confidence,
                                               seed=derived_seed(seed, "bootstrap", *group, first_repeat),
                                               folds=wide["fold"].to_numpy())
        for repeat, frame in configuration.groupby("repeat", sort=True):
            result = scores(frame["true"], frame["pred"], labels)
            folds = frame["fold"].to_numpy()
            rows.append({**ident, "repeat": repeat, "n_folds": int(frame["fold"].nunique()), "n": result.n,
                         "uar": result.uar, "fold_mean_uar": mean_fold_uar(frame["true"], frame["pred"], labels, folds),
                         "uar_ci_low": low, "uar_ci_high": high, "wa": result.wa, "macro_f1": result.macro_f1})
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
