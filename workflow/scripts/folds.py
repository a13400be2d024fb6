"""Rule folds: manifest -> folds Parquet."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.folds import assign_folds, folds_report, write_folds
from sertransfer.manifest import read_manifest
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    settings = snakemake.params.folds
    manifest = read_manifest(snakemake.input[0])
    folds = assign_folds(manifest, k=settings["k"], strategy=settings["strategy"], seed=snakemake.params.seed,
                         rare_class_policy=settings["rare_classes"])
    report = folds_report(manifest, folds, k=settings["k"], strategy=settings["strategy"])
    write_folds(folds, snakemake.output.folds, report)
    log.info("folds: %s; dropped rare classes: %s", report["fold_sizes"], report["dropped_rare_classes"] or "none")
