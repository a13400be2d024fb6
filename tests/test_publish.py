"""Publishing a finished run: every table, the claims, the audit summary and figures copied, or nothing when unfit."""

from __future__ import annotations

import hashlib
import json

import pytest

from sertransfer.publish import AUDIT_SUMMARY_NAME, PROVENANCE, PublishError, publish
from sertransfer.vocabulary import AUDIT_SUMMARY, TABLES_DIR

AUDIT_HEADER = "kind,jobs,fit_utterances,validation_utterances_checked,selection_utterances_checked," \
               "test_utterances_checked,overlaps\n"


def test_a_finished_run_is_published_whole_and_traceable(tiny_run, tmp_path):
    workdir, _, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    destination = tmp_path / "published"
    written = {path.name for path in publish(workdir, destination)}
    for number in range(1, 6):
        assert {f"table{number}.csv", f"table{number}.tex"} <= written
    assert {"claims.csv", "claims.md", AUDIT_SUMMARY_NAME, "table3_gains.png", "uar_intervals.png"} <= written
    provenance = json.loads((destination / PROVENANCE).read_text())
    assert set(provenance["files"]) == written
    for name, digest in provenance["files"].items():
        assert hashlib.sha256((destination / name).read_bytes()).hexdigest() == digest
    assert (destination / "table2.csv").read_bytes() == (workdir / TABLES_DIR / "table2.csv").read_bytes()


def fake_run(root, overlaps: int = 0, tables=(2,)):
    """A run directory with the given tables and an audit summary counting `overlaps`."""
    for number in tables:
        for suffix in ("csv", "tex"):
            path = root / TABLES_DIR / f"table{number}.{suffix}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x\n")
    audit = root / AUDIT_SUMMARY
    audit.parent.mkdir(parents=True, exist_ok=True)
    audit.write_text(AUDIT_HEADER + f"pretrain,3,100,10,10,20,0\nfinetune,4,80,8,8,20,{overlaps}\n")
    return root


def test_an_overlap_in_the_audit_publishes_nothing(tmp_path):
    run = fake_run(tmp_path / "run", overlaps=2)
    with pytest.raises(PublishError, match=r"overlaps in finetune \(2\)"):
        publish(run, tmp_path / "out", tables=(2,))
    assert not (tmp_path / "out").exists()


def test_a_missing_table_or_an_unfinished_job_publishes_nothing(tmp_path):
    run = fake_run(tmp_path / "run", tables=(2,))
    with pytest.raises(PublishError, match=r"results/tables/table3.csv, results/tables/table3.tex missing"):
        publish(run, tmp_path / "out", tables=(2, 3))
    (run / ".snakemake" / "incomplete").mkdir(parents=True)
    (run / ".snakemake" / "incomplete" / "cmVzdWx0cy90YWJsZXM=").write_text("")
    with pytest.raises(PublishError, match="1 unfinished job"):
        publish(run, tmp_path / "out", tables=(2,))
    assert not (tmp_path / "out").exists()
    (run / AUDIT_SUMMARY).unlink()
    (run / ".snakemake" / "incomplete" / "cmVzdWx0cy90YWJsZXM=").unlink()
    with pytest.raises(PublishError, match="summary.csv is missing"):
        publish(run, tmp_path / "out", tables=(2,))
    assert len(publish(fake_run(run), tmp_path / "out", tables=(2,))) == 3
