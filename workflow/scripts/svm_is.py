"""Rule svm_is: IS10 caches + folds of every domain -> SVM-IS predictions of run k."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.baselines.svm_is import svm_is_job
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    domains = snakemake.params.domains
    svm_is_job(dict(zip(domains, snakemake.input.is10)), dict(zip(domains, snakemake.input.folds)),
               int(snakemake.wildcards.fold), snakemake.output[0], settings=snakemake.params.svm_is,
               emotions=snakemake.params.emotions, seed=snakemake.params.seed, threads=snakemake.threads)
