"""Table 5: Adaptive SVM vs CNN+LSTM per target, with the relative gain `(CNN+LSTM - ASVM) / ASVM`.

The CNN+LSTM appears twice. `test`: the paper's column, the best mean test UAR that any configuration
of Table 4 reached on the target (chosen on test results). `validation`: the configuration with the
best mean validation UAR (validation split of the target's training folds), reporting its test UAR.
Ties go to the first configuration in Table 4's order (All, then excluded sources; S1, S2; A1...).
A target whose validation splits are empty (tiny data: no validation UARs for any of its configurations
although their test UARs exist) gets an empty validation-chosen cell with a note, and a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sertransfer.tables.evidence import PAPER_STATISTICS, Evidence, MetricsFiles, Statistics, uar_text
from sertransfer.tables.latex import booktabs, escape, paper_number
from sertransfer.tables.paper import read_reported
from sertransfer.tables.table4 import table4_configurations
from sertransfer.tables.uars import (
    TEST,
    VALIDATION,
    Cell,
    Configuration,
    FoldUARs,
    MetricsPaths,
    adaptive_svm,
    compare_with_paper,
    display_name,
    fold_record,
    multicolumn,
    ordered_domains,
    relative_gain,
    write_outputs,
)

log = logging.getLogger(__name__)

ASVM_COLUMN = "Adaptive SVM"
#: The CNN+LSTM columns by the split their configuration is chosen on.
CNN_LSTM_COLUMNS = {TEST: "CNN+LSTM (chosen on test, as the paper)", VALIDATION: "CNN+LSTM (chosen on validation)"}


def validation_cells(uars: FoldUARs, target: str, candidates: Sequence[Configuration]) -> dict[Cell, pd.Series]:
    """Validation UARs of a target's candidates; none at all when its validation splits are empty (tiny data)."""
    wanted = [(config, target, VALIDATION) for config in candidates]
    if not any(cell in uars for cell in wanted):
        log.warning("Table 5: no validation UARs on %s although its test UARs exist: its validation splits are "
                    "empty, so its validation-chosen column stays empty", target)
        return {}
    return uars.collect(wanted, "Table 5 (validation UARs)")


