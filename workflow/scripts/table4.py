"""Rule table4: metrics table -> Table 4 CSV, LaTeX and comparison with the paper."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package


from sertransfer.rulelog import logged
from sertransfer.tables.evidence import MetricsFiles, Statistics
from sertransfer.tables.table4 import write_table4

with logged(snakemake.log[0]) as log:
    metrics = MetricsFiles(snakemake.input.metrics, snakemake.input.pooled, snakemake.input.utterances)
    table = write_table4(metrics, snakemake.input.paper, snakemake.params.domains, snakemake.params.scenarios,
                         snakemake.params.approaches, snakemake.params.ablation, snakemake.output.csv,
                         snakemake.output.tex, snakemake.output.vs_paper, Statistics(**snakemake.params.statistics),
                         snakemake.params.tex_approaches)
    log.info("Table 4: %d cells, %d marked", len(table), int((table["marker"] != "").sum()))
