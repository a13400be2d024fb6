"""Rule figure_table3_gains: Table 3 (CSV) -> heatmap of the gains over TT."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_table3_gains
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    write_table3_gains(snakemake.input.table, snakemake.output.png)
