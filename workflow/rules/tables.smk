# Tables stage: the paper's tables as CSV, LaTeX and comparisons with the reported numbers.


rule table1:
    input:
        manifests=manifests,
        reports=ingest_reports,
        folds_reports=expand(FOLDS_REPORT, domain=DOMAINS),
        paper=paper_reported("table1"),
    output:
        csv=report(TABLE_CSV.format(n=1), caption="../report/table1.rst", category="Tables"),
        tex=TABLE_TEX.format(n=1),
        vs_paper=TABLE_VS_PAPER.format(n=1),
    log:
        "logs/tables/table1.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        domains=DATASET_NAMES,
        emotions=config["emotions"],
        code=code_fingerprint("sertransfer.tables.table1"),
    script:
        "../scripts/table1.py"


rule table2:
    input:
        unpack(lambda w: metrics_inputs("pooled", "svm_is")),
        paper=paper_reported("table2"),
    output:
        csv=report(TABLE_CSV.format(n=2), caption="../report/table2.rst", category="Tables"),
        tex=TABLE_TEX.format(n=2),
        vs_paper=TABLE_VS_PAPER.format(n=2),
    log:
        "logs/tables/table2.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        domains=DATASET_NAMES,
        transfer={"cnn": config["transfer"]["cnn"]},
        statistics=statistics_settings("intervals"),
        code=code_fingerprint("sertransfer.tables.table2"),
    script:
        "../scripts/table2.py"


rule table3:
    input:
        unpack(lambda w: metrics_inputs("tt", "transfer")),
        paper=paper_reported("table3"),
    output:
        csv=report(TABLE_CSV.format(n=3), caption="../report/table3.rst", category="Tables"),
        tex=TABLE_TEX.format(n=3),
        vs_paper=TABLE_VS_PAPER.format(n=3),
    log:
        "logs/tables/table3.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        domains=DATASET_NAMES,
        scenarios=config["transfer"]["scenarios"],
        approaches=list(config["transfer"]["approaches"]),
        statistics=statistics_settings("comparisons"),
        code=code_fingerprint("sertransfer.tables.table3"),
    script:
        "../scripts/table3.py"


rule table4:
    input:
        unpack(lambda w: metrics_inputs("transfer", "ablation")),
        paper=paper_reported("table4"),
    output:
        csv=report(TABLE_CSV.format(n=4), caption="../report/table4.rst", category="Tables"),
        tex=TABLE_TEX.format(n=4),
        vs_paper=TABLE_VS_PAPER.format(n=4),
    log:
        "logs/tables/table4.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        domains=DATASET_NAMES,
        scenarios=config["transfer"]["scenarios"],
        approaches=TABLE4_APPROACHES,
        tex_approaches=config["tables"]["table4_tex_approaches"],
        ablation=config["transfer"]["ablation"],
        statistics=statistics_settings("markers"),
        code=code_fingerprint("sertransfer.tables.table4"),
    script:
        "../scripts/table4.py"


rule table5:
    input:
        unpack(lambda w: metrics_inputs("asvm", "transfer", "ablation")),
        paper=paper_reported("table5"),
    output:
        csv=report(TABLE_CSV.format(n=5), caption="../report/table5.rst", category="Tables"),
        tex=TABLE_TEX.format(n=5),
        vs_paper=TABLE_VS_PAPER.format(n=5),
    log:
        "logs/tables/table5.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        domains=DATASET_NAMES,
        scenarios=config["transfer"]["scenarios"],
        approaches=TABLE4_APPROACHES,
        ablation=config["transfer"]["ablation"],
        statistics=statistics_settings("comparisons"),
        code=code_fingerprint("sertransfer.tables.table5"),
    script:
        "../scripts/table5.py"


rule claims:
    input:
        **{f"table{n}": TABLE_CSV.format(n=n) for n in (2, 3, 4, 5)},
        paper=[paper_reported(f"table{n}") for n in (2, 3, 4, 5)],
    output:
        csv=report(CLAIMS_CSV, caption="../report/claims.rst", category="Tables"),
        md=CLAIMS_MD,
    log:
        "logs/tables/claims.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        statistics=statistics_settings("claims"),
        code=code_fingerprint("sertransfer.tables.claims"),
    script:
        "../scripts/claims.py"


rule table_cross:
    input:
        unpack(lambda w: metrics_inputs("cross")),
        folds=domain_folds(DOMAINS),
    output:
        csv=report(CROSS_CORPUS_CSV, caption="../report/cross_corpus.rst", category="Tables"),
    log:
        "logs/tables/cross_corpus.log",
    conda:
        "../../envs/core.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        domains=DATASET_NAMES,
        code=code_fingerprint("sertransfer.tables.cross", "sertransfer.folds"),
    script:
        "../scripts/table_cross.py"
