"""Rule figure_cross_corpus: the cross-corpus matrix's CSV -> its heat maps."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.figures import write_cross_corpus
from sertransfer.rulelog import logged

with logged(snakemake.log[0]):
    write_cross_corpus(snakemake.input.table, snakemake.output.png)
