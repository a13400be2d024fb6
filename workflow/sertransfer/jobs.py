"""Running the training jobs of the plan: pretraining, fine-tuning with A1–A8, and TT (docs/design.md §7–8).

Each job loads its inputs once, seeds itself from (config seed, job identity), trains with early
stopping on its validation split (never on a test fold; docs/design.md §5), and writes its outputs
atomically: the `.keras` model (pretraining), a predictions file and a training-history JSON. What a
job depends on comes in one `TrainingSettings`; the three kinds of job share one preparation
(`prepare`: seed, split, arrays).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from sertransfer import atomic
from sertransfer.download import sha256_file
from sertransfer.features.waveform import cache_layout, load_utterances, read_cache_labels
from sertransfer.fingerprint import code_fingerprint
from sertransfer.folds import read_folds
from sertransfer.network import build_network, compile_network, load_network, set_input_statistics
from sertransfer.plan import (
    FinetuneJob,
    PretrainJob,
    TargetOnlyJob,
    finetune_experiment,
    job_utterances,
    pretrain_experiment,
    unit_file,
)
from sertransfer.predictions import prediction_frame, write_predictions
from sertransfer.resume import FinishedUnits
from sertransfer.seeds import derived_seed
from sertransfer.sets import domain_of
from sertransfer.settings import TrainingSettings
from sertransfer.training import configure_runtime, fit, label_indices, machine_fingerprint, predict
from sertransfer.transfer import SharedFinetuning, check_approaches, start_approach
from sertransfer.vocabulary import CACHE_INPUT, CNN_LSTM, FOLDS_INPUT, TT, TT_APPROACH, repeat_tag

log = logging.getLogger(__name__)


def domain_inputs(inputs: Mapping[str, str], domains: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each domain's waveform cache and folds table, from a training rule's named inputs (`CACHE_INPUT`,
    `FOLDS_INPUT`)."""
    domains = list(domains)
    return ({d: inputs[CACHE_INPUT.format(domain=d)] for d in domains},
            {d: inputs[FOLDS_INPUT.format(domain=d)] for d in domains})


class JobData:
    """Labels and folds of the domains a job touches, and sample loading from their caches."""

    def __init__(self, caches: Mapping[str, str | Path], folds: Mapping[str, str | Path]) -> None:
        self.caches = dict(caches)
        self.folds = {d: read_folds(p) for d, p in folds.items()}
        self.labels: dict[str, str] = {}
        for path in caches.values():
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


def new_network(settings: TrainingSettings, data: JobData, x: np.ndarray, architecture: str) -> keras.Model:
    """A freshly initialised, compiled network for training rows x (standardizing its input when the caches ask)."""
    standardize_inputs = data.standardize == "dimension"
    network = build_network(settings.model, x.shape[1], len(settings.emotions), architecture, standardize_inputs)
    if standardize_inputs:
        set_input_statistics(network, x)
    return compile_network(network, settings.model, settings.run_eagerly)


@dataclass
class PreparedJob:
    """A job's seed, utterance ids and arrays, ready to train."""

    seed: int
    split: dict[str, list[str]]
    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray

    def test_samples(self, data: JobData, emotions: Sequence[str]) -> np.ndarray:
        """The samples of the job's test utterances (loaded when asked: pretraining frees x first)."""
        return data.arrays(self.split["test"], emotions)[0]

    def scored_splits(self, data: JobData, emotions: Sequence[str]) -> dict[str, tuple[list[str], np.ndarray]]:
        """Ids and samples of every split a fine-tuning or TT job predicts: test, validation, selection."""
        scored = {"test": (self.split["test"], self.test_samples(data, emotions)),
                  "validation": (self.split["validation"], self.x_val)}
        if self.split["selection"]:
            scored["selection"] = (self.split["selection"], data.arrays(self.split["selection"], emotions)[0])
        return scored


def prepare(job: PretrainJob | FinetuneJob | TargetOnlyJob, settings: TrainingSettings, data: JobData,
            threads: int, *identity: object) -> PreparedJob:
    """Seed the runtime from (config seed, `identity`), draw the job's split and load its fit and validation rows."""
    seed = derived_seed(settings.seed, *identity)
    configure_runtime(seed, threads)
    split = job_utterances(job, data.folds, data.labels, seed=settings.seed,
                           validation_fraction=settings.validation_fraction,
                           selection_fraction=settings.selection_fraction)
    x, y = data.arrays(split["train"], settings.emotions)
    x_val, y_val = data.arrays(split["validation"], settings.emotions)
    return PreparedJob(seed, split, x, y, x_val, y_val)


