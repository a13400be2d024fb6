"""Rule asvm_source: source SVMs on every other domain -> decision values of every target utterance."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.baselines.source import asvm_source_job
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    target = snakemake.wildcards.target
    paths = {target: snakemake.input.target, **dict(zip(snakemake.params.sources, snakemake.input.sources))}
    asvm_source_job(target, paths, snakemake.output[0],
                    settings={"gamma": snakemake.params.gamma, "source_C": snakemake.params.source_C},
                    emotions=snakemake.params.emotions, threads=snakemake.threads,
                    folds_paths=dict(zip(snakemake.params.sources, snakemake.input.source_folds)))
