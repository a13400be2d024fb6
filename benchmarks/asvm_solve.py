"""A-SVM dual solve time vs scikit-learn `SVC.fit` on the same target data, and its scaling with n.

One binary one-vs-rest problem (anger vs rest) on standardized Emo-DB IS10 features, RBF kernel with
gamma 'scale', f_src = 0 (so both solve an SVM on the same data: A-SVM bias-free, SVC with a bias).
A-SVM time = RBF kernel + greedy coordinate ascent to the KKT tolerance; compared with
`SVC(kernel='rbf').fit` (libsvm, kernel on the fly, its default tol 1e-3) and, for the solver alone,
with `SVC(kernel='precomputed').fit` on the same kernel. Everything single-threaded (BLAS limited to one
thread: libsvm is single-threaded, and a multi-threaded BLAS spin-waits on a loaded 2-core machine).
n <= 375: random subsets of the real rows;
n > 375: the real rows repeated with Gaussian jitter (0.1 standard deviations), marked `augmented`.
Run: `.venv/bin/python benchmarks/asvm_solve.py` (extracts Emo-DB IS10 into benchmarks/work/ once).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from common import WORK, emodb_manifest, write_rows
from sertransfer.baselines.asvm import solve_asvm_dual
from sertransfer.baselines.common import resolve_gamma
from sertransfer.features.is10 import extract_is10, read_is10

SIZES = (50, 100, 200, 375, 750, 1500, 3000)
C_VALUES = (1.0, 10.0)
TOLERANCES = (1e-6, 1e-3)  # the config default, and libsvm's default for comparison
MAX_ITER = 10_000_000
T = TypeVar("T")


def timed(function: Callable[[], T], repeats: int) -> tuple[float, T | None]:
    """(median wall time, last result) of `function()` over `repeats` runs."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def emodb_is10() -> tuple[np.ndarray, np.ndarray]:
    """Standardized Emo-DB IS10 features and anger-vs-rest ±1 labels (cache extracted once)."""
    cache = WORK / "emodb-is10.parquet"
    if not cache.exists():
        manifest, root = emodb_manifest()
        WORK.mkdir(parents=True, exist_ok=True)
        extract_is10(manifest, root, cache, threads=2)
    features, meta, _ = read_is10(cache)
    return features, np.where(meta["emotion"].to_numpy() == "anger", 1.0, -1.0)


def sample(features: np.ndarray, labels: np.ndarray, n: int,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, bool]:
    """n rows: a random subset of the real rows, or the real rows repeated with jitter beyond their count."""
    if n <= len(features):
        rows = rng.choice(len(features), n, replace=False)
        return features[rows], labels[rows], False
    rows = np.resize(rng.permutation(len(features)), n)
    spread = features.std(axis=0)
    return features[rows] + rng.normal(0, 0.1, (n, features.shape[1])) * spread, labels[rows], True


def main() -> None:
    """Time A-SVM (kernel + dual) against SVC.fit for each n, C and tolerance; write asvm_solve.csv."""
    features, labels = emodb_is10()
    rng = np.random.default_rng(2017)
    rows = []
    for n in SIZES:
        raw, y, augmented = sample(features, labels, n, rng)
        scaled = StandardScaler().fit_transform(raw)
        gamma = resolve_gamma("scale", scaled)
        repeats = 5 if n <= 750 else 3
        kernel_s, kernel = timed(lambda s=scaled, g=gamma: rbf_kernel(s, gamma=g), repeats)
        for C in C_VALUES:
            svc_s, svc = timed(lambda c=C, g=gamma, s=scaled, t=y: SVC(kernel="rbf", C=c, gamma=g).fit(s, t), repeats)
            svc_pre_s, _ = timed(lambda c=C, k=kernel, t=y: SVC(kernel="precomputed", C=c).fit(k, t), repeats)
            for tolerance in TOLERANCES:
                solve_s, solution = timed(lambda k=kernel, t=y, m=n, c=C, tol=tolerance: solve_asvm_dual(
                    k, t, np.zeros(m), c, tolerance=tol, max_iter=MAX_ITER), repeats)
                rows.append({
                    "n": n, "augmented": augmented, "C": C, "tolerance": tolerance, "gamma": f"{gamma:.3g}",
                    "kernel_s": round(kernel_s, 4), "asvm_solve_s": round(solve_s, 4),
                    "asvm_total_s": round(kernel_s + solve_s, 4), "svc_fit_s": round(svc_s, 4),
                    "svc_precomputed_fit_s": round(svc_pre_s, 4),
                    "ratio_asvm_total_over_svc_fit": round((kernel_s + solve_s) / svc_s, 2),
                    "ratio_asvm_solve_over_svc_precomputed": round(solve_s / svc_pre_s, 2),
                    "coordinate_steps": solution.iterations, "converged": solution.converged,
                    "max_kkt_violation": f"{solution.max_violation:.2g}",
                    "asvm_support": int((solution.alpha > 0).sum()), "svc_support": int(svc.support_.size)})
                print(rows[-1])
    print("wrote", write_rows("asvm_solve", rows))


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        main()
