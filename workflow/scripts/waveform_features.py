"""Rule waveform_features: manifest -> waveform-54k Parquet cache."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.features.waveform import extract_waveforms
from sertransfer.manifest import read_manifest
from sertransfer.ready import ready_root
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    root = ready_root(snakemake.input.ready)
    settings = snakemake.params.waveform
    extract_waveforms(read_manifest(snakemake.input.manifest), root, Path(snakemake.output[0]),
                      sample_rate=settings["sample_rate"], length=settings["length"], crop=settings["crop"],
                      pad=settings["pad"], standardize=settings["standardize"], threads=snakemake.threads,
                      row_group=settings["row_group"])
