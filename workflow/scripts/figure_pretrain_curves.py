"""Rule figure_pretrain_curves: every pretraining history -> loss curves per family of pretraining sets."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_pretrain_curves
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    write_pretrain_curves(snakemake.input.histories, snakemake.params.jobs, snakemake.output.png)
