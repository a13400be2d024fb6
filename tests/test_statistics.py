"""Known answers for the statistics: metrics, the corrected t-test, bootstrap coverage, Holm."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sertransfer.statistics import (
    adjust,
    bootstrap_uar_interval,
    class_codes,
    corrected_repeated_t,
    corrected_resampled_t,
    fold_mean_uar,
    fold_size_ratio,
    fold_test,
    holm,
    paired_bootstrap_difference,
    paired_t,
    scores,
    seed_mean_uar,
)

LABELS = ["anger", "fear", "sadness"]


def test_scores_by_hand():
    true = ["anger"] * 4 + ["fear"] * 2 + ["sadness"] * 4
    pred = ["anger", "anger", "anger", "fear", "fear", "sadness", "sadness", "sadness", "anger", "anger"]
    result = scores(true, pred, LABELS)
    # recalls: anger 3/4, fear 1/2, sadness 2/4 -> UAR .5833; WA 6/10
    assert result.uar == pytest.approx((0.75 + 0.5 + 0.5) / 3)
    assert result.wa == pytest.approx(0.6) and result.n == 10
    # precision anger 3/5, fear 1/2, sadness 2/3; F1 = 2PR/(P+R)
    f1 = [2 * p * r / (p + r) for p, r in ((3 / 5, 3 / 4), (1 / 2, 1 / 2), (2 / 3, 2 / 4))]
    assert result.macro_f1 == pytest.approx(np.mean(f1))
    assert scores(true, pred, [*LABELS, "surprise"]).uar == pytest.approx(result.uar)  # absent classes ignored


def test_corrected_t_test_from_its_formula():
    a, b = [0.62, 0.58, 0.66, 0.60, 0.64], [0.55, 0.57, 0.59, 0.52, 0.60]
    d = np.subtract(a, b)
    ratio = 100 / 400
    expected = d.mean() / math.sqrt((1 / 5 + ratio) * d.var(ddof=1))
    result = corrected_resampled_t(a, b, ratio)
    assert result.statistic == pytest.approx(expected)
    assert result.p_value == pytest.approx(2 * stats.t.sf(abs(expected), 4))
    plain = paired_t(a, b)  # the plain paired t-test is the same formula without the ratio term
    assert plain.statistic == pytest.approx(d.mean() / math.sqrt(d.var(ddof=1) / 5))
    assert result.p_value > plain.p_value  # the correction admits overlapping training sets: less optimistic
    assert fold_size_ratio([100, 100, 100, 100, 100], 500) == pytest.approx(0.25)


def test_corrected_t_against_a_hand_computation():
    """Worked by hand, outside this code: d = a - b = (.07, .01, .07, .08, .04); mean .054; squared deviations
    .000256 + .001936 + .000256 + .000676 + .000196 = .00332, so var = .00332 / 4 = .00083; with n_test/n_train
    = 100/400 = .25 the standard error is sqrt((1/5 + .25) x .00083) = sqrt(.0003735) = .019326, t = 2.7941;
    the two-sided 5 % critical value of t with 4 df is 2.776 (any t table), so p is just below .05 (.0491)."""
    result = corrected_resampled_t([0.62, 0.58, 0.66, 0.60, 0.64], [0.55, 0.57, 0.59, 0.52, 0.60], 0.25)
    assert result.statistic == pytest.approx(2.7941, abs=1e-4)
    assert 0.045 < result.p_value < 0.05 and result.p_value == pytest.approx(0.0491, abs=1e-4)
    assert fold_size_ratio([100] * 5, 500) == pytest.approx(0.25)
    # n_train is what the networks fitted: 400 other utterances less 40 held out for validation and selection
    assert fold_size_ratio([100] * 5, 500, [40] * 5) == pytest.approx(100 / 360)


def test_corrected_repeated_t_against_a_hand_computation():
    """Bouckaert and Frank's corrected repeated k-fold t, by hand: 5 folds x 2 seeds of differences
    (.07 .05 .01 .02 .07 .06 .08 .03 .04 .05): mean .048, var .0047600 / 9 = .00052889; with ratio .25,
    se = sqrt((1/10 + .25) x .00052889) = .013606, t = 3.5280 on 9 df (t table: 3.250 at p = .01, 3.690 at .005)."""
    d = np.array([[0.07, 0.05], [0.01, 0.02], [0.07, 0.06], [0.08, 0.03], [0.04, 0.05]])
    result = corrected_repeated_t(d, 0.25)
    assert result.statistic == pytest.approx(3.5280, abs=1e-4) and 0.005 < result.p_value < 0.01
    a = 0.5 + d
    b = np.full_like(d, 0.5)
    assert fold_test(a, b, "corrected_t", 0.25).statistic == pytest.approx(3.5280, abs=1e-4)
    # the paired t of the paper takes the fold means over the seeds: five values, four degrees of freedom
    assert fold_test(a, b, "paired_t", 0.25).statistic == pytest.approx(paired_t(a.mean(axis=1), b[:, 0]).statistic)
    # one seed: the repeated test is Nadeau and Bengio's
    assert fold_test(a[:, :1], b[:, :1], "corrected_t", 0.25).statistic == pytest.approx(
        corrected_resampled_t(a[:, 0], b[:, 0], 0.25).statistic)


def test_a_difference_that_does_not_vary_is_not_significant():
    """Two folds that both gain exactly .0833 (one more utterance right of 12): scipy's t is infinite and its p 0;
    the test is undefined there, so both tests say NaN rather than 'significant'."""
    a, b = [7 / 12, 8 / 12], [6 / 12, 7 / 12]
    assert math.isnan(paired_t(a, b).p_value) and math.isnan(corrected_resampled_t(a, b, 1.0).p_value)
    assert paired_t([0.6, 0.7, 0.65], [0.5, 0.55, 0.6]).p_value < 0.1   # varying differences: a real test


def test_holm_against_a_hand_computation():
    p = [0.01, 0.04, 0.03, 0.005, float("nan")]
    # sorted: .005 (x4) .02, .01 (x3) .03, .03 (x2) .06, .04 (x1) .04 -> monotone: .02 .03 .06 .06
    assert holm(p)[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert math.isnan(holm(p)[4])
    assert adjust(p, "none")[:4] == p[:4]
    with pytest.raises(ValueError, match="evaluate.correction"):
        adjust(p, "bonferroni")


def simulated_classifier(rng: np.random.Generator, n: int, recalls: dict[str, float]) -> tuple[list, list]:
    """Utterances of balanced classes, each classified correctly with its class's recall, else uniformly wrong."""
    labels = list(recalls)
    true = rng.choice(labels, size=n)
    pred = []
    for label in true:
        if rng.random() < recalls[label]:
            pred.append(label)
        else:
            pred.append(rng.choice([other for other in labels if other != label]))
    return true.tolist(), pred


