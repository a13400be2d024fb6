# Training stage: pretraining sets, fine-tuning (A1-A8 per pretrained model, target and fold) and TT.
# The jobs come from sertransfer.plan.build_plan(config); see its docstring for the set ids.


rule pretrain:
    input:
        caches=pretrain_caches,
        folds=pretrain_folds,
    output:
        model="results/models/pretrain/{pretrain_set}.keras",
        predictions="results/predictions/pretrain/{pretrain_set}.parquet",
        history="results/histories/pretrain/{pretrain_set}.json",
    params:
        job=lambda w: job_params(PRETRAIN[w.pretrain_set]),
        domains=lambda w: list(PRETRAIN[w.pretrain_set].domains),
        settings=training_settings("pretrain"),
        code=code_fingerprint("sertransfer.jobs"),
    threads: config["training"]["threads"]
    log:
        "logs/pretrain/{pretrain_set}.log",
    resources:
        mem_mb=pretrain_mem_mb,
        runtime=720,
        gpu=0,
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/pretrain.py"


rule finetune:
    input:
        model="results/models/pretrain/{pretrain_set}.keras",
        cache="data/features/waveform/{target}.parquet",
        folds="data/folds/{target}.parquet",
    output:
        predictions="results/predictions/finetune/{pretrain_set}/{target}/fold{fold}.parquet",
        history="results/histories/finetune/{pretrain_set}/{target}/fold{fold}.json",
    params:
        job=lambda w: job_params(FINETUNE[(w.pretrain_set, w.target, int(w.fold))]),
        settings=training_settings("finetune", approaches=True),
        code=code_fingerprint("sertransfer.jobs"),
    threads: config["training"]["threads"]
    log:
        "logs/finetune/{pretrain_set}/{target}/fold{fold}.log",
    resources:
        mem_mb=4000,
        runtime=720,
        gpu=0,
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/finetune.py"


rule target_only:
    input:
        cache="data/features/waveform/{target}.parquet",
        folds="data/folds/{target}.parquet",
    output:
        predictions="results/predictions/tt/{target}/fold{fold}.parquet",
        history="results/histories/tt/{target}/fold{fold}.json",
    params:
        settings=training_settings("target_only"),
        code=code_fingerprint("sertransfer.jobs"),
    threads: config["training"]["threads"]
    log:
        "logs/target_only/{target}/fold{fold}.log",
    resources:
        mem_mb=3000,
        runtime=360,
        gpu=0,
    conda:
        "../../envs/train.yaml"
    script:
        "../scripts/target_only.py"
