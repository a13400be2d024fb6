"""The readings study: which reading of the paper's under-specified details makes the network learn real speech.

Each reading is a set of config changes from the baseline (config/paper.yaml as it stood before the
study chose its default), tried one at a time as 5-fold TT (the paper-size CNN+LSTM trained from
scratch on a corpus's training folds, early-stopped on an inner validation split of them) on the two
real corpora of ../shared/data: EMOVO (whole corpus, 16 kHz) and Emo-DB-2s. Every job runs through the
pipeline's own code (ingest, waveform cache, folds, `sertransfer.jobs.run_target_only`), and every
number comes from its predictions files. Then the best combination: the baseline plus each change whose
mean *validation* UAR beat the baseline's (the better one where two change the same setting). The
default is chosen on validation UAR only; test UAR is reported beside it, never used to choose.

Run: `.venv/bin/python benchmarks/readings.py` (hours on 2 CPU cores; resumable: finished
(reading, corpus) parts are kept in benchmarks/work/readings/ and skipped). `--only NAME` runs one
reading. Results: benchmarks/results/readings.csv (per fold and mean rows). `--nested` writes
benchmarks/results/readings_nested.csv from it: the nested estimate of "choose a reading on validation"
(per corpus and run k, the reading best on run k's validation split, scored on run k's test fold).
`--rerun NAME` runs one finished reading again with the current code (parts `rerun-NAME-*`) and writes
benchmarks/results/readings_rerun.csv: per corpus, its rows of readings.csv beside the new run's UAR,
epochs, wall time and seconds per epoch (the training step's cost on real speech, before and after).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from common import REPO, SIX, WORK, write_rows

SHARED = REPO.parent / "shared" / "data"
CORPORA = {"emovo": SHARED / "emovo-16k", "emodb": SHARED / "emodb-2s"}
PARTS = WORK / "readings"
FOLDS = 5

#: The baseline: the reading config/paper.yaml held before this study (16 kHz x 3.375 s, per-utterance
#: standardization, zeros after the utterance, conv1 kernel 64 stride 16 pool 8, batch 32, up to 50 epochs,
#: patience 5 on validation loss, AdaDelta lr 1.0 rho .95 eps 1e-8).
BASELINE: dict = {
    "features": {"waveform": {"sample_rate": 16000, "length": 54000, "crop": "center", "pad": "end",
                              "standardize": "utterance"}},
    "model": {"conv1": {"filters": 128, "kernel": 64, "stride": 16, "pool": 8},
              "optimizer": {"learning_rate": 1.0, "rho": 0.95, "epsilon": 1.0e-8}},
    "training": {"target_only": {"batch_size": 32, "max_epochs": 50, "patience": 5, "monitor": "val_loss"}},
}

#: name -> (setting it changes, why it is defensible from the text, the change)
READINGS: dict[str, tuple[str, str, dict]] = {
    "baseline": ("-", "the pipeline's reading before this study", {}),
    "rate_8k": ("input", "54,000 samples at 8 kHz = 6.75 s: whole utterances instead of 3.375 s",
                {"features": {"waveform": {"sample_rate": 8000}}}),
    "rate_native": ("input", "each corpus at its own rate (Table 1 lists 16-48 kHz)",
                    {"features": {"waveform": {"sample_rate": "native"}}}),
    "pad_center": ("padding", "footnote 1 says padding, not where: zeros on both sides",
                   {"features": {"waveform": {"pad": "center"}}}),
    "standardize_dimension": ("standardization", "'features are standardized' per input dimension, "
                              "statistics of the training rows (StandardScaler on the 54,000 columns)",
                              {"features": {"waveform": {"standardize": "dimension"}}}),
    "kernel_128": ("conv1", "'kernels with 128 dimensions' read as kernel size 128 (not 128 filters)",
                   {"model": {"conv1": {"kernel": 128}}}),
    "frames_25ms": ("conv1", "speech-style frames: kernel 400 (25 ms) stride 160 (10 ms), pool 4",
                    {"model": {"conv1": {"kernel": 400, "stride": 160, "pool": 4}}}),
    "batch_16": ("batch", "Keras-era small batches: more updates on corpora of a few hundred utterances",
                 {"training": {"target_only": {"batch_size": 16}}}),
    "patience_10": ("stopping", "longer training: up to 100 epochs, patience 10",
                    {"training": {"target_only": {"max_epochs": 100, "patience": 10}}}),
    "monitor_uar": ("monitor", "early stopping on the validation UAR (the reported metric)",
                    {"training": {"target_only": {"monitor": "val_uar"}}}),
    "epsilon_1e-6": ("optimizer", "AdaDelta's epsilon as in Zeiler (2012), 1e-6 (Keras used 1e-8)",
                     {"model": {"optimizer": {"epsilon": 1.0e-6}}}),
}


def merged(base: dict, change: dict) -> dict:
    """`base` with the nested keys of `change` replaced."""
    out = copy.deepcopy(base)
    for key, value in change.items():
        out[key] = merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def reading_config(change: dict) -> dict:
    """config/paper.yaml with the baseline and then `change` applied, validated."""
    import yaml

    from sertransfer.config import validate_config

    paper = yaml.safe_load((REPO / "config" / "paper.yaml").read_text(encoding="utf-8"))
    config = merged(merged(paper, BASELINE), change)
    config.update(domains=["emovo"], corpora={"emovo": {"source": "local", "path": str(CORPORA["emovo"])}})
    return validate_config(config)


def prepare_corpus(corpus: str, config: dict) -> tuple[Path, Path]:
    """The corpus's waveform cache for this reading's feature settings, and its folds (shared by all readings)."""
    from sertransfer.corpora import get_corpus, ingest
    from sertransfer.features.waveform import extract_waveforms
    from sertransfer.folds import assign_folds, write_folds

    PARTS.mkdir(parents=True, exist_ok=True)
    waveform = config["features"]["waveform"]
    key = hashlib.sha256(json.dumps(waveform, sort_keys=True).encode()).hexdigest()[:10]
    cache, folds = PARTS / f"cache-{corpus}-{key}.parquet", PARTS / f"folds-{corpus}.parquet"
    if not (cache.exists() and folds.exists()):
        manifest = ingest(get_corpus(corpus), CORPORA[corpus], emotions=SIX, threads=2).manifest
        if not folds.exists():
            write_folds(assign_folds(manifest, k=FOLDS, strategy="stratified", seed=config["seed"]), folds)
        if not cache.exists():
            extract_waveforms(manifest, CORPORA[corpus], cache, sample_rate=waveform["sample_rate"],
                              length=waveform["length"], crop=waveform["crop"], pad=waveform["pad"],
                              standardize=waveform["standardize"], threads=2)
    return cache, folds


def run_part(name: str, change: dict, corpus: str) -> pd.DataFrame:
    """5-fold TT of one reading on one corpus through the pipeline's jobs; per-fold validation and test UAR."""
    from sertransfer.jobs import JobData, run_target_only
    from sertransfer.metrics import frame_uar
    from sertransfer.plan import TargetOnlyJob
    from sertransfer.predictions import read_predictions
    from sertransfer.settings import TrainingSettings

    config = reading_config(change)
    cache, folds = prepare_corpus(corpus, config)
    data = JobData({corpus: cache}, {corpus: folds})
    labels = sorted(set(data.labels.values()))
    rows = []
    for fold in range(FOLDS):
        out = PARTS / name / corpus
        out.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        settings = TrainingSettings.from_config(config, "target_only")
        run_target_only(TargetOnlyJob(corpus, fold), settings, data, out / f"fold{fold}.parquet",
                        out / f"fold{fold}.json", threads=2)
        wall = time.perf_counter() - start
        frame = read_predictions(out / f"fold{fold}.parquet")
        history = json.loads((out / f"fold{fold}.json").read_text())
        rows.append({"reading": name, "corpus": corpus, "fold": fold,
                     "validation_uar": frame_uar(frame[frame["split"] == "validation"], labels),
                     "test_uar": frame_uar(frame[frame["split"] == "test"], labels),
                     "epochs_run": history["epochs_run"], "best_epoch": history["best_epoch"],
                     "wall_s": round(wall, 1)})
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def part_path(name: str, corpus: str) -> Path:
    """Where the finished part of (reading, corpus) is kept."""
    return PARTS / f"{name}-{corpus}.csv"


