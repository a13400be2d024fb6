# Protocol audit stage: every training job's fit / validation / selection / test counts per domain, and the
# check that no scored model (nor any model it was fine-tuned from) was fitted or early-stopped on its
# test utterances, or fitted / early-stopped on the utterances configurations are chosen on
# (audit_protocol, from the plan); then that every predictions file the tables read holds each row in the
# split of its job that the plan gives (audit_predictions). Any overlap fails the rule, naming the job
# and an utterance.


rule audit_protocol:
    input:
        folds=domain_folds(DOMAINS),
    output:
        table="results/audit/protocol.csv",
        summary=report("results/audit/summary.csv", caption="../report/audit.rst", category="Protocol audit"),
    params:
        domains=DOMAINS,
        plan=plan_settings(),
        seed=config["seed"],
        validation_fraction=config["training"]["validation_fraction"],
        selection_fraction=config["training"]["selection_fraction"],
        code=code_fingerprint("sertransfer.audit"),
    log:
        "logs/audit/protocol.log",
    resources:
        mem_mb=2000,
        runtime=15,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/audit_protocol.py"


rule audit_predictions:
    input:
        predictions=unique(path for files in GROUP_PREDICTIONS.values() for path in files),
        folds=domain_folds(DOMAINS),
    output:
        "results/audit/predictions.csv",
    params:
        domains=DOMAINS,
        plan=plan_settings(),
        seed=config["seed"],
        validation_fraction=config["training"]["validation_fraction"],
        selection_fraction=config["training"]["selection_fraction"],
        code=code_fingerprint("sertransfer.audit"),
    log:
        "logs/audit/predictions.log",
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/audit_predictions.py"
