# Training stage: pretraining sets, fine-tuning (one job per pretrained model: A1-A8 on each target and fold
# it serves, one TensorFlow start and one model load for all of them) and TT.
# The jobs come from sertransfer.plan.build_plan(config) (docs/design.md §8). `training.device` picks the
# conda env (CPU or CUDA TensorFlow) and the GPU request of every training job.


rule pretrain:
    input:
        unpack(pretrain_inputs),
    output:
        model=PRETRAIN_MODEL,
        predictions=PRETRAIN_PREDICTIONS,
        history=PRETRAIN_HISTORY,
    log:
        "logs/pretrain/{pretrain_set}.log",
    benchmark:
        "logs/benchmarks/pretrain/{pretrain_set}.tsv"
    conda:
        TRAIN_ENV
    threads: config["training"]["threads"]
    resources:
        mem_mb=pretrain_mem_mb,
        runtime=720,
        gpu=TRAIN_GPUS,
    params:
        job=lambda w: job_params(PRETRAIN[w.pretrain_set]),
        settings=training_settings("pretrain"),
        code=code_fingerprint("sertransfer.jobs"),
    script:
        "../scripts/pretrain.py"


rule finetune:
    input:
        unpack(finetune_inputs),
    output:
        predictions=directory(finetune_dir("predictions", "{pretrain_set}")),
        histories=directory(finetune_dir("histories", "{pretrain_set}")),
    log:
        FINETUNE_LOG,
    benchmark:
        FINETUNE_BENCHMARK
    # Ahead of any other ready job: each pretrained model is fine-tuned as soon as it is there, so results come
    # chain by chain and few models (41 MB each) wait on disk or in a carried save (sertransfer.carry).
    priority: 1
    conda:
        TRAIN_ENV
    threads: config["training"]["threads"]
    resources:
        mem_mb=4000,
        runtime=lambda w: 180 * len(FINETUNE_BY_SET[w.pretrain_set]),
        gpu=TRAIN_GPUS,
    params:
        jobs=lambda w: [job_params(j) for j in FINETUNE_BY_SET[w.pretrain_set]],
        settings=training_settings("finetune"),
        code=code_fingerprint("sertransfer.jobs"),
        interrupted=lambda w: FINETUNE_INTERRUPTED.format(pretrain_set=w.pretrain_set),
    script:
        "../scripts/finetune.py"


rule target_only:
    input:
        cache=WAVEFORM_CACHE.format(domain="{target}"),
        folds=FOLDS_TABLE.format(domain="{target}"),
    output:
        predictions=TT_PREDICTIONS,
        history=TT_HISTORIES,
    log:
        "logs/target_only/{target}/fold{fold}{repeat}.log",
    benchmark:
        "logs/benchmarks/target_only/{target}/fold{fold}{repeat}.tsv"
    conda:
        TRAIN_ENV
    threads: config["training"]["threads"]
    resources:
        mem_mb=3000,
        runtime=360,
        gpu=TRAIN_GPUS,
    params:
        settings=training_settings("target_only"),
        code=code_fingerprint("sertransfer.jobs"),
    script:
        "../scripts/target_only.py"
