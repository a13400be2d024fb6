"""Adaptive SVM (Yang et al. 2007; docs/design.md §9, Table 5): a source SVM adapted to the target by a delta function.

Per class c (one-vs-rest, y_i = +1 for class c, -1 otherwise), on the target's training rows:

    max_α  Σ_i (1 − y_i f_src(x_i)) α_i − ½ Σ_i Σ_j α_i α_j y_i y_j K(x_i, x_j),   0 ≤ α_i ≤ C

(box constraints only: the delta function has no bias), and f(x) = f_src(x) + Σ_i α_i y_i K(x_i, x).
The QP is solved exactly, to a stated tolerance, by greedy coordinate ascent: each step maximizes the
objective exactly along the coordinate with the largest KKT violation (the SMO step without an
equality constraint, so one variable moves at a time), and the solver stops when every KKT condition
holds to `tolerance`:  |g_i| ≤ tol for 0 < α_i < C,  g_i ≤ tol at α_i = 0,  g_i ≥ −tol at α_i = C,
where g = ∇ = p − Qα. The delta's RBF kernel works on target features standardized with the
statistics of the target's training rows (of the inner split during CV); f_src comes from the source
file (`sertransfer.baselines.source`). The multi-class prediction is the argmax over the target
domain's label set.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.linalg.blas import daxpy
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler

from sertransfer.baselines.common import Gamma, class_probabilities, gamma_key, inner_splits, resolve_gamma, uar
from sertransfer.baselines.source import source_matrix
from sertransfer.features.is10 import read_is10
from sertransfer.folds import read_folds
from sertransfer.predictions import prediction_frame, write_predictions
from sertransfer.seeds import derived_seed
from sertransfer.vocabulary import ASVM

log = logging.getLogger(__name__)

EXPERIMENT = MODEL = ASVM


class AsvmConvergenceError(RuntimeError):
    """The dual solver reached its iteration limit before the KKT conditions held to the tolerance."""


@dataclass(frozen=True)
class DualSolution:
    """A solution of the A-SVM dual for one class: α, the gradient there, iterations, largest KKT violation."""

    alpha: np.ndarray
    gradient: np.ndarray
    iterations: int
    max_violation: float
    converged: bool


def dual_objective(alpha: np.ndarray, kernel: np.ndarray, y: np.ndarray, source_values: np.ndarray) -> float:
    """Σ(1 − y_i f_src(x_i)) α_i − ½ αᵀ Q α with Q_ij = y_i y_j K_ij."""
    weighted = alpha * y
    return float((1.0 - y * source_values) @ alpha - 0.5 * weighted @ kernel @ weighted)


def dual_gradient(alpha: np.ndarray, kernel: np.ndarray, y: np.ndarray, source_values: np.ndarray) -> np.ndarray:
    """Gradient of the dual objective: (1 − y f_src) − Q α."""
    return (1.0 - y * source_values) - y * (kernel @ (alpha * y))


def kkt_violation(alpha: np.ndarray, gradient: np.ndarray, C: float) -> np.ndarray:
    """Per-coordinate KKT violation (the projected gradient's magnitude) of a box-constrained maximization."""
    return np.where(alpha <= 0.0, np.maximum(gradient, 0.0),
                    np.where(alpha >= C, np.maximum(-gradient, 0.0), np.abs(gradient)))


def solve_asvm_dual(kernel: np.ndarray, y: np.ndarray, source_values: np.ndarray, C: float, *,
                    tolerance: float = 1e-6, max_iter: int = 1_000_000,
                    initial: np.ndarray | None = None) -> DualSolution:
    """Solve the bias-free A-SVM dual by greedy coordinate ascent until the largest KKT violation ≤ tolerance."""
    kernel = np.asarray(kernel, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    source_values = np.asarray(source_values, dtype=np.float64)
    if C <= 0 or tolerance <= 0:
        raise ValueError(f"C and tolerance must be positive (C={C}, tolerance={tolerance})")
    if not np.isin(y, (-1.0, 1.0)).all():
        raise ValueError("labels y must be +1 or -1")
    diagonal = np.diag(kernel).copy()
    if (diagonal <= 0).any():
        raise ValueError("the kernel has a non-positive diagonal entry (an RBF kernel has K_ii = 1)")
    q = kernel * np.outer(y, y)  # Q, symmetric and C-contiguous: row i is column i
    alpha = np.zeros(len(y)) if initial is None else np.clip(np.asarray(initial, dtype=np.float64), 0.0, C)
    gradient = (1.0 - y * source_values) - q @ alpha
    # the projected gradient is clip(g, lower, upper): [0, inf) at α_i = 0, (-inf, 0] at α_i = C, free otherwise
    lower = np.where(alpha <= 0.0, 0.0, -np.inf)
    upper = np.where(alpha >= C, 0.0, np.inf)
    projected = np.empty_like(gradient)
    iterations, violation = 0, 0.0
    while len(y):
        np.clip(gradient, lower, upper, out=projected)
        np.abs(projected, out=projected)
        i = int(projected.argmax())
        violation = float(projected[i])
        if violation <= tolerance or iterations >= max_iter:
            break
        new = min(max(alpha[i] + gradient[i] / diagonal[i], 0.0), C)  # exact maximizer along coordinate i
        step = new - alpha[i]
        alpha[i] = new
        lower[i] = 0.0 if new <= 0.0 else -np.inf
        upper[i] = 0.0 if new >= C else np.inf
        gradient = daxpy(q[i], gradient, a=-step)  # g -= step * Q[:, i], in place
        iterations += 1
    return DualSolution(alpha, gradient, iterations, violation, violation <= tolerance)


def one_vs_rest(labels: Sequence[str], cls: str) -> np.ndarray:
    """+1 for rows of class `cls`, −1 otherwise."""
    return np.where(np.asarray(labels) == cls, 1.0, -1.0)


def _solve_classes(kernel: np.ndarray, labels: Sequence[str], source_values: np.ndarray, classes: Sequence[str],
                   C: float, tolerance: float, max_iter: int,
                   initial: np.ndarray | None = None) -> tuple[np.ndarray, list[DualSolution]]:
    """Per-class duals on one kernel: α (n, classes) and the solutions; raise if one did not converge."""
    alphas = np.zeros((kernel.shape[0], len(classes)))
    solutions = []
    for j, cls in enumerate(classes):
        solution = solve_asvm_dual(kernel, one_vs_rest(labels, cls), source_values[:, j], C, tolerance=tolerance,
                                   max_iter=max_iter, initial=None if initial is None else initial[:, j])
        if not solution.converged:
            raise AsvmConvergenceError(
                f"A-SVM dual for class {cls!r} (C={C}, {kernel.shape[0]} rows) stopped after {solution.iterations} "
                f"coordinate steps with KKT violation {solution.max_violation:.3g} > {tolerance}; raise "
                f"baselines.asvm.max_iter or loosen baselines.asvm.tolerance")
        alphas[:, j] = solution.alpha
        solutions.append(solution)
    return alphas, solutions


@dataclass
class AsvmFit:
    """A fitted Adaptive SVM: target scaler, training rows (scaled), per-class α·y, and the chosen settings."""

    classes: list[str]
    scaler: StandardScaler
    support: np.ndarray
    dual_coef: np.ndarray
    gamma: float
    C: float
    solutions: list[DualSolution] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    cv_table: pd.DataFrame | None = None

    def delta_values(self, features: np.ndarray) -> np.ndarray:
        """The learnt delta Σ α_i y_i K(x_i, x) per class, (n, classes)."""
        return rbf_kernel(self.scaler.transform(features), self.support, gamma=self.gamma) @ self.dual_coef

    def decision_values(self, features: np.ndarray, source_values: np.ndarray) -> np.ndarray:
        """f(x) = f_src(x) + Σ α_i y_i K(x_i, x) per class, (n, classes)."""
        return np.asarray(source_values, dtype=np.float64) + self.delta_values(features)

    def predict(self, features: np.ndarray, source_values: np.ndarray) -> np.ndarray:
        """Class names: argmax of the decision values over this model's classes (the domain's label set)."""
        return np.asarray(self.classes)[self.decision_values(features, source_values).argmax(axis=1)]


def fit_asvm(features: np.ndarray, labels: Sequence[str], source_values: np.ndarray, classes: Sequence[str], *,
             C: float, gamma: Gamma, tolerance: float = 1e-6, max_iter: int = 1_000_000) -> AsvmFit:
    """Fit the per-class deltas on target training rows standardized with their own statistics."""
    scaler = StandardScaler().fit(features)
    scaled = scaler.transform(features)
    gamma_value = resolve_gamma(gamma, scaled)
    kernel = rbf_kernel(scaled, gamma=gamma_value)
    alphas, solutions = _solve_classes(kernel, labels, np.asarray(source_values, dtype=np.float64), list(classes),
                                       C, tolerance, max_iter)
    dual_coef = alphas * np.column_stack([one_vs_rest(labels, c) for c in classes])
    return AsvmFit(list(classes), scaler, scaled, dual_coef, gamma_value, C, solutions)


def cross_validate(features: np.ndarray, labels: Sequence[str], ids: Sequence[str], source: pd.DataFrame,
                   classes: Sequence[str], *, C: Sequence[float], gamma: Sequence[Gamma],
                   source_C: Sequence[float], inner_folds: int, tolerance: float, max_iter: int,
                   seed: int) -> pd.DataFrame:
    """Inner stratified CV UAR of every (gamma, source_C, C) on the target training rows (one row per point)."""
    labels, ids = np.asarray(labels), np.asarray(ids)
    splits = inner_splits(labels, inner_folds, seed)
    scores: dict[tuple[str, float, float], list[float]] = {}
    for g in gamma:
        for fit_rows, val_rows in splits:
            scaler = StandardScaler().fit(features[fit_rows])
            fit_scaled, val_scaled = scaler.transform(features[fit_rows]), scaler.transform(features[val_rows])
            gamma_value = resolve_gamma(g, fit_scaled)
            kernel = rbf_kernel(fit_scaled, gamma=gamma_value)
            cross = rbf_kernel(val_scaled, fit_scaled, gamma=gamma_value)
            signs = np.column_stack([one_vs_rest(labels[fit_rows], c) for c in classes])
            for sc in source_C:
                src_fit = source_matrix(source, ids[fit_rows], gamma_key(g), sc, classes)
                src_val = source_matrix(source, ids[val_rows], gamma_key(g), sc, classes)
                previous = None
                for c in sorted(C):  # warm start each C from the previous (smaller) C's solution
                    previous, _ = _solve_classes(kernel, labels[fit_rows], src_fit, classes, c, tolerance, max_iter,
                                                 initial=previous)
                    predicted = np.asarray(classes)[(src_val + cross @ (previous * signs)).argmax(axis=1)]
                    scores.setdefault((gamma_key(g), float(sc), float(c)), []).append(
                        uar(labels[val_rows], predicted, classes))
    return pd.DataFrame([{"gamma": key, "source_C": float(sc), "C": float(c), "uar": float(np.mean(uars))}
                         for (key, sc, c), uars in scores.items()]).pipe(_in_grid_order, gamma, source_C, C)


def _in_grid_order(table: pd.DataFrame, gamma: Sequence[Gamma], source_C: Sequence[float],
                   C: Sequence[float]) -> pd.DataFrame:
    """Rows sorted in the config's grid order (gamma, then source_C, then C), so ties go to the first point."""
    order = {(gamma_key(g), float(sc), float(c)): i
             for i, (g, sc, c) in enumerate((g, sc, c) for g in gamma for sc in source_C for c in C)}
    rank = [order[(k, sc, c)] for k, sc, c in zip(table["gamma"], table["source_C"], table["C"])]
    return table.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)


def run_asvm(target: str, is10_path: str | Path, folds: pd.DataFrame, source: pd.DataFrame, fold: int, *,
             emotions: Sequence[str], C: Sequence[float], gamma: Sequence[Gamma], source_C: Sequence[float],
             inner_folds: int, tolerance: float, max_iter: int, seed: int) -> tuple[pd.DataFrame, AsvmFit]:
    """Choose (gamma, source_C, C) by inner CV on the target's training folds of run `fold`, fit, predict fold k."""
    features, meta, _ = read_is10(is10_path)
    position = pd.Index(meta["utterance_id"]).get_indexer(folds["utterance_id"])
    if (position < 0).any():
        raise ValueError(f"{is10_path} lacks utterances of the folds table, e.g. "
                         f"{folds['utterance_id'][position < 0].tolist()[:3]}")
    fold_of = np.asarray(folds["fold"])
    train, test = position[fold_of != fold], position[fold_of == fold]
    labels = meta["emotion"].to_numpy()
    classes = [e for e in emotions if e in set(labels[position])]  # the domain's label set
    ids = meta["utterance_id"].to_numpy()
    gamma_by_key = {gamma_key(g): g for g in gamma}
    table = cross_validate(features[train], labels[train], ids[train], source, classes, C=C, gamma=gamma,
                           source_C=source_C, inner_folds=inner_folds, tolerance=tolerance, max_iter=max_iter,
                           seed=derived_seed(seed, "asvm", target, fold))
    best = table.loc[table["uar"].idxmax()]  # first in grid order among ties
    model = fit_asvm(features[train], labels[train],
                     source_matrix(source, ids[train], best["gamma"], best["source_C"], classes), classes,
                     C=float(best["C"]), gamma=gamma_by_key[best["gamma"]], tolerance=tolerance, max_iter=max_iter)
    model.settings = {"gamma": best["gamma"], "source_C": float(best["source_C"]), "C": float(best["C"]),
                      "inner_uar": float(best["uar"])}
    model.cv_table = table
    log.info("asvm %s fold %d: %d training rows, classes %s; chosen %s; dual steps per class %s",
             target, fold, len(train), classes, model.settings, [s.iterations for s in model.solutions])
    scores = model.decision_values(features[test], source_matrix(source, ids[test], best["gamma"],
                                                                 best["source_C"], classes))
    frame = prediction_frame(ids[test], [target] * len(test), fold, labels[test],
                             class_probabilities(scores, classes, emotions), emotions,
                             experiment=EXPERIMENT, model=MODEL)
    return frame, model


def asvm_job(target: str, is10_path: str | Path, folds_path: str | Path, source: pd.DataFrame, fold: int,
             out: str | Path, *, settings: Mapping, emotions: Sequence[str], seed: int) -> AsvmFit:
    """One (target, fold) A-SVM job from files: config `baselines.asvm` settings, predictions written to `out`."""
    folds = read_folds(folds_path)
    if fold not in set(folds["fold"]):
        raise ValueError(f"fold {fold} does not exist in {folds_path} (folds are 0..folds.k-1)")
    frame, model = run_asvm(target, is10_path, folds, source, fold, emotions=emotions, C=settings["C"],
                            gamma=settings["gamma"], source_C=settings["source_C"],
                            inner_folds=settings["inner_folds"], tolerance=settings["tolerance"],
                            max_iter=settings["max_iter"], seed=seed)
    log.info("inner CV (UAR per grid point):\n%s", model.cv_table.to_string(index=False))
    write_predictions(frame, out)
    return model
