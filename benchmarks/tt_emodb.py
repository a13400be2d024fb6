"""Real speech learns: 5-fold TT (training on target only) on the shared Emo-DB copy with the
default (paper-size) network, UAR per fold from the predictions files, epochs and wall time.

Run: `.venv/bin/python benchmarks/tt_emodb.py` (about 5 minutes on 2 cores).
"""

from __future__ import annotations

import json
import time

from common import REPO, WORK, emodb_manifest, write_rows
from sertransfer.config import load_config
from sertransfer.features.waveform import extract_waveforms
from sertransfer.folds import assign_folds, write_folds
from sertransfer.jobs import JobData, run_target_only
from sertransfer.metrics import frame_uar
from sertransfer.plan import TargetOnlyJob
from sertransfer.predictions import read_predictions
from sertransfer.settings import TrainingSettings


def main() -> None:
    """Run the five TT folds of Emo-DB and write benchmarks/results/tt_emodb.csv."""
    config = load_config(REPO / "config" / "paper.yaml")
    config["domains"] = ["emodb"]
    manifest, root = emodb_manifest()
    WORK.mkdir(parents=True, exist_ok=True)
    cache, folds = WORK / "tt-emodb-waveform.parquet", WORK / "tt-emodb-folds.parquet"
    extract_waveforms(manifest, root, cache, threads=2)
    write_folds(assign_folds(manifest, k=config["folds"]["k"], seed=config["seed"]), folds)
    data = JobData({"emodb": cache}, {"emodb": folds})
    labels = sorted(set(manifest["emotion"]))
    rows = []
    for fold in range(config["folds"]["k"]):
        start = time.perf_counter()
        predictions, history = WORK / f"tt-emodb-{fold}.parquet", WORK / f"tt-emodb-{fold}.json"
        run_target_only(TargetOnlyJob("emodb", fold), TrainingSettings.from_config(config, "target_only"), data,
                        predictions, history, threads=2)
        frame = read_predictions(predictions)
        test = frame[frame["split"] == "test"]
        trained = json.loads(history.read_text())
        rows.append({"fold": fold, "uar": round(frame_uar(test, labels), 4),
                     "uar_unrestricted": round(frame_uar(test, labels, restrict=False), 4),
                     "epochs_run": trained["epochs_run"], "best_epoch": trained["best_epoch"],
                     "wall_s": round(time.perf_counter() - start, 1)})
        print(rows[-1], flush=True)
    mean = sum(r["uar"] for r in rows) / len(rows)
    rows.append({"fold": "mean", "uar": round(mean, 4),
                 "uar_unrestricted": round(sum(r["uar_unrestricted"] for r in rows) / len(rows), 4),
                 "epochs_run": "", "best_epoch": "", "wall_s": round(sum(r["wall_s"] for r in rows), 1)})
    print(rows[-1])
    print("wrote", write_rows("tt_emodb", rows))


if __name__ == "__main__":
    main()
