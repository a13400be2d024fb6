# Features stage: the network's waveform-54k input and the IS10 functionals, cached per domain.


rule waveform_features:
    input:
        manifest="data/manifests/{domain}.parquet",
        ready="data/raw/{domain}.ready.json",
    output:
        "data/features/waveform/{domain}.parquet",
    params:
        waveform=config["features"]["waveform"],
        code=code_fingerprint("sertransfer.features.waveform"),
    threads: 2
    log:
        "logs/features/waveform/{domain}.log",
    benchmark:
        "logs/benchmarks/features/waveform/{domain}.tsv"
    resources:
        mem_mb=3000,
        runtime=120,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/waveform_features.py"


rule is10_features:
    input:
        manifest="data/manifests/{domain}.parquet",
        ready="data/raw/{domain}.ready.json",
    output:
        "data/features/is10/{domain}.parquet",
    params:
        is10=config["features"]["is10"],
        code=code_fingerprint("sertransfer.features.is10"),
    threads: 2
    log:
        "logs/features/is10/{domain}.log",
    benchmark:
        "logs/benchmarks/features/is10/{domain}.tsv"
    resources:
        mem_mb=3000,
        runtime=240,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/is10_features.py"
