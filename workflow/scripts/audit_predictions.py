"""Rule audit_predictions: every predictions file the tables read, checked row by row against the plan's splits."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer import atomic
from sertransfer.audit import check_predictions, planned_predictions, protocol_sets
from sertransfer.folds import read_folds
from sertransfer.plan import build_plan
from sertransfer.predictions import read_predictions
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    params = snakemake.params
    folds = {d: read_folds(p) for d, p in zip(params.domains, snakemake.input.folds)}
    labels = {u: e for table in folds.values() for u, e in zip(table["utterance_id"], table["emotion"])}
    plan = build_plan(params.plan)
    sets = protocol_sets(plan, folds, labels, seed=params.seed, validation_fraction=params.validation_fraction,
                         selection_fraction=params.selection_fraction)
    files = planned_predictions(plan)
    table = check_predictions(sets, {job: read_predictions(path) for job, path in files.items()})
    atomic.write_text(snakemake.output[0], table.to_csv(index=False))
    log.info("checked %d predictions rows of %d jobs against the plan: every row in its planned split",
             int(table["rows"].sum()), len(table))
