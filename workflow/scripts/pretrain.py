"""Rule pretrain: train one pretraining set; save the model, its test-fold predictions and history."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.jobs import JobData, run_pretrain
from sertransfer.plan import pretrain_job_from_params
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    job = pretrain_job_from_params(snakemake.params.job)
    domains = snakemake.params.domains
    data = JobData(dict(zip(domains, snakemake.input.caches)), dict(zip(domains, snakemake.input.folds)))
    run_pretrain(job, snakemake.params.settings, data, snakemake.output.model, snakemake.output.predictions,
                 snakemake.output.history, snakemake.threads)
