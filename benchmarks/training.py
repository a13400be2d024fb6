"""Training throughput of the default (paper-size) network on this machine, the pipeline's overhead
against a bare `model.fit`, and the peak memory of a pooled pretraining job.

Run: `.venv/bin/python benchmarks/training.py` (uses the shared real Emo-DB copy; a few minutes).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np

from common import REPO, WORK, emodb_manifest, write_rows

EPOCHS = 3
BATCH = 32


def throughput() -> list[dict]:
    """Samples/s of `sertransfer.training.fit` and of a bare `model.fit` on the same arrays."""
    from sertransfer.config import load_config
    from sertransfer.features.waveform import extract_waveforms, read_waveforms
    from sertransfer.network import build_network, compile_network
    from sertransfer.training import configure_runtime, fit, label_indices

    config = load_config(REPO / "config" / "paper.yaml")
    manifest, root = emodb_manifest()
    cache = WORK / "training-emodb.parquet"
    WORK.mkdir(parents=True, exist_ok=True)
    extract_waveforms(manifest, root, cache, threads=2)
    x, meta = read_waveforms(cache)
    y = label_indices(meta["emotion"].tolist(), list(config["emotions"]))
    x_fit, y_fit, x_val, y_val = x[:320], y[:320], x[320:], y[320:]
    from sertransfer.settings import StageSettings

    settings = StageSettings(BATCH, EPOCHS, EPOCHS)
    rows = []
    for run in ("bare model.fit", "sertransfer fit", "bare model.fit", "sertransfer fit"):
        configure_runtime(7, 2)
        network = compile_network(build_network(config["model"], x.shape[1], 6), config["model"])
        network.fit(x_fit[:64, :, None], y_fit[:64], batch_size=BATCH, epochs=1, verbose=0)  # trace + warm-up
        start = time.perf_counter()
        if run.startswith("bare"):
            network.fit(x_fit[..., None], y_fit, validation_data=(x_val[..., None], y_val), batch_size=BATCH,
                        epochs=EPOCHS, verbose=0)
        else:
            fit(network, x_fit, y_fit, x_val, y_val, settings)
        seconds = time.perf_counter() - start
        rows.append({"run": run, "input_length": x.shape[1], "params": network.count_params(),
                     "train_samples": len(x_fit), "validation_samples": len(x_val), "epochs": EPOCHS,
                     "seconds": round(seconds, 2), "train_samples_per_s": round(len(x_fit) * EPOCHS / seconds, 1)})
        print(rows[-1], flush=True)
    return rows


def peak_memory() -> dict:
    """Peak RSS of a pooled pretraining job (paper network, Emo-DB copy, 1 epoch) in a fresh process."""
    script = f"""
import sys; sys.path.insert(0, {str(REPO / 'workflow')!r}); sys.path.insert(0, {str(REPO / 'benchmarks')!r})
from common import emodb_manifest, WORK
from sertransfer.config import load_config
from sertransfer.folds import assign_folds, write_folds
from sertransfer.jobs import JobData, run_pretrain
from sertransfer.plan import PretrainJob
from sertransfer.settings import TrainingSettings
config = load_config({str(REPO / 'config' / 'paper.yaml')!r})
config["training"]["pretrain"].update(max_epochs=1)
manifest, root = emodb_manifest()
write_folds(assign_folds(manifest, k=5, seed=1), WORK / "folds.parquet")
data = JobData({{"emodb": WORK / "training-emodb.parquet"}}, {{"emodb": WORK / "folds.parquet"}})
run_pretrain(PretrainJob("pooled-cnn_lstm-k0", "cnn_lstm", ("emodb",), 0),
             TrainingSettings.from_config(config, "pretrain"), data, WORK / "m.keras",
             WORK / "p.parquet", WORK / "h.json", threads=2)
"""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"job": "pooled pretraining, paper network, Emo-DB copy (300 train utterances), 1 epoch",
            "peak_rss_mb": round(peak_mb), "wall_s": round(time.perf_counter() - start, 1)}


def main() -> None:
    """Measure and write benchmarks/results/training.csv and training_memory.csv."""
    rows = throughput()
    bare = np.mean([r["seconds"] for r in rows if r["run"].startswith("bare")])
    ours = np.mean([r["seconds"] for r in rows if r["run"].startswith("sertransfer")])
    for row in rows:
        row["ratio_bare_over_pipeline"] = round(bare / ours, 3)
    print("ratio bare/pipeline:", round(bare / ours, 3))
    print("wrote", write_rows("training", rows))
    memory = peak_memory()
    print(json.dumps(memory))
    print("wrote", write_rows("training_memory", [memory]))


if __name__ == "__main__":
    main()
