"""Running the training jobs of the plan: pretraining, fine-tuning with A1–A8, and TT (SPEC §6–7).

Each job loads its inputs once, seeds itself from (config seed, job identity), trains with
early stopping on a validation split drawn from training data only, and writes its outputs
atomically: the `.keras` model (pretraining), a predictions file and a training-history JSON.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from sertransfer import atomic
from sertransfer.features.waveform import cache_layout, load_utterances, read_cache_labels
from sertransfer.folds import read_folds
from sertransfer.network import build_network, compile_network, load_network, set_input_statistics
from sertransfer.plan import FinetuneJob, PretrainJob, TargetOnlyJob, job_seed, job_utterances, unit_file
from sertransfer.predictions import prediction_frame, write_predictions
from sertransfer.sets import domain_of
from sertransfer.training import configure_runtime, fit, label_indices, predict
from sertransfer.transfer import check_approaches, prepare_finetuning

log = logging.getLogger(__name__)


class JobData:
    """Labels and folds of the domains a job touches, and sample loading from their caches."""

    def __init__(self, caches: Mapping[str, str | Path], folds: Mapping[str, str | Path]) -> None:
        self.caches = dict(caches)
        self.folds = {d: read_folds(p) for d, p in folds.items()}
        self.labels: dict[str, str] = {}
        for domain, path in caches.items():
            meta = read_cache_labels(path)
            self.labels.update(zip(meta["utterance_id"], meta["emotion"]))
        for domain, table in self.folds.items():
            missing = set(table["utterance_id"]) - set(self.labels)
            if missing:
                raise ValueError(f"folds of {domain} name {len(missing)} utterances absent from its waveform cache "
                                 f"(e.g. {sorted(missing)[:3]}); rerun the features rule")
        readings = {domain: cache_layout(Path(path)).get("standardize", "utterance") for domain, path in caches.items()}
        if len(set(readings.values())) > 1:
            raise ValueError(f"waveform caches were standardized differently ({readings}); rerun the features rule")
        #: features.waveform.standardize of the caches (`dimension`: the network standardizes its input)
        self.standardize = next(iter(readings.values()), "utterance")

    def arrays(self, ids: list[str], emotions: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Samples and class indices of `ids`."""
        return load_utterances(self.caches, ids), label_indices([self.labels[i] for i in ids], emotions)


def new_network(config: Mapping, data: JobData, x: np.ndarray, architecture: str) -> keras.Model:
    """A freshly initialised, compiled network for training rows x (standardizing its input when the caches ask)."""
    standardize_inputs = data.standardize == "dimension"
    network = build_network(config["model"], x.shape[1], len(config["emotions"]), architecture, standardize_inputs)
    if standardize_inputs:
        set_input_statistics(network, x)
    return compile_network(network, config["model"], config["training"]["run_eagerly"])


def _frame(data: JobData, ids: list[str], probabilities: np.ndarray, emotions: list[str], fold: int, **ident):
    """Predictions rows for `ids`."""
    return prediction_frame(ids, [domain_of(i) for i in ids], fold, [data.labels[i] for i in ids], probabilities,
                            emotions, **ident)


def _write_history(path: str | Path, history: Mapping) -> None:
    """Write a training-history JSON atomically."""
    atomic.write_text(path, json.dumps(history, indent=1) + "\n")


def _pretrain_ident(job: PretrainJob) -> dict:
    """Identifier columns of a pretrained model's own test predictions: `pooled` only for Table 2's sets."""
    pooled = not job.excluded and job.fold is not None
    return {"experiment": "pooled" if pooled else "pretrain", "model": job.architecture,
            "excluded": ",".join(job.excluded)}


def run_pretrain(job: PretrainJob, config: Mapping, data: JobData, model_path: str | Path,
                 predictions_path: str | Path, history_path: str | Path, threads: int) -> None:
    """Train one pretraining set; save the model; predict its test folds (pooled / S1 sets)."""
    emotions = list(config["emotions"])
    seed = job_seed(config["seed"], "pretrain", job.set_id)
    configure_runtime(seed, threads)
    split = job_utterances(job, data.folds, data.labels, seed=config["seed"],
                           validation_fraction=config["training"]["validation_fraction"])
    x, y = data.arrays(split["train"], emotions)
    x_val, y_val = data.arrays(split["validation"], emotions)
    network = new_network(config, data, x, job.architecture)
    log.info("pretrain %s: %d train, %d validation, %d test utterances", job.set_id, len(x), len(x_val),
             len(split["test"]))
    history = fit(network, x, y, x_val, y_val, config["training"]["pretrain"], seed)
    del x
    frames = []
    if split["test"]:
        x_test, _ = data.arrays(split["test"], emotions)
        frames.append(_frame(data, split["test"], predict(network, x_test), emotions, job.fold, **_pretrain_ident(job)))
    with atomic.atomic_path(model_path) as temporary:
        network.save(temporary)  # the temporary name keeps the .keras suffix Keras requires
    write_predictions(frames or [_frame(data, [], np.zeros((0, len(emotions))), emotions, -1, **_pretrain_ident(job))],
                      predictions_path)
    _write_history(history_path, {"job": job.set_id, **history.as_dict()})


