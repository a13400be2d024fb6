"""Rule table_cross: the cross group's metrics -> results/tables/cross_corpus.csv (one domain -> another)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.folds import domain_classes
from sertransfer.rulelog import logged
from sertransfer.tables.cross import write_cross_table
from sertransfer.tables.evidence import MetricsFiles

with logged(snakemake.log[0]) as log:
    domains = snakemake.params.domains
    metrics = MetricsFiles(snakemake.input.metrics, snakemake.input.pooled, snakemake.input.utterances)
    classes = {domain: domain_classes(path) for domain, path in zip(domains, snakemake.input.folds)}
    table = write_cross_table(metrics, domains, classes, snakemake.output.csv)
    log.info("cross-corpus matrix: %d cells", len(table))
