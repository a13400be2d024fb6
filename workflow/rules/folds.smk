# Folds stage: k folds per domain, stratified by emotion (the paper's) or speaker-independent.


rule folds:
    input:
        "data/manifests/{domain}.parquet",
    output:
        folds="data/folds/{domain}.parquet",
        report="data/folds/{domain}.report.json",
    params:
        folds=config["folds"],
        seed=config["seed"],
        code=code_fingerprint("sertransfer.folds"),
    log:
        "logs/folds/{domain}.log",
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/folds.py"
