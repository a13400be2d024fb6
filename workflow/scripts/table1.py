"""Rule table1: manifests -> Table 1 CSV, LaTeX and comparison with the paper."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package


from sertransfer.rulelog import logged
from sertransfer.tables.table1 import write_table1

with logged(snakemake.log[0]):
    write_table1(snakemake.params.domains, snakemake.input.manifests, snakemake.input.reports,
                 snakemake.input.folds_reports,
                 snakemake.input.paper, snakemake.params.emotions, snakemake.output.csv,
                 snakemake.output.tex, snakemake.output.vs_paper)
