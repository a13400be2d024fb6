"""Table 5: Adaptive SVM vs CNN+LSTM per target, with the relative gain `(CNN+LSTM - ASVM) / ASVM`.

The CNN+LSTM appears twice. `test`: the paper's column, the best mean test UAR that any configuration
of Table 4 reached on the target (chosen on test results). `nested`: per run k, the configuration with
the best UAR on run k's selection split (held out of every fit and of early stopping), scored on run
k's test fold; its UAR is the mean over runs (`Evidence.nested_choice`). The row names every run's
choice (`chosen_per_run`) and, as `configuration`, the one a final model takes (most often chosen).
Ties go to the first configuration in Table 4's order (All, then excluded sources; S1, S2; A1...).
A target without held-out UARs (tiny data) gets an empty nested cell with a note, and a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sertransfer.tables.columns import ASVM_COLUMN, CNN_LSTM_COLUMN
from sertransfer.tables.evidence import PAPER_STATISTICS, Evidence, MetricsFiles, Statistics, uar_text
from sertransfer.tables.latex import booktabs, escape, multicolumn, paper_number
from sertransfer.tables.paper import compare_with_paper, read_reported
from sertransfer.tables.table4 import table4_configurations
from sertransfer.tables.uars import (
    SELECTION,
    TEST,
    Configuration,
    Domains,
    MetricsPaths,
    adaptive_svm,
    dataset_names,
    ordered_domains,
    relative_gain,
    write_outputs,
)

log = logging.getLogger(__name__)

#: The CNN+LSTM rows by how their configuration is chosen (the `selection` column of the CSV).
NESTED = "nested"
CNN_LSTM_COLUMNS = {TEST: "CNN+LSTM (chosen on test, as the paper)",
                    NESTED: "CNN+LSTM (chosen per run on its selection split)"}


def build_table5(uars: Evidence, domains: Domains, scenarios: Sequence[str], approaches: Sequence[str],
                 ablation: bool, statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Tidy Table 5: per target the Adaptive SVM row and the two CNN+LSTM rows with the chosen configuration.

    Each CNN+LSTM row carries its comparison with the Adaptive SVM (the configured test over folds and
    the paired bootstrap CI of the UAR difference); every row its bootstrap CI of UAR.
    """
    targets, names = ordered_domains(domains), dataset_names(domains)
    # candidates in the order of the domains' default names (keys only): a tie between two configurations is
    # broken by that order, so a configured dataset name never changes a choice (nor the exported model)
    candidates = {t: table4_configurations(t, list(domains), scenarios, approaches, ablation) for t in targets}
    cells = uars.collect([(adaptive_svm(), t, TEST) for t in targets]
                         + [(config, t, TEST) for t in targets for config in candidates[t]], "Table 5")
    rows = []
    for target in targets:
        asvm_cell = (adaptive_svm(), target, TEST)
        asvm_uar = float(cells[asvm_cell].mean())
        base = {"domain": target, "dataset": names[target], "asvm_uar": asvm_uar}
        rows.append({**base, "column": ASVM_COLUMN, "selection": "", "uar": asvm_uar, **uars.record(asvm_cell),
                     **uars.pooled(asvm_cell)})
        best = max(candidates[target], key=lambda config: float(cells[(config, target, TEST)].mean()))
        record = uars.record((best, target, TEST))
        rows.append({**base, "column": CNN_LSTM_COLUMNS[TEST], "selection": TEST, **_configuration(best),
                     "gain": relative_gain(record["uar"], asvm_uar),
                     **uars.compare((best, target, TEST), asvm_cell, statistics), **record,
                     **uars.pooled((best, target, TEST))})
        choice = uars.nested_choice(candidates[target], target)
        row = {**base, "column": CNN_LSTM_COLUMNS[NESTED], "selection": NESTED}
        if choice is None:
            log.warning("Table 5: no selection or validation UARs on %s although its test UARs exist: its held-out "
                        "splits are empty, so its nested column stays empty", target)
            rows.append({**row, "uar": float("nan"), "note": "no held-out utterances on this target"})
            continue
        uar = float(choice.test.mean())
        means = choice.runs.mean(axis=0)
        note = "" if choice.split == SELECTION else ("chosen on the early-stopping validation split "
                                                       "(training.selection_fraction is 0): its UAR is optimistic")
        rows.append({**row, **_configuration(choice.configuration), "chosen_on": choice.split,
                     "chosen_per_run": choice.describe_runs(), "uar": uar, "chosen_score": float(choice.score.mean()),
                     "gain": relative_gain(uar, asvm_uar), **uars.compare(choice, asvm_cell, statistics),
                     "n_folds": len(choice.test), "n_seeds": int(choice.runs.shape[1]),
                     "seed_sd": float(means.std(ddof=1)) if len(means) > 1 else float("nan"),
                     **{f"uar_fold{fold}": value for fold, value in choice.test.items()},
                     **uars.nested_pooled(choice, statistics), "note": note})
    table = pd.DataFrame(rows)
    first = ["domain", "dataset", "column", "selection", "configuration", "scenario", "approach", "excluded",
             "chosen_on", "chosen_per_run", "uar", "uar_ci_low", "uar_ci_high", "chosen_score", "asvm_uar", "gain",
             "test", "statistic", "p_value", "difference", "difference_ci_low", "difference_ci_high", "n_folds",
             "n_seeds", "seed_sd", "note"]
    table = table.reindex(columns=first + [column for column in table.columns if column not in first])
    text_columns = ["configuration", "scenario", "approach", "excluded", "chosen_on", "chosen_per_run", "note", "test"]
    table[text_columns] = table[text_columns].astype(object).where(table[text_columns].notna(), "")
    table["n_folds"] = table["n_folds"].astype("Int64")
    table["n_seeds"] = table["n_seeds"].astype("Int64")
    return table


