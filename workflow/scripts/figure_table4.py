"""Rule figure_table4: metrics tables -> Table 4 heatmap of one scenario with significance markers."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_table4
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    write_table4(list(snakemake.input.metrics), snakemake.wildcards.scenario, snakemake.params.domains,
                 snakemake.params.approaches, snakemake.params.ablation, snakemake.params.alpha,
                 snakemake.output.png)
