"""Rule is10_features: manifest -> IS10 functionals Parquet cache."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.features.is10 import extract_is10
from sertransfer.manifest import read_manifest
from sertransfer.ready import ready_root
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    root = ready_root(snakemake.input.ready)
    extract_is10(read_manifest(snakemake.input.manifest), root, Path(snakemake.output[0]),
                 sample_rate=snakemake.params.is10["sample_rate"], threads=snakemake.threads)
