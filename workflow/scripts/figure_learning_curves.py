"""Rule figure_learning_curves: TT and fine-tuning histories of a target -> per-fold loss curves."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_learning_curves
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    write_learning_curves(snakemake.wildcards.target, snakemake.input.tt, snakemake.params.finetune_histories,
                          snakemake.params.finetune_jobs, snakemake.params.approaches, snakemake.output.png,
                          snakemake.params.dataset)