def test_bootstrap_interval_covers_the_true_uar_at_about_the_nominal_rate():
    recalls = {"anger": 0.8, "fear": 0.5, "sadness": 0.65}
    true_uar = np.mean(list(recalls.values()))
    rng = np.random.default_rng(0)
    draws, covered, widths = 120, 0, []
    for draw in range(draws):
        true, pred = simulated_classifier(rng, 150, recalls)
        low, high = bootstrap_uar_interval(true, pred, LABELS, resamples=500, confidence=0.95, seed=draw)
        assert low <= scores(true, pred, LABELS).uar <= high
        covered += low <= true_uar <= high
        widths.append(high - low)
    # 95 % nominal: with 120 draws the coverage is within about 4 standard errors of it
    assert 0.85 <= covered / draws <= 1.0, covered / draws
    # and not by being wide: UAR's standard error here is about sqrt(.8x.2 + .5x.5 + .65x.35)/sqrt(50)/3 = .038, so a
    # 95 % interval is about 4 x .038 = .15 wide; [0, 1] would cover every time
    assert 0.10 < np.mean(widths) < 0.20 and max(widths) < 0.25, (np.mean(widths), max(widths))


def test_bootstrap_when_resamples_miss_a_class():
    """One sadness utterance among 40: about a third of the resamples lack it (e^-1 of them); their UAR is the mean
    recall over the classes they contain, so the interval stays finite, inside [0, 1] and around the estimate."""
    true = ["anger"] * 20 + ["fear"] * 19 + ["sadness"]
    pred = ["anger"] * 16 + ["fear"] * 4 + ["fear"] * 15 + ["anger"] * 4 + ["sadness"]
    estimate = scores(true, pred, LABELS).uar          # (16/20 + 15/19 + 1) / 3 = .863
    assert estimate == pytest.approx((0.8 + 15 / 19 + 1) / 3)
    low, high = bootstrap_uar_interval(true, pred, LABELS, resamples=1000, confidence=0.95, seed=5)
    assert 0 <= low <= estimate <= high <= 1 and high - low < 0.3, (low, high)


