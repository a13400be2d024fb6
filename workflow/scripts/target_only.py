"""Rule target_only: TT, the network trained from scratch on the target's training folds."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.rulelog import stderr_to_log

stderr_to_log(snakemake.log[0])  # TensorFlow's start-up lines go to the job's log, not the console

from sertransfer.jobs import JobData, run_target_only
from sertransfer.plan import TargetOnlyJob
from sertransfer.rulelog import logged
from sertransfer.settings import TrainingSettings, training_threads
from sertransfer.vocabulary import repeat_of_tag

with logged(snakemake.log[0]):
    settings = TrainingSettings.from_params(snakemake.params.settings)
    wildcards = snakemake.wildcards
    job = TargetOnlyJob(wildcards.target, int(wildcards.fold), repeat_of_tag(wildcards.repeat))
    data = JobData({job.target: snakemake.input.cache}, {job.target: snakemake.input.folds})
    run_target_only(job, settings, data, snakemake.output.predictions,
                    snakemake.output.history, training_threads(snakemake.threads, settings))
