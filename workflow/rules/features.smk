# Features stage: the network's waveform-54k input and the IS10 functionals, cached per domain.


rule waveform_features:
    input:
        manifest=MANIFEST,
        ready=READY_MARKER,
    output:
        WAVEFORM_CACHE,
    log:
        "logs/features/waveform/{domain}.log",
    benchmark:
        "logs/benchmarks/features/waveform/{domain}.tsv"
    conda:
        "../../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=120,
    params:
        waveform=config["features"]["waveform"],
        code=code_fingerprint("sertransfer.features.waveform", "sertransfer.manifest", "sertransfer.ready"),
    script:
        "../scripts/waveform_features.py"


rule is10_features:
    input:
        manifest=MANIFEST,
        ready=READY_MARKER,
    output:
        IS10_CACHE,
    log:
        "logs/features/is10/{domain}.log",
    benchmark:
        "logs/benchmarks/features/is10/{domain}.tsv"
    conda:
        "../../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=3000,
        runtime=240,
    params:
        is10=config["features"]["is10"],
        code=code_fingerprint("sertransfer.features.is10", "sertransfer.manifest", "sertransfer.ready"),
    script:
        "../scripts/is10_features.py"
