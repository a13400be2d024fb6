"""Rule asvm: target IS10 + folds + source decision values -> A-SVM predictions of (target, fold)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.baselines.asvm import asvm_job
from sertransfer.baselines.source import read_source_values
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    asvm_job(snakemake.wildcards.target, snakemake.input.is10, snakemake.input.folds,
             read_source_values(snakemake.input.source), int(snakemake.wildcards.fold), snakemake.output[0],
             settings=snakemake.params.asvm, emotions=snakemake.params.emotions, seed=snakemake.params.seed)
