"""Rule table4: metrics table -> Table 4 CSV, LaTeX and comparison with the paper."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package


from sertransfer.rulelog import logged
from sertransfer.tables.table4 import write_table4

with logged(snakemake.log[0]) as log:
    table = write_table4(list(snakemake.input.metrics), Path(snakemake.input.paper).parent, snakemake.params.domains,
                         snakemake.params.scenarios, snakemake.params.approaches, snakemake.params.ablation,
                         snakemake.params.alpha, snakemake.output.csv, snakemake.output.tex,
                         snakemake.output.vs_paper)
    log.info("Table 4: %d cells, %d marked", len(table), int((table["marker"] != "").sum()))
