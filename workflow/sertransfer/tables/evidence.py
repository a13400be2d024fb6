"""What the tables know about each cell beyond its fold UARs: a CI, and how it compares with another cell.

`Evidence` reads an experiment group's three metrics files (fold metrics, pooled metrics with the
bootstrap CI of UAR, evaluated predictions) and answers, for a cell, its CI and, for a pair of cells
on the same target, the configured test over folds (`evaluate.test`) and the paired bootstrap CI of
their UAR difference over the same utterances. `Statistics` holds the `evaluate` / `tables` settings.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sertransfer.defaults import default
from sertransfer.metrics import GROUP_COLUMNS, by_repeat, repeat_predictions
from sertransfer.seeds import derived_seed
from sertransfer.statistics import (
    bootstrap_uar_interval,
    fold_size_ratio,
    fold_test,
    paired_bootstrap_difference,
    scores,
    seed_mean_uar,
)
from sertransfer.tables.latex import paper_number
from sertransfer.tables.uars import (
    SELECTION,
    STRING_COLUMNS,
    TEST,
    VALIDATION,
    Cell,
    Configuration,
    FoldUARs,
    MetricsPaths,
)

#: Names of the tests, as captions print them.
TEST_NAMES = {"paired_t": "paired t-test over the folds (fold UARs averaged over seed repeats)",
              "corrected_t": "corrected resampled t-test over the folds (Nadeau and Bengio, 2003; with seed repeats "
                             "the corrected repeated k-fold t of Bouckaert and Frank, 2004)"}


@dataclass(frozen=True)
class Statistics:
    """The `evaluate` and `tables` settings the tables' statistics follow."""

    test: str = default("evaluate.test")
    correction: str = default("evaluate.correction")
    alpha: float = default("evaluate.alpha")
    resamples: int = default("evaluate.bootstrap.resamples")
    confidence: float = default("evaluate.bootstrap.confidence")
    seed: int = default("seed")
    show_ci: bool = default("tables.show_ci")

    @classmethod
    def from_config(cls, config: Mapping) -> Statistics:
        """The settings of a validated config."""
        evaluate = config["evaluate"]
        return cls(test=evaluate["test"], correction=evaluate["correction"], alpha=evaluate["alpha"],
                   resamples=evaluate["bootstrap"]["resamples"], confidence=evaluate["bootstrap"]["confidence"],
                   seed=config["seed"], show_ci=config["tables"]["show_ci"])

    def describe(self, latex: bool = True, markers: bool = True) -> str:
        """How p-values (and, with `markers`, the significance markers) were made: for captions and comments."""
        text = TEST_NAMES[self.test]
        if markers:
            text += (", p $\\le$ " if latex else ", p <= ") + f"{self.alpha:g}"
            if self.correction == "holm":
                text += ", Holm-adjusted within each target"
        return text


#: The schema's defaults: the paper's paired t-test, no correction (and 1,000 bootstrap resamples, 95 % intervals).
PAPER_STATISTICS = Statistics()


@dataclass(frozen=True)
class MetricsFiles:
    """The metrics files of the experiment groups a table reads (collect_metrics' three outputs)."""

    folds: Sequence[str | Path]
    pooled: Sequence[str | Path] = field(default_factory=tuple)
    utterances: Sequence[str | Path] = field(default_factory=tuple)

    @classmethod
    def of(cls, files: MetricsFiles | MetricsPaths) -> MetricsFiles:
        """Fold metrics alone (paths) or every file (MetricsFiles)."""
        if isinstance(files, MetricsFiles):
            return files
        return cls([files] if isinstance(files, (str, Path)) else list(files))


