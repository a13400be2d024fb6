"""Checkpoint export_choices: Table 5 -> the configuration chosen per run on held-out data for every target (JSON)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.choice import write_choices
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    choices = write_choices(snakemake.input.table5, snakemake.params.domains, snakemake.params.fallback,
                            snakemake.output[0])
    for target, chosen in choices.items():
        log.info("%s: %s (%s)", target, chosen["label"], chosen["chosen_by"])