def build_table5(uars: Evidence, domains: Sequence[str], scenarios: Sequence[str], approaches: Sequence[str],
                 ablation: bool, statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Tidy Table 5: per target the Adaptive SVM row and the two CNN+LSTM rows with the chosen configuration.

    Each CNN+LSTM row carries its comparison with the Adaptive SVM (the configured test over folds and
    the paired bootstrap CI of the UAR difference); every row its bootstrap CI of UAR.
    """
    targets = ordered_domains(domains)
    candidates = {t: table4_configurations(t, domains, scenarios, approaches, ablation) for t in targets}
    cells = uars.collect([(adaptive_svm(), t, TEST) for t in targets]
                         + [(config, t, TEST) for t in targets for config in candidates[t]], "Table 5")
    rows = []
    for target in targets:
        cells.update(validation_cells(uars, target, candidates[target]))
        asvm_folds = cells[(adaptive_svm(), target, TEST)]
        asvm_uar = float(asvm_folds.mean())
        asvm_cell = (adaptive_svm(), target, TEST)
        rows.append({"domain": target, "dataset": display_name(target), "column": ASVM_COLUMN, "selection": "",
                     "uar": asvm_uar, "asvm_uar": asvm_uar, **fold_record(asvm_folds), **uars.pooled(asvm_cell)})
        for selection, column in CNN_LSTM_COLUMNS.items():
            scored = [config for config in candidates[target] if (config, target, selection) in cells]
            row = {"domain": target, "dataset": display_name(target), "column": column, "selection": selection,
                   "asvm_uar": asvm_uar}
            if not scored:
                rows.append({**row, "uar": float("nan"), "note": "no validation utterances on this target"})
                continue
            chosen = max(scored, key=lambda config: float(cells[(config, target, selection)].mean()))
            chosen_cell = (chosen, target, TEST)
            record = fold_record(cells[chosen_cell])
            validation = cells.get((chosen, target, VALIDATION))
            rows.append({**row, "configuration": chosen.label, "scenario": chosen.scenario,
                         "approach": chosen.approach, "excluded": chosen.excluded,
                         "validation_uar": float(validation.mean()) if validation is not None else float("nan"),
                         "gain": relative_gain(record["uar"], asvm_uar),
                         **uars.compare(chosen_cell, asvm_cell, statistics), **record, **uars.pooled(chosen_cell)})
    table = pd.DataFrame(rows)
    first = ["domain", "dataset", "column", "selection", "configuration", "scenario", "approach", "excluded", "uar",
             "uar_ci_low", "uar_ci_high", "validation_uar", "asvm_uar", "gain", "test", "statistic", "p_value",
             "difference", "difference_ci_low", "difference_ci_high", "n_folds", "note"]
    table = table.reindex(columns=first + [column for column in table.columns if column not in first])
    text_columns = ["configuration", "scenario", "approach", "excluded", "note", "test"]
    table[text_columns] = table[text_columns].astype(object).where(table[text_columns].notna(), "")
    table["n_folds"] = table["n_folds"].astype("Int64")
    return table


def render_table5_tex(table: pd.DataFrame, statistics: Statistics = PAPER_STATISTICS) -> str:
    """The paper's Table 5 layout (Target, Adaptive SVM, CNN+LSTM, Gain) plus the validation-chosen pair."""
    header = [["", "", multicolumn(2, "Chosen on test (paper)"), multicolumn(2, "Chosen on validation")],
              [r"\cmidrule(lr){3-4}\cmidrule(lr){5-6} Target", "Adaptive SVM", "CNN+LSTM", "Gain", "CNN+LSTM",
               "Gain"]]
    rows = []
    for _, frame in table.groupby("domain", sort=False):
        cells = frame.set_index("selection")
        def text(selection: str, quantity: str, cells: pd.DataFrame = cells) -> str:
            if quantity == "uar":
                return uar_text(cells.loc[selection, "uar"], cells.loc[selection], statistics.show_ci) or "--"
            return paper_number(cells.loc[selection, quantity]) or "--"

        rows.append([escape(frame["dataset"].iloc[0]), text("", "uar"),
                     *(text(selection, quantity) for selection in CNN_LSTM_COLUMNS for quantity in ("uar", "gain"))])
    caption = ("UAR numbers for Adaptive SVM and CNN+LSTM, and the gain of CNN+LSTM relative to Adaptive SVM, "
               "(CNN+LSTM $-$ ASVM)/ASVM. Chosen on test (the paper's column): the best mean test UAR that any "
               "configuration of the ablation table reached on the target, i.e.\\ selected on test results. "
               "Chosen on validation: the configuration with the best mean UAR on the validation split of the "
               "target's training folds, and its test UAR (--: the target has no validation utterances). The CSV names "
               "both chosen configurations."
               + (" In brackets: the bootstrap confidence interval of UAR over utterances." if statistics.show_ci
                  else ""))
    comment = f"p-values against the Adaptive SVM in table5.csv: {statistics.describe(latex=False, markers=False)}"
    return booktabs(header, rows, "lrrrrr", caption, "tab:adaptive-svm", comment=comment)


def compare_table5(table: pd.DataFrame, paper_path: str | Path) -> pd.DataFrame:
    """Reported vs reproduced; the paper's CNN+LSTM and Gain are compared with the test-chosen column."""
    reported = read_reported(paper_path, "target")
    reproduced = {}
    for row in table.to_dict("records"):
        if row["selection"] == "":
            reproduced[(row["domain"], ASVM_COLUMN)] = row["uar"]
        elif row["selection"] == TEST:
            reproduced[(row["domain"], "CNN+LSTM")] = row["uar"]
            reproduced[(row["domain"], "Gain")] = row["gain"]
    comparison = compare_with_paper(reported, ["domain"], [ASVM_COLUMN, "CNN+LSTM", "Gain"], reproduced)
    comparison["reproduced_as"] = [ASVM_COLUMN if column == ASVM_COLUMN else CNN_LSTM_COLUMNS[TEST]
                                   for column in comparison["column"]]
    return comparison


def write_table5(metrics: MetricsFiles | MetricsPaths, paper_path: str | Path, domains: Sequence[str],
                 scenarios: Sequence[str], approaches: Sequence[str], ablation: bool, csv_path: str | Path,
                 tex_path: str | Path, comparison_path: str | Path,
                 statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Build Table 5 from the metrics files and write its CSV, LaTeX and comparison files."""
    table = build_table5(Evidence(metrics), domains, scenarios, approaches, ablation, statistics)
    write_outputs(table, render_table5_tex(table, statistics), compare_table5(table, paper_path), csv_path,
                  tex_path, comparison_path)
    return table