def test_paired_difference_interval():
    rng = np.random.default_rng(1)
    true, good = simulated_classifier(rng, 300, {"anger": 0.85, "fear": 0.8, "sadness": 0.8})
    bad = [label if rng.random() < 0.4 else "anger" for label in true]
    difference, low, high = paired_bootstrap_difference(true, good, bad, LABELS, resamples=500, confidence=0.95,
                                                        seed=3)
    assert difference == pytest.approx(scores(true, good, LABELS).uar - scores(true, bad, LABELS).uar)
    assert 0 < low < difference < high
    same = paired_bootstrap_difference(true, good, good, LABELS, resamples=200, confidence=0.95, seed=3)
    assert same[0] == 0 and same[1] == same[2] == 0
    again = bootstrap_uar_interval(true, good, LABELS, resamples=200, confidence=0.95, seed=7)
    assert again == bootstrap_uar_interval(true, good, LABELS, resamples=200, confidence=0.95, seed=7)  # seeded


def test_interval_with_folds_is_of_the_mean_of_fold_uars_the_tables_print():
    """Speaker folds differ in size: a small fold that is predicted well and a large one predicted badly have a mean
    of fold UARs far above the UAR over all utterances; the interval must be the printed number's."""
    rng = np.random.default_rng(4)
    small_true, small_pred = simulated_classifier(rng, 45, {"anger": 0.9, "fear": 0.85, "sadness": 0.9})
    large_true, large_pred = simulated_classifier(rng, 300, {"anger": 0.45, "fear": 0.4, "sadness": 0.5})
    true, pred = small_true + large_true, small_pred + large_pred
    folds = np.array([0] * 45 + [1] * 300)
    per_fold = [scores(small_true, small_pred, LABELS).uar, scores(large_true, large_pred, LABELS).uar]
    codes = [class_codes(values, LABELS) for values in (true, pred)]
    assert fold_mean_uar(*codes, folds, len(LABELS)) == pytest.approx(np.mean(per_fold))
    pooled = scores(true, pred, LABELS).uar
    assert np.mean(per_fold) - pooled > 0.1                   # two different numbers
    low, high = bootstrap_uar_interval(true, pred, LABELS, resamples=500, confidence=0.95, seed=1, folds=folds)
    assert low <= np.mean(per_fold) <= high and not low <= pooled <= high
    old_low, old_high = bootstrap_uar_interval(true, pred, LABELS, resamples=500, confidence=0.95, seed=1)
    assert old_low <= pooled <= old_high and not old_low <= np.mean(per_fold) <= old_high   # the interval it replaces
    bad = [label if rng.random() < 0.3 else "anger" for label in true]
    difference, d_low, d_high = paired_bootstrap_difference(true, pred, bad, LABELS, resamples=300, confidence=0.95,
                                                            seed=2, folds=folds)
    by_fold = [scores(true[i:j], pred[i:j], LABELS).uar - scores(true[i:j], bad[i:j], LABELS).uar
               for i, j in ((0, 45), (45, 345))]
    assert difference == pytest.approx(np.mean(by_fold)) and d_low <= difference <= d_high


