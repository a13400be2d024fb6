"""Deployable models: each target's configuration chosen on held-out data, retrained on all its data for use.

The configuration is Table 5's nested choice for the target (`sertransfer.choice`: scenario, approach, excluded source):
each cross-validation run chose on its own selection split, and the export takes the configuration
chosen most often (then the best mean selection UAR). Its card's cross-validated UAR is the nested
estimate (each run's test UAR of that run's choice), with every run's choice listed. It is trained
again without holding out a test fold: the pretraining set takes every utterance of its domains
(S1: every domain but the excluded source; S2: also without the target), each domain holding out its
whole-domain validation split for early stopping; then the approach fine-tunes on all of the
target's utterances but that same split (A1 keeps the pretrained model). The result travels as
`model.keras`, the network in plain Keras layers (Keras 3 loads it without this package), and
`model.onnx`, the same network for ONNX Runtime, with `model_card.json`: what it is, how it was chosen,
what it expects, the runtime each file needs, how well the configuration did under cross-validation,
and the config and code it came from.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import keras
import numpy as np

from sertransfer import atomic
from sertransfer.fingerprint import code_version, config_digest
from sertransfer.jobs import JobData, fine_tune, new_network, prepare
from sertransfer.network import plain_copy
from sertransfer.plan import PretrainJob
from sertransfer.seeds import derived_seed
from sertransfer.sets import all_ids, domain_validation_ids
from sertransfer.settings import TrainingSettings
from sertransfer.training import fit
from sertransfer.vocabulary import CARD_NAME, CNN_LSTM, MODEL_NAME, ONNX_NAME, S2

log = logging.getLogger(__name__)

#: The ingest checks a file must pass before the model hears it (`ingest.*`), copied onto the card's `input`.
INGEST_CHECKS = ("min_duration_s", "silence_peak")
#: What the card says each model file needs. Both take windows (n, length, 1) of float32 standardized
#: audio and give the probabilities of `outputs`; `input` says how to make the windows.
RUNTIMES = {MODEL_NAME: "Keras 3 (any backend with TensorFlow 2.21's ops; plain layers only: "
                        "keras.saving.load_model(path))",
            ONNX_NAME: "ONNX Runtime (onnxruntime.InferenceSession(path); input 'waveform', float32)"}


def export_sets(domains: list[str], target: str, chosen: Mapping) -> PretrainJob:
    """The whole-domain pretraining set of the chosen configuration."""
    left_out = {chosen["excluded"]} - {""}
    if chosen["scenario"] == S2:
        left_out.add(target)
    return PretrainJob(f"export-{target}", CNN_LSTM, tuple(d for d in domains if d not in left_out), None,
                       tuple(sorted(left_out)))


def target_split(data: JobData, target: str, settings: TrainingSettings) -> tuple[list[str], list[str]]:
    """All of the target's utterances but its whole-domain validation split, and that split."""
    validation = domain_validation_ids(data.folds, data.labels, target, None, settings.validation_fraction,
                                       settings.seed)
    held = set(validation)
    return [u for u in all_ids(data.folds, [target]) if u not in held], validation


def train_deployable(target: str, chosen: Mapping, domains: list[str], pretrain: TrainingSettings,
                     finetune: TrainingSettings, data: JobData, threads: int) -> tuple[keras.Model, dict]:
    """Pretrain on whole domains and fine-tune the chosen approach on the target; the model and what it saw."""
    job = export_sets(domains, target, chosen)
    prepared = prepare(job, pretrain, data, threads, "export", target)
    network = new_network(pretrain, data, prepared.x, CNN_LSTM)
    log.info("export %s: pretraining %s on %d utterances of %s", target, chosen["label"], len(prepared.x),
             job.domains)
    fit(network, prepared.x, prepared.y, prepared.x_val, prepared.y_val, pretrain.training, prepared.seed)
    fit_ids, validation_ids = target_split(data, target, finetune)
    seen = {"pretraining_domains": list(job.domains), "pretraining_utterances": len(prepared.x),
            "finetuning_utterances": 0, "validation_utterances": len(validation_ids)}
    seed = derived_seed(finetune.seed, "export", target, chosen["approach"])
    network, history = fine_tune(network, finetune.approaches[chosen["approach"]], finetune, seed, threads,
                                 lambda: (*data.arrays(fit_ids, finetune.emotions),
                                          *data.arrays(validation_ids, finetune.emotions)))
    if history is not None:
        seen["finetuning_utterances"] = len(fit_ids)
    return network, seen


def model_card(target: str, chosen: Mapping, classes: list[str], emotions: list[str], waveform: Mapping,
               ingest: Mapping, seen: Mapping, config: Mapping, repository: Path | None = None) -> dict:
    """Everything a user of the model needs to know, as JSON."""
    return {
        "target": target,
        "configuration": {key: chosen[key] for key in ("scenario", "approach", "excluded", "label")},
        "chosen_by": chosen["chosen_by"],
        "cross_validation": {"test_uar": chosen["test_uar"], "uar_ci_low": chosen["uar_ci_low"],
                             "uar_ci_high": chosen["uar_ci_high"], "chosen_per_run": chosen["chosen_per_run"],
                             "chosen_score": chosen["chosen_score"], "folds": chosen["n_folds"]},
        "classes": classes,
        "outputs": emotions,
        "input": {"sample_rate": waveform["sample_rate"], "length": waveform["length"], "crop": waveform["crop"],
                  "pad": waveform["pad"], "standardize": waveform["standardize"],
                  **{key: ingest[key] for key in INGEST_CHECKS}},
        "training": dict(seen),
        "files": dict(RUNTIMES),
        "config_sha256": config_digest(config),
        "code_version": code_version(repository),
    }


def write_export(network: keras.Model, model: Mapping, card: Mapping, directory: str | Path) -> None:
    """Write model.keras and model.onnx (plain layers, `network`'s weights) and model_card.json into
    `directory`, each atomically (card last)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    portable = plain_copy(network, model)
    portable(np.zeros((1, *portable.input_shape[1:]), np.float32), training=False)   # ONNX export needs one call
    with atomic.atomic_path(directory / MODEL_NAME) as temporary:
        portable.save(temporary)
    with atomic.atomic_path(directory / ONNX_NAME) as temporary:
        portable.export(str(temporary), format="onnx", verbose=False)
    atomic.write_text(directory / CARD_NAME, json.dumps(card, indent=2) + "\n")