def _frame(data: JobData, ids: list[str], probabilities: np.ndarray, emotions: Sequence[str], fold: int,
           **ident: str | int) -> pd.DataFrame:
    """Predictions rows for `ids`."""
    return prediction_frame(ids, [domain_of(i) for i in ids], fold, [data.labels[i] for i in ids], probabilities,
                            list(emotions), **ident)


def _scored_frames(network: keras.Model, scored: Mapping[str, tuple[list[str], np.ndarray]], data: JobData,
                   emotions: Sequence[str], fold: int, **ident: str | int) -> list[pd.DataFrame]:
    """Predictions rows of one evaluated network on every scored split (test, validation, selection)."""
    return [_frame(data, ids, predict(network, samples), emotions, fold, split=split, **ident)
            for split, (ids, samples) in scored.items()]


def _write_history(path: str | Path, history: Mapping) -> None:
    """Write a training-history JSON atomically."""
    atomic.write_text(path, json.dumps(history, indent=1) + "\n")


def run_pretrain(job: PretrainJob, settings: TrainingSettings, data: JobData, model_path: str | Path,
                 predictions_path: str | Path, history_path: str | Path, threads: int) -> None:
    """Train one pretraining set; save the model; predict its test folds (pooled / S1 sets)."""
    emotions = settings.emotions
    prepared = prepare(job, settings, data, threads, *job.seed_identity)
    network = new_network(settings, data, prepared.x, job.architecture)
    log.info("pretrain %s: %d train, %d validation, %d test utterances", job.set_id, len(prepared.x),
             len(prepared.x_val), len(prepared.split["test"]))
    history = fit(network, prepared.x, prepared.y, prepared.x_val, prepared.y_val, settings.training, prepared.seed)
    prepared.x = prepared.y = None  # free the training rows before the test rows are loaded
    ident = {"experiment": pretrain_experiment(job), "model": job.architecture, "repeat": job.repeat,
             **({"approach": job.domains[0]} if job.tests_on else {"excluded": ",".join(job.excluded)})}
    test = prepared.split["test"]
    probabilities = predict(network, prepared.test_samples(data, emotions)) if test else np.zeros((0, len(emotions)))
    with atomic.atomic_path(model_path) as temporary:
        network.save(temporary)  # the temporary name keeps the .keras suffix Keras requires
    fold = job.fold if job.fold is not None else (0 if test else -1)   # a cross-corpus set: one run, 0
    write_predictions(_frame(data, test, probabilities, emotions, fold, **ident), predictions_path)
    _write_history(history_path, {"job": job.set_id, **history.as_dict(), "machine": machine_fingerprint(threads)})


def run_finetune_set(jobs: Sequence[FinetuneJob], settings: TrainingSettings, caches: Mapping[str, str | Path],
                     folds: Mapping[str, str | Path], model_path: str | Path, predictions_dir: str | Path,
                     histories_dir: str | Path, threads: int, interrupted_dir: str | Path | None = None) -> None:
    """Every fine-tuning job of one pretrained model, in one process (one TensorFlow start, one model load).

    `caches` and `folds` map each target to its waveform cache and folds table. Writes
    `<predictions_dir>/<target>/fold<k>.parquet` and `<histories_dir>/<target>/fold<k>.json` per job;
    each directory appears complete or not at all. With `interrupted_dir`, every finished unit is kept
    there too, and a rerun after an interruption takes the units kept under the same key (sertransfer.resume).
    """
    set_ids = {job.pretrain.set_id for job in jobs}
    if len(set_ids) != 1:
        raise ValueError(f"one fine-tuning set job takes the jobs of one pretrained model, not {sorted(set_ids)}")
    targets = sorted({job.target for job in jobs})
    finished = None if interrupted_dir is None else FinishedUnits(interrupted_dir, {
        "units": [asdict(job) for job in jobs], "settings": settings.as_params(), "model": sha256_file(model_path),
        "inputs": {t: [sha256_file(caches[t]), sha256_file(folds[t])] for t in targets},
        "code": code_fingerprint("sertransfer.jobs"), "machine": machine_fingerprint(threads)})
    pretrained = load_network(str(model_path))
    session = SharedFinetuning(pretrained, settings.model) if settings.reuse_graph else None
    with atomic.atomic_directory(predictions_dir) as predictions, atomic.atomic_directory(histories_dir) as histories:
        outputs = {"predictions": predictions, "histories": histories}
        for job in jobs:
            unit = {"predictions": unit_file("", job, "parquet"), "histories": unit_file("", job, "json")}
            if finished is not None and finished.restore(unit, outputs):
                log.info("finetune %s -> %s fold %d: kept from the interrupted run (%s)", job.pretrain.set_id,
                         job.target, job.fold, finished.root)
                continue
            data = JobData({job.target: caches[job.target]}, {job.target: folds[job.target]})
            run_finetune(job, settings, data, pretrained, predictions / unit["predictions"],
                         histories / unit["histories"], threads, session)
            if finished is not None:
                finished.keep(unit, outputs)
    if finished is not None:
        finished.discard()


