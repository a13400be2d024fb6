"""Rule collect_metrics: a group's predictions files -> fold metrics, pooled metrics with CIs, evaluated rows."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.folds import domain_classes
from sertransfer.metrics import write_group_metrics
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    labels = {d: domain_classes(f) for d, f in zip(snakemake.params.domains, snakemake.input.folds)}
    bootstrap = snakemake.params.bootstrap
    n_rows, n_configurations = write_group_metrics(
        snakemake.input.predictions, labels, restrict=snakemake.params.restrict_to_domain_labels,
        resamples=bootstrap["resamples"], confidence=bootstrap["confidence"], seed=snakemake.params.seed,
        uar_path=snakemake.output.uar, pooled_path=snakemake.output.pooled, utterances_path=snakemake.output.utterances)
    log.info("%d predictions rows from %d inputs -> %d configurations", n_rows, len(snakemake.input.predictions),
             n_configurations)