def _configuration(config: Configuration) -> dict:
    """The identifying columns of a chosen configuration."""
    return {"configuration": config.label, "scenario": config.scenario, "approach": config.approach,
            "excluded": config.excluded}


def render_table5_tex(table: pd.DataFrame, statistics: Statistics = PAPER_STATISTICS) -> str:
    """The paper's Table 5 layout (Target, Adaptive SVM, CNN+LSTM, Gain) plus the nested choice's pair."""
    header = [["", "", multicolumn(2, "Chosen on test (paper)"), multicolumn(2, "Chosen per run on held-out data")],
              [r"\cmidrule(lr){3-4}\cmidrule(lr){5-6} Target", "Adaptive SVM", "CNN+LSTM", "Gain", "CNN+LSTM",
               "Gain"]]
    rows = []
    for _, frame in table.groupby("domain", sort=False):
        cells = frame.set_index("selection")
        def text(selection: str, quantity: str, cells: pd.DataFrame = cells) -> str:
            """The printed cell of one selection row: its UAR (with the CI when shown) or another quantity."""
            if quantity == "uar":
                return uar_text(cells.loc[selection, "uar"], cells.loc[selection], statistics.show_ci) or "--"
            return paper_number(cells.loc[selection, quantity]) or "--"

        rows.append([escape(frame["dataset"].iloc[0]), text("", "uar"),
                     *(text(selection, quantity) for selection in CNN_LSTM_COLUMNS for quantity in ("uar", "gain"))])
    caption = ("UAR numbers for Adaptive SVM and CNN+LSTM, and the gain of CNN+LSTM relative to Adaptive SVM, "
               "(CNN+LSTM $-$ ASVM)/ASVM. Chosen on test (the paper's column): the best mean test UAR that any "
               "configuration of the ablation table reached on the target, i.e.\\ selected on test results. "
               "Chosen per run on held-out data: in each cross-validation run the configuration with the best UAR on "
               "that run's selection split (held out of every fit and of early stopping), scored on that run's test "
               "fold, averaged over the runs (--: the target has no held-out utterances). The CSV names every run's "
               "choice."
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
            reproduced[(row["domain"], CNN_LSTM_COLUMN)] = row["uar"]
            reproduced[(row["domain"], "Gain")] = row["gain"]
    comparison = compare_with_paper(reported, ["domain"], [ASVM_COLUMN, CNN_LSTM_COLUMN, "Gain"], reproduced)
    comparison["reproduced_as"] = [ASVM_COLUMN if column == ASVM_COLUMN else CNN_LSTM_COLUMNS[TEST]
                                   for column in comparison["column"]]
    return comparison


def write_table5(metrics: MetricsFiles | MetricsPaths, paper_path: str | Path, domains: Domains,
                 scenarios: Sequence[str], approaches: Sequence[str], ablation: bool, csv_path: str | Path,
                 tex_path: str | Path, comparison_path: str | Path,
                 statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Build Table 5 from the metrics files and write its CSV, LaTeX and comparison files."""
    table = build_table5(Evidence(metrics), domains, scenarios, approaches, ablation, statistics)
    write_outputs(table, render_table5_tex(table, statistics), compare_table5(table, paper_path), csv_path,
                  tex_path, comparison_path)
    return table