def run_reading(name: str, change: dict) -> None:
    """Run each corpus of a reading in its own process (a fresh TensorFlow), unless already finished."""
    for corpus in CORPORA:
        if part_path(name, corpus).exists():
            continue
        subprocess.run([sys.executable, __file__, "--part", name, corpus, json.dumps(change)], check=True)


def summary(parts: pd.DataFrame) -> pd.DataFrame:
    """Mean validation / test UAR per (reading, corpus), and over both corpora."""
    per_corpus = parts.groupby(["reading", "corpus"], sort=False).agg(
        validation_uar=("validation_uar", "mean"), test_uar=("test_uar", "mean"), wall_s=("wall_s", "sum"),
        epochs_run=("epochs_run", "mean")).reset_index()
    overall = per_corpus.groupby("reading", sort=False).agg(
        validation_uar=("validation_uar", "mean"), test_uar=("test_uar", "mean"), wall_s=("wall_s", "sum"),
        epochs_run=("epochs_run", "mean")).reset_index().assign(corpus="both")
    return pd.concat([per_corpus, overall], ignore_index=True)


def best_combination(means: pd.DataFrame) -> tuple[list[str], dict]:
    """Baseline + every single change whose mean validation UAR beat the baseline's (best per setting)."""
    both = means[means["corpus"] == "both"].set_index("reading")["validation_uar"]
    chosen: dict[str, str] = {}
    for name, (setting, _, _) in READINGS.items():
        if name == "baseline" or name not in both or both[name] <= both["baseline"]:
            continue
        if setting not in chosen or both[name] > both[chosen[setting]]:
            chosen[setting] = name
    change: dict = {}
    for name in chosen.values():
        change = merged(change, READINGS[name][2])
    return sorted(chosen.values()), change


