"""Rule cross_svm_is: IS10 caches + folds of every domain -> SVM-IS trained on one domain, tested on the others."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.baselines.svm_is import cross_svm_is_job
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    domains = snakemake.params.domains
    cross_svm_is_job(dict(zip(domains, snakemake.input.is10)), dict(zip(domains, snakemake.input.folds)),
                     snakemake.wildcards.source, snakemake.output[0], settings=snakemake.params.svm_is,
                     emotions=snakemake.params.emotions, seed=snakemake.params.seed, threads=snakemake.threads)
