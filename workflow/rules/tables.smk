# Tables stage: the paper's tables as CSV, LaTeX and comparisons with the reported numbers.


rule table1:
    input:
        manifests=manifests,
        reports=ingest_reports,
        paper=paper_reported("table1"),
    output:
        csv=report("results/tables/table1.csv", caption="../report/table1.rst", category="Tables"),
        tex="results/tables/table1.tex",
        vs_paper="results/tables/table1_vs_paper.csv",
    params:
        domains=DOMAINS,
        emotions=config["emotions"],
        code=code_fingerprint("sertransfer.tables.table1"),
    log:
        "logs/tables/table1.log",
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/table1.py"
