"""Rule table3: metrics table -> Table 3 CSV, LaTeX and comparison with the paper."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package


from sertransfer.rulelog import logged
from sertransfer.tables.table3 import write_table3

with logged(snakemake.log[0]) as log:
    table = write_table3(list(snakemake.input.metrics), Path(snakemake.input.paper).parent, snakemake.params.domains,
                         snakemake.params.scenarios, snakemake.params.approaches, snakemake.output.csv,
                         snakemake.output.tex, snakemake.output.vs_paper)
    log.info("Table 3: %d rows", len(table))
