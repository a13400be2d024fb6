"""The landing page's parts that do not need a finished run: the audit verdict, costs per stage, links."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sertransfer.costs import stage_costs
from sertransfer.findings import RunFiles, audit_block, relative_link, report_link


def write_audit(workdir: Path, overlaps: int) -> RunFiles:
    """An audit summary with `overlaps` overlapping utterances and a predictions check of two files."""
    (workdir / "results" / "audit").mkdir(parents=True)
    pd.DataFrame({"kind": ["pretrain", "tt"], "jobs": [3, 4], "overlaps": [0, overlaps]}).to_csv(
        workdir / "results" / "audit" / "summary.csv", index=False)
    pd.DataFrame({"job": ["tt/a/fold0", "tt/a/fold1"], "rows": [10, 12]}).to_csv(
        workdir / "results" / "audit" / "predictions.csv", index=False)
    return RunFiles(workdir)


def test_audit_verdict_is_clean_only_without_overlaps(tmp_path):
    clean = audit_block(write_audit(tmp_path / "clean", 0), report_link)
    leak = audit_block(write_audit(tmp_path / "leak", 2), report_link)
    assert "clean: no utterance" in clean and "7 jobs audited" in clean and "22 prediction rows of 2 files" in clean
    assert "LEAK: 2 overlapping utterances" in leak and "clean" not in leak


def test_stage_costs_sum_each_stage_of_the_benchmark_files(tmp_path):
    def benchmark(path: str, seconds: float, cpu: float) -> None:
        file = tmp_path / "logs" / "benchmarks" / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"s\th:m:s\tmax_rss\tcpu_time\n{seconds}\t0:00:01\t120.5\t{cpu}\n")

    assert stage_costs(tmp_path) == []
    benchmark("target_only/emodb/fold0.tsv", 60, 100)
    benchmark("target_only/emodb/fold1.tsv", 30, 50)
    benchmark("features/is10/emodb.tsv", 5, 4)
    rows = {row["rule"]: row for row in stage_costs(tmp_path)}
    target_only = rows["target_only"]
    assert target_only["jobs"] == 2 and target_only["wall_s"] == 90 and target_only["cpu_s"] == 150
    assert rows["features/is10"]["jobs"] == 1 and rows["total"]["jobs"] == 3 and rows["total"]["cpu_s"] == 154


def test_links_point_to_the_file_from_the_page_or_to_the_report_entry():
    link = relative_link("results")
    assert link("results/tables/table2.csv", "t") == '<a href="tables/table2.csv">t</a>'
    assert link("logs/x.log", "l") == '<a href="../logs/x.log">l</a>'
    assert "app.showResultInfo('results/tables/table2.csv')" in report_link("results/tables/table2.csv", "t")
