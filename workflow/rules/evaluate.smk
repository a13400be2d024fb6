# Evaluation stage: UAR, WA and macro-F1 per configuration, domain and fold, pooled over folds with a
# bootstrap CI of UAR, and the evaluated predictions the tables compare pairwise; from the predictions
# files only. One set of metrics per experiment group, so that an edit reruns only the tables that use it.


rule collect_metrics:
    input:
        predictions=group_files,
        folds=domain_folds(DOMAINS),
    output:
        uar=METRICS,
        pooled=METRICS_POOLED,
        utterances=METRICS_UTTERANCES,
    log:
        "logs/evaluate/collect_metrics/{group}.log",
    benchmark:
        "logs/benchmarks/evaluate/collect_metrics/{group}.tsv"
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        domains=DOMAINS,
        restrict_to_domain_labels=config["evaluate"]["restrict_to_domain_labels"],
        bootstrap=config["evaluate"]["bootstrap"],
        seed=config["seed"],
        code=code_fingerprint("sertransfer.metrics", "sertransfer.folds"),
    script:
        "../scripts/collect_metrics.py"
