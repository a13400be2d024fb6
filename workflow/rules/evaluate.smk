# Evaluation stage: UAR per configuration, domain and fold, from the predictions files only.
# One metrics table per experiment group, so that an edit reruns only the tables that use it.


rule collect_metrics:
    input:
        predictions=group_predictions,
        folds=expand("data/folds/{domain}.parquet", domain=DOMAINS),
    output:
        uar="results/metrics/{group}.csv",
    params:
        domains=DOMAINS,
        restrict_to_domain_labels=config["evaluate"]["restrict_to_domain_labels"],
        code=code_fingerprint("sertransfer.metrics"),
    log:
        "logs/evaluate/collect_metrics/{group}.log",
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/collect_metrics.py"
