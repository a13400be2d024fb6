"""Rule claims: Tables 2-5 and the paper's tables -> each claim of the paper checked on this run (CSV, Markdown)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package


from sertransfer.rulelog import logged
from sertransfer.tables.claims import RunTables, write_claims
from sertransfer.tables.evidence import Statistics

with logged(snakemake.log[0]) as log:
    tables = RunTables.read(snakemake.input.table2, snakemake.input.table3, snakemake.input.table4,
                            snakemake.input.table5, Path(snakemake.input.paper[0]).parent)
    claims = write_claims(tables, Statistics(**snakemake.params.statistics), snakemake.output.csv,
                          snakemake.output.md)
    log.info("the paper's claims on this run: %s", ", ".join(f"{c}: {v}" for c, v in zip(claims["claim"],
                                                                                        claims["verdict"])))
