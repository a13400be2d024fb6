"""Adaptive SVM (docs/design.md §9): exact dual solver, its known limits, KKT, label sets, source SVMs, no leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from conftest import SIX
from sertransfer.baselines.asvm import (
    AsvmConvergenceError,
    asvm_job,
    dual_gradient,
    dual_objective,
    fit_asvm,
    kkt_violation,
    run_asvm,
    solve_asvm_dual,
)
from sertransfer.baselines.source import asvm_source_job, read_source_values, source_column, source_frame, source_matrix
from sertransfer.predictions import probability_column, read_predictions
from test_svm import write_domain

TOLERANCE = 1e-8
SETTINGS = {"C": [0.1, 1.0], "gamma": ["scale"], "source_C": [1.0, 10.0], "inner_folds": 3, "tolerance": 1e-6,
            "max_iter": 100_000}


def problem(n: int = 40, seed: int = 0, source_scale: float = 0.7):
    """A random binary problem: features, ±1 labels, RBF kernel, and a source function's values."""
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 3 == 0, 1.0, -1.0)
    features = rng.normal(0, 1, (n, 5)) + 0.8 * y[:, None]
    kernel = rbf_kernel(features, gamma=0.2)
    return features, y, kernel, rng.normal(0, source_scale, n)


def independent_dual(kernel, y, source_values, C):
    """The same box-constrained QP solved by a generic bounded quasi-Newton method (scipy L-BFGS-B)."""
    q = kernel * np.outer(y, y)
    p = 1.0 - y * source_values
    result = minimize(lambda a: 0.5 * a @ q @ a - p @ a, np.zeros(len(y)), jac=lambda a: q @ a - p,
                      bounds=[(0.0, C)] * len(y), method="L-BFGS-B",
                      options={"ftol": 1e-16, "gtol": 1e-12, "maxiter": 50_000, "maxfun": 100_000})
    return result.x


@pytest.mark.parametrize("C", [0.05, 1.0, 20.0])
def test_dual_matches_a_generic_qp_solver(C):
    _, y, kernel, source = problem(seed=int(C * 10))
    solution = solve_asvm_dual(kernel, y, source, C, tolerance=TOLERANCE)
    reference = independent_dual(kernel, y, source, C)
    assert solution.converged and solution.max_violation <= TOLERANCE
    assert dual_objective(solution.alpha, kernel, y, source) >= dual_objective(reference, kernel, y, source) - 1e-10
    assert np.allclose(solution.alpha, reference, atol=1e-5)


@pytest.mark.parametrize("C", [0.05, 1.0, 20.0])
def test_kkt_conditions_hold_at_the_solution(C):
    _, y, kernel, source = problem(n=60, seed=3)
    solution = solve_asvm_dual(kernel, y, source, C, tolerance=TOLERANCE)
    gradient = dual_gradient(solution.alpha, kernel, y, source)  # recomputed, not the solver's running copy
    alpha = solution.alpha
    assert ((alpha >= 0) & (alpha <= C)).all()
    lower, upper = alpha == 0, alpha == C
    free = ~lower & ~upper
    assert (gradient[lower] <= 1e-7).all() and (gradient[upper] >= -1e-7).all()
    assert np.abs(gradient[free]).max(initial=0.0) <= 1e-7
    assert kkt_violation(alpha, gradient, C).max() <= 1e-7
    assert lower.any() and (free.any() or upper.any())  # a non-trivial solution: some bounds bind, some not


def test_the_solver_says_when_it_stops_early():
    features, y, _, source = problem()
    solution = solve_asvm_dual(rbf_kernel(features, gamma=0.2), y, source, 1.0, tolerance=TOLERANCE, max_iter=3)
    assert not solution.converged and solution.iterations == 3
    with pytest.raises(AsvmConvergenceError, match="max_iter"):
        fit_asvm(features, np.where(y > 0, "anger", "fear"), np.zeros((len(y), 2)), ["anger", "fear"], C=1.0,
                 gamma="scale", tolerance=TOLERANCE, max_iter=3)


def test_c_to_zero_reproduces_the_source_decision_values():
    features, y, _, _ = problem(n=45)
    labels = np.array(SIX[:3])[np.arange(45) % 3]
    source = np.random.default_rng(4).normal(0, 1, (45, 3))
    model = fit_asvm(features[:30], labels[:30], source[:30], SIX[:3], C=1e-12, gamma="scale", tolerance=TOLERANCE)
    assert np.allclose(model.decision_values(features[30:], source[30:]), source[30:], atol=1e-9)
    assert model.predict(features[30:], source[30:]).tolist() == [SIX[i] for i in source[30:].argmax(axis=1)]
    adapted = fit_asvm(features[:30], labels[:30], source[:30], SIX[:3], C=1.0, gamma="scale", tolerance=TOLERANCE)
    assert np.abs(adapted.delta_values(features[30:])).max() > 1e-3  # the limit is not vacuous


def test_zero_source_function_gives_a_bias_free_svm():
    features, y, _, _ = problem(n=50, seed=5)
    labels = np.where(y > 0, "anger", "sadness")
    train, test = slice(0, 36), slice(36, None)
    model = fit_asvm(features[train], labels[train], np.zeros((36, 2)), ["anger", "sadness"], C=2.0, gamma=0.3,
                     tolerance=TOLERANCE)
    scaler = StandardScaler().fit(features[train])  # independently: standardize, kernel, generic QP
    kernel = rbf_kernel(scaler.transform(features[train]), gamma=0.3)
    cross = rbf_kernel(scaler.transform(features[test]), scaler.transform(features[train]), gamma=0.3)
    expected = []
    for cls in ("anger", "sadness"):
        signs = np.where(labels[train] == cls, 1.0, -1.0)
        expected.append(cross @ (independent_dual(kernel, signs, np.zeros(36), 2.0) * signs))
    assert np.allclose(model.decision_values(features[test], np.zeros((14, 2))), np.column_stack(expected),
                       atol=1e-5)


