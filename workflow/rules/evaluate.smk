# Evaluation stage: UAR per configuration, domain and fold, from the predictions files only.


rule collect_metrics:
    input:
        predictions=all_predictions,
        manifests=manifests,
    output:
        uar="results/metrics/uar_folds.csv",
    params:
        domains=DOMAINS,
        evaluate=config["evaluate"],
        code=code_fingerprint("sertransfer.metrics"),
    log:
        "logs/evaluate/collect_metrics.log",
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/collect_metrics.py"
