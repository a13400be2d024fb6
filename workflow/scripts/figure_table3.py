"""Rule figure_table3_gains: metrics tables -> heatmap of the Table 3 relative gains over TT."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_table3_gains
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    write_table3_gains(list(snakemake.input.metrics), snakemake.params.domains, snakemake.params.scenarios,
                       snakemake.params.approaches, snakemake.output.png)
