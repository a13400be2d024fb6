"""The statistics of the tables: metrics of a set of predictions, confidence intervals, and comparisons.

- Metrics over a domain's own classes: UAR (mean recall), WA (accuracy) and macro-F1.
- A 95 % (configurable) bootstrap confidence interval of UAR over utterances (`scipy.stats.bootstrap`,
  BCa, seeded), and a paired bootstrap interval of the difference of two UARs on the same utterances.
- Comparisons over folds: the paper's paired t-test (on fold UARs averaged over seed repeats), or the
  corrected resampled t-test of Nadeau and Bengio (2003), which widens the variance by the test/train
  size ratio because k-fold training sets overlap, on every (fold, repeat) difference with seed
  repeats (the corrected repeated k-fold t of Bouckaert and Frank, 2004); and Holm's step-down
  adjustment of a family of p-values.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

TESTS = ("paired_t", "corrected_t")
#: Fold differences that vary by no more than this are constant (UARs are ratios of small counts).
CONSTANT = 1e-9
CORRECTIONS = ("none", "holm")
#: The class index of a prediction a seed repeat did not make (see `repeat_codes`).
MISSING = -2


def class_codes(values: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Class names -> indices into `labels` (-1 for a name not among them)."""
    index = {label: i for i, label in enumerate(labels)}
    return np.array([index.get(v, -1) for v in values], dtype=np.int64)


