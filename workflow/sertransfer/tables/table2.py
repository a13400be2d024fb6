"""Table 2: UAR without domain adaptation (SVM-IS, CNN, CNN+LSTM trained on the pooled set), per domain."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sertransfer.tables.columns import CNN_COLUMN, CNN_LSTM_COLUMN, SVM_IS_COLUMN, TABLE2_COLUMNS
from sertransfer.tables.evidence import PAPER_STATISTICS, Evidence, MetricsFiles, Statistics, uar_text
from sertransfer.tables.latex import booktabs, escape
from sertransfer.tables.paper import compare_with_paper, read_reported
from sertransfer.tables.uars import (
    TEST,
    Configuration,
    Domains,
    MetricsPaths,
    dataset_names,
    ordered_domains,
    pooled,
    svm_is,
    write_outputs,
)
from sertransfer.vocabulary import CNN, CNN_LSTM


def table2_columns(cnn: bool) -> list[tuple[str, Configuration]]:
    """The paper's columns and their configurations; the CNN column only when `transfer.cnn` is on."""
    columns = [(SVM_IS_COLUMN, svm_is()), (CNN_COLUMN, pooled(CNN)), (CNN_LSTM_COLUMN, pooled(CNN_LSTM))]
    return [(name, config) for name, config in columns if cnn or name != CNN_COLUMN]


def build_table2(evidence: Evidence, domains: Domains, cnn: bool) -> pd.DataFrame:
    """Tidy Table 2: one row per (domain, column): mean test UAR, every fold's, the pooled CI, WA, macro-F1."""
    columns, targets, names = table2_columns(cnn), ordered_domains(domains), dataset_names(domains)
    evidence.collect([(config, domain, TEST) for domain in targets for _, config in columns], "Table 2")
    rows = [{"domain": domain, "dataset": names[domain], "column": name, "experiment": config.experiment,
             "model": config.model, **evidence.record((config, domain, TEST)),
             **evidence.pooled((config, domain, TEST))}
            for domain in targets for name, config in columns]
    return pd.DataFrame(rows)


def render_table2_tex(table: pd.DataFrame, show_ci: bool = False) -> str:
    """The paper's Table 2 layout: Dataset and one UAR column per model (with its CI when asked)."""
    columns = list(dict.fromkeys(table["column"]))
    cells = table.set_index(["dataset", "column"])
    rows = [[escape(dataset), *(uar_text(cells.loc[(dataset, column), "uar"], cells.loc[(dataset, column)], show_ci)
                                for column in columns)]
            for dataset in dict.fromkeys(table["dataset"])]
    caption = ("UAR numbers for different models. No domain adaptation is performed: every model is trained on "
               "the training folds of all domains and tested on each domain's test fold (mean over folds)."
               + (" In brackets: the bootstrap confidence interval of UAR over the utterances of all test folds."
                  if show_ci else ""))
    return booktabs([["Dataset", *(escape(column) for column in columns)]], rows, "l" + "r" * len(columns),
                    caption, "tab:no-adaptation")


def compare_table2(table: pd.DataFrame, paper_path: str | Path) -> pd.DataFrame:
    """Reported vs reproduced UAR for every cell of the paper's Table 2 that this run has."""
    reported = read_reported(paper_path, "dataset")
    reproduced = {(row["domain"], row["column"]): row["uar"] for row in table.to_dict("records")}
    return compare_with_paper(reported, ["domain"], list(TABLE2_COLUMNS), reproduced)


def write_table2(metrics: MetricsFiles | MetricsPaths, paper_path: str | Path, domains: Domains,
                 transfer: Mapping, csv_path: str | Path, tex_path: str | Path, comparison_path: str | Path,
                 statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Build Table 2 from the metrics files and write its CSV, LaTeX and comparison files."""
    table = build_table2(Evidence(metrics), domains, transfer["cnn"])
    write_outputs(table, render_table2_tex(table, statistics.show_ci), compare_table2(table, paper_path), csv_path,
                  tex_path, comparison_path)
    return table