def _read_csvs(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Concatenated metrics CSVs with the identifier columns as strings."""
    frames = [pd.read_csv(p, dtype={c: str for c in STRING_COLUMNS}, keep_default_na=False) for p in paths]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


class Evidence(FoldUARs):
    """Fold UARs plus, when the files are given, each cell's pooled CI and its evaluated predictions."""

    def __init__(self, files: MetricsFiles | MetricsPaths) -> None:
        files = MetricsFiles.of(files)
        frame = _read_csvs(files.folds)
        absent = [c for c in (*STRING_COLUMNS, "fold", "uar") if c not in frame.columns]
        if absent:
            raise ValueError(f"{' + '.join(map(str, files.folds))} is not a metrics table: columns {absent} missing")
        super().__init__(frame, " + ".join(str(path) for path in files.folds))
        #: per domain, each fold's number of test utterances and of utterances held out of its fit sets
        self.fold_sizes: dict[str, list[int]] = {}
        self.held_out: dict[str, list[int]] = {}
        if "n" in frame:
            sizes = frame.drop_duplicates(["domain", "fold", "split"]).pivot(index=["domain", "fold"], columns="split",
                                                                              values="n")
            for domain, rows in sizes.groupby(level="domain"):
                rows = rows.fillna(0).astype(int)
                self.fold_sizes[domain] = rows[TEST].tolist() if TEST in rows else []
                self.held_out[domain] = sum(rows[s] for s in (VALIDATION, SELECTION) if s in rows).tolist() \
                    if any(s in rows for s in (VALIDATION, SELECTION)) else [0] * len(rows)
        pooled = _read_csvs(files.pooled)
        if not pooled.empty and "repeat" in pooled:  # UAR, WA, F1 of the first seed; the CI is every seed's
            pooled = pooled[pooled["repeat"].astype(int) == 0]
        self._pooled = {} if pooled.empty else {_cell(row): row for row in pooled.to_dict("records")}
        #: per cell, one row per (fold, utterance): `true`, `fold` and each seed repeat's prediction (`by_repeat`)
        self._utterances: dict[Cell, pd.DataFrame] = {}
        if files.utterances:
            evaluated = pd.concat([pd.read_parquet(p) for p in files.utterances], ignore_index=True)
            for key, rows in evaluated.groupby(list(GROUP_COLUMNS), sort=False):
                self._utterances[_cell(dict(zip(GROUP_COLUMNS, key)))] = by_repeat(rows)

    def pooled(self, cell: Cell) -> dict:
        """The cell's metrics over the utterances of all its folds (first seed): UAR (`pooled_uar`), the mean of
        the fold UARs and its CI, WA, macro-F1.

        NaNs when the pooled metrics were not given.
        """
        row = self._pooled.get(cell, {})
        return {"pooled_uar": float(row.get("uar", math.nan)),
                **{key: float(row.get(key, math.nan))
                   for key in ("fold_mean_uar", "uar_ci_low", "uar_ci_high", "wa", "macro_f1")}}

    def nested_choice(self, candidates: Sequence[Configuration], domain: str) -> NestedChoice | None:
        """Per run k, the candidate with the best UAR on run k's selection split, scored on run k's test fold.

        Nothing but run k's own held-out split chooses run k's configuration (first candidate on ties), so
        the mean of the chosen test UARs estimates "choose on held-out data, then test" without bias
        from other runs. Chosen on the selection split when the candidates have one; otherwise on the
        validation split (early stopping's: its UAR is biased upwards, `split` says which); None without either.
        """
        for split in (SELECTION, VALIDATION):
            scored = [c for c in candidates if (c, domain, split) in self and (c, domain, TEST) in self]
            if scored:
                break
        else:
            return None
        found = self.collect([(c, domain, s) for c in scored for s in (split, TEST)], "a nested choice")
        chosen, test, score, runs = {}, {}, {}, {}
        for fold in found[(scored[0], domain, TEST)].index:
            best = max(scored, key=lambda c: float(found[(c, domain, split)].get(fold, -math.inf)))
            chosen[int(fold)] = best
            test[int(fold)] = float(found[(best, domain, TEST)][fold])
            score[int(fold)] = float(found[(best, domain, split)][fold])
            runs[int(fold)] = self.runs((best, domain, TEST)).loc[fold]
        counts = Counter(chosen.values())
        overall = {c: float(found[(c, domain, split)].mean()) for c in scored}
        final = max(scored, key=lambda c: (counts.get(c, 0), overall[c]))
        return NestedChoice(domain, split, chosen, pd.Series(test).sort_index(), pd.Series(score).sort_index(),
                            pd.DataFrame(runs).T.sort_index(), final)

    def compare(self, cell: Cell | NestedChoice, reference: Cell, statistics: Statistics) -> dict:
        """`cell` (or a nested choice) against `reference` (same domain): the fold test and the paired bootstrap CI.

        The fold test runs on the fold UARs (means over seed repeats) or, for `corrected_t` with repeats
        on both sides, on every (fold, repeat) difference (the corrected repeated k-fold t). Its size
        ratio is n_test / n_fit of the folds, n_fit being the target utterances a network of this run fits
        on (the training folds less the validation and selection splits; pretraining data not counted).
        """
        domain = reference[1]
        found = self.collect([reference, *([] if isinstance(cell, NestedChoice) else [cell])], "a comparison")
        if isinstance(cell, NestedChoice):
            a, a_runs, mine = cell.test, cell.runs, self._nested_utterances(cell)
            key = ("nested", *_key(cell.configuration, domain, cell.split))
        else:
            a, a_runs, mine = found[cell], self.runs(cell), self._utterances.get(cell)
            key = _key(cell[0], domain, cell[2])
        b, b_runs, theirs = found[reference], self.runs(reference), self._utterances.get(reference)
        tested = fold_test(a_runs.to_numpy(), b_runs.to_numpy(), statistics.test, self.size_ratio(domain))
        difference, low, high = float(a.mean() - b.mean()), math.nan, math.nan
        if mine is not None and theirs is not None:
            common = mine.index.intersection(theirs.index)
            if len(common):
                labels = sorted(set(mine.loc[common, "true"]))
                seed = derived_seed(statistics.seed, "difference", *key, *_key(reference[0], domain, reference[2]))
                _, low, high = paired_bootstrap_difference(
                    mine.loc[common, "true"], repeat_predictions(mine.loc[common]),
                    repeat_predictions(theirs.loc[common]), labels,
                    resamples=statistics.resamples, confidence=statistics.confidence, seed=seed,
                    folds=mine.loc[common, "fold"].to_numpy())
        return {"test": tested.test, "statistic": tested.statistic, "p_value": tested.p_value,
                "difference": difference, "difference_ci_low": low, "difference_ci_high": high}

    def size_ratio(self, domain: str) -> float:
        """Mean n_test / n_fit over a domain's folds (n_fit: its other folds less the held-out splits)."""
        sizes = self.fold_sizes.get(domain, [])
        return fold_size_ratio(sizes, sum(sizes), self.held_out.get(domain)) if sizes else math.nan

    def _nested_utterances(self, choice: NestedChoice) -> pd.DataFrame | None:
        """The evaluated test predictions of a nested choice: run k's rows of the configuration chosen for run k."""
        parts = []
        for fold, config in choice.chosen.items():
            rows = self._utterances.get((config, choice.domain, TEST))
            if rows is None:
                return None
            parts.append(rows[rows["fold"] == fold])
        return pd.concat(parts) if parts else None

    def nested_pooled(self, choice: NestedChoice, statistics: Statistics) -> dict:
        """A nested choice's test utterances of all runs: the mean of the fold UARs (each averaged over the chosen
        configuration's seeds) with its bootstrap CI; UAR over all utterances, WA and F1 of the first seed."""
        rows = self._nested_utterances(choice)
        if rows is None or rows.empty:
            return self.pooled((choice.configuration, choice.domain, TEST)) | {
                "pooled_uar": math.nan, "fold_mean_uar": math.nan, "uar_ci_low": math.nan, "uar_ci_high": math.nan}
        labels = sorted(set(rows["true"]))
        predictions, folds = repeat_predictions(rows), rows["fold"].to_numpy()
        first = predictions[0]
        result = scores(rows["true"][first != None], first[first != None], labels)  # noqa: E711 (element-wise)
        fold_mean = seed_mean_uar(rows["true"], predictions, labels, folds)
        low, high = bootstrap_uar_interval(rows["true"], predictions, labels, resamples=statistics.resamples,
                                           confidence=statistics.confidence,
                                           seed=derived_seed(statistics.seed, "nested", choice.domain, choice.split),
                                           folds=folds)
        return {"pooled_uar": result.uar, "fold_mean_uar": fold_mean, "uar_ci_low": low, "uar_ci_high": high,
                "wa": result.wa, "macro_f1": result.macro_f1}


@dataclass(frozen=True)
class NestedChoice:
    """A configuration chosen per run on that run's held-out split only, and each run's test UAR of its choice."""

    domain: str
    split: str                              # the split it was chosen on: selection (or validation, biased)
    chosen: dict[int, Configuration]        # run k -> the configuration chosen on run k's split
    test: pd.Series                         # run k -> test UAR of run k's choice (mean over seed repeats)
    score: pd.Series                        # run k -> that choice's UAR on the split it was chosen on
    runs: pd.DataFrame                      # run k x repeat: test UARs of run k's choice
    configuration: Configuration            # the choice for a final model: most often chosen, then best mean score

    def describe_runs(self) -> str:
        """`k0:S1-A2; k1:S2-A3; ...`: every run's choice."""
        return "; ".join(f"k{fold}:{config.label}" for fold, config in self.chosen.items())


def _key(config: Configuration, domain: str, split: str) -> tuple[str, ...]:
    """A cell as strings (for seeds)."""
    return (*vars(config).values(), domain, split)


def _cell(row: Mapping) -> Cell:
    """The cell a metrics row describes."""
    return (Configuration(row["experiment"], row["model"], row["scenario"], row["approach"], row["excluded"]),
            row["domain"], row["split"])


def uar_text(uar: float, interval: Mapping, show_ci: bool) -> str:
    """A UAR in the paper's style, with its CI when asked: `.623 [.58, .66]`."""
    text = paper_number(uar)
    if show_ci and text and not math.isnan(interval.get("uar_ci_low", math.nan)):
        text += f" [{paper_number(interval['uar_ci_low'], 2)}, {paper_number(interval['uar_ci_high'], 2)}]"
    return text