def test_intervals_with_seed_repeats_are_of_the_mean_over_seeds_the_tables_print():
    """Three seeds that disagree: the tables print the mean over seeds of the fold-mean UAR, so its interval, and
    that of a difference, must be of that mean, not of the first seed (which alone misses it here)."""
    rng = np.random.default_rng(11)
    good = {"anger": 0.95, "fear": 0.9, "sadness": 0.95}
    poor = {"anger": 0.45, "fear": 0.4, "sadness": 0.5}
    true, first = simulated_classifier(rng, 240, good)
    seeds = [first] + [[label if rng.random() < 0.45 else rng.choice(LABELS) for label in true] for _ in range(2)]
    folds = np.repeat([0, 1, 2, 3], 60)
    per_seed = [float(fold_mean_uar(class_codes(true, LABELS), class_codes(s, LABELS), folds, 3)) for s in seeds]
    printed = float(np.mean(per_seed))
    assert seed_mean_uar(true, seeds, LABELS, folds) == pytest.approx(printed)
    low, high = bootstrap_uar_interval(true, seeds, LABELS, resamples=400, confidence=0.95, seed=3, folds=folds)
    assert low <= printed <= high
    first_low, _ = bootstrap_uar_interval(true, first, LABELS, resamples=400, confidence=0.95, seed=3, folds=folds)
    assert first_low > printed                                  # the first seed's interval, as printed before
    # one seed given as a 2-D row is the flat case, bit for bit
    assert bootstrap_uar_interval(true, [first], LABELS, resamples=200, confidence=0.95, seed=5, folds=folds) == \
        bootstrap_uar_interval(true, first, LABELS, resamples=200, confidence=0.95, seed=5, folds=folds)
    reference = simulated_classifier(rng, 240, poor)[1]
    difference, d_low, d_high = paired_bootstrap_difference(true, seeds, reference, LABELS, resamples=400,
                                                            confidence=0.95, seed=4, folds=folds)
    reference_uar = float(fold_mean_uar(class_codes(true, LABELS), class_codes(reference, LABELS), folds, 3))
    assert difference == pytest.approx(printed - reference_uar) and d_low <= difference <= d_high
    # a repeat missing for some folds (a nested choice mixing configurations with 3 and 1 seeds): each fold
    # averages the repeats it has
    partial = [list(first)] + [[p if fold >= 2 else None for p, fold in zip(s, folds)] for s in seeds[1:]]
    by_fold = [np.mean([scores(true[i:i + 60], s[i:i + 60], LABELS).uar for s in (seeds if i >= 120 else [first])])
               for i in (0, 60, 120, 180)]
    assert seed_mean_uar(true, partial, LABELS, folds) == pytest.approx(np.mean(by_fold))
    low, high = bootstrap_uar_interval(true, partial, LABELS, resamples=300, confidence=0.95, seed=6, folds=folds)
    assert low <= np.mean(by_fold) <= high


def test_pooled_metrics_interval_covers_the_seed_mean(tmp_path):
    """collect_metrics writes each (configuration, repeat) row; with repeats they share the seed mean's interval."""
    import pandas as pd

    from sertransfer.metrics import pooled_metrics

    rng = np.random.default_rng(12)
    true, first = simulated_classifier(rng, 120, {"anger": 0.95, "fear": 0.95, "sadness": 0.95})
    second = [label if rng.random() < 0.4 else rng.choice(LABELS) for label in true]
    rows = pd.concat([pd.DataFrame({"experiment": "tt", "model": "cnn_lstm", "scenario": "", "approach": "TT",
                                    "excluded": "", "domain": "d", "split": "test", "fold": np.repeat([0, 1], 60),
                                    "repeat": repeat, "utterance_id": [f"d/u{i}" for i in range(120)],
                                    "true": true, "pred": pred})
                      for repeat, pred in enumerate((first, second))], ignore_index=True)
    pooled = pooled_metrics(rows, {"d": LABELS}, resamples=300, confidence=0.95, seed=0)
    assert pooled["repeat"].tolist() == [0, 1]
    assert pooled["uar_ci_low"].nunique() == 1 and pooled["uar_ci_high"].nunique() == 1
    printed = pooled["fold_mean_uar"].mean()
    assert pooled["uar_ci_low"].iloc[0] <= printed <= pooled["uar_ci_high"].iloc[0]
    # neither seed's own interval: it lies between the two seeds' numbers
    assert pooled["fold_mean_uar"].iloc[1] < pooled["uar_ci_low"].iloc[0] < pooled["uar_ci_high"].iloc[0] \
        < pooled["fold_mean_uar"].iloc[0]


