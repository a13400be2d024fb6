"""The metrics tables (`results/metrics/*.csv`) as table cells: fold UARs, means, checks, comparisons.

Shared by Tables 2-5: one way to name a configuration, look up its fold UARs, refuse missing or
inconsistent metrics with a message naming them, and order the domains as the paper does. LaTeX
helpers live in `tables.latex`, the comparison with the paper's numbers in `tables.paper`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sertransfer import atomic, vocabulary
from sertransfer.corpora import dataset_name
from sertransfer.metrics import GROUP_COLUMNS
from sertransfer.predictions import SELECTION, TEST, VALIDATION  # noqa: F401  (the tables import the split names here)

#: Identifier columns of the metrics table, as sertransfer.metrics writes them (strings; empty where not applicable).
STRING_COLUMNS = GROUP_COLUMNS


class MissingMetricsError(LookupError):
    """The metrics table lacks UARs a table needs (or has them for inconsistent folds)."""


@dataclass(frozen=True, order=True)
class Configuration:
    """An evaluated model as identified in the metrics table (predictions' identifier columns)."""

    experiment: str
    model: str
    scenario: str = ""
    approach: str = ""
    excluded: str = ""

    @property
    def label(self) -> str:
        """Short name: `S1-A2`, `S1-A2 -afew`, `TT`, `pooled cnn_lstm`."""
        if self.scenario:
            return f"{self.scenario}-{self.approach}" + (f" -{self.excluded}" if self.excluded else "")
        return self.approach or f"{self.experiment} {self.model}"

    def describe(self) -> str:
        """Every identifier that is set, for error messages."""
        return " ".join(f"{name}={value}" for name, value in vars(self).items() if value)


def pooled(model: str) -> Configuration:
    """Table 2's CNN+LSTM (`cnn_lstm`) or CNN (`cnn`) trained on the pooled set."""
    return Configuration(vocabulary.POOLED, model)


def svm_is() -> Configuration:
    """Table 2's SVM on IS10 features trained on the pooled set."""
    return Configuration(vocabulary.SVM_IS, vocabulary.SVM_IS)


def target_only() -> Configuration:
    """Table 3's TT: the CNN+LSTM trained on the target only."""
    return Configuration(vocabulary.TT, vocabulary.CNN_LSTM, approach=vocabulary.TT_APPROACH)


def adaptive_svm() -> Configuration:
    """Table 5's Adaptive SVM."""
    return Configuration(vocabulary.ASVM, vocabulary.ASVM)


def transfer(scenario: str, approach: str, excluded: str = "") -> Configuration:
    """A fine-tuned CNN+LSTM: Table 3 / Table 4 `All` (no `excluded`) or a Table 4 ablation."""
    experiment = vocabulary.ABLATION if excluded else vocabulary.TRANSFER
    return Configuration(experiment, vocabulary.CNN_LSTM, scenario, approach, excluded)


#: The domains a table shows: their keys (each named by its default, corpora.dataset_name) or key -> dataset name.
Domains = Sequence[str] | Mapping[str, str]


def dataset_names(domains: Domains) -> dict[str, str]:
    """Each domain -> the name its rows print: as configured when given a mapping, the default otherwise."""
    return dict(domains) if isinstance(domains, Mapping) else {domain: dataset_name(domain) for domain in domains}


def ordered_domains(domains: Domains) -> list[str]:
    """Domains sorted as the paper sorts datasets: by dataset name, case-insensitively."""
    names = dataset_names(domains)
    return sorted(names, key=lambda domain: (names[domain].lower(), domain))


def relative_gain(value: float, reference: float) -> float:
    """`(value - reference) / reference`; NaN when the reference is zero."""
    return (value - reference) / reference if reference else float("nan")


Cell = tuple[Configuration, str, str]  # (configuration, domain, split)
MetricsPaths = str | Path | Sequence[str | Path]  # one metrics table or several (one per experiment group)


class FoldUARs:
    """Fold UARs per (configuration, domain, split), read from the metrics table.

    With seed repeats (`repeats:`), a cell's fold UAR is the mean over its repeats of that fold;
    `runs(cell)` keeps every (fold, repeat) value for the seed spread and the repeated-CV test.
    """

    def __init__(self, frame: pd.DataFrame, source: str = "metrics table") -> None:
        """Index `frame` (the metrics table's columns) by cell; duplicate (fold, repeat) rows are an error."""
        self.source = source
        frame = frame.assign(repeat=frame["repeat"].astype(int)) if "repeat" in frame else frame.assign(repeat=0)
        duplicated = frame.duplicated([*STRING_COLUMNS, "fold", "repeat"], keep=False)
        if duplicated.any():
            first = frame[duplicated].iloc[0]
            raise ValueError(f"{source}: {int(duplicated.sum())} rows repeat a (configuration, domain, split, fold, "
                             f"repeat), e.g. {dict(first[[*STRING_COLUMNS, 'fold', 'repeat']])}")
        self._cells: dict[Cell, pd.Series] = {}
        self._runs: dict[Cell, pd.DataFrame] = {}
        for key, group in frame.groupby(list(STRING_COLUMNS), sort=False):
            ident = dict(zip(STRING_COLUMNS, key))
            domain, split = ident.pop("domain"), ident.pop("split")
            cell = (Configuration(**ident), domain, split)
            runs = group.assign(fold=group["fold"].astype(int)).pivot(index="fold", columns="repeat", values="uar")
            self._runs[cell] = runs.sort_index().sort_index(axis=1).astype(float)
            self._cells[cell] = self._runs[cell].mean(axis=1)

    def __contains__(self, cell: Cell) -> bool:
        """Whether the metrics have fold UARs for `cell`."""
        return cell in self._cells

    def runs(self, cell: Cell) -> pd.DataFrame:
        """A cell's UAR of every (fold, repeat): folds as rows, repeats as columns (NaN where a repeat lacks a fold)."""
        return self._runs[cell]

    def record(self, cell: Cell) -> dict:
        """`fold_record` of a cell, with its seed repeats."""
        return fold_record(self._cells[cell], self._runs[cell])

    def seed_sd(self, cell: Cell) -> float:
        """Standard deviation over seed repeats of the cell's mean UAR over folds; NaN with one repeat."""
        means = self._runs[cell].mean(axis=0)
        return float(means.std(ddof=1)) if len(means) > 1 else float("nan")

    def collect(self, cells: Iterable[Cell], table: str) -> dict[Cell, pd.Series]:
        """Fold UARs of every cell a table needs; one error listing all missing cells or inconsistent folds."""
        cells = list(dict.fromkeys(cells))
        missing = [cell for cell in cells if cell not in self._cells]
        if missing:
            listed = "; ".join(f"{split} UARs of {config.describe()} on {domain}"
                               for config, domain, split in missing[:12])
            more = f" (and {len(missing) - 12} more)" if len(missing) > 12 else ""
            domains = sorted({domain for _, domain, _ in missing})
            raise MissingMetricsError(
                f"{table} needs {len(missing)} cell(s) that {self.source} lacks, on domain(s) {', '.join(domains)}: "
                f"{listed}{more}. Is every configured domain and configuration evaluated (rule collect_metrics)?")
        found = {cell: self._cells[cell] for cell in cells}
        reference: dict[str, tuple[Cell, tuple[int, ...]]] = {}
        for cell, series in found.items():
            folds = tuple(series.index)
            first = reference.setdefault(cell[1], (cell, folds))
            if folds != first[1]:
                raise MissingMetricsError(
                    f"{table}: {self.source} has folds {list(folds)} for {cell[2]} UARs of {cell[0].describe()} on "
                    f"{cell[1]} but folds {list(first[1])} for {first[0][2]} UARs of {first[0][0].describe()}; "
                    "every cell of a domain must cover the same folds")
        return found


def read_metrics(paths: MetricsPaths) -> FoldUARs:
    """Read one or several metrics tables (identifier columns as strings, empty where not applicable)."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    frames = []
    for path in paths:
        frame = pd.read_csv(path, dtype={column: str for column in STRING_COLUMNS}, keep_default_na=False)
        absent = [column for column in (*STRING_COLUMNS, "fold", "uar") if column not in frame.columns]
        if absent:
            raise ValueError(f"{path} is not a metrics table: columns {absent} missing")
        frames.append(frame)
    if not frames:
        raise ValueError("no metrics table given")
    return FoldUARs(pd.concat(frames, ignore_index=True), " + ".join(str(path) for path in paths))


def fold_record(folds: pd.Series, runs: pd.DataFrame | None = None) -> dict:
    """A cell's mean UAR over folds (x seeds), its numbers of folds and seeds, the seed SD and every fold value.

    `uar_fold<k>` is fold k's UAR averaged over the seed repeats; `seed_sd` the standard deviation over
    repeats of each repeat's mean over folds (NaN with one repeat, or when `runs` is not given).
    """
    repeats = 1 if runs is None else int(runs.shape[1])
    means = None if runs is None else runs.mean(axis=0)
    return {"uar": float(folds.mean()), "n_folds": int(len(folds)), "n_seeds": repeats,
            "seed_sd": float(means.std(ddof=1)) if means is not None and repeats > 1 else float("nan"),
            **{f"uar_fold{fold}": float(value) for fold, value in folds.items()}}


def ablation_included(domains: Domains, ablation: bool) -> bool:
    """Whether Table 4 has ablation rows: the plan runs ablations only with more than two domains."""
    return bool(ablation) and len(domains) > 2


def write_outputs(table: pd.DataFrame, tex: str, comparison: pd.DataFrame, csv_path: str | Path,
                  tex_path: str | Path, comparison_path: str | Path) -> None:
    """Write a table's CSV, LaTeX and comparison with the paper, each atomically."""
    atomic.write_text(comparison_path, comparison.to_csv(index=False))
    atomic.write_text(tex_path, tex)
    atomic.write_text(csv_path, table.to_csv(index=False))
