"""Rule fetch_corpus: make the corpus root exist and write its ready-marker."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package


from sertransfer.rulelog import logged
from sertransfer.sources import prepare_corpus
from sertransfer.vocabulary import RAW_DIR

with logged(snakemake.log[0]):
    prepare_corpus(snakemake.wildcards.domain, snakemake.params.corpus, seed=snakemake.params.seed,
                   synthetic_defaults=snakemake.params.synthetic, download_settings=snakemake.params.download,
                   raw_dir=Path(RAW_DIR), checksums_dir=Path(snakemake.params.checksums_dir),
                   marker=Path(snakemake.output[0]))
