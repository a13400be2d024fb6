# Folds stage: k folds per domain, stratified by emotion (the paper's) or speaker-independent.


rule folds:
    input:
        MANIFEST,
    output:
        folds=FOLDS_TABLE,
        report=FOLDS_REPORT,
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
        code=code_fingerprint("sertransfer.folds", "sertransfer.manifest"),
    script:
        "../scripts/folds.py"
