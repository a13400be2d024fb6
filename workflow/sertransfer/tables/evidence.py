"""What the tables know about each cell beyond its fold UARs: a CI, and how it compares with another cell.

`Evidence` reads an experiment group's three metrics files (fold metrics, pooled metrics with the
bootstrap CI of UAR, evaluated predictions) and answers, for a cell, its CI and, for a pair of cells
on the same target, the configured test over folds (`evaluate.test`) and the paired bootstrap CI of
their UAR difference over the same utterances. `Statistics` holds the `evaluate` / `tables` settings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sertransfer.folds import derived_seed
from sertransfer.metrics import GROUP_COLUMNS
from sertransfer.statistics import fold_size_ratio, fold_test, paired_bootstrap_difference
from sertransfer.tables.latex import paper_number
from sertransfer.tables.uars import STRING_COLUMNS, TEST, Cell, FoldUARs, MetricsPaths

#: Names of the tests, as captions print them.
TEST_NAMES = {"paired_t": "paired t-test over the folds",
              "corrected_t": "corrected resampled t-test over the folds (Nadeau and Bengio, 2003)"}


@dataclass(frozen=True)
class Statistics:
    """The `evaluate` and `tables` settings the tables' statistics follow."""

    test: str = "paired_t"
    correction: str = "none"
    alpha: float = 0.05
    resamples: int = 1000
    confidence: float = 0.95
    seed: int = 2017
    show_ci: bool = False

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


#: The defaults: the paper's paired t-test, no correction, 1,000 bootstrap resamples, 95 % intervals.
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
        test_rows = frame[frame["split"] == TEST].drop_duplicates(["domain", "fold"])
        self.fold_sizes = ({d: rows["n"].astype(int).tolist() for d, rows in test_rows.groupby("domain")}
                           if "n" in frame else {})
        pooled = _read_csvs(files.pooled)
        self._pooled = {} if pooled.empty else {_cell(row): row for row in pooled.to_dict("records")}
        self._utterances = {}
        if files.utterances:
            evaluated = pd.concat([pd.read_parquet(p) for p in files.utterances], ignore_index=True)
            for key, rows in evaluated.groupby(list(GROUP_COLUMNS), sort=False):
                self._utterances[_cell(dict(zip(GROUP_COLUMNS, key)))] = rows.set_index("utterance_id")

    def pooled(self, cell: Cell) -> dict:
        """The cell's metrics over the utterances of all its folds: UAR (`pooled_uar`), its CI, WA, macro-F1.

        NaNs when the pooled metrics were not given.
        """
        row = self._pooled.get(cell, {})
        return {"pooled_uar": float(row.get("uar", math.nan)),
                **{key: float(row.get(key, math.nan)) for key in ("uar_ci_low", "uar_ci_high", "wa", "macro_f1")}}

    def best_on_validation(self, candidates: Sequence, domain: str) -> object | None:
        """The candidate configuration with the best mean validation UAR on `domain` (first on ties); None if none."""
        scored = [c for c in candidates if (c, domain, "validation") in self]
        if not scored:
            return None
        found = self.collect([(c, domain, "validation") for c in scored], "a validation choice")
        return max(scored, key=lambda c: float(found[(c, domain, "validation")].mean()))

    def compare(self, cell: Cell, reference: Cell, statistics: Statistics) -> dict:
        """`cell` against `reference` (same domain): the fold test and the paired bootstrap CI of the difference."""
        domain = cell[1]
        sizes = self.fold_sizes.get(domain, [])
        ratio = fold_size_ratio(sizes, sum(sizes)) if sizes else math.nan
        found = self.collect([cell, reference], "a comparison")
        a, b = found[cell], found[reference]
        tested = fold_test(a.to_numpy(), b.to_numpy(), statistics.test, ratio)
        difference, low, high = float(a.mean() - b.mean()), math.nan, math.nan
        if cell in self._utterances and reference in self._utterances:
            mine, theirs = self._utterances[cell], self._utterances[reference]
            common = mine.index.intersection(theirs.index)
            if len(common):
                labels = sorted(set(mine.loc[common, "true"]))
                seed = derived_seed(statistics.seed, "difference", *_key(cell), *_key(reference))
                _, low, high = paired_bootstrap_difference(
                    mine.loc[common, "true"], mine.loc[common, "pred"], theirs.loc[common, "pred"], labels,
                    resamples=statistics.resamples, confidence=statistics.confidence, seed=seed)
        return {"test": tested.test, "statistic": tested.statistic, "p_value": tested.p_value,
                "difference": difference, "difference_ci_low": low, "difference_ci_high": high}


def _key(cell: Cell) -> tuple[str, ...]:
    """A cell as strings (for seeds)."""
    config, domain, split = cell
    return (*vars(config).values(), domain, split)


def _cell(row: Mapping) -> Cell:
    """The cell a metrics row describes."""
    from sertransfer.tables.uars import Configuration

    return (Configuration(row["experiment"], row["model"], row["scenario"], row["approach"], row["excluded"]),
            row["domain"], row["split"])


def uar_text(uar: float, interval: Mapping, show_ci: bool) -> str:
    """A UAR in the paper's style, with its CI when asked: `.623 [.58, .66]`."""
    text = paper_number(uar)
    if show_ci and text and not math.isnan(interval.get("uar_ci_low", math.nan)):
        text += f" [{paper_number(interval['uar_ci_low'], 2)}, {paper_number(interval['uar_ci_high'], 2)}]"
    return text