def test_metrics_tables_from_predictions(tmp_path):
    import pandas as pd

    from sertransfer.metrics import evaluated_predictions, fold_metrics, pooled_metrics, write_group_metrics
    from sertransfer.predictions import prediction_frame, write_predictions

    six = ["anger", "disgust", "fear", "happiness", "sadness", "surprise"]
    true = ["anger", "fear", "sadness", "anger", "fear", "sadness"] * 4
    probabilities = np.full((len(true), 6), 0.01)
    for row, label in enumerate(true):  # right on every other utterance; else a 'surprise' the domain lacks
        probabilities[row, six.index(label) if row % 2 == 0 else 5] = 0.9
        probabilities[row, six.index(label)] = max(probabilities[row, six.index(label)], 0.05)
    frames = [prediction_frame([f"d/u{i}" for i in range(fold * 12, fold * 12 + 12)], ["d"] * 12, fold,
                               true[fold * 12:fold * 12 + 12], probabilities[fold * 12:fold * 12 + 12], six,
                               experiment="tt", model="cnn_lstm", approach="TT") for fold in (0, 1)]
    predictions = pd.concat(frames, ignore_index=True)
    labels = {"d": LABELS}
    restricted = evaluated_predictions(predictions, labels)          # argmax over the domain's own classes
    assert set(restricted["pred"]) <= set(LABELS) and (restricted["pred"] == restricted["true"]).all()
    unrestricted = evaluated_predictions(predictions, labels, restrict=False)
    folds = fold_metrics(unrestricted, labels)
    assert list(folds["fold"]) == [0, 1] and folds["n"].tolist() == [12, 12]
    assert folds["uar"].tolist() == pytest.approx([0.5, 0.5]) and folds["wa"].tolist() == pytest.approx([0.5, 0.5])
    pooled = pooled_metrics(unrestricted, labels, resamples=200, confidence=0.9, seed=0)
    assert len(pooled) == 1 and pooled["n"].iloc[0] == 24 and pooled["n_folds"].iloc[0] == 2
    assert pooled["uar_ci_low"].iloc[0] <= 0.5 <= pooled["uar_ci_high"].iloc[0]
    assert pooled["fold_mean_uar"].iloc[0] == pytest.approx(folds["uar"].mean())
    paths = []                                         # the rule's way: one predictions file per fold, three tables
    for fold, frame in enumerate(frames):
        paths.append(tmp_path / f"fold{fold}.parquet")
        write_predictions(frame, paths[-1])
    out = {name: tmp_path / name for name in ("tt.csv", "tt_pooled.csv", "tt_utterances.parquet")}
    counts = write_group_metrics(paths, labels, restrict=False, resamples=200, confidence=0.9, seed=0,
                                 uar_path=out["tt.csv"], pooled_path=out["tt_pooled.csv"],
                                 utterances_path=out["tt_utterances.parquet"])
    assert counts == (24, 1)
    assert pd.read_csv(out["tt.csv"])["uar"].tolist() == pytest.approx(folds["uar"].tolist())
    written = pd.read_csv(out["tt_pooled.csv"])
    assert written[["uar_ci_low", "uar_ci_high"]].to_numpy() == pytest.approx(
        pooled[["uar_ci_low", "uar_ci_high"]].to_numpy())
    assert (pd.read_parquet(out["tt_utterances.parquet"])["pred"] == unrestricted["pred"]).all()