def nested_estimate(table: pd.DataFrame, candidates: list[str]) -> list[dict]:
    """"Choose a reading on validation" as a nested estimate: per corpus and run k, the candidate with the best
    validation UAR of run k, scored on run k's test fold (and on both corpora: run k's mean over the two)."""
    folds = table[table["fold"] != "mean"].astype({"fold": int, "validation_uar": float, "test_uar": float})
    folds = folds[folds["reading"].isin(candidates)]
    both = folds.groupby(["reading", "fold"], as_index=False)[["validation_uar", "test_uar"]].mean().assign(
        corpus="both")
    rows = []
    for corpus, frame in pd.concat([folds, both], ignore_index=True).groupby("corpus", sort=False):
        chosen = []
        for fold, run in frame.groupby("fold"):
            order = {name: i for i, name in enumerate(candidates)}   # ties: the earlier candidate
            best = run.assign(order=run["reading"].map(order)).sort_values(["validation_uar", "order"],
                                                                            ascending=[False, True]).iloc[0]
            chosen.append(best)
            rows.append({"corpus": corpus, "fold": fold, "chosen": best["reading"],
                         "validation_uar": round(best["validation_uar"], 4), "test_uar": round(best["test_uar"], 4)})
        rows.append({"corpus": corpus, "fold": "nested", "chosen": "; ".join(c["reading"] for c in chosen),
                     "validation_uar": round(float(np.mean([c["validation_uar"] for c in chosen])), 4),
                     "test_uar": round(float(np.mean([c["test_uar"] for c in chosen])), 4)})
    return rows


def nested(table_path: Path) -> None:
    """Write benchmarks/results/readings_nested.csv: the nested estimate over the single readings, and with the
    combination among the candidates (its definition used every run's validation UAR, so that row is not nested)."""
    table = pd.read_csv(table_path, dtype={"fold": str})
    singles = [name for name in READINGS]
    combination = [name for name in table["reading"].unique() if name.startswith("combination")]
    rows = [{"candidates": "single readings", **row} for row in nested_estimate(table, singles)]
    rows += [{"candidates": "single readings + combination", **row}
             for row in nested_estimate(table, singles + combination)]
    for row in rows:
        if row["fold"] == "nested":
            print(row)
    print("wrote", write_rows("readings_nested", rows))


