# Export stage: for each target, the configuration Table 5 chose per run on held-out data, retrained on all of its data
# (whole-domain pretraining, then fine-tuning on all of the target's utterances but a validation split), as
# results/export/<target>/model.keras (plain Keras layers) and model.onnx with model_card.json.
# `sertransfer predict` runs either on new audio.
# The choices are a checkpoint: an export reruns when its target's chosen configuration changes (a param),
# not whenever Table 5 is rewritten (a changed p-value column does not retrain a model).


checkpoint export_choices:
    input:
        table5=TABLE_CSV.format(n=5),
    output:
        EXPORT_CHOICES,
    log:
        "logs/export/choices.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        domains=DOMAINS,
        fallback=config["export"]["fallback"],
        code=code_fingerprint("sertransfer.choice"),
    script:
        "../scripts/export_choices.py"


rule export_model:
    input:
        unpack(export_inputs),
    output:
        model=EXPORTED.format(target="{target}", file=MODEL_NAME),
        onnx=EXPORTED.format(target="{target}", file=ONNX_NAME),
        card=EXPORTED.format(target="{target}", file=CARD_NAME),
    log:
        "logs/export/{target}.log",
    benchmark:
        "logs/benchmarks/export/{target}.tsv"
    conda:
        TRAIN_ENV
    threads: config["training"]["threads"]
    resources:
        mem_mb=export_mem_mb,
        runtime=720,
        gpu=TRAIN_GPUS,
    params:
        chosen=export_choice,
        domains=DOMAINS,
        pretrain=training_settings("pretrain"),
        finetune=training_settings("finetune"),
        export_config=export_settings(),
        code=code_fingerprint("sertransfer.export"),
    script:
        "../scripts/export_model.py"
