"""SVM-IS (docs/design.md §9, Table 2): an RBF SVM on IS10 features standardized on the training rows only.

C and gamma come from an inner stratified CV on the training rows scored by UAR (balanced accuracy);
the scaler sits inside the pipeline, so every inner split and the final fit standardize on their own
training rows. One job per run k: trained on the `pooled` set (training folds of run k of every
domain), predicting every domain's test fold k.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sertransfer.baselines.common import Gamma, class_probabilities, inner_splits, read_rows
from sertransfer.folds import read_folds
from sertransfer.plan import SvmJob, svm_utterances
from sertransfer.predictions import prediction_frame, write_predictions
from sertransfer.seeds import derived_seed
from sertransfer.sets import all_ids, test_ids
from sertransfer.vocabulary import CROSS, CROSS_SVM_IS, SVM_IS

log = logging.getLogger(__name__)

EXPERIMENT = MODEL = SVM_IS


@dataclass
class SvmIsFit:
    """A fitted SVM-IS: the (scaler, SVC) pipeline, the chosen C and gamma, and the inner-CV table."""

    pipeline: Pipeline
    C: float
    gamma: Gamma
    cv_uar: float
    cv_table: pd.DataFrame

    @property
    def classes(self) -> list[str]:
        """Class names in the order of the decision values."""
        return [str(c) for c in self.pipeline.classes_]

    def decision_values(self, features: np.ndarray) -> np.ndarray:
        """One-vs-rest-shaped decision values (n, classes) of scikit-learn's SVC (two classes: -v, +v)."""
        values = self.pipeline.decision_function(features)
        return np.column_stack([-values, values]) if values.ndim == 1 else values


def fit_svm_is(features: np.ndarray, labels: Sequence[str], *, C: Sequence[float], gamma: Sequence[Gamma],
               inner_folds: int, seed: int, threads: int = 1) -> SvmIsFit:
    """Choose C and gamma by inner stratified CV (UAR) on the training rows, then refit on all of them."""
    labels = np.asarray(labels)
    pipeline = Pipeline([("scaler", StandardScaler()), ("svc", SVC(kernel="rbf"))])
    search = GridSearchCV(pipeline, {"svc__C": list(C), "svc__gamma": list(gamma)}, scoring="balanced_accuracy",
                          cv=inner_splits(labels, inner_folds, seed), n_jobs=threads, refit=True)
    search.fit(features, labels)
    table = pd.DataFrame({"C": search.cv_results_["param_svc__C"], "gamma": search.cv_results_["param_svc__gamma"],
                          "uar": search.cv_results_["mean_test_score"]})
    best = search.best_params_
    return SvmIsFit(search.best_estimator_, float(best["svc__C"]), best["svc__gamma"], float(search.best_score_),
                    table)


def fit_on(is10_paths: Mapping[str, str | Path], train: Sequence[str], settings: Mapping, *, seed: int,
           threads: int, what: str) -> SvmIsFit:
    """SVM-IS fitted on the IS10 rows of utterances `train` with `baselines.svm_is`'s grid; logged as `what`."""
    features, meta = read_rows(is10_paths, train)
    model = fit_svm_is(features, meta["emotion"].to_numpy(), C=settings["C"], gamma=settings["gamma"],
                       inner_folds=settings["inner_folds"], seed=seed, threads=threads)
    log.info("%s: %d training rows; chosen C=%s gamma=%s (inner UAR %.3f)", what, len(train), model.C, model.gamma,
             model.cv_uar)
    return model


def run_svm_is(is10_paths: Mapping[str, str | Path], folds: Mapping[str, pd.DataFrame], fold: int, *,
               emotions: Sequence[str], settings: Mapping, seed: int,
               threads: int = 1) -> tuple[pd.DataFrame, SvmIsFit]:
    """Train on the pooled training folds of run `fold` of every domain in `folds`; predict each test fold."""
    domains = list(folds)
    train = svm_utterances(SvmJob(SVM_IS, "", fold, tuple(domains), tuple(domains)), folds)["train"]
    model = fit_on(is10_paths, train, settings, seed=derived_seed(seed, "svm_is", fold), threads=threads,
                   what=f"svm_is fold {fold} on {domains}")
    frames = [predicted_rows(model, is10_paths, test, fold, emotions, experiment=EXPERIMENT)
              for test in (test_ids(folds, fold, domain) for domain in domains) if test]
    return pd.concat(frames, ignore_index=True), model


def predicted_rows(model: SvmIsFit, is10_paths: Mapping[str, str | Path], ids: Sequence[str], fold: int,
                   emotions: Sequence[str], **identity: str) -> pd.DataFrame:
    """The predictions frame of `model` on utterances `ids` (labelled with `fold` and the configuration `identity`)."""
    features, meta = read_rows(is10_paths, ids)
    probabilities = class_probabilities(model.decision_values(features), model.classes, emotions)
    return prediction_frame(ids, meta["domain"], fold, meta["emotion"], probabilities, emotions, model=MODEL,
                            **identity)


def cross_svm_is_job(is10_paths: Mapping[str, str | Path], folds_paths: Mapping[str, str | Path], source: str,
                     out: str | Path, *, settings: Mapping, emotions: Sequence[str], seed: int,
                     threads: int = 1) -> SvmIsFit:
    """The cross-corpus SVM-IS: trained on every utterance of `source`, predicting every utterance of the others."""
    folds = {domain: read_folds(path) for domain, path in folds_paths.items()}
    train = svm_utterances(SvmJob(CROSS_SVM_IS, "", None, (source,)), folds)["train"]
    model = fit_on(is10_paths, train, settings, seed=derived_seed(seed, "cross_svm_is", source), threads=threads,
                   what=f"cross svm_is from {source}")
    write_predictions([predicted_rows(model, is10_paths, all_ids(folds, [domain]), 0, emotions, experiment=CROSS,
                                      approach=source) for domain in folds if domain != source], out)
    return model


def svm_is_job(is10_paths: Mapping[str, str | Path], folds_paths: Mapping[str, str | Path], fold: int,
               out: str | Path, *, settings: Mapping, emotions: Sequence[str], seed: int,
               threads: int = 1) -> SvmIsFit:
    """One SVM-IS run k from files: config `baselines.svm_is` settings, predictions written to `out`."""
    folds = {domain: read_folds(path) for domain, path in folds_paths.items()}
    missing = [d for d, table in folds.items() if fold not in set(table["fold"])]
    if missing:
        raise ValueError(f"fold {fold} does not exist in the folds of {missing} (folds are 0..folds.k-1)")
    frame, model = run_svm_is(is10_paths, folds, fold, emotions=emotions, settings=settings, seed=seed,
                              threads=threads)
    log.info("inner CV (UAR per grid point):\n%s", model.cv_table.to_string(index=False))
    write_predictions(frame, out)
    return model
