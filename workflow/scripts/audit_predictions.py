"""Rule audit_predictions: every predictions file the tables read, checked row by row against the plan's splits."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer import atomic
from sertransfer.audit import check_predictions, planned_predictions, planned_protocol
from sertransfer.predictions import read_predictions
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    params = snakemake.params
    plan, sets = planned_protocol(params.plan, dict(zip(params.domains, snakemake.input.folds)), seed=params.seed,
                                  validation_fraction=params.validation_fraction,
                                  selection_fraction=params.selection_fraction)
    files = planned_predictions(plan)
    table = check_predictions(sets, {job: read_predictions(path) for job, path in files.items()})
    atomic.write_text(snakemake.output[0], table.to_csv(index=False))
    log.info("checked %d predictions rows of %d jobs against the plan: every row in its planned split",
             int(table["rows"].sum()), len(table))