def _recalls(true: np.ndarray, correct: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class recall along the last axis (NaN for a class absent from `true`); any leading batch axes."""
    one_hot = true[..., None] == np.arange(n_classes)
    totals = one_hot.sum(axis=-2)
    hits = (one_hot & correct[..., None]).sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, hits / np.maximum(totals, 1), np.nan)


def uar_of_codes(true: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray | float:
    """UAR of class indices: the mean recall over the classes present (vectorised over leading axes)."""
    recalls = _recalls(np.asarray(true), np.asarray(true) == np.asarray(pred), n_classes)
    return np.nanmean(recalls, axis=-1)


@dataclass(frozen=True)
class Scores:
    """UAR, WA and macro-F1 of one set of predictions over a domain's classes."""

    n: int
    uar: float
    wa: float
    macro_f1: float


def scores(true: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> Scores:
    """UAR (mean recall over the classes present), WA (accuracy) and macro-F1 (over the same classes)."""
    t, p = class_codes(true, labels), class_codes(pred, labels)
    if len(t) == 0:
        raise ValueError("scores of an empty set of utterances")
    present = np.unique(t[t >= 0])
    f1 = []
    for c in present:
        tp = np.sum((t == c) & (p == c))
        precision_den, recall_den = np.sum(p == c), np.sum(t == c)
        precision = tp / precision_den if precision_den else 0.0
        recall = tp / recall_den
        f1.append(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    return Scores(len(t), float(uar_of_codes(t, p, len(labels))), float(np.mean(t == p)), float(np.mean(f1)))


def fold_mean_uar(true: np.ndarray, pred: np.ndarray, folds: np.ndarray, n_classes: int) -> np.ndarray | float:
    """The mean over folds of each fold's UAR, as the tables report it (vectorised over leading axes).

    A fold without utterances (possible in a bootstrap resample) is left out of the mean.
    """
    true, pred, folds = np.asarray(true), np.asarray(pred), np.asarray(folds)
    per_fold = [uar_of_codes(np.where(folds == fold, true, -1), pred, n_classes) for fold in np.unique(folds)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no fold left, NaN
        return np.nanmean(np.stack(per_fold), axis=0)


def mean_fold_uar(true: Sequence[str], pred: Sequence[str], labels: Sequence[str], folds: Sequence[int]) -> float:
    """The mean of the fold UARs of class names (each utterance's test fold in `folds`)."""
    return float(fold_mean_uar(class_codes(true, labels), class_codes(pred, labels), np.asarray(folds), len(labels)))


#: Predictions of one utterance: a class name, or (by seed repeat) a sequence of them; None/NaN for a missing one.
Predictions = Sequence[str] | Sequence[Sequence[str | None]]


def repeat_codes(pred: Predictions, labels: Sequence[str]) -> np.ndarray:
    """Predictions -> class indices of shape (repeats, utterances): -1 for a name not in `labels`, -2 for missing.

    A flat sequence of names is one repeat; a 2-D one (a row per seed repeat) may miss a repeat's predictions
    for some utterances (an entry that is not a string): those utterances' folds then average only the
    repeats they have.
    """
    array = np.asarray(pred, dtype=object)
    array = array[None, :] if array.ndim == 1 else array
    index = {label: i for i, label in enumerate(labels)}
    return np.array([[index.get(v, -1) if isinstance(v, str) else MISSING for v in row] for row in array],
                    dtype=np.int64).reshape(array.shape)


def _repeats_by_fold(codes: np.ndarray, folds: np.ndarray) -> dict[int, list[int]]:
    """Per fold, the repeats that predicted all of its utterances."""
    return {int(fold): [r for r in range(codes.shape[0]) if np.all(codes[r, folds == fold] != MISSING)]
            for fold in np.unique(folds)}


def _seed_fold_mean_uar(true: np.ndarray, preds: Sequence[np.ndarray], folds: np.ndarray, n_classes: int,
                        repeats: dict[int, list[int]]) -> np.ndarray | float:
    """The mean over folds of each fold's UAR averaged over its repeats (vectorised over leading axes)."""
    per_fold = []
    for fold, fold_repeats in repeats.items():
        if not fold_repeats:
            continue
        in_fold = np.where(folds == fold, true, -1)
        per_fold.append(np.mean([uar_of_codes(in_fold, preds[r], n_classes) for r in fold_repeats], axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a fold absent from a resample: NaN, left out
        return np.nanmean(np.stack(per_fold), axis=0)


def seed_mean_uar(true: Sequence[str], pred: Predictions, labels: Sequence[str],
                  folds: Sequence[int] | None = None) -> float:
    """The tables' number: the mean over folds of each fold's UAR averaged over the seed repeats it has."""
    t, codes = class_codes(true, labels), repeat_codes(pred, labels)
    f = np.zeros(len(t), dtype=np.int64) if folds is None else np.asarray(folds)
    return float(_seed_fold_mean_uar(t, list(codes), f, len(labels), _repeats_by_fold(codes, f)))


def bootstrap_uar_interval(true: Sequence[str], pred: Predictions, labels: Sequence[str], *, resamples: int,
                           confidence: float, seed: int, folds: Sequence[int] | None = None) -> tuple[float, float]:
    """Bootstrap (BCa) confidence interval of UAR over utterances; (nan, nan) below two utterances.

    With `folds` (each utterance's test fold), of the mean of the fold UARs, the number the tables print;
    without, of the UAR over all utterances. The two differ when folds differ in size (speaker folds).
    With seed repeats (`pred` 2-D), of the mean over the repeats (`seed_mean_uar`): each resample draws
    utterances, and every repeat's predictions of them.
    """
    t, codes = class_codes(true, labels), repeat_codes(pred, labels)
    if len(t) < 2:
        return float("nan"), float("nan")
    n = len(labels)
    f = np.zeros(len(t), dtype=np.int64) if folds is None else np.asarray(folds)
    repeats = _repeats_by_fold(codes, f)

    def statistic(true_codes: np.ndarray, fold_ids: np.ndarray, *pred_codes: np.ndarray,
                  axis: int = -1) -> np.ndarray:
        true_codes, fold_ids, *pred_codes = (np.moveaxis(x, axis, -1) for x in (true_codes, fold_ids, *pred_codes))
        return _seed_fold_mean_uar(true_codes, pred_codes, fold_ids, n, repeats)

    return _interval((t, f, *codes), statistic, resamples, confidence, seed)


def paired_bootstrap_difference(true: Sequence[str], pred_a: Predictions, pred_b: Predictions,
                                labels: Sequence[str], *, resamples: int, confidence: float,
                                seed: int, folds: Sequence[int] | None = None) -> tuple[float, float, float]:
    """UAR(a) - UAR(b) on the same utterances and its paired bootstrap (BCa) confidence interval.

    With `folds`, the UARs are means of fold UARs (the tables' numbers), otherwise over all utterances; with
    seed repeats on either side, each side's UAR is the mean over its repeats (`seed_mean_uar`).
    """
    t, a, b = class_codes(true, labels), repeat_codes(pred_a, labels), repeat_codes(pred_b, labels)
    n = len(labels)
    f = np.zeros(len(t), dtype=np.int64) if folds is None else np.asarray(folds)
    a_repeats, b_repeats = _repeats_by_fold(a, f), _repeats_by_fold(b, f)
    difference = float(_seed_fold_mean_uar(t, list(a), f, n, a_repeats)
                       - _seed_fold_mean_uar(t, list(b), f, n, b_repeats))
    if len(t) < 2:
        return difference, float("nan"), float("nan")
    split = len(a)

    def statistic(true_codes: np.ndarray, fold_ids: np.ndarray, *pred_codes: np.ndarray,
                  axis: int = -1) -> np.ndarray:
        true_codes, fold_ids, *pred_codes = (np.moveaxis(x, axis, -1) for x in (true_codes, fold_ids, *pred_codes))
        return (_seed_fold_mean_uar(true_codes, pred_codes[:split], fold_ids, n, a_repeats)
                - _seed_fold_mean_uar(true_codes, pred_codes[split:], fold_ids, n, b_repeats))

    return (difference, *_interval((t, f, *a, *b), statistic, resamples, confidence, seed))


def _interval(data: tuple[np.ndarray, ...], statistic: Callable[..., np.ndarray], resamples: int, confidence: float,
              seed: int) -> tuple[float, float]:
    """scipy's paired, vectorised BCa bootstrap; the percentile interval when BCa is undefined (no spread)."""
    kwargs = {"paired": True, "vectorized": True, "n_resamples": resamples, "confidence_level": confidence}
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():  # a degenerate BCa is detected below (NaN) and replaced
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            result = stats.bootstrap(data, statistic, method=method, rng=np.random.default_rng(seed), **kwargs)
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if not (math.isnan(low) or math.isnan(high)):
            return low, high
    return low, high


@dataclass(frozen=True)
class FoldTest:
    """A comparison of two configurations' fold UARs."""

    test: str
    statistic: float
    p_value: float


def paired_t(a: Sequence[float], b: Sequence[float]) -> FoldTest:
    """The paper's paired t-test over folds (`scipy.stats.ttest_rel`), two-sided.

    Undefined (NaN) when the differences do not vary (up to rounding): scipy would report a huge t and
    p = 0, a "significant" difference from, say, two folds that happen to differ by the same amount.
    """
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    if len(d) < 2 or float(np.ptp(d)) <= CONSTANT:
        return FoldTest("paired_t", float("nan"), float("nan"))
    result = stats.ttest_rel(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return FoldTest("paired_t", float(result.statistic), float(result.pvalue))


def corrected_resampled_t(a: Sequence[float], b: Sequence[float], test_train_ratio: float) -> FoldTest:
    """Nadeau and Bengio's corrected resampled t-test: t = mean(d) / sqrt((1/k + n_test/n_train) var(d)), k-1 df."""
    return corrected_repeated_t(np.asarray(a, dtype=float) - np.asarray(b, dtype=float), test_train_ratio)


def corrected_repeated_t(differences: np.ndarray, test_train_ratio: float) -> FoldTest:
    """Bouckaert and Frank's corrected repeated k-fold t over every (fold, repeat) difference d (k x r, NaN: absent).

    t = mean(d) / sqrt((1/(k r) + n_test/n_train) var(d)) with k r - 1 degrees of freedom; one repeat is
    Nadeau and Bengio's corrected resampled t.
    """
    d = np.asarray(differences, dtype=float).ravel()
    d = d[~np.isnan(d)]
    n = len(d)
    variance = float(np.var(d, ddof=1)) if n > 1 else float("nan")
    if n < 2 or float(np.ptp(d)) <= CONSTANT or math.isnan(variance):
        return FoldTest("corrected_t", float("nan"), float("nan"))
    statistic = float(d.mean() / math.sqrt((1.0 / n + test_train_ratio) * variance))
    return FoldTest("corrected_t", statistic, float(2 * stats.t.sf(abs(statistic), n - 1)))


def fold_test(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, test: str,
              test_train_ratio: float) -> FoldTest:
    """The configured comparison of two configurations' UARs (`evaluate.test`).

    `a`, `b`: one UAR per fold, or folds x seed repeats. `paired_t` compares the fold UARs averaged over
    repeats; `corrected_t` every (fold, repeat) pair the two share (repeats beyond the shorter side's are left out).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    a, b = (x[:, None] if x.ndim == 1 else x for x in (a, b))
    if test == "paired_t":
        return paired_t(np.nanmean(a, axis=1), np.nanmean(b, axis=1))
    if test == "corrected_t":
        repeats = min(a.shape[1], b.shape[1])
        return corrected_repeated_t(a[:, :repeats] - b[:, :repeats], test_train_ratio)
    raise ValueError(f"evaluate.test must be one of {TESTS}, not {test!r}")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values of one family (NaN p-values are left out and stay NaN)."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(len(values), np.nan)
    finite = np.flatnonzero(~np.isnan(values))
    order = finite[np.argsort(values[finite], kind="stable")]
    m, running = len(order), 0.0
    for rank, position in enumerate(order):
        running = max(running, min(1.0, (m - rank) * values[position]))
        adjusted[position] = running
    return adjusted.tolist()


def adjust(p_values: Sequence[float], correction: str) -> list[float]:
    """p-values adjusted for multiple comparisons within their family (`evaluate.correction`)."""
    if correction == "none":
        return [float(p) for p in p_values]
    if correction == "holm":
        return holm(p_values)
    raise ValueError(f"evaluate.correction must be one of {CORRECTIONS}, not {correction!r}")


def fold_size_ratio(test_sizes: Sequence[int], total: int, held_out: Sequence[int] | None = None) -> float:
    """Mean n_test / n_train over the folds of a domain.

    n_train is what a model of the fold fitted on: every other utterance of the domain, less the
    utterances the fold held out of fitting (`held_out`: validation and selection splits), when given.
    """
    held_out = [0] * len(test_sizes) if held_out is None else list(held_out)
    ratios = [n / (total - n - h) for n, h in zip(test_sizes, held_out) if total - n - h > 0]
    return float(np.mean(ratios)) if ratios else float("nan")
