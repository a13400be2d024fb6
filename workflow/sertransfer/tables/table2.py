"""Table 2: UAR without domain adaptation (SVM-IS, CNN, CNN+LSTM trained on the pooled set), per domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sertransfer.tables.latex import booktabs, escape, paper_number
from sertransfer.tables.paper import read_reported
from sertransfer.tables.uars import (TEST, Configuration, FoldUARs, MetricsPaths, compare_with_paper, display_name,
                                     fold_record, ordered_domains, pooled, read_metrics, svm_is, write_outputs)


def table2_columns(cnn: bool) -> list[tuple[str, Configuration]]:
    """The paper's columns and their configurations; the CNN column only when `transfer.cnn` is on."""
    columns = [("SVM-IS", svm_is()), ("CNN", pooled("cnn")), ("CNN+LSTM", pooled("cnn_lstm"))]
    return [(name, config) for name, config in columns if cnn or name != "CNN"]


def build_table2(uars: FoldUARs, domains: Sequence[str], cnn: bool) -> pd.DataFrame:
    """Tidy Table 2: one row per (domain, column) with the mean test UAR and every fold's."""
    columns, targets = table2_columns(cnn), ordered_domains(domains)
    cells = uars.collect([(config, domain, TEST) for domain in targets for _, config in columns], "Table 2")
    rows = [{"domain": domain, "dataset": display_name(domain), "column": name, "experiment": config.experiment,
             "model": config.model, **fold_record(cells[(config, domain, TEST)])}
            for domain in targets for name, config in columns]
    return pd.DataFrame(rows)


def render_table2_tex(table: pd.DataFrame) -> str:
    """The paper's Table 2 layout: Dataset and one UAR column per model."""
    columns = list(dict.fromkeys(table["column"]))
    wide = table.pivot(index="dataset", columns="column", values="uar")
    rows = [[escape(dataset), *(paper_number(wide.loc[dataset, column]) for column in columns)]
            for dataset in dict.fromkeys(table["dataset"])]
    caption = ("UAR numbers for different models. No domain adaptation is performed: every model is trained on "
               "the training folds of all domains and tested on each domain's test fold (mean over folds).")
    return booktabs([["Dataset", *(escape(column) for column in columns)]], rows, "l" + "r" * len(columns),
                    caption, "tab:no-adaptation")


def compare_table2(table: pd.DataFrame, paper_dir: str | Path) -> pd.DataFrame:
    """Reported vs reproduced UAR for every cell of the paper's Table 2 that this run has."""
    reported = read_reported(paper_dir, "table2", "dataset")
    reproduced = {(row["domain"], row["column"]): row["uar"] for row in table.to_dict("records")}
    return compare_with_paper(reported, ["domain"], ["SVM-IS", "CNN", "CNN+LSTM"], reproduced)


def write_table2(metrics_paths: MetricsPaths, paper_dir: str | Path, domains: Sequence[str], transfer: Mapping,
                 csv_path: str | Path, tex_path: str | Path, comparison_path: str | Path) -> pd.DataFrame:
    """Build Table 2 from the metrics tables and write its CSV, LaTeX and comparison files."""
    table = build_table2(read_metrics(metrics_paths), domains, transfer["cnn"])
    write_outputs(table, render_table2_tex(table), compare_table2(table, paper_dir), csv_path, tex_path,
                  comparison_path)
    return table
