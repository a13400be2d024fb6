"""Checkpoint export_choices: Table 5 -> the configuration chosen on validation for every target (JSON)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.rulelog import stderr_to_log

stderr_to_log(snakemake.log[0])  # TensorFlow's start-up lines go to the job's log, not the console

import json

import pandas as pd

from sertransfer import atomic
from sertransfer.choice import chosen_configuration
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    table5 = pd.read_csv(snakemake.input.table5, keep_default_na=False)
    choices = {target: chosen_configuration(table5, target, snakemake.params.fallback)
               for target in snakemake.params.domains}
    atomic.write_text(snakemake.output[0], json.dumps(choices, indent=2, sort_keys=True) + "\n")
    for target, chosen in choices.items():
        log.info("%s: %s (%s)", target, chosen["label"], chosen["chosen_by"])
