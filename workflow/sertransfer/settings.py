"""What a training job depends on, as one typed object: built from the config, passed as the rule's params.

`TrainingSettings.from_config(config, stage)` is what a training rule declares as a param (via
`as_params`, so editing any of these values reruns exactly the jobs that use them) and what the job
reads back (`from_params`). No TensorFlow here: the Snakefile builds these while planning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

#: The training stages, each with its own `training.<stage>` block.
STAGES = ("pretrain", "finetune", "target_only")


@dataclass(frozen=True)
class StageSettings:
    """One `training.<stage>` block: mini-batch size, epochs, early stopping."""

    batch_size: int
    max_epochs: int
    patience: int
    monitor: str = "val_loss"


@dataclass(frozen=True)
class TrainingSettings:
    """Everything one training stage's jobs depend on, and nothing else (precise invalidation)."""

    stage: str
    seed: int
    emotions: tuple[str, ...]
    model: Mapping = field(hash=False)             # the `model:` block (architecture, execution, optimizer)
    validation_fraction: float                     # no defaults here: the schema has the one set of defaults
    selection_fraction: float
    threads: int                                   # TensorFlow's thread pools: the bits depend on it
    run_eagerly: bool
    reuse_graph: bool
    training: StageSettings
    approaches: Mapping | None = field(default=None, hash=False)  # fine-tuning only: `transfer.approaches`

    @classmethod
    def from_config(cls, config: Mapping, stage: str) -> TrainingSettings:
        """The settings of `stage` in a validated config."""
        if stage not in STAGES:
            raise ValueError(f"training stage must be one of {STAGES}, not {stage!r}")
        block = config["training"]
        return cls(stage=stage, seed=int(config["seed"]), emotions=tuple(config["emotions"]),
                   model=config["model"], validation_fraction=float(block["validation_fraction"]),
                   selection_fraction=float(block["selection_fraction"]),
                   threads=int(block["threads"]),
                   run_eagerly=bool(block["run_eagerly"]), reuse_graph=bool(block["reuse_graph"]),
                   training=StageSettings(**block[stage]),
                   approaches=config["transfer"]["approaches"] if stage == "finetune" else None)

    def as_params(self) -> dict:
        """A plain dict for a rule's params (Snakemake compares it between runs)."""
        return asdict(self)

    @classmethod
    def from_params(cls, params: Mapping) -> TrainingSettings:
        """The settings back from a rule's params."""
        fields = dict(params)
        fields["emotions"] = tuple(fields["emotions"])
        fields["training"] = StageSettings(**fields["training"])
        return cls(**fields)


def training_threads(granted: int, settings: TrainingSettings) -> int:
    """The thread count a training job runs TensorFlow with: `training.threads`, whatever Snakemake `granted`.

    TensorFlow's results depend on its thread count (oneDNN splits reductions by thread), so a job run
    with `--cores 1` must still use the configured threads to give the same bits; Snakemake's grant only
    decides how many jobs run side by side. A job granted fewer threads says so in its log.
    """
    if granted < settings.threads:
        logging.getLogger("sertransfer").warning(
            "Snakemake granted %d thread(s); running TensorFlow with training.threads = %d all the same, so that "
            "the results do not depend on --cores", granted, settings.threads)
    return settings.threads
