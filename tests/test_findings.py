"""The landing page's parts that do not need a finished run: the audit verdict and the links."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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


def test_links_point_to_the_file_from_the_page_or_to_the_report_entry():
    link = relative_link("results")
    assert link("results/tables/table2.csv", "t") == '<a href="tables/table2.csv">t</a>'
    assert link("logs/x.log", "l") == '<a href="../logs/x.log">l</a>'
    assert "app.showResultInfo('results/tables/table2.csv')" in report_link("results/tables/table2.csv", "t")
