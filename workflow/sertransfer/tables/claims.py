"""The paper's claims, each checked against a run's Tables 2-5: one row per claim, paper vs run, and a verdict.

Every number is read from the run's table CSVs and from the paper's own tables (`tables.paper_reported`),
never typed in. The paper's side is over its six corpora; the run's over its configured domains. A
difference counts as significant when its test over folds (`evaluate.test`) gives p <= `evaluate.alpha`
after the configured correction (`evaluate.correction`) within each target's family, as Table 4 does.

Verdicts: `agrees`, `disagrees`, `not shown` (the run's differences have the paper's sign on average but none
is significant), `mixed` (significant differences both ways, or a tie) and `not run` (the run has no such
cells); how each claim reaches one is in its function's docstring and docs/design.md §12.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sertransfer import atomic
from sertransfer.statistics import adjust
from sertransfer.tables.columns import CNN_LSTM_COLUMN, SVM_IS_COLUMN, TT_COLUMN, read_table_csv
from sertransfer.tables.evidence import PAPER_STATISTICS, Statistics
from sertransfer.tables.latex import paper_number
from sertransfer.tables.paper import MARKERS, read_reported, reported_marker, to_float
from sertransfer.tables.table3 import SUMMARY_ROWS
from sertransfer.tables.table4 import HIGHER, LOWER
from sertransfer.tables.table5 import NESTED
from sertransfer.vocabulary import S1, S2, TABLE_CSV_NAME

#: The claims, in the paper's order: key -> what the paper says.
CLAIMS = {
    "network_vs_svm_is": "Table 2: the CNN+LSTM (raw audio) beats SVM-IS (IS10 features)",
    "transfer_vs_tt": "Table 3 (RQ1): fine-tuning a network pretrained on other corpora beats target-only training",
    "which_layers": "Table 3 (RQ2): S1-A2 (every layer fine-tuned) is the best configuration on average",
    "sources_s1": "Table 4 (RQ3), S1: leaving a source out of pretraining raises UAR (out-of-domain data hurts)",
    "sources_s2": "Table 4 (RQ3), S2: leaving a source out of pretraining lowers UAR (out-of-domain data helps)",
    "network_vs_asvm": "Table 5: the fine-tuned CNN+LSTM beats the Adaptive SVM",
}
CLAIM_COLUMNS = ["claim", "finding", "paper", "run", "verdict"]
SUMMARY_DOMAINS = {key for key, _ in SUMMARY_ROWS}


@dataclass(frozen=True)
class RunTables:
    """A run's Tables 2-5 (Table 4 may be absent: no ablation) and the paper's reported tables."""

    table2: pd.DataFrame
    table3: pd.DataFrame
    table4: pd.DataFrame | None
    table5: pd.DataFrame
    paper: Mapping[str, pd.DataFrame]

    @classmethod
    def read(cls, table2: str | Path, table3: str | Path, table4: str | Path | None, table5: str | Path,
             paper_dir: str | Path) -> RunTables:
        """Read a run's table CSVs (`table4` None: a run without Table 4) and the paper's tables."""
        paper_dir = Path(paper_dir)
        paper = {"table2": read_reported(paper_dir / "table2.csv", "dataset"),
                 "table3": read_reported(paper_dir / "table3.csv", "target"),
                 "table4": read_reported(paper_dir / "table4.csv", "target"),
                 "table5": read_reported(paper_dir / "table5.csv", "target")}
        return cls(read_table_csv(table2), read_table_csv(table3), read_table_csv(table4) if table4 else None,
                   read_table_csv(table5), paper)

    @classmethod
    def read_dir(cls, tables_dir: str | Path, paper_dir: str | Path) -> RunTables:
        """A directory's `table{2,3,4,5}.csv` (Table 4 when there) and the paper's tables."""
        table2, table3, table4, table5 = (Path(tables_dir) / TABLE_CSV_NAME.format(n=n) for n in (2, 3, 4, 5))
        return cls.read(table2, table3, table4 if table4.is_file() else None, table5, paper_dir)


def _claim(key: str, paper: str, run: str, verdict: str) -> dict:
    """One row of the claims table."""
    return {"claim": key, "finding": CLAIMS[key], "paper": paper, "run": run, "verdict": verdict}


def _signed(value: float) -> str:
    """+.051 / -.120 (the paper's number style with a sign); n/a for a missing value."""
    if value is None or math.isnan(value):
        return "n/a"
    return ("+" if value >= 0 else "") + paper_number(value)


def _by_sign(mean: float, ahead: int, behind: int) -> str:
    """Verdict of a claim that something is higher: significant counts first, then the sign of the mean."""
    if ahead > 0 and behind == 0 and mean > 0:
        return "agrees"
    if behind > 0 and ahead == 0 and mean < 0:
        return "disagrees"
    if ahead == 0 and behind == 0:
        return "not shown" if mean > 0 else "disagrees"
    return "mixed"


def network_vs_svm_is(tables: RunTables) -> dict:
    """Table 2: CNN+LSTM minus SVM-IS per domain (UAR difference). Table 2 has no test between them, so the
    verdict is by majority: agrees when the network is ahead on average and on most domains, disagrees when
    behind on average and on most, mixed otherwise."""
    reported = tables.paper["table2"]
    paper_diff = reported[CNN_LSTM_COLUMN].map(to_float) - reported[SVM_IS_COLUMN].map(to_float)
    uar = tables.table2.pivot_table(index="domain", columns="column", values="uar")
    run_diff = (uar[CNN_LSTM_COLUMN] - uar[SVM_IS_COLUMN]).dropna()
    if run_diff.empty:
        return _claim("network_vs_svm_is", "", "no domain with both columns in this run", "not run")
    ahead, behind, n = int((run_diff > 0).sum()), int((run_diff < 0).sum()), len(run_diff)
    verdict = ("agrees" if run_diff.mean() > 0 and ahead > n / 2 else
               "disagrees" if run_diff.mean() < 0 and behind > n / 2 else "mixed")
    paper = (f"ahead on {int((paper_diff > 0).sum())} of {len(paper_diff)} corpora, mean UAR difference "
             f"{_signed(paper_diff.mean())}")
    return _claim("network_vs_svm_is", paper,
                  f"ahead on {ahead} of {n} domains, mean UAR difference {_signed(run_diff.mean())} "
                  f"(range {_signed(run_diff.min())} to {_signed(run_diff.max())})", verdict)


def _transfer_rows(table3: pd.DataFrame) -> pd.DataFrame:
    """Table 3's fine-tuning rows of real targets (not TT, not Average/Std)."""
    rows = table3[(table3["column"] != TT_COLUMN) & ~table3["domain"].isin(SUMMARY_DOMAINS)]
    return rows[rows["gain"].notna()]


def _paper_gains(tables: RunTables) -> pd.DataFrame:
    """The paper's Table 3 relative gains: target x configuration (its Average and Std rows left out)."""
    reported = tables.paper["table3"]
    reported = reported[~reported["domain"].isin(SUMMARY_DOMAINS)]
    return reported[[c for c in reported.columns if c not in ("target", "domain", TT_COLUMN)]].map(to_float)


def _significant(rows: pd.DataFrame, family: str, statistics: Statistics) -> pd.Series:
    """+1 / -1 / 0 per row: significantly above / below its reference after the correction within `family`."""
    adjusted = pd.Series(np.nan, index=rows.index)
    for _, group in rows.groupby(family):
        adjusted[group.index] = adjust(group["p_value"].astype(float).tolist(), statistics.correction)
    direction = np.sign(rows["difference"].astype(float)).fillna(0)
    return direction.where(adjusted <= statistics.alpha, 0).astype(int)


def _gain_summary(values: np.ndarray) -> str:
    """'mean gain +.062, 12 of 12 cells positive' over the finite values."""
    values = values[~np.isnan(values)]
    return f"mean gain {_signed(float(values.mean()))}, {int((values > 0).sum())} of {len(values)} cells positive"


def transfer_vs_tt(tables: RunTables, statistics: Statistics = PAPER_STATISTICS) -> dict:
    """Table 3: relative gains over TT of every (target, configuration), the paper's over the configurations
    this run has (and over all of its own when they differ). Agrees when some cells are significantly above
    TT and none below with a positive mean gain; `not shown` when none differs significantly but the mean
    gain is positive. The TT seed spread (with repeats, in UAR) is stated beside it."""
    rows = _transfer_rows(tables.table3)
    paper_gains = _paper_gains(tables)
    shared = [c for c in paper_gains.columns if c in set(rows["column"])]
    paper = _gain_summary(paper_gains[shared].to_numpy(dtype=float).ravel())
    if len(shared) < len(paper_gains.columns):   # the paper over this run's configurations, then over all
        paper += (f" over {', '.join(shared)} (all {len(paper_gains.columns)}: "
                  f"{_gain_summary(paper_gains.to_numpy(dtype=float).ravel())})")
    if rows.empty:
        return _claim("transfer_vs_tt", paper, "no fine-tuning cells in this run", "not run")
    significant = _significant(rows, "domain", statistics)
    ahead, behind = int((significant > 0).sum()), int((significant < 0).sum())
    tt = tables.table3[tables.table3["column"] == TT_COLUMN]
    seed_sd = tt["seed_sd"].astype(float).dropna() if "seed_sd" in tt else pd.Series(dtype=float)
    noise = (f"; TT's UAR (mean over folds) moves by {paper_number(seed_sd.min())}-{paper_number(seed_sd.max())} "
             f"(SD over seeds)" if len(seed_sd) else "")
    run = (f"{_gain_summary(rows['gain'].to_numpy(dtype=float))}; {ahead} significantly above TT, {behind} below "
           f"[{statistics.describe(latex=False)}]{noise}")
    return _claim("transfer_vs_tt", paper, run, _by_sign(float(rows["gain"].mean()), ahead, behind))


def which_layers(tables: RunTables) -> dict:
    """Table 3: the configuration with the highest mean gain over targets, among the configurations both the
    paper and the run have. Agrees when it is the paper's best among them; `not run` with fewer than two
    shared configurations. The rank correlation of the shared configurations' mean gains is stated beside it."""
    paper_mean = _paper_gains(tables).mean()
    run_mean = _transfer_rows(tables.table3).groupby("column")["gain"].mean()
    shared = [c for c in paper_mean.index if c in run_mean.index]
    paper = f"best on average {paper_mean.idxmax()} ({_signed(paper_mean.max())}) of {len(paper_mean)}"
    if len(shared) < 2:
        return _claim("which_layers", paper, f"{len(shared)} configuration(s) shared with the paper: nothing to "
                                             "rank", "not run")
    paper_best, run_best = paper_mean[shared].idxmax(), run_mean[shared].idxmax()
    if paper_best != paper_mean.idxmax():
        paper += f"; among this run's {len(shared)}: {paper_best} ({_signed(paper_mean[paper_best])})"
    rho = (f"; Spearman rho of the {len(shared)} mean gains, paper vs run: "
           f"{stats.spearmanr(paper_mean[shared], run_mean[shared]).statistic:.2f}" if len(shared) > 2 else "")
    return _claim("which_layers", paper,
                  f"best on average {run_best} ({_signed(run_mean[run_best])}) of {len(shared)}; {paper_best}: "
                  f"{_signed(run_mean[paper_best])}{rho}", "agrees" if run_best == paper_best else "disagrees")


def _marker_counts(markers: pd.Series) -> tuple[int, int, int]:
    """(↑, •, cells) of Table 4's ablation cells."""
    return int((markers == HIGHER).sum()), int((markers == LOWER).sum()), len(markers)


def _paper_sources(tables: RunTables, scenario: str) -> str:
    """The paper's Table 4 in one scenario: its markers, and how many cells are above / below their All row.

    The two need not agree: the paper prints an undefined `↓`, and some of its `•` (a significant drop, says
    its caption) stand beside numbers above All."""
    reported = tables.paper["table4"]
    columns = [c for c in reported.columns if c.startswith(f"{scenario}-")]
    above = below = 0
    markers: list[str] = []
    for _, block in reported.groupby("domain", sort=False):
        reference = block[block["excluded_source"] == "All"]
        if reference.empty:
            continue
        for column in columns:
            all_uar = to_float(reference[column].iloc[0])
            for text in block.loc[block["excluded_source"] != "All", column]:
                markers.append(reported_marker(text))
                above += to_float(text) > all_uar
                below += to_float(text) < all_uar
    up, down = markers.count(HIGHER), markers.count(LOWER)
    undefined = sum(m not in ("", HIGHER, LOWER) for m in markers)
    return (f"{up} ↑ and {down} • of {len(markers)} cells"
            + (f" (and {undefined} {MARKERS[1]}, printed but undefined)" if undefined else "")
            + f"; by its numbers {above} above All, {below} below")


def sources(tables: RunTables, scenario: str) -> dict:
    """Table 4 in one scenario: the significant markers of the ablation cells (a source left out vs All) of the
    approaches the paper prints (A1-A4). The paper says S1 raises (↑) and S2 lowers (•): agrees when the run's
    markers lean the same way, disagrees when they lean the other way, mixed when tied; with no marker at all,
    `not shown` when the mean UAR change has the paper's sign, disagrees otherwise."""
    key = "sources_s1" if scenario == S1 else "sources_s2"
    paper = _paper_sources(tables, scenario)
    if tables.table4 is None:
        return _claim(key, paper, "no Table 4 ablation in this run", "not run")
    printed = [c for c in tables.paper["table4"].columns if c.startswith(f"{scenario}-")]   # A1-A4, as the paper
    ablation = tables.table4[(tables.table4["excluded"] != "") & tables.table4["column"].isin(printed)]
    if ablation.empty:
        return _claim(key, paper, f"no {scenario} ablation cells in this run", "not run")
    up, down, n = _marker_counts(ablation["marker"])
    sign = 1 if scenario == S1 else -1   # the direction the paper reports: S1 up, S2 down
    mean_change = float((ablation["uar"] - ablation["all_uar"]).mean())
    lean = sign * (up - down)
    if up == down == 0:
        verdict = "not shown" if sign * mean_change > 0 else "disagrees"
    else:
        verdict = "agrees" if lean > 0 else "disagrees" if lean < 0 else "mixed"
    change = ablation["uar"] - ablation["all_uar"]
    above, below = int((change > 0).sum()), int((change < 0).sum())
    return _claim(key, paper, f"{up} ↑ and {down} • of {n} cells; by the numbers {above} above All, {below} below; "
                              f"mean UAR change {_signed(mean_change)}", verdict)


def network_vs_asvm(tables: RunTables, statistics: Statistics = PAPER_STATISTICS) -> dict:
    """Table 5: the CNN+LSTM chosen per run on held-out data minus the A-SVM, per target, with Table 5's test.
    The paper's own Table 5 chose on test; the run's nested choice is the honest counterpart."""
    reported = tables.paper["table5"]
    paper_gain = reported["Gain"].map(to_float)
    paper = (f"ahead on {int((paper_gain > 0).sum())} of {len(paper_gain)} corpora (relative gain "
             f"{_signed(paper_gain.min())} to {_signed(paper_gain.max())}, chosen on test)")
    nested = tables.table5[(tables.table5["selection"] == NESTED) & tables.table5["uar"].notna()]
    if nested.empty:
        return _claim("network_vs_asvm", paper, "no nested choice in this run", "not run")
    difference = nested["uar"] - nested["asvm_uar"]
    significant = np.sign(difference).where(nested["p_value"].astype(float) <= statistics.alpha, 0)
    ahead, behind = int((significant > 0).sum()), int((significant < 0).sum())
    return _claim("network_vs_asvm", paper,
                  f"ahead on {int((difference > 0).sum())} of {len(difference)} domains (relative gain "
                  f"{_signed(nested['gain'].min())} to {_signed(nested['gain'].max())}, chosen per run on held-out "
                  f"data), mean UAR difference {_signed(difference.mean())}; {ahead} significantly ahead, {behind} "
                  f"behind",
                  _by_sign(float(difference.mean()), ahead, behind))


def check_claims(tables: RunTables, statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Every claim of the paper checked on the run: one row each, in the paper's order."""
    rows = [network_vs_svm_is(tables), transfer_vs_tt(tables, statistics), which_layers(tables),
            sources(tables, S1), sources(tables, S2), network_vs_asvm(tables, statistics)]
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def render_markdown(claims: pd.DataFrame) -> str:
    """The claims as a Markdown table (finding, paper, this run, verdict)."""
    lines = ["| finding | paper | this run | verdict |", "|---|---|---|---|"]
    lines += [f"| {row.finding} | {row.paper} | {row.run} | **{row.verdict}** |" for row in claims.itertuples()]
    return "\n".join(lines) + "\n"


def side_by_side(runs: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Several runs' claims in one table: the finding, the paper's side (of the first run), each run's side.

    Each run's cell is its verdict, then its side; where the paper's side for that run differs from the
    first run's (it is computed over the configurations the run has), the cell says so.
    """
    labels = list(runs)
    if not labels:
        raise ValueError("side_by_side needs at least one run's claims")
    first = runs[labels[0]].set_index("claim")
    table = first[["finding", "paper"]].copy()
    for label in labels:
        claims = runs[label].set_index("claim")
        unknown = sorted(set(claims.index) - set(first.index))
        if unknown:
            raise ValueError(f"claims of run {label!r} not in run {labels[0]!r}: {unknown}")
        cells = []
        for claim in table.index:
            if claim not in claims.index:
                cells.append("not checked")
                continue
            row = claims.loc[claim]
            cell = f"**{row['verdict']}**: {row['run']}"
            if row["paper"] != first.loc[claim, "paper"]:
                cell += f" (the paper, over this run's configurations: {row['paper']})"
            cells.append(cell)
        table[label] = cells
    return table.reset_index()


def render_side_by_side(table: pd.DataFrame) -> str:
    """side_by_side's table as Markdown (finding, paper, one column per run)."""
    runs = [column for column in table.columns if column not in ("claim", "finding", "paper")]
    lines = ["| finding | paper | " + " | ".join(runs) + " |", "|---|---|" + "---|" * len(runs)]
    lines += ["| " + " | ".join([row["finding"], row["paper"], *(row[run] for run in runs)]) + " |"
              for _, row in table.iterrows()]
    return "\n".join(lines) + "\n"


def write_claims(tables: RunTables, statistics: Statistics, csv_path: str | Path,
                 markdown_path: str | Path) -> pd.DataFrame:
    """Check the paper's claims on a run's tables; write the CSV and the Markdown table atomically."""
    claims = check_claims(tables, statistics)
    atomic.write_text(markdown_path, render_markdown(claims))
    atomic.write_text(csv_path, claims.to_csv(index=False))
    return claims
