"""Rule ingest_corpus: corpus root -> manifest Parquet + ingest report."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parent))  # the sertransfer package

from sertransfer.corpora import corpus_spec, ingest
from sertransfer.manifest import summary_lines, write_manifest
from sertransfer.ready import ready_root
from sertransfer.rulelog import logged

with logged(snakemake.log[0]) as log:
    settings = snakemake.params.ingest
    domain = snakemake.wildcards.domain
    result = ingest(corpus_spec(domain, snakemake.params.corpus), ready_root(snakemake.input[0]), domain=domain,
                    emotions=tuple(snakemake.params.emotions), on_bad_audio=settings["on_bad_audio"],
                    min_duration_s=settings["min_duration_s"], silence_peak=settings["silence_peak"],
                    label_overrides=snakemake.params.corpus["label_overrides"], threads=snakemake.threads)
    write_manifest(result, snakemake.output.manifest, snakemake.output.report)
    for line in summary_lines(result.report):
        log.info(line)
