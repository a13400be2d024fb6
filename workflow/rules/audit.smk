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
        table=AUDIT_PROTOCOL,
        summary=report(AUDIT_SUMMARY, caption="../report/audit.rst", category="Protocol audit"),
    log:
        "logs/audit/protocol.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        domains=DOMAINS,
        plan=plan_params(),
        seed=config["seed"],
        validation_fraction=config["training"]["validation_fraction"],
        selection_fraction=config["training"]["selection_fraction"],
        code=code_fingerprint("sertransfer.audit"),
    script:
        "../scripts/audit_protocol.py"


rule audit_predictions:
    input:
        predictions=unique(path for files in GROUP_PREDICTIONS.values() for path in files),
        folds=domain_folds(DOMAINS),
    output:
        AUDIT_PREDICTIONS,
    log:
        "logs/audit/predictions.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        domains=DOMAINS,
        plan=plan_params(),
        seed=config["seed"],
        validation_fraction=config["training"]["validation_fraction"],
        selection_fraction=config["training"]["selection_fraction"],
        code=code_fingerprint("sertransfer.audit", "sertransfer.predictions"),
    script:
        "../scripts/audit_predictions.py"
