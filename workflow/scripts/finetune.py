"""Rule finetune: A1-A8 from one pretrained model on every target and fold it serves."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.rulelog import stderr_to_log

stderr_to_log(snakemake.log[0])  # TensorFlow's start-up lines go to the job's log, not the console

from sertransfer.jobs import domain_inputs, run_finetune_set
from sertransfer.plan import finetune_job_from_params
from sertransfer.rulelog import logged
from sertransfer.settings import TrainingSettings, training_threads

with logged(snakemake.log[0]):
    settings = TrainingSettings.from_params(snakemake.params.settings)
    jobs = [finetune_job_from_params(params) for params in snakemake.params.jobs]
    targets = {job.target for job in jobs}
    run_finetune_set(jobs, settings, *domain_inputs(snakemake.input, targets), snakemake.input.model,
                     snakemake.output.predictions, snakemake.output.histories,
                     training_threads(snakemake.threads, settings), snakemake.params.interrupted)