def rerun(name: str) -> None:
    """Run reading `name` of readings.csv again; compare UAR, epochs and seconds per epoch with its recorded run."""
    table = pd.read_csv(REPO / "benchmarks" / "results" / "readings.csv", dtype={"fold": str})
    means = table[(table["reading"] == name) & (table["fold"] == "mean")]
    recorded = table[(table["reading"] == name) & (table["fold"] != "mean")]
    if means.empty or recorded.empty:
        raise SystemExit(f"reading {name!r} has no rows in benchmarks/results/readings.csv")
    change = json.loads(means.iloc[0]["change"])
    tag = f"rerun-{name}"
    run_reading(tag, change)
    rows = []
    for corpus in CORPORA:
        new = pd.read_csv(part_path(tag, corpus))
        old = recorded[recorded["corpus"] == corpus]
        for label, frame in (("recorded", old), ("rerun", new)):
            epochs, wall = frame["epochs_run"].astype(float), frame["wall_s"].astype(float)
            rows.append({"reading": name, "corpus": corpus, "run": label,
                         "validation_uar": round(frame["validation_uar"].astype(float).mean(), 4),
                         "test_uar": round(frame["test_uar"].astype(float).mean(), 4),
                         "epochs_run": round(epochs.mean(), 1), "wall_s": round(wall.sum(), 1),
                         "s_per_epoch": round(wall.sum() / epochs.sum(), 2)})
            print(rows[-1], flush=True)
    print("wrote", write_rows("readings_rerun", rows))


def main() -> None:
    """Run every reading, then the best combination; write benchmarks/results/readings.csv."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only this reading")
    parser.add_argument("--rerun", help="run this finished reading again with the current code")
    parser.add_argument("--nested", action="store_true",
                        help="only write the nested estimate of choosing a reading on validation, from readings.csv")
    parser.add_argument("--part", nargs=3, metavar=("READING", "CORPUS", "CHANGE_JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        name, corpus, change = args.part
        frame = run_part(name, json.loads(change), corpus)
        frame.to_csv(part_path(name, corpus), index=False)
        return
    if args.rerun:
        rerun(args.rerun)
        return
    if args.nested:
        nested(REPO / "benchmarks" / "results" / "readings.csv")
        return
    names = [args.only] if args.only else list(READINGS)
    for name in names:
        run_reading(name, READINGS[name][2])
    if args.only:
        return
    singles = pd.concat([pd.read_csv(part_path(n, c)) for n in READINGS for c in CORPORA], ignore_index=True)
    combination, change = best_combination(summary(singles))
    name = "combination:" + "+".join(combination) if combination else "baseline"
    if combination:
        run_reading(name, change)
        singles = pd.concat([singles, *(pd.read_csv(part_path(name, c)) for c in CORPORA)], ignore_index=True)
    means = summary(singles)
    rows = []
    for _, row in means.iterrows():
        setting, why, reading_change = READINGS.get(row["reading"], ("combination", "best single changes by "
                                                                      "validation UAR", change))
        rows.append({"reading": row["reading"], "corpus": row["corpus"], "fold": "mean", "setting": setting,
                     "change": json.dumps(reading_change), "validation_uar": round(row["validation_uar"], 4),
                     "test_uar": round(row["test_uar"], 4), "epochs_run": round(row["epochs_run"], 1),
                     "wall_s": round(row["wall_s"], 1), "why": why})
    for _, row in singles.iterrows():
        rows.append({"reading": row["reading"], "corpus": row["corpus"], "fold": int(row["fold"]), "setting": "",
                     "change": "", "validation_uar": round(row["validation_uar"], 4),
                     "test_uar": round(row["test_uar"], 4), "epochs_run": row["epochs_run"],
                     "wall_s": row["wall_s"], "why": ""})
    chosen = means[means["corpus"] == "both"].sort_values("validation_uar", ascending=False).iloc[0]
    print(f"chosen by mean validation UAR: {chosen['reading']} (validation {chosen['validation_uar']:.3f}, "
          f"test {chosen['test_uar']:.3f})")
    print("wrote", write_rows("readings", rows))


if __name__ == "__main__":
    main()