def _approach_ident(job: FinetuneJob, approach: str) -> dict:
    """Identifier columns of a fine-tuning job's rows."""
    return {"experiment": "ablation" if job.excluded else "transfer", "model": "cnn_lstm",
            "scenario": job.scenario, "approach": approach, "excluded": job.excluded}


def run_finetune_set(jobs: Sequence[FinetuneJob], config: Mapping, caches: Mapping[str, str | Path],
                     folds: Mapping[str, str | Path], model_path: str | Path, predictions_dir: str | Path,
                     histories_dir: str | Path, threads: int) -> None:
    """Every fine-tuning job of one pretrained model, in one process (one TensorFlow start, one model load).

    Writes `<predictions_dir>/<target>/fold<k>.parquet` and `<histories_dir>/<target>/fold<k>.json` per
    job; each directory appears complete or not at all.
    """
    set_ids = {job.pretrain.set_id for job in jobs}
    if len(set_ids) != 1:
        raise ValueError(f"one fine-tuning set job takes the jobs of one pretrained model, not {sorted(set_ids)}")
    pretrained = load_network(str(model_path))
    with atomic.atomic_directory(predictions_dir) as predictions, atomic.atomic_directory(histories_dir) as histories:
        for job in jobs:
            data = JobData({job.target: caches[job.target]}, {job.target: folds[job.target]})
            run_finetune(job, config, data, pretrained, unit_file(predictions, job, "parquet"),
                         unit_file(histories, job, "json"), threads)


def run_finetune(job: FinetuneJob, config: Mapping, data: JobData, pretrained: keras.Model | str | Path,
                 predictions_path: str | Path, history_path: str | Path, threads: int) -> None:
    """Evaluate A1 and fine-tune every other approach from one pretrained model on target fold k."""
    emotions = list(config["emotions"])
    approaches = config["transfer"]["approaches"]
    check_approaches(approaches)
    split = job_utterances(job, data.folds, data.labels, seed=config["seed"],
                           validation_fraction=config["training"]["validation_fraction"])
    x, y = data.arrays(split["train"], emotions)
    x_val, y_val = data.arrays(split["validation"], emotions)
    x_test, _ = data.arrays(split["test"], emotions)
    if not isinstance(pretrained, keras.Model):
        pretrained = load_network(str(pretrained))
    frames, histories = [], {}
    for name, approach in approaches.items():
        seed = job_seed(config["seed"], "finetune", job.pretrain.set_id, job.target, job.fold, name)
        configure_runtime(seed, threads)
        if approach["finetune"]:
            network = prepare_finetuning(pretrained, approach, config["model"], seed,
                                         config["training"]["run_eagerly"])
            histories[name] = fit(network, x, y, x_val, y_val, config["training"]["finetune"], seed).as_dict()
        else:
            network = pretrained
        ident = _approach_ident(job, name)
        frames.append(_frame(data, split["test"], predict(network, x_test), emotions, job.fold, **ident))
        frames.append(_frame(data, split["validation"], predict(network, x_val), emotions, job.fold,
                             split="validation", **ident))
        log.info("finetune %s -> %s fold %d: %s done", job.pretrain.set_id, job.target, job.fold, name)
    write_predictions(frames, predictions_path)
    _write_history(history_path, {"job": f"{job.pretrain.set_id}/{job.target}/fold{job.fold}",
                                  "approaches": histories})


def run_target_only(job: TargetOnlyJob, config: Mapping, data: JobData, predictions_path: str | Path,
                    history_path: str | Path, threads: int) -> pd.DataFrame:
    """TT: train the CNN+LSTM from scratch on the target's training folds, test on fold k."""
    emotions = list(config["emotions"])
    seed = job_seed(config["seed"], "tt", job.target, job.fold)
    configure_runtime(seed, threads)
    split = job_utterances(job, data.folds, data.labels, seed=config["seed"],
                           validation_fraction=config["training"]["validation_fraction"])
    x, y = data.arrays(split["train"], emotions)
    x_val, y_val = data.arrays(split["validation"], emotions)
    x_test, _ = data.arrays(split["test"], emotions)
    network = new_network(config, data, x, "cnn_lstm")
    history = fit(network, x, y, x_val, y_val, config["training"]["target_only"], seed)
    ident = {"experiment": "tt", "model": "cnn_lstm", "approach": "TT"}
    frames = [_frame(data, split["test"], predict(network, x_test), emotions, job.fold, **ident),
              _frame(data, split["validation"], predict(network, x_val), emotions, job.fold, split="validation",
                     **ident)]
    write_predictions(frames, predictions_path)
    _write_history(history_path, {"job": f"tt/{job.target}/fold{job.fold}", **history.as_dict()})
    return frames[0]
