"""Rule audit_protocol: folds + the job plan -> results/audit/protocol.csv and its summary (fails on any leak)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer import atomic
from sertransfer.audit import audit_table, check_no_leaks, protocol_sets, summary
from sertransfer.folds import read_folds
from sertransfer.plan import build_plan
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    folds = {d: read_folds(p) for d, p in zip(snakemake.params.domains, snakemake.input.folds)}
    labels = {u: e for table in folds.values() for u, e in zip(table["utterance_id"], table["emotion"])}
    sets = protocol_sets(build_plan(snakemake.params.plan), folds, labels, seed=snakemake.params.seed,
                         validation_fraction=snakemake.params.validation_fraction,
                         selection_fraction=snakemake.params.selection_fraction)
    check_no_leaks(sets)
    table = audit_table(sets)
    atomic.write_text(snakemake.output.table, table.to_csv(index=False))
    atomic.write_text(snakemake.output.summary, summary(table).to_csv(index=False))
    log.info("audited %d training jobs: no overlaps", len(sets))
