"""Table 4: domain ablation, per target the `All` row and one row per source left out of pretraining.

Every ablation cell is marked against its `All` cell (same target, scenario, approach) by the
configured test over the fold UARs (`evaluate.test`: the paper's paired t-test by default, or the
corrected resampled t-test), its p-value optionally Holm-adjusted within the target's block
(`evaluate.correction`): `↑` significantly higher, `•` significantly lower (p <= alpha, as the
paper's "p-value <= 0.05"), nothing otherwise. The paper also prints `↓`, which its caption does
not define; this table never prints it. Bold: the highest UAR of each target and column. The CSV
also carries each comparison's statistic, raw and adjusted p-value and the paired bootstrap CI of the
UAR difference, and each cell's bootstrap CI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sertransfer.defaults import default
from sertransfer.statistics import adjust
from sertransfer.tables.evidence import PAPER_STATISTICS, Evidence, MetricsFiles, Statistics, uar_text
from sertransfer.tables.latex import booktabs, escape, scenario_header
from sertransfer.tables.paper import compare_with_paper, domain_of_dataset, read_reported
from sertransfer.tables.uars import (
    TEST,
    Configuration,
    Domains,
    MetricsPaths,
    ablation_included,
    dataset_names,
    ordered_domains,
    transfer,
    write_outputs,
)

HIGHER, LOWER = "↑", "•"
LATEX_MARKERS = {HIGHER: r"$^{\uparrow}$", LOWER: r"$^{\bullet}$", "": ""}


def table4_sources(target: str, domains: Domains, ablation: bool) -> list[str]:
    """The rows of a target: '' (`All`), then each other domain left out, in the paper's order."""
    others = [domain for domain in ordered_domains(domains) if domain != target]
    return ["", *others] if ablation_included(domains, ablation) else [""]


def table4_configurations(target: str, domains: Domains, scenarios: Sequence[str], approaches: Sequence[str],
                          ablation: bool) -> list[Configuration]:
    """Every configuration of a target's block, row by row (sources), then scenario, then approach."""
    return [transfer(scenario, approach, excluded) for excluded in table4_sources(target, domains, ablation)
            for scenario in scenarios for approach in approaches]


def marker(statistic: float, p_value: float, alpha: float) -> str:
    """`↑` / `•` when the paired t-test is significant at `alpha` (p <= alpha), '' otherwise."""
    if math.isnan(p_value) or p_value > alpha or math.isnan(statistic) or statistic == 0:
        return ""
    return HIGHER if statistic > 0 else LOWER


def build_table4(evidence: Evidence, domains: Domains, scenarios: Sequence[str], approaches: Sequence[str],
                 ablation: bool, statistics: Statistics = PAPER_STATISTICS,
                 tex_approaches: Sequence[str] = default("tables.table4_tex_approaches")) -> pd.DataFrame:
    """Tidy Table 4: one row per (target, source, scenario, approach): fold UARs, comparison with All, marker.

    `in_tex` marks the rows the LaTeX prints: those of `tex_approaches` (every approach when none of them is
    computed); the CSV holds all.
    """
    targets, names = ordered_domains(domains), dataset_names(domains)
    tex_approaches = [approach for approach in approaches if approach in tex_approaches] or list(approaches)
    blocks = {t: table4_configurations(t, domains, scenarios, approaches, ablation) for t in targets}
    cells = evidence.collect([(config, t, TEST) for t in targets for config in blocks[t]], "Table 4")
    nothing = {"test": "", "statistic": float("nan"), "p_value": float("nan"), "difference": float("nan"),
               "difference_ci_low": float("nan"), "difference_ci_high": float("nan")}
    rows = []
    for target in targets:
        block = []
        for config in blocks[target]:
            cell, all_cell = (config, target, TEST), (transfer(config.scenario, config.approach), target, TEST)
            comparison = evidence.compare(cell, all_cell, statistics) if config.excluded else nothing
            block.append({"domain": target, "dataset": names[target], "excluded": config.excluded,
                          "source": names[config.excluded] if config.excluded else "All",
                          "scenario": config.scenario, "approach": config.approach,
                          "column": f"{config.scenario}-{config.approach}", "all_uar": float(cells[all_cell].mean()),
                          **comparison, "in_tex": config.approach in tex_approaches, **evidence.record(cell),
                          **evidence.pooled(cell)})
        # the family of a correction: every comparison of one target (all its sources, scenarios, approaches)
        for row, adjusted in zip(block, adjust([row["p_value"] for row in block], statistics.correction)):
            row.update(correction=statistics.correction if row["excluded"] else "", p_adjusted=adjusted,
                       marker=marker(row["statistic"], adjusted, statistics.alpha))
        rows += block
    table = pd.DataFrame(rows)
    table["best"] = table["uar"] == table.groupby(["domain", "column"])["uar"].transform("max")
    first = ["domain", "dataset", "excluded", "source", "scenario", "approach", "column", "uar", "uar_ci_low",
             "uar_ci_high", "all_uar", "test", "statistic", "p_value", "correction", "p_adjusted", "marker",
             "difference", "difference_ci_low", "difference_ci_high", "best", "in_tex", "n_folds"]
    return table[first + [column for column in table.columns if column not in first]]