def test_source_svms_are_true_binary_svms_and_missing_classes_give_zero(tmp_path):
    caches = {d: write_domain(tmp_path, d, emotions=SIX[:5] if d == "s1" else SIX[:4], seed=i)[0]
              for i, d in enumerate(("s1", "s2", "t"))}
    frame = source_frame({d: caches[d] for d in ("s1", "s2")}, caches["t"], emotions=SIX, C=[1.0, 10.0],
                         gamma=["scale", 0.05])
    assert len(frame) == 4 * 40 and set(frame["gamma"]) == {"scale", "0.05"}
    assert frame[source_column("surprise")].isna().all()  # no source domain has surprise
    source = pd.concat([pd.read_parquet(caches[d]) for d in ("s1", "s2")])
    features = [c for c in source.columns if c.startswith("feature")]
    scaler = StandardScaler().fit(source[features].to_numpy(np.float64))
    svc = SVC(C=10.0, gamma=0.05).fit(scaler.transform(source[features].to_numpy(np.float64)),
                                      source["emotion"].to_numpy() == "fear")
    target = pd.read_parquet(caches["t"])
    expected = svc.decision_function(scaler.transform(target[features].to_numpy(np.float64)))
    values = source_matrix(frame, target["utterance_id"], "0.05", 10.0, ["fear", "surprise"])
    assert np.allclose(values[:, 0], expected, atol=1e-8) and not values[:, 1].any()
    with pytest.raises(ValueError, match="no source decision values"):
        source_matrix(frame, target["utterance_id"], "scale", 100.0, ["fear"])


@pytest.fixture
def adaptation(tmp_path):
    """A target `t` lacking surprise, two shifted source domains with all six, and the source values file."""
    caches = {"s1": write_domain(tmp_path, "s1", seed=1, shift=0.3)[0],
              "s2": write_domain(tmp_path, "s2", seed=2, shift=-0.3)[0]}
    caches["t"], folds = write_domain(tmp_path, "t", emotions=SIX[:5], seed=3, shift=1.0)
    source = asvm_source_job("t", caches, tmp_path / "source.parquet", settings=SETTINGS, emotions=SIX)
    return caches, folds, source


def test_prediction_is_over_the_target_label_set(adaptation, tmp_path):
    caches, folds, source = adaptation
    source = source.copy()
    source[source_column("surprise")] = 50.0  # the source is sure every utterance is surprise
    model = asvm_job("t", caches["t"], folds, source, 1, tmp_path / "p.parquet", settings=SETTINGS, emotions=SIX,
                     seed=2017)
    frame = read_predictions(tmp_path / "p.parquet")
    assert model.classes == list(SIX[:5]) and "surprise" not in set(frame["pred"])
    assert (frame[probability_column("surprise")] == 0).all()
    scores = frame[[probability_column(e) for e in SIX]].to_numpy()
    assert np.allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    assert set(frame["experiment"]) == set(frame["model"]) == {"asvm"} and set(frame["domain"]) == {"t"}
    assert frame["utterance_id"].tolist() == pd.read_parquet(folds).query("fold == 1")["utterance_id"].tolist()
    assert (frame["true"] == frame["pred"]).mean() > 0.5  # separable fake classes: chance is 0.2


def test_cv_grid_and_read_back(adaptation, tmp_path):
    caches, folds, _ = adaptation
    source = read_source_values(tmp_path / "source.parquet")
    _, model = run_asvm("t", caches["t"], pd.read_parquet(folds), source, 0, emotions=SIX, seed=2017,
                        **{k: SETTINGS[k] for k in ("C", "gamma", "source_C", "inner_folds", "tolerance", "max_iter")})
    table = model.cv_table
    assert list(zip(table["source_C"], table["C"])) == [(1.0, 0.1), (1.0, 1.0), (10.0, 0.1), (10.0, 1.0)]
    best = table.loc[table["uar"].idxmax()]
    assert model.settings == {"gamma": "scale", "source_C": best["source_C"], "C": best["C"],
                              "inner_uar": best["uar"]}
    assert all(s.converged for s in model.solutions)


def test_delta_is_standardized_on_target_training_rows_only(adaptation, tmp_path):
    caches, folds, source = adaptation
    fold_table = pd.read_parquet(folds)
    args = dict(emotions=SIX, seed=2017,
                **{k: SETTINGS[k] for k in ("C", "gamma", "source_C", "inner_folds", "tolerance", "max_iter")})
    frame, model = run_asvm("t", caches["t"], fold_table, source, 2, **args)
    table = pd.read_parquet(caches["t"])
    test = table["utterance_id"].isin(fold_table.loc[fold_table["fold"] == 2, "utterance_id"]).to_numpy()
    features = [c for c in table.columns if c.startswith("feature")]
    assert np.allclose(model.scaler.mean_, table.loc[~test, features].to_numpy(np.float64).mean(axis=0))
    table.loc[test, features] = table.loc[test, features] * 1e6 + 1e7  # blow up the test rows
    table.to_parquet(tmp_path / "t-leak.parquet", index=False)
    _, leaked = run_asvm("t", tmp_path / "t-leak.parquet", fold_table, source, 2, **args)
    assert np.array_equal(model.scaler.mean_, leaked.scaler.mean_)
    assert np.array_equal(model.scaler.scale_, leaked.scaler.scale_)
    assert np.array_equal(model.dual_coef, leaked.dual_coef) and model.settings == leaked.settings
    assert model.gamma == leaked.gamma
