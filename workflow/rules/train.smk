# Training stage: pretraining sets, fine-tuning (one job per pretrained model: A1-A8 on each target and fold
# it serves, one TensorFlow start and one model load for all of them) and TT.
# The jobs come from sertransfer.plan.build_plan(config); see its docstring for the set ids.


# Conda env of the training rules: TensorFlow with CUDA (envs/train-gpu.yaml) for a rule whose GPU
# request is raised with --set-resources (`gpu` above 0, a `gpu_model`, or a `gres` naming a gpu;
# profiles/slurm does this), the CPU build (envs/train.yaml) otherwise (the rules declare gpu=0).
TRAIN_OVERRIDES = {
    name: {key: str(getattr(value, "raw", value))
           for key, value in (workflow.resource_settings.overwrite_resources.get(name) or {}).items()}
    for name in ("pretrain", "finetune", "target_only")
}
TRAIN_ENV = {
    name: "../../envs/train-gpu.yaml"
    if requested.get("gpu", "0") not in ("0", "", "None") or "gpu_model" in requested
    or "gpu" in requested.get("gres", "")
    else "../../envs/train.yaml"
    for name, requested in TRAIN_OVERRIDES.items()
}


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
        TRAIN_ENV["pretrain"]
    script:
        "../scripts/pretrain.py"


rule finetune:
    input:
        model="results/models/pretrain/{pretrain_set}.keras",
        caches=finetune_caches,
        folds=finetune_folds,
    output:
        predictions=directory(finetune_dir("predictions", "{pretrain_set}")),
        histories=directory(finetune_dir("histories", "{pretrain_set}")),
    params:
        jobs=lambda w: [job_params(j) for j in FINETUNE_BY_SET[w.pretrain_set]],
        settings=training_settings("finetune", approaches=True),
        code=code_fingerprint("sertransfer.jobs"),
    threads: config["training"]["threads"]
    log:
        "logs/finetune/{pretrain_set}.log",
    resources:
        mem_mb=4000,
        runtime=lambda w: 180 * len(FINETUNE_BY_SET[w.pretrain_set]),
        gpu=0,
    conda:
        TRAIN_ENV["finetune"]
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
        TRAIN_ENV["target_only"]
    script:
        "../scripts/target_only.py"