def render_table4_tex(table: pd.DataFrame, statistics: Statistics = PAPER_STATISTICS) -> str:
    """The paper's Table 4 layout: Target, Source, then the UARs of each scenario's printed approaches with markers."""
    shown = table[table["in_tex"]]
    header, scenarios, approaches = scenario_header(shown, "UAR numbers", "Source")
    width = sum(len(names) for names in approaches.values())
    rows, block_ends = [], []
    for _, block in shown.groupby("domain", sort=False):
        for position, (_, source_rows) in enumerate(block.groupby("excluded", sort=False)):
            cells = source_rows.set_index("column")
            source = source_rows["source"].iloc[0]
            row = [escape(block["dataset"].iloc[0]) if position == 0 else "",
                   "All" if source == "All" else f"-- {escape(source)}"]
            for scenario in scenarios:
                for approach in approaches[scenario]:
                    cell = cells.loc[f"{scenario}-{approach}"]
                    number = uar_text(cell["uar"], cell, statistics.show_ci)
                    row.append((rf"\textbf{{{number}}}" if cell["best"] else number) + LATEX_MARKERS[cell["marker"]])
            rows.append(row)
        block_ends.append(len(rows) - 1)
    omitted = [a for a in dict.fromkeys(table["approach"]) if a not in set(shown["approach"])]
    omitted_text = (f"{', '.join(omitted[:-1]) + ' and ' if len(omitted) > 1 else ''}{omitted[-1]} "
                    f"{'are' if len(omitted) > 1 else 'is'} not printed, as the paper omits A5 to A8 (every approach "
                    "is in the CSV). " if omitted else "")
    caption = ("Domain ablation analysis: UAR after excluding a source domain from the pre-training (All: no "
               "domain excluded). Symbol $^{\\uparrow}$ indicates that UAR has raised significantly and "
               "$^{\\bullet}$ that it has dropped significantly against the All row ("
               f"{statistics.describe()}); the paper also prints an undefined $^{{\\downarrow}}$, never printed here. "
               f"{omitted_text}Highest UAR numbers for each target and feature transference approach are "
               "highlighted in bold."
               + (" In brackets: the bootstrap confidence interval of UAR over utterances." if statistics.show_ci
                  else ""))
    comment = f"markers: {statistics.describe(latex=False)}; statistics and CIs of every cell in table4.csv"
    return booktabs(header, rows, "ll" + "r" * width, caption, "tab:ablation", midrules_after=block_ends,
                    comment=comment)


def compare_table4(table: pd.DataFrame, paper_path: str | Path) -> pd.DataFrame:
    """Reported vs reproduced UAR and markers for every cell of the paper's Table 4 that this run has."""
    reported = read_reported(paper_path, "target")
    reported["excluded"] = ["" if name == "All" else domain_of_dataset(name) for name in reported["excluded_source"]]
    records = table.to_dict("records")
    reproduced = {(row["domain"], row["excluded"], row["column"]): row["uar"] for row in records}
    markers = {(row["domain"], row["excluded"], row["column"]): row["marker"] for row in records}
    columns = [column for column in reported.columns if column not in ("target", "excluded_source", "domain",
                                                                       "excluded")]
    return compare_with_paper(reported, ["domain", "excluded"], columns, reproduced, markers)


def write_table4(metrics: MetricsFiles | MetricsPaths, paper_path: str | Path, domains: Domains,
                 scenarios: Sequence[str], approaches: Sequence[str], ablation: bool, csv_path: str | Path,
                 tex_path: str | Path, comparison_path: str | Path, statistics: Statistics = PAPER_STATISTICS,
                 tex_approaches: Sequence[str] = default("tables.table4_tex_approaches")) -> pd.DataFrame:
    """Build Table 4 from the metrics files and write its CSV, LaTeX and comparison files."""
    table = build_table4(Evidence(metrics), domains, scenarios, approaches, ablation, statistics, tex_approaches)
    write_outputs(table, render_table4_tex(table, statistics), compare_table4(table, paper_path), csv_path,
                  tex_path, comparison_path)
    return table
