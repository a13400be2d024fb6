"""Table 3: TT UAR and the relative gains `(UAR - TT) / TT` of every scenario x approach, per target.

Gains use fold-mean UARs. The Average and Std rows summarise each column's gains over the targets;
Std is the sample standard deviation (ddof=1). Bold: the best gain of each target (ties all bold).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sertransfer.tables.columns import TT_COLUMN
from sertransfer.tables.evidence import PAPER_STATISTICS, Evidence, MetricsFiles, Statistics, uar_text
from sertransfer.tables.latex import booktabs, escape, paper_number, scenario_header
from sertransfer.tables.paper import compare_with_paper, read_reported
from sertransfer.tables.uars import (
    TEST,
    Domains,
    MetricsPaths,
    dataset_names,
    ordered_domains,
    relative_gain,
    target_only,
    transfer,
    write_outputs,
)
from sertransfer.vocabulary import TT_APPROACH

#: Degrees of freedom removed by the Std row: the sample standard deviation over targets.
STD_DDOF = 1
SUMMARY_ROWS = (("average", "Average"), ("std", "Std"))


def build_table3(evidence: Evidence, domains: Domains, scenarios: Sequence[str], approaches: Sequence[str],
                 statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Tidy Table 3: a TT row and one row per scenario x approach per target, then Average/Std gain rows.

    Each transfer row carries its comparison with TT: the configured test over folds (`test`,
    `statistic`, `p_value`) and the paired bootstrap CI of the UAR difference (`difference_ci_*`).
    """
    targets, configs = ordered_domains(domains), [transfer(s, a) for s in scenarios for a in approaches]
    names = dataset_names(domains)
    cells = evidence.collect([(config, target, TEST) for target in targets for config in [target_only(), *configs]],
                             "Table 3")
    rows = []
    for target in targets:
        tt_cell = (target_only(), target, TEST)
        tt_folds = cells[tt_cell]
        tt_uar = float(tt_folds.mean())
        target_rows = [{"domain": target, "dataset": names[target], "column": TT_COLUMN, "scenario": "",
                        "approach": TT_APPROACH, "tt_uar": tt_uar, "gain": float("nan"), **evidence.record(tt_cell),
                        **evidence.pooled(tt_cell)}]
        for config in configs:
            cell = (config, target, TEST)
            record = evidence.record(cell)
            target_rows.append({"domain": target, "dataset": names[target], "column": config.label,
                                "scenario": config.scenario, "approach": config.approach, "tt_uar": tt_uar,
                                "gain": relative_gain(record["uar"], tt_uar),
                                **evidence.compare(cell, tt_cell, statistics), **record, **evidence.pooled(cell)})
        gains = [row["gain"] for row in target_rows[1:] if not math.isnan(row["gain"])]
        for row in target_rows:
            row["best"] = bool(gains) and row["column"] != TT_COLUMN and row["gain"] == max(gains)
        rows += target_rows
    table = pd.DataFrame(rows)
    gain_rows = table[table["column"] != TT_COLUMN]
    for domain, name in SUMMARY_ROWS:
        for config in configs:
            column = gain_rows.loc[gain_rows["column"] == config.label, "gain"]
            value = column.mean() if domain == "average" else column.std(ddof=STD_DDOF)
            rows.append({"domain": domain, "dataset": name, "column": config.label, "scenario": config.scenario,
                         "approach": config.approach, "gain": float(value), "best": False})
    first = ["domain", "dataset", "column", "scenario", "approach", "uar", "uar_ci_low", "uar_ci_high", "tt_uar",
             "gain", "best", "test", "statistic", "p_value", "difference", "difference_ci_low", "difference_ci_high",
             "n_folds"]
    table = pd.DataFrame(rows)
    table["n_folds"] = table["n_folds"].astype("Int64")
    return table[first + [column for column in table.columns if column not in first]]


def render_table3_tex(table: pd.DataFrame, statistics: Statistics = PAPER_STATISTICS) -> str:
    """The paper's Table 3 layout: Target, TT UAR, gains grouped by scenario, then Average and Std."""
    gains = table[table["column"] != TT_COLUMN]
    header, scenarios, approaches = scenario_header(gains, "Gains over TT", "TT")
    width = sum(len(names) for names in approaches.values())
    rows = []
    for _domain, frame in table.groupby("domain", sort=False):
        cells = frame.set_index("column")
        tt = (uar_text(cells.loc[TT_COLUMN, "uar"], cells.loc[TT_COLUMN], statistics.show_ci)
              if TT_COLUMN in cells.index else "--")
        row = [escape(frame["dataset"].iloc[0]), tt]
        for scenario in scenarios:
            for approach in approaches[scenario]:
                cell = cells.loc[f"{scenario}-{approach}"]
                text = paper_number(cell["gain"])
                row.append(rf"\textbf{{{text}}}" if cell["best"] else text)
        rows.append(row)
    caption = ("Different feature transference approaches and scenarios: UAR of TT (training on the target only) "
               "and gains relative to it, $(\\mathrm{UAR}-\\mathrm{TT})/\\mathrm{TT}$, of fold-mean UARs. "
               "Average and Std summarise each column over the targets (Std: sample standard deviation, "
               "ddof=1). Numbers in bold indicate the highest gains for each target domain."
               + (" In brackets: the bootstrap confidence interval of TT's UAR." if statistics.show_ci else ""))
    n_targets = len(rows) - len(SUMMARY_ROWS)
    comment = (f"p-values against TT in table3.csv: {statistics.describe(latex=False, markers=False)}; "
               "CIs: bootstrap over utterances")
    return booktabs(header, rows, "l" + "r" * (width + 1), caption, "tab:transference", midrules_after=[n_targets - 1],
                    comment=comment)


def compare_table3(table: pd.DataFrame, paper_path: str | Path, domains: Domains) -> pd.DataFrame:
    """Reported vs reproduced TT UAR and gains; Average/Std only when the targets are the paper's."""
    reported = read_reported(paper_path, "target")
    paper_targets = set(reported["domain"]) - {"average", "std"}
    reproduced = {(row["domain"], row["column"]): (row["uar"] if row["column"] == TT_COLUMN else row["gain"])
                  for row in table.to_dict("records")
                  if row["domain"] in domains or set(domains) == paper_targets}
    columns = [column for column in reported.columns if column not in ("target", "domain")]
    return compare_with_paper(reported, ["domain"], columns, reproduced)


def write_table3(metrics: MetricsFiles | MetricsPaths, paper_path: str | Path, domains: Domains,
                 scenarios: Sequence[str], approaches: Sequence[str], csv_path: str | Path, tex_path: str | Path,
                 comparison_path: str | Path, statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Build Table 3 from the metrics files and write its CSV, LaTeX and comparison files."""
    table = build_table3(Evidence(metrics), domains, scenarios, approaches, statistics)
    write_outputs(table, render_table3_tex(table, statistics), compare_table3(table, paper_path, domains), csv_path,
                  tex_path, comparison_path)
    return table
