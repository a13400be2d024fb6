"""Rule figure_uar_intervals: metrics of TT, transfer, SVM-IS, A-SVM -> UAR with CIs per target."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_uar_intervals
from sertransfer.rulelog import logged
from sertransfer.tables.evidence import MetricsFiles, Statistics

with logged(snakemake.log[0]):
    metrics = MetricsFiles(snakemake.input.metrics, snakemake.input.pooled, snakemake.input.utterances)
    write_uar_intervals(metrics, snakemake.params.domains, snakemake.params.scenarios, snakemake.params.approaches,
                        Statistics(**snakemake.params.statistics), snakemake.output.png)
