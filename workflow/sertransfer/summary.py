"""What a finished run prints: where its outputs are, and Table 2 as text (the Snakefile's onsuccess)."""

from __future__ import annotations

from pathlib import Path

from sertransfer.tables.columns import TABLE2_COLUMNS, read_table_csv
from sertransfer.tables.latex import paper_number
from sertransfer.vocabulary import (
    AUDIT_PROTOCOL,
    EXPORT_DIR,
    FIGURES_DIR,
    METRICS_DIR,
    REPORT_HTML,
    SUMMARY_HTML,
    TABLE_CSV,
    TABLES_DIR,
)

#: The outputs a finished run points to, in the order it lists them.
OUTPUTS = (("What the run found (open this first)", SUMMARY_HTML),
           ("Tables 1-5 (CSV, LaTeX, vs the paper)", TABLES_DIR), ("Figures", FIGURES_DIR),
           ("Report", REPORT_HTML), ("Protocol audit", AUDIT_PROTOCOL),
           ("Exported models (sertransfer predict)", EXPORT_DIR), ("Metrics", METRICS_DIR))


def table2_text(path: Path) -> str:
    """Table 2 (mean test UAR per domain and model) as a plain-text table."""
    table = read_table_csv(path)
    wide = table.pivot(index="dataset", columns="column", values="uar")
    wide = wide[[c for c in TABLE2_COLUMNS if c in wide.columns]]
    wide.loc["Mean"] = wide.mean()
    return wide.map(paper_number).to_string()


def finished_run_summary(workdir: Path) -> str:
    """The lines printed at the end of a successful run (empty when the run did not make Table 2)."""
    table2 = workdir / TABLE_CSV.format(n=2)
    if not table2.is_file():
        return ""
    lines = ["", "Finished. Outputs:"]
    lines += [f"  {name:<40} {path}" for name, path in OUTPUTS if (workdir / path).exists()]
    lines += ["", "Table 2: UAR without domain adaptation (mean over the test folds)", table2_text(table2), ""]
    return "\n".join(lines)
