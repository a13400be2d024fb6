"""Rule figure_table4: Table 4 (CSV) -> heatmap of one scenario with its significance markers."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_table4
from sertransfer.rulelog import logged
from sertransfer.tables.evidence import Statistics

with logged(snakemake.log[0]):
    markers_by = Statistics(**snakemake.params.statistics).describe(latex=False)
    write_table4(snakemake.input.table, snakemake.wildcards.scenario, markers_by, snakemake.output.png)
