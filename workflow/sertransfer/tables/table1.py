"""Table 1: dataset summary, the paper's columns beside what was measured on the manifests and folds.

`kept` counts what ingest kept (six emotions, good audio); `used` and `n_<emotion>` count what the
folds stage let take part, after classes rarer than k were dropped (`dropped_rare_classes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sertransfer import atomic
from sertransfer.manifest import read_manifest, read_report
from sertransfer.tables.latex import booktabs, escape
from sertransfer.tables.paper import read_reported
from sertransfer.tables.uars import Domains, dataset_names

PAPER_COLUMNS = ("age", "language", "emotion_type", "gender", "recording", "sampling_rate_hz", "n_samples")


def measured_row(domain: str, dataset: str, manifest: pd.DataFrame, report: Mapping, folds_report: Mapping,
                 emotions: Sequence[str]) -> dict:
    """What the pipeline measured for one domain (printed as `dataset`)."""
    counts = folds_report["kept_per_emotion"]
    rates = manifest["sample_rate"].value_counts()
    return {
        "domain": domain,
        "dataset": dataset,
        "kept": int(len(manifest)),
        "used": int(folds_report["kept"]),
        **{f"n_{emotion}": int(counts.get(emotion, 0)) for emotion in emotions},
        "dropped_rare_classes": ";".join(f"{k}={v}" for k, v in folds_report["dropped_rare_classes"].items()),
        "speakers": int(manifest["speaker"].dropna().nunique()),
        "sample_rate_hz": int(rates.index[0]) if len(rates) else None,
        "sample_rates_hz": ";".join(str(r) for r in sorted(rates.index)),
        "channels": ";".join(str(c) for c in sorted(manifest["channels"].unique())),
        "mean_duration_s": float(manifest["duration_s"].mean()) if len(manifest) else float("nan"),
        "dropped": int(report["dropped"]),
        "dropped_per_reason": ";".join(f"{k}={v}" for k, v in report["dropped_per_reason"].items()),
    }


def build_table1(domains: Domains, manifests: Sequence[str | Path], reports: Sequence[str | Path],
                 folds_reports: Sequence[str | Path], paper_path: str | Path,
                 emotions: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 1 (tidy) and its comparison with the paper, for the configured domains in order."""
    reported = read_reported(paper_path, "dataset").set_index("domain")
    rows, names = [], dataset_names(domains)
    for domain, manifest_path, report_path, folds_path in zip(names, manifests, reports, folds_reports,
                                                              strict=True):
        row = measured_row(domain, names[domain], read_manifest(manifest_path), read_report(report_path),
                           read_report(folds_path), emotions)
        corpus = row["dataset"]
        paper = reported.loc[domain] if domain in reported.index else None
        row.update({f"paper_{c}": (paper[c] if paper is not None else "") for c in PAPER_COLUMNS})
        row["dataset"] = corpus
        rows.append(row)
    first = ["domain", "dataset", *(f"paper_{c}" for c in PAPER_COLUMNS)]
    table = pd.DataFrame(rows)
    table = table[first + [c for c in table.columns if c not in first]]
    comparison = []
    for row in rows:
        for quantity, measured in (("n_samples", row["used"]), ("sampling_rate_hz", row["sample_rate_hz"])):
            text = row[f"paper_{quantity}"]
            reported_value = int(text) if text else None
            comparison.append({"domain": row["domain"], "dataset": row["dataset"], "quantity": quantity,
                               "reported": reported_value, "reproduced": measured,
                               "difference": (measured - reported_value) if reported_value is not None
                               and measured is not None else None})
    return table, pd.DataFrame(comparison)


def _rate(hz: str | int | None) -> str:
    """`48000` -> `48kHz`, `22050` -> `22.05kHz`."""
    if hz in (None, ""):
        return "--"
    khz = int(hz) / 1000
    return f"{khz:g}kHz"


def render_table1_tex(table: pd.DataFrame, emotions: Sequence[str]) -> str:
    """The paper's Table 1 layout, with the measured samples, speakers, rate and duration appended."""
    header = [["Dataset/Domain", "Age", "Language", "Emotion", "Gender", "Recording", "Sampling rate",
               r"\# samples", r"\# samples (here)", "Speakers (here)", "Rate (here)", "Mean dur. (s)"]]
    rows = []
    for row in table.to_dict("records"):
        paper_n = f"{int(row['paper_n_samples']):,}" if row["paper_n_samples"] else "--"
        rows.append([escape(row["dataset"]), escape(row["paper_age"] or "--"), escape(row["paper_language"] or "--"),
                     escape(row["paper_emotion_type"] or "--"), escape(row["paper_gender"] or "--"),
                     escape(row["paper_recording"] or "--"), _rate(row["paper_sampling_rate_hz"]), paper_n,
                     f"{row['used']:,}", str(row["speakers"]) if row["speakers"] else "--",
                     escape(";".join(_rate(r) for r in row["sample_rates_hz"].split(";") if r)) or "--",
                     f"{row['mean_duration_s']:.2f}"])
    dropped = [f"{escape(row['dataset'])}: {escape(row['dropped_rare_classes'].replace(';', ', '))}"
               for row in table.to_dict("records") if row["dropped_rare_classes"]]
    caption = ("Summary of the datasets. Columns up to \\# samples are the paper's; the columns marked "
               "(here) were measured on this run's manifests after mapping to the six emotions (" +
               ", ".join(emotions) + ")" + (", without the classes rarer than the number of folds, which are "
                                           "left out of their domain (" + "; ".join(dropped) + ")" if dropped
                                           else "") + ".")
    return booktabs(header, rows, "l" * 6 + "r" * 6, caption, "tab:datasets")


def write_table1(domains: Domains, manifests: Sequence[str | Path], reports: Sequence[str | Path],
                 folds_reports: Sequence[str | Path], paper_path: str | Path, emotions: Sequence[str],
                 csv_path: str | Path, tex_path: str | Path, comparison_path: str | Path) -> pd.DataFrame:
    """Build Table 1 and write its CSV, LaTeX and comparison files atomically."""
    table, comparison = build_table1(domains, manifests, reports, folds_reports, paper_path, emotions)
    atomic.write_text(comparison_path, comparison.to_csv(index=False))
    atomic.write_text(tex_path, render_table1_tex(table, emotions))
    atomic.write_text(csv_path, table.to_csv(index=False))
    return table
