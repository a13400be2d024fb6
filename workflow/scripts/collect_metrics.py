"""Rule collect_metrics: every predictions file -> UAR per configuration, domain, split and fold."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer import atomic
from sertransfer.folds import domain_classes
from sertransfer.metrics import fold_uars
from sertransfer.predictions import read_predictions
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    labels = {d: domain_classes(f) for d, f in zip(snakemake.params.domains, snakemake.input.folds)}
    predictions = read_predictions(snakemake.input.predictions)
    table = fold_uars(predictions, labels, snakemake.params.restrict_to_domain_labels)
    atomic.write_text(snakemake.output.uar, table.to_csv(index=False))
    log.info("%d predictions rows from %d inputs -> %d fold UARs", len(predictions), len(snakemake.input.predictions),
             len(table))
