# Folds stage: k folds per domain, stratified by emotion (the paper's) or speaker-independent.


rule folds:
    input:
        "data/manifests/{domain}.parquet",
    output:
        folds="data/folds/{domain}.parquet",
        report="data/folds/{domain}.report.json",
    log:
        "logs/folds/{domain}.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        folds=config["folds"],
        seed=config["seed"],
        code=code_fingerprint("sertransfer.folds"),
    script:
        "../scripts/folds.py"