#: A fine-tuning's data, loaded only where the approach trains: (x, y, x_val, y_val).
TrainingArrays = Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def fine_tune(pretrained: keras.Model, approach: Mapping, settings: TrainingSettings, seed: int, threads: int,
              arrays: TrainingArrays, session: SharedFinetuning | None = None) -> tuple[keras.Model, dict | None]:
    """One approach from a pretrained network: the network it gives and its history (None where nothing trains)."""
    configure_runtime(seed, threads)
    start = start_approach(pretrained, approach, settings.model, seed, settings.run_eagerly, session)
    if start is None:
        return pretrained, None
    x, y, x_val, y_val = arrays()
    history = fit(start.network, x, y, x_val, y_val, settings.training, seed, gradient_mask=start.gradient_mask)
    return start.network, history.as_dict()


def run_finetune(job: FinetuneJob, settings: TrainingSettings, data: JobData, pretrained: keras.Model | str | Path,
                 predictions_path: str | Path, history_path: str | Path, threads: int,
                 session: SharedFinetuning | None = None) -> None:
    """Evaluate A1 and fine-tune every other approach from one pretrained model on target fold k.

    With a `session` (training.reuse_graph) every approach trains the session's working copy.
    """
    emotions = settings.emotions
    approaches = {name: approach for name, approach in settings.approaches.items()
                  if not job.approaches or name in job.approaches}
    check_approaches(approaches)
    prepared = prepare(job, settings, data, threads, *job.seed_identity)
    scored = prepared.scored_splits(data, emotions)
    if not isinstance(pretrained, keras.Model):
        pretrained = load_network(str(pretrained))
    frames, histories = [], {}
    for name, approach in approaches.items():
        seed = derived_seed(settings.seed, *job.seed_identity, name)
        network, history = fine_tune(pretrained, approach, settings, seed, threads,
                                     lambda: (prepared.x, prepared.y, prepared.x_val, prepared.y_val), session)
        if history is not None:
            histories[name] = history
        ident = {"experiment": finetune_experiment(job), "model": CNN_LSTM, "scenario": job.scenario,
                 "approach": name, "excluded": job.excluded, "repeat": job.repeat}
        frames.extend(_scored_frames(network, scored, data, emotions, job.fold, **ident))
        log.info("finetune %s -> %s fold %d: %s done", job.pretrain.set_id, job.target, job.fold, name)
    write_predictions(frames, predictions_path)
    _write_history(history_path, {"job": f"{job.pretrain.set_id}/{job.target}/fold{job.fold}",
                                  "approaches": histories, "machine": machine_fingerprint(threads)})


def run_target_only(job: TargetOnlyJob, settings: TrainingSettings, data: JobData, predictions_path: str | Path,
                    history_path: str | Path, threads: int) -> pd.DataFrame:
    """TT: train the CNN+LSTM from scratch on the target's training folds, test on fold k."""
    emotions = settings.emotions
    prepared = prepare(job, settings, data, threads, *job.seed_identity)
    network = new_network(settings, data, prepared.x, CNN_LSTM)
    history = fit(network, prepared.x, prepared.y, prepared.x_val, prepared.y_val, settings.training, prepared.seed)
    ident = {"experiment": TT, "model": CNN_LSTM, "approach": TT_APPROACH, "repeat": job.repeat}
    frames = _scored_frames(network, prepared.scored_splits(data, emotions), data, emotions, job.fold, **ident)
    write_predictions(frames, predictions_path)
    _write_history(history_path, {"job": f"tt/{job.target}/fold{job.fold}{repeat_tag(job.repeat)}",
                                  **history.as_dict(), "machine": machine_fingerprint(threads)})
    return frames[0]
