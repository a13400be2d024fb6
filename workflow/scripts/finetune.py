"""Rule finetune: A1-A8 from one pretrained model on one target and fold."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.jobs import JobData, run_finetune
from sertransfer.plan import FinetuneJob, PretrainJob
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    params = dict(snakemake.params.job)
    pretrain = PretrainJob(**{k: tuple(v) if isinstance(v, list) else v for k, v in params.pop("pretrain").items()})
    job = FinetuneJob(pretrain=pretrain, **params)
    data = JobData({job.target: snakemake.input.cache}, {job.target: snakemake.input.folds})
    run_finetune(job, snakemake.params.settings, data, snakemake.input.model, snakemake.output.predictions,
                 snakemake.output.history, snakemake.threads)
