"""Rule export_model: the validation-chosen configuration of one target, retrained for use, with its card."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.rulelog import stderr_to_log

stderr_to_log(snakemake.log[0])  # TensorFlow's start-up lines go to the job's log, not the console

from sertransfer.export import model_card, train_deployable, write_export
from sertransfer.folds import domain_classes
from sertransfer.jobs import JobData, domain_inputs
from sertransfer.rulelog import logged
from sertransfer.settings import TrainingSettings, training_threads

with logged(snakemake.log[0]) as log:
    target, domains, chosen = snakemake.wildcards.target, list(snakemake.params.domains), snakemake.params.chosen
    caches, folds = domain_inputs(snakemake.input, domains)
    data = JobData(caches, folds)
    pretrain = TrainingSettings.from_params(snakemake.params.pretrain)
    finetune = TrainingSettings.from_params(snakemake.params.finetune)
    network, seen = train_deployable(target, chosen, domains, pretrain, finetune, data,
                                     training_threads(snakemake.threads, pretrain))
    settings = snakemake.params.export_config
    card = model_card(target, chosen, domain_classes(folds[target]), list(pretrain.emotions),
                      settings["waveform"], settings["ingest"], seen, settings,
                      repository=Path(snakemake.scriptdir).parents[1])
    write_export(network, finetune.model, card, Path(snakemake.output.model).parent)
    log.info("exported %s (%s) to %s", target, chosen["label"], snakemake.output.model)
