"""Rule summary: Tables 2, 3, 5 vs the paper, audit, cost, config -> the landing page (HTML, report front page)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.findings import write_findings
from sertransfer.fingerprint import code_version
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    write_findings(Path.cwd(), snakemake.config, code_version(Path(snakemake.scriptdir)),
                   Path(snakemake.output.html), Path(snakemake.output.rst))
    log.info("landing page written to %s and %s", snakemake.output.html, snakemake.output.rst)
