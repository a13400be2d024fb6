"""Rule figure_confusion: best Table 3 configuration of a target -> its pooled, row-normalised confusion matrix."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_confusion
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    write_confusion(list(snakemake.input.metrics), list(snakemake.input.predictions), snakemake.input.folds,
                    snakemake.wildcards.target, snakemake.params.scenarios, snakemake.params.approaches,
                    snakemake.params.restrict, snakemake.output.png, snakemake.params.dataset)
