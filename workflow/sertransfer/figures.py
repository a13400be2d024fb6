"""The figures (docs/design.md §12): Table 3 gains and Table 4 as heatmaps, confusion matrices, learning curves.

The heatmaps draw the tidy tables built by `sertransfer.tables.table3` / `table4` from the metrics
tables, so a figure shows exactly the numbers, bold cells and markers of its table. Confusion
matrices pool the test predictions of a target's best Table 3 configuration; learning curves come from
the training-history JSONs. Figures are drawn on `matplotlib.figure.Figure` with the Agg canvas (no
pyplot state, no display) and saved without the `Software` PNG chunk: a rerun on the same inputs
writes identical bytes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps, colors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from sertransfer import atomic
from sertransfer.corpora import dataset_name
from sertransfer.folds import domain_classes
from sertransfer.metrics import restricted_predictions
from sertransfer.predictions import read_predictions
from sertransfer.tables.columns import TT_COLUMN, read_table_csv
from sertransfer.tables.evidence import PAPER_STATISTICS, Evidence, MetricsFiles, Statistics
from sertransfer.tables.latex import paper_number
from sertransfer.tables.table4 import HIGHER, LOWER
from sertransfer.tables.uars import (
    TEST,
    Configuration,
    Domains,
    FoldUARs,
    MetricsPaths,
    adaptive_svm,
    dataset_names,
    ordered_domains,
    read_metrics,
    svm_is,
    target_only,
    transfer,
)

DPI = 110
PNG_METADATA = {"Software": None}  # matplotlib's version chunk: the only non-content chunk of an Agg PNG
PREFERRED_CURVE_APPROACH = "A2"  # nothing frozen: the plain fine-tuning curve
MISSING_COLOUR = "#dddddd"


# ---------------------------------------------------------------- shared helpers


def save_figure(figure: Figure, path: str | Path) -> None:
    """Write `figure` as a PNG atomically, without the version chunk (identical bytes on rerun)."""
    with atomic.atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=DPI, metadata=PNG_METADATA)


def new_figure(width: float, height: float) -> Figure:
    """A figure on the Agg canvas (no pyplot) with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained")


