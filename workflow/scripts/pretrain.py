"""Rule pretrain: train one pretraining set; save the model, its test-fold predictions and history."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.rulelog import stderr_to_log

stderr_to_log(snakemake.log[0])  # TensorFlow's start-up lines go to the job's log, not the console

from sertransfer.jobs import JobData, domain_inputs, run_pretrain
from sertransfer.plan import pretrain_job_from_params
from sertransfer.rulelog import logged
from sertransfer.settings import TrainingSettings, training_threads

with logged(snakemake.log[0]):
    settings = TrainingSettings.from_params(snakemake.params.settings)
    job = pretrain_job_from_params(snakemake.params.job)
    domains = (*job.domains, *job.tests_on)
    data = JobData(*domain_inputs(snakemake.input, domains))
    run_pretrain(job, settings, data, snakemake.output.model,
                 snakemake.output.predictions, snakemake.output.history, training_threads(snakemake.threads, settings))
