# Corpus stage: make each corpus root exist (synthetic / download / manual / local), then ingest it.


rule fetch_corpus:
    output:
        READY_MARKER,
    log:
        "logs/fetch_corpus/{domain}.log",
    benchmark:
        "logs/benchmarks/fetch_corpus/{domain}.tsv"
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=2000,
        runtime=240,
    params:
        corpus=corpus_settings,
        seed=config["seed"],
        synthetic=config["synthetic"],
        download=config["download"],
        checksums_dir=repo_path("config/checksums"),
        code=code_fingerprint("sertransfer.sources", "sertransfer.vocabulary"),
    script:
        "../scripts/fetch_corpus.py"


rule ingest_corpus:
    input:
        READY_MARKER,
    output:
        manifest=MANIFEST,
        report=MANIFEST_REPORT,
    log:
        "logs/ingest_corpus/{domain}.log",
    benchmark:
        "logs/benchmarks/ingest_corpus/{domain}.tsv"
    conda:
        "../../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        ingest=config["ingest"],
        emotions=config["emotions"],
        corpus=corpus_settings,
        code=code_fingerprint("sertransfer.corpora", "sertransfer.manifest", "sertransfer.ready"),
    script:
        "../scripts/ingest_corpus.py"
