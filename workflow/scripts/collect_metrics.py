"""Rule collect_metrics: a group's predictions files -> fold metrics, pooled metrics with CIs, evaluated rows."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer import atomic
from sertransfer.folds import domain_classes
from sertransfer.metrics import evaluated_predictions, fold_metrics, pooled_metrics
from sertransfer.predictions import read_predictions
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    labels = {d: domain_classes(f) for d, f in zip(snakemake.params.domains, snakemake.input.folds)}
    predictions = read_predictions(snakemake.input.predictions)
    evaluated = evaluated_predictions(predictions, labels, snakemake.params.restrict_to_domain_labels)
    bootstrap = snakemake.params.bootstrap
    pooled = pooled_metrics(evaluated, labels, resamples=bootstrap["resamples"], confidence=bootstrap["confidence"],
                            seed=snakemake.params.seed)
    with atomic.atomic_path(snakemake.output.utterances) as temporary:
        evaluated.to_parquet(temporary, index=False)
    atomic.write_text(snakemake.output.pooled, pooled.to_csv(index=False))
    atomic.write_text(snakemake.output.uar, fold_metrics(evaluated, labels).to_csv(index=False))
    log.info("%d predictions rows from %d inputs -> %d configurations", len(predictions),
             len(snakemake.input.predictions), len(pooled))
