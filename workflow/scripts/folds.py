"""Rule folds: manifest -> folds Parquet."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.folds import assign_folds, write_folds
from sertransfer.manifest import read_manifest
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    settings = snakemake.params.folds
    folds = assign_folds(read_manifest(snakemake.input[0]), k=settings["k"], strategy=settings["strategy"],
                         seed=snakemake.params.seed)
    write_folds(folds, snakemake.output[0])
    log.info("folds: %s", folds["fold"].value_counts().sort_index().to_dict())
