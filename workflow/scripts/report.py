"""Rule report: every table and figure -> results/report.html (snakemake --report, with captions)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.report import write_report
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    write_report(snakemake.config, snakemake.params.snakefile, Path.cwd(), snakemake.output.html, snakemake.log[0],
                 front=snakemake.input.front_page)
    log.info("report written to %s", snakemake.output.html)
