# Figures and report stage (docs/design.md §12): heatmaps of Tables 3 and 4, confusion matrices, learning
# curves, then the HTML report. Every figure is marked for the report (captions in workflow/report/).


# The landing page and the report only read the finished run and run on the submitting host (no cluster job).
localrules:
    summary,
    report,


# Table 3 fine-tuning jobs (no excluded source) per target: inputs of its confusion matrix and curves.
TABLE3_JOBS = {t: [j for j in PLAN.finetune if j.target == t and not j.excluded and j.repeat == 0] for t in DOMAINS}


rule figure_table3_gains:
    input:
        table=TABLE_CSV.format(n=3),
    output:
        png=report(
            FIGURE.format(name="table3_gains"),
            caption="../report/table3_gains.rst",
            category="Figures",
            subcategory="Table 3: gains over TT",
        ),
    log:
        "logs/figures/table3_gains.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=code_fingerprint("sertransfer.figures"),
    script:
        "../scripts/figure_table3.py"


rule figure_table4:
    input:
        table=TABLE_CSV.format(n=4),
    output:
        png=report(
            FIGURE.format(name="table4_{scenario}"),
            caption="../report/table4_heatmap.rst",
            category="Figures",
            subcategory="Table 4: domain ablation",
            labels={"scenario": "{scenario}"},
        ),
    log:
        "logs/figures/table4_{scenario}.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        statistics=statistics_settings("markers"),
        code=code_fingerprint("sertransfer.figures"),
    script:
        "../scripts/figure_table4.py"


rule figure_uar_intervals:
    input:
        unpack(lambda w: metrics_inputs("tt", "transfer", "svm_is", "asvm")),
    output:
        png=report(
            FIGURE.format(name="uar_intervals"),
            caption="../report/uar_intervals.rst",
            category="Figures",
            subcategory="UAR with confidence intervals",
        ),
    log:
        "logs/figures/uar_intervals.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        domains=DATASET_NAMES,
        scenarios=config["transfer"]["scenarios"],
        approaches=list(config["transfer"]["approaches"]),
        statistics=statistics_settings("bootstrap"),
        code=code_fingerprint("sertransfer.figures"),
    script:
        "../scripts/figure_uar_intervals.py"


rule figure_confusion:
    input:
        metrics=metrics("transfer"),
        folds=FOLDS_TABLE.format(domain="{target}"),
        predictions=lambda w: unique(finetune_dir("predictions", j.pretrain.set_id) for j in TABLE3_JOBS[w.target]),
    output:
        png=report(
            FIGURE.format(name="confusion_{target}"),
            caption="../report/confusion.rst",
            category="Figures",
            subcategory="Confusion matrices",
            labels=lambda w: {"target": DATASET_NAMES[w.target]},
        ),
    log:
        "logs/figures/confusion_{target}.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        dataset=lambda w: DATASET_NAMES[w.target],
        scenarios=config["transfer"]["scenarios"],
        approaches=list(config["transfer"]["approaches"]),
        restrict=config["evaluate"]["restrict_to_domain_labels"],
        code=code_fingerprint("sertransfer.figures"),
    script:
        "../scripts/figure_confusion.py"


rule figure_learning_curves:
    input:
        tt=lambda w: [
            TT_HISTORIES.format(target=j.target, fold=j.fold, repeat=repeat_tag(j.repeat))
            for j in PLAN.target_only
            if j.target == w.target and j.repeat == 0
        ],
        finetune=lambda w: unique(finetune_dir("histories", j.pretrain.set_id) for j in TABLE3_JOBS[w.target]),
    output:
        png=report(
            FIGURE.format(name="learning_curves_{target}"),
            caption="../report/learning_curves.rst",
            category="Figures",
            subcategory="Learning curves",
            labels=lambda w: {"curves": DATASET_NAMES[w.target]},
        ),
    log:
        "logs/figures/learning_curves_{target}.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        dataset=lambda w: DATASET_NAMES[w.target],
        finetune_jobs=lambda w: [job_params(j) for j in TABLE3_JOBS[w.target]],
        finetune_histories=lambda w: [finetune_file("histories", j) for j in TABLE3_JOBS[w.target]],
        approaches=config["transfer"]["approaches"],
        code=code_fingerprint("sertransfer.figures"),
    script:
        "../scripts/figure_learning_curves.py"


rule figure_pretrain_curves:
    input:
        histories=[PRETRAIN_HISTORY.format(pretrain_set=j.set_id) for j in PLAN.pretrain],
    output:
        png=report(
            FIGURE.format(name="pretrain_curves"),
            caption="../report/pretrain_curves.rst",
            category="Figures",
            subcategory="Learning curves",
            labels={"curves": "pretraining (every set)"},
        ),
    log:
        "logs/figures/pretrain_curves.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        jobs=[job_params(j) for j in PLAN.pretrain],
        code=code_fingerprint("sertransfer.figures"),
    script:
        "../scripts/figure_pretrain_curves.py"


rule summary:
    input:
        tables=expand([TABLE_CSV, TABLE_VS_PAPER], n=[2, 3, 5]),
        table1=TABLE_CSV.format(n=1),
        claims=CLAIMS_CSV,
        audit=[AUDIT_SUMMARY, AUDIT_PREDICTIONS],
    output:
        html=report(SUMMARY_HTML, caption="../report/summary.rst", category="Summary"),
        rst=SUMMARY_RST,
    log:
        "logs/summary.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        config_sha256=config_digest(config),
        code=code_fingerprint("sertransfer.findings"),
    script:
        "../scripts/summary.py"


rule report:
    input:
        report_inputs(),
        front_page=SUMMARY_RST,
    output:
        html=REPORT_HTML,
    log:
        "logs/report.log",
    conda:
        "../../envs/report.yaml"
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        snakefile=repo_path(Path(workflow.main_snakefile).name),
        code=code_fingerprint("sertransfer.report"),
    script:
        "../scripts/report.py"


rule figure_cross_corpus:
    input:
        table=CROSS_CORPUS_CSV,
    output:
        png=report(
            FIGURE.format(name="cross_corpus"),
            caption="../report/cross_corpus_heatmap.rst",
            category="Figures",
        ),
    log:
        "logs/figures/cross_corpus.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=code_fingerprint("sertransfer.figures"),
    script:
        "../scripts/figure_cross_corpus.py"
