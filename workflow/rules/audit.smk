# Protocol audit stage: every training job's fit / validation / test counts per domain, and the check
# that no scored model (nor any model it was fine-tuned from) was fitted on its validation or test
# utterances. Any overlap fails the rule, naming the job and an utterance.


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
