"""Rule audit_protocol: folds + the job plan -> results/audit/protocol.csv and its summary (fails on any leak)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer import atomic
from sertransfer.audit import audit_table, check_no_leaks, planned_protocol, summary
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    params = snakemake.params
    _, sets = planned_protocol(params.plan, dict(zip(params.domains, snakemake.input.folds)), seed=params.seed,
                               validation_fraction=params.validation_fraction,
                               selection_fraction=params.selection_fraction)
    check_no_leaks(sets)
    table = audit_table(sets)
    atomic.write_text(snakemake.output.table, table.to_csv(index=False))
    atomic.write_text(snakemake.output.summary, summary(table).to_csv(index=False))
    log.info("audited %d training jobs: no overlaps", len(sets))
