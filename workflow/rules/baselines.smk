# Baselines stage: SVM-IS (Table 2) and the Adaptive SVM (Table 5) on IS10 features.
# SVM-IS: one job per run k (pooled training folds of every domain -> every domain's test fold k).
# Cross-corpus SVM-IS: per source domain, trained on all of it, predicting every other domain (cross_svm_is).
# A-SVM: per target, the source SVMs on all other domains once (decision values of every target
# utterance for each (gamma, source_C), Parquet), then one job per (target, fold).


rule svm_is:
    input:
        is10=expand(IS10_CACHE, domain=DOMAINS),
        folds=domain_folds(DOMAINS),
    output:
        SVM_IS_PREDICTIONS,
    log:
        "logs/baselines/svm_is/fold{fold}.log",
    benchmark:
        "logs/benchmarks/baselines/svm_is/fold{fold}.tsv"
    conda:
        "../../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=240,
    params:
        domains=DOMAINS,
        svm_is=config["baselines"]["svm_is"],
        emotions=config["emotions"],
        seed=config["seed"],
        code=code_fingerprint("sertransfer.baselines.svm_is"),
    script:
        "../scripts/svm_is.py"


rule cross_svm_is:
    input:
        is10=expand(IS10_CACHE, domain=DOMAINS),
        folds=domain_folds(DOMAINS),
    output:
        CROSS_SVM_PREDICTIONS,
    log:
        "logs/baselines/cross_svm_is/{source}.log",
    benchmark:
        "logs/benchmarks/baselines/cross_svm_is/{source}.tsv"
    conda:
        "../../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        domains=DOMAINS,
        svm_is=config["baselines"]["svm_is"],
        emotions=config["emotions"],
        seed=config["seed"],
        code=code_fingerprint("sertransfer.baselines.svm_is"),
    script:
        "../scripts/cross_svm_is.py"


rule asvm_source:
    input:
        target=IS10_CACHE.format(domain="{target}"),
        sources=lambda wildcards: expand(IS10_CACHE, domain=[d for d in DOMAINS if d != wildcards.target]),
        source_folds=lambda wildcards: domain_folds([d for d in DOMAINS if d != wildcards.target]),
    output:
        ASVM_SOURCE_VALUES,
    log:
        "logs/baselines/asvm_source/{target}.log",
    benchmark:
        "logs/benchmarks/baselines/asvm_source/{target}.tsv"
    conda:
        "../../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=240,
    params:
        sources=lambda wildcards: [d for d in DOMAINS if d != wildcards.target],
        gamma=config["baselines"]["asvm"]["gamma"],
        source_C=config["baselines"]["asvm"]["source_C"],
        emotions=config["emotions"],
        code=code_fingerprint("sertransfer.baselines.source"),
    script:
        "../scripts/asvm_source.py"


rule asvm:
    input:
        is10=IS10_CACHE.format(domain="{target}"),
        folds=FOLDS_TABLE.format(domain="{target}"),
        source=ASVM_SOURCE_VALUES,
    output:
        ASVM_PREDICTIONS,
    log:
        "logs/baselines/asvm/{target}/fold{fold}.log",
    benchmark:
        "logs/benchmarks/baselines/asvm/{target}/fold{fold}.tsv"
    conda:
        "../../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        asvm=config["baselines"]["asvm"],
        emotions=config["emotions"],
        seed=config["seed"],
        code=code_fingerprint("sertransfer.baselines.asvm"),
    script:
        "../scripts/asvm.py"