def text_colour(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on a cell of colour `rgba`."""
    red, green, blue = rgba[:3]
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"


def draw_heatmap(ax: Axes, values: np.ndarray, texts: Sequence[Sequence[str]], row_labels: Sequence[str],
                 column_labels: Sequence[str], cmap: str, norm: colors.Normalize,
                 bold: np.ndarray | None = None, fontsize: float = 8) -> AxesImage:
    """Coloured cells with their annotations (grey where a value is missing); returns the image for a colorbar."""
    colour_map = colormaps[cmap].with_extremes(bad=MISSING_COLOUR)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=colour_map, norm=norm, aspect="auto",
                      interpolation="nearest")
    for (row, column), value in np.ndenumerate(values):
        if texts[row][column]:
            colour = "black" if math.isnan(value) else text_colour(colour_map(norm(value)))
            weight = "bold" if bold is not None and bold[row, column] else "normal"
            ax.text(column, row, texts[row][column], ha="center", va="center", fontsize=fontsize, color=colour,
                    fontweight=weight)
    ax.set_xticks(range(len(column_labels)), column_labels, fontsize=fontsize)
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=fontsize)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image


def separate(ax: Axes, rows: Sequence[int] = (), columns: Sequence[int] = ()) -> None:
    """White lines between cell groups, after the given row / column indices."""
    for row in rows:
        ax.axhline(row + 0.5, color="white", linewidth=3)
    for column in columns:
        ax.axvline(column + 0.5, color="white", linewidth=3)


def group_boundaries(keys: Sequence[object]) -> list[int]:
    """Indices after which `keys` changes value (where to draw group separators)."""
    return [i for i in range(len(keys) - 1) if keys[i] != keys[i + 1]]


def grid(table: pd.DataFrame, rows: Sequence[str], values: str) -> pd.DataFrame:
    """A tidy table as a matrix: `rows` (in order of appearance) × `column` (in order of appearance)."""
    matrix = table.set_index([*rows, "column"])[values].unstack("column")
    order = list(dict.fromkeys(table[rows[0]] if len(rows) == 1 else zip(*(table[r] for r in rows))))
    return matrix.reindex(index=order, columns=list(dict.fromkeys(table["column"])))


def signed_number(value: float) -> str:
    """A gain in the paper's style with an explicit sign ('+.121', '-.095'); '–' when missing."""
    text = paper_number(value)
    return "–" if not text else text if text.startswith("-") else f"+{text}"


def read_history(path: str | Path) -> dict:
    """Read a training-history JSON (`loss`, `val_loss`, `best_epoch`, or per approach under `approaches`)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"training history {path} is unreadable ({error}); rerun its training job") from error


# ---------------------------------------------------------------- Table 3 gains


def plot_table3_gains(table: pd.DataFrame, path: str | Path) -> None:
    """Heatmap of a built Table 3: targets (TT UAR in the label) and Average × S1/S2 × A1–A8 gains; bold = best."""
    gains = table[~table["domain"].isin(["std"]) & (table["column"] != TT_COLUMN)]
    tt = table[table["column"] == TT_COLUMN].set_index("domain")["uar"]
    values = grid(gains, ["domain"], "gain")
    best = grid(gains, ["domain"], "best").fillna(False).astype(bool).to_numpy()
    matrix = values.to_numpy(dtype=float)
    halfrange = float(np.nanmax(np.abs(matrix))) if np.isfinite(matrix).any() else 0.0
    norm = colors.CenteredNorm(vcenter=0.0, halfrange=halfrange or 0.01)
    names = dict(zip(gains["domain"], gains["dataset"]))
    rows = [f"{names[d]} (TT {paper_number(tt[d])})" if d in tt.index else names[d] for d in values.index]
    columns = [column.replace("-", "\n") for column in values.columns]
    figure = new_figure(max(5.5, 1.2 + 0.55 * len(columns)), 1.4 + 0.42 * len(rows))
    ax = figure.add_subplot()
    texts = [[signed_number(v) for v in row] for row in matrix]
    image = draw_heatmap(ax, matrix, texts, rows, columns, "RdBu", norm, bold=best, fontsize=7)
    separate(ax, rows=group_boundaries([d == "average" for d in values.index]),
             columns=group_boundaries([c.split("-")[0] for c in values.columns]))
    ax.set_title("Table 3: relative gain over TT, (UAR − TT) / TT, of fold-mean UARs\n"
                 "bold: the best gain of each target", fontsize=9)
    figure.colorbar(image, ax=ax, shrink=0.8, label="relative gain")
    save_figure(figure, path)


def write_table3_gains(table_path: str | Path, path: str | Path) -> pd.DataFrame:
    """Table 3 gains heatmap from results/tables/table3.csv; returns the table drawn."""
    table = read_table_csv(table_path)
    plot_table3_gains(table, path)
    return table


# ---------------------------------------------------------------- Table 4 ablation


def plot_table4(table: pd.DataFrame, scenario: str, markers_by: str, path: str | Path) -> None:
    """Heatmap of a built Table 4 for one scenario: rows All + each excluded source per target, UARs + markers."""
    cells = table[table["scenario"] == scenario].assign(column=lambda t: t["approach"])
    if cells.empty:
        raise ValueError(f"Table 4 has no {scenario} cells: nothing for its heatmap")
    values = grid(cells, ["domain", "excluded"], "uar")
    markers = grid(cells, ["domain", "excluded"], "marker").fillna("")
    matrix = values.to_numpy(dtype=float)
    texts = [[f"{paper_number(v)}{m}" if not math.isnan(v) else "–" for v, m in zip(value_row, mark_row)]
             for value_row, mark_row in zip(matrix, markers.to_numpy())]
    names = dict(zip(cells["domain"], cells["dataset"])) | dict(zip(cells["excluded"], cells["source"]))
    labels = [f"{names[target]}: " + (f"−{names[excluded]}" if excluded else "All")
              for target, excluded in values.index]
    figure = new_figure(max(5.5, 1.8 + 0.6 * len(values.columns)), 1.4 + 0.3 * len(labels))
    ax = figure.add_subplot()
    norm = colors.Normalize(vmin=float(np.nanmin(matrix)), vmax=float(np.nanmax(matrix)))
    image = draw_heatmap(ax, matrix, texts, labels, list(values.columns), "viridis", norm, fontsize=7)
    separate(ax, rows=group_boundaries([target for target, _ in values.index]))
    ax.set_title(f"Table 4, {scenario}: fold-mean UAR with all sources and without each (−)\n"
                 f"{markers_by} vs All: {HIGHER} higher, {LOWER} lower", fontsize=8)
    figure.colorbar(image, ax=ax, shrink=0.6, label="UAR")
    save_figure(figure, path)


def write_table4(table_path: str | Path, scenario: str, markers_by: str, path: str | Path) -> pd.DataFrame:
    """Table 4 heatmap of one scenario from results/tables/table4.csv; returns the table drawn.

    `markers_by` names the test that made the markers (`Statistics.describe`), for the title.
    """
    table = read_table_csv(table_path)
    plot_table4(table, scenario, markers_by, path)
    return table[table["scenario"] == scenario]


# ---------------------------------------------------------------- confusion matrices


def best_configuration(uars: FoldUARs, target: str, scenarios: Sequence[str],
                       approaches: Sequence[str]) -> tuple[Configuration, float]:
    """The Table 3 configuration with the best mean test UAR on `target`, and that UAR.

    Ties go to the first configuration in Table 3's order (scenarios, then approaches, as configured).
    """
    configs = [transfer(scenario, approach) for scenario in scenarios for approach in approaches]
    cells = uars.collect([(config, target, TEST) for config in configs], f"confusion matrix of {target}")
    best = max(configs, key=lambda config: float(cells[(config, target, TEST)].mean()))
    return best, float(cells[(best, target, TEST)].mean())


def confusion_counts(true: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> pd.DataFrame:
    """Counts with rows = true class (`labels`), columns = predicted (`labels`, then any other predicted class)."""
    true, pred = pd.Series(list(true), name="true"), pd.Series(list(pred), name="predicted")
    columns = [*labels, *sorted(set(pred) - set(labels))]
    return pd.crosstab(true, pred).reindex(index=list(labels), columns=columns, fill_value=0)


def normalise_rows(counts: pd.DataFrame) -> pd.DataFrame:
    """Each row divided by its total (recall per true class on the diagonal); NaN for empty rows."""
    return counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)


def target_confusion(predictions: pd.DataFrame, target: str, config: Configuration, labels: Sequence[str],
                     restrict: bool) -> pd.DataFrame:
    """Confusion counts of one configuration on `target`, pooled over the test folds of `predictions`."""
    selected = (predictions["split"] == TEST) & (predictions["domain"] == target)
    for column in ("experiment", "model", "scenario", "approach", "excluded"):
        selected &= predictions[column] == getattr(config, column)
    frame = predictions[selected]
    if frame.empty:
        raise ValueError(f"no test predictions of {config.describe()} on {target}")
    pred = restricted_predictions(frame, labels) if restrict else frame["pred"]
    return confusion_counts(frame["true"], pred, labels)


def plot_confusion(counts: pd.DataFrame, dataset: str, config: Configuration, mean_uar: float, restrict: bool,
                   path: str | Path) -> pd.DataFrame:
    """Row-normalised confusion matrix (shares and counts annotated); returns the shares."""
    shares = normalise_rows(counts)
    values = shares.to_numpy(dtype=float)
    texts = [[f"{paper_number(v, 2)}\n({n})" if not math.isnan(v) else "" for v, n in zip(share_row, count_row)]
             for share_row, count_row in zip(values, counts.to_numpy())]
    figure = new_figure(max(5.5, 1.6 + 0.75 * len(counts.columns)), 1.6 + 0.6 * len(counts.index))
    ax = figure.add_subplot()
    image = draw_heatmap(ax, values, texts, list(counts.index), list(counts.columns), "Blues",
                         colors.Normalize(vmin=0.0, vmax=1.0), fontsize=8)
    for label in ax.get_xticklabels():
        label.set(rotation=30, horizontalalignment="right", rotation_mode="anchor")
    ax.set_xlabel("predicted" + (" (argmax over the domain's classes)" if restrict else ""), fontsize=8)
    ax.set_ylabel("true", fontsize=8)
    ax.set_title(f"{dataset}: best Table 3 configuration {config.label} "
                 f"(mean UAR {paper_number(mean_uar)})\n{int(counts.to_numpy().sum())} test utterances pooled "
                 f"over the folds; rows normalised", fontsize=8)
    figure.colorbar(image, ax=ax, shrink=0.8, label="share of the true class")
    save_figure(figure, path)
    return shares


def write_confusion(metrics_paths: MetricsPaths, predictions_paths: Sequence[str | Path],
                    folds_path: str | Path, target: str, scenarios: Sequence[str], approaches: Sequence[str],
                    restrict: bool, path: str | Path, dataset: str = "") -> pd.DataFrame:
    """Confusion matrix of the target's best Table 3 configuration (titled `dataset`, default: its default name)."""
    config, mean_uar = best_configuration(read_metrics(metrics_paths), target, scenarios, approaches)
    counts = target_confusion(read_predictions(predictions_paths), target, config, domain_classes(folds_path),
                              restrict)
    return plot_confusion(counts, dataset or dataset_name(target), config, mean_uar, restrict, path)


# ---------------------------------------------------------------- learning curves


def curve_approach(approaches: Mapping[str, Mapping]) -> str:
    """The approach whose fine-tuning curves are drawn: A2 if it fine-tunes, else the first that does."""
    tuned = [name for name, settings in approaches.items() if settings.get("finetune", True)]
    if not tuned:
        raise ValueError("no configured approach fine-tunes: no fine-tuning curves to draw")
    return PREFERRED_CURVE_APPROACH if PREFERRED_CURVE_APPROACH in tuned else tuned[0]


def draw_losses(ax: Axes, curves: Sequence[tuple[str, Mapping]], title: str, legend_limit: int = 8) -> None:
    """Train (solid) and validation (dashed) loss per epoch, one colour per curve, a dot at the kept epoch."""
    if not curves:
        ax.text(0.5, 0.5, "no history", ha="center", va="center", transform=ax.transAxes, fontsize=8)
    width = 1.2 if len(curves) <= legend_limit else 0.7
    for index, (label, history) in enumerate(curves):
        colour = f"C{index % 10}"
        epochs = np.arange(1, len(history["loss"]) + 1)
        ax.plot(epochs, history["loss"], color=colour, linewidth=width, label=label)
        ax.plot(np.arange(1, len(history["val_loss"]) + 1), history["val_loss"], color=colour, linewidth=width,
                linestyle="--")
        best = history.get("best_epoch", 0)
        if 1 <= best <= len(history["val_loss"]):
            ax.plot([best], [history["val_loss"][best - 1]], marker="o", markersize=3, color=colour)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("epoch", fontsize=8)
    ax.set_ylabel("cross-entropy", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if 0 < len(curves) <= legend_limit:
        ax.legend(fontsize=6, title="solid: train, dashed: validation", title_fontsize=6)


def history_fold(history: Mapping, default: int) -> int:
    """The fold k of a fine-tuning / TT history, from its `job` field ('.../fold3')."""
    match = re.search(r"fold(\d+)$", str(history.get("job", "")))
    return int(match.group(1)) if match else default


def plot_learning_curves(dataset: str, tt_histories: Sequence[Mapping],
                         finetune_histories: Mapping[str, Sequence[Mapping]], approach: str,
                         path: str | Path) -> None:
    """Per-fold loss curves of TT and of `approach` fine-tuning in each scenario, for one target (`dataset`)."""
    panels = [("TT (from scratch)", tt_histories, None)]
    panels += [(f"{scenario}-{approach} fine-tuning", histories, approach)
               for scenario, histories in finetune_histories.items()]
    figure = new_figure(3.4 * len(panels), 3.2)
    axes = figure.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, (title, histories, name) in zip(axes, panels):
        curves = []
        for index, history in enumerate(histories):
            curve = history if name is None else history.get("approaches", {}).get(name)
            if curve:
                curves.append((f"fold {history_fold(history, index)}", curve))
        draw_losses(ax, curves, title)
    figure.suptitle(f"{dataset}: training curves", fontsize=10)
    save_figure(figure, path)


def write_learning_curves(target: str, tt_paths: Sequence[str | Path], finetune_paths: Sequence[str | Path],
                          finetune_jobs: Sequence[Mapping], approaches: Mapping[str, Mapping],
                          path: str | Path, dataset: str = "") -> None:
    """Learning-curve figure of one target (titled `dataset`, default: its default name); `finetune_jobs` (plan
    job dicts, same order) give each scenario."""
    if len(finetune_paths) != len(finetune_jobs):
        raise ValueError(f"{len(finetune_paths)} fine-tuning histories for {len(finetune_jobs)} jobs")
    by_scenario: dict[str, list[dict]] = {}
    for history_path, job in sorted(zip(finetune_paths, finetune_jobs), key=lambda pair: pair[1]["scenario"]):
        by_scenario.setdefault(job["scenario"], []).append(read_history(history_path))
    plot_learning_curves(dataset or dataset_name(target), [read_history(p) for p in tt_paths], by_scenario,
                         curve_approach(approaches), path)


def pretrain_group(job: Mapping) -> str:
    """Panel of a pretraining set (a plan job dict): pooled per architecture, S2, an ablation family, or the
    cross-corpus models (one domain each, tested on the others)."""
    excluded = list(job.get("excluded") or [])
    if job.get("tests_on"):
        return "cross-corpus (one domain, tested on the others)"
    if not excluded:
        return f"pooled {job['architecture']} (Table 2, S1)"
    if job["fold"] is None:
        return "S2 (all but the target)" if len(excluded) == 1 else "S2 ablation (all but target and source)"
    return "S1 ablation (pooled without one source)"


def plot_pretrain_curves(histories: Sequence[Mapping], jobs: Sequence[Mapping], path: str | Path) -> None:
    """Loss curves of every pretraining set, one panel per family of sets (a legend where it is readable)."""
    if len(histories) != len(jobs):
        raise ValueError(f"{len(histories)} pretraining histories for {len(jobs)} jobs")
    groups: dict[str, list[tuple[str, Mapping]]] = {}
    for history, job in zip(histories, jobs):
        groups.setdefault(pretrain_group(job), []).append((job["set_id"], history))
    columns = min(3, max(1, len(groups)))
    rows = math.ceil(len(groups) / columns)
    figure = new_figure(4.0 * columns, 3.2 * rows)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, (title, curves) in zip(axes, groups.items()):
        draw_losses(ax, curves, title)
    for ax in axes[len(groups):]:
        ax.set_visible(False)
    figure.suptitle("Pretraining curves", fontsize=10)
    save_figure(figure, path)


def write_pretrain_curves(history_paths: Sequence[str | Path], jobs: Sequence[Mapping], path: str | Path) -> None:
    """Pretraining-curves figure from the history JSONs and their plan job dicts (same order)."""
    plot_pretrain_curves([read_history(p) for p in history_paths], jobs, path)


# ---------------------------------------------------------------- UAR with confidence intervals


def uar_intervals(evidence: Evidence, domains: Domains, scenarios: Sequence[str], approaches: Sequence[str],
                  statistics: Statistics = PAPER_STATISTICS) -> pd.DataFrame:
    """Per target: TT, the S1 and S2 approach chosen per run on held-out data, SVM-IS and A-SVM, with UAR CIs.

    UAR is the mean of the test folds' UARs (over seeds), the interval its bootstrap CI (collect_metrics); for a
    scenario's nested choice, of each run's test fold predicted by the approach chosen for that run.
    """
    rows, names = [], dataset_names(domains)
    for target in ordered_domains(domains):
        rows.extend(_interval_row(evidence, target, names[target], name, config)
                    for name, config in [("TT", target_only())])
        for scenario in scenarios:
            choice = evidence.nested_choice([transfer(scenario, a) for a in approaches], target)
            if choice is not None:
                rows.append({"domain": target, "dataset": names[target],
                             "system": f"{scenario} (chosen per run on {choice.split})",
                             "configuration": choice.describe_runs(), **evidence.nested_pooled(choice, statistics)})
        rows.extend(_interval_row(evidence, target, names[target], name, config)
                    for name, config in [("SVM-IS", svm_is()), ("A-SVM", adaptive_svm())])
    return pd.DataFrame([row for row in rows if row])


def _interval_row(evidence: Evidence, target: str, dataset: str, name: str, config: Configuration) -> dict:
    """One system's pooled UAR and CI on a target ({} when it was not evaluated there)."""
    cell = (config, target, TEST)
    if cell not in evidence:
        return {}
    return {"domain": target, "dataset": dataset, "system": name, "configuration": config.label,
            **evidence.pooled(cell)}


def plot_uar_intervals(rows: pd.DataFrame, confidence: float, path: str | Path) -> None:
    """One panel per target: each system's UAR as a point with its confidence interval."""
    targets = list(dict.fromkeys(rows["domain"]))
    columns = min(3, len(targets))
    lines = math.ceil(len(targets) / columns)
    figure = new_figure(3.4 * columns, 0.6 + 2.1 * lines)
    for index, target in enumerate(targets):
        ax = figure.add_subplot(lines, columns, index + 1)
        frame = rows[rows["domain"] == target].reset_index(drop=True)
        y = np.arange(len(frame))[::-1]
        low = (frame["fold_mean_uar"] - frame["uar_ci_low"]).clip(lower=0).fillna(0)
        high = (frame["uar_ci_high"] - frame["fold_mean_uar"]).clip(lower=0).fillna(0)
        ax.errorbar(frame["fold_mean_uar"], y, xerr=[low, high], fmt="o", color="#1f4e79", ecolor="#7f7f7f", capsize=3,
                    markersize=4)
        ax.set_yticks(y, frame["system"], fontsize=6)
        ax.set_xlim(0, 1)
        ax.tick_params(axis="x", labelsize=6)
        ax.set_title(frame["dataset"].iloc[0], fontsize=8)
        ax.grid(axis="x", linewidth=0.3)
    figure.suptitle(f"UAR (mean over the test folds) with its {confidence:.0%} bootstrap confidence interval",
                    fontsize=9)
    save_figure(figure, path)


def write_uar_intervals(metrics: MetricsFiles, domains: Domains, scenarios: Sequence[str],
                        approaches: Sequence[str], statistics: Statistics, path: str | Path) -> pd.DataFrame:
    """The UAR-with-CI figure from the metrics files of tt, transfer, svm_is and asvm; returns what it drew."""
    rows = uar_intervals(Evidence(metrics), domains, scenarios, approaches, statistics)
    if rows.empty:
        raise ValueError("no UARs to draw: are the tt, transfer, svm_is and asvm metrics given?")
    plot_uar_intervals(rows, statistics.confidence, path)
    return rows


# ---------------------------------------------------------------- the cross-corpus matrix


def plot_cross_corpus(table: pd.DataFrame, path: str | Path) -> None:
    """One heat map per system: trained on (rows) x tested on (columns), UAR in each cell, chance in the labels."""
    systems = list(dict.fromkeys(table["system"]))
    names = {**dict(zip(table["source"], table["source_dataset"])),
             **dict(zip(table["target"], table["target_dataset"]))}
    domains = list(dict.fromkeys([*table["source"], *table["target"]]))
    chance = table.drop_duplicates("target").set_index("target")["chance"]
    figure = new_figure(1.6 + 4.2 * len(systems), 1.6 + 0.5 * len(domains))
    norm = colors.Normalize(vmin=0.0, vmax=max(0.6, float(table["uar"].max())))
    image = None
    for index, system in enumerate(systems):
        ax = figure.add_subplot(1, len(systems), index + 1)
        values = table[table["system"] == system].pivot(index="source", columns="target", values="uar")
        values = values.reindex(index=domains, columns=domains).to_numpy(dtype=float)
        texts = [["" if math.isnan(v) else paper_number(v) for v in row] for row in values]
        columns = [f"{names[d]}\n(chance {paper_number(chance[d])})" if d in chance.index else names[d]
                   for d in domains]
        image = draw_heatmap(ax, values, texts, [names[d] for d in domains], columns, "viridis", norm, fontsize=7)
        ax.set_title(f"{system}: trained on (rows), tested on (columns)", fontsize=9)
    if image is not None:
        figure.colorbar(image, ax=figure.axes, shrink=0.8, label="UAR")
    save_figure(figure, path)


def write_cross_corpus(table_path: str | Path, path: str | Path) -> pd.DataFrame:
    """The cross-corpus heat maps from the matrix's CSV."""
    table = read_table_csv(table_path)
    plot_cross_corpus(table, path)
    return table
