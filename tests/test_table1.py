"""Table 1 from manifests: measured columns, the paper's columns, comparison, LaTeX layout."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import REPO, SIX
from sertransfer.corpora.base import IngestResult
from sertransfer.folds import assign_folds, folds_report, write_folds
from sertransfer.manifest import write_manifest
from sertransfer.tables.latex import paper_number
from sertransfer.tables.table1 import write_table1


def fake_domain(tmp_path, domain: str, emotions: list[str], rate: int, speakers: list[str | None]):
    """Write a small manifest + report for `domain`."""
    rows = [{"utterance_id": f"{domain}/{i}", "domain": domain, "path": f"{i}.wav",
             "speaker": speakers[i % len(speakers)],
             "gender": None, "emotion": e, "source_label": e, "sample_rate": rate, "channels": 1, "duration_s": 2.0}
            for i, e in enumerate(emotions)]
    report = {"domain": domain, "corpus": domain, "root": "/x", "kept": len(rows), "dropped": 3,
              "dropped_per_reason": {"unmapped_label": 2, "silent": 1}, "dropped_unmapped_labels": {},
              "kept_per_emotion": {}, "speakers": 0, "label_file_warnings": []}
    path = tmp_path / f"{domain}.parquet"
    write_manifest(IngestResult(pd.DataFrame(rows), report), path)
    manifest = pd.DataFrame(rows)
    folds = assign_folds(manifest, k=2, seed=1)
    write_folds(folds, tmp_path / f"{domain}.folds.parquet", folds_report(manifest, folds, k=2, strategy="stratified"))
    return path, tmp_path / f"{domain}.report.json", tmp_path / f"{domain}.folds.report.json"


def test_table1_for_configured_domains(tmp_path):
    emodb = fake_domain(tmp_path, "emodb", ["anger", "anger", "fear", "fear", "disgust", "anger"], 16000, ["03", "08"])
    afew = fake_domain(tmp_path, "afew", ["sadness", "surprise"] * 2, 48000, [None])
    out = {k: tmp_path / f"table1{k}" for k in (".csv", ".tex", "_vs.csv")}
    write_table1(["emodb", "afew"], [emodb[0], afew[0]], [emodb[1], afew[1]], [emodb[2], afew[2]],
                 REPO / "config" / "paper_reported" / "table1.csv", SIX, out[".csv"], out[".tex"], out["_vs.csv"])
    table = pd.read_csv(out[".csv"], keep_default_na=False)
    assert table["domain"].tolist() == ["emodb", "afew"]
    emodb_row = table.iloc[0]  # one disgust utterance, fewer than k = 2: left out of the domain
    assert (emodb_row["kept"], emodb_row["used"], emodb_row["dropped_rare_classes"]) == (6, 5, "disgust=1")
    assert (emodb_row["n_anger"], emodb_row["n_fear"], emodb_row["n_disgust"], emodb_row["n_surprise"]) == (3, 2, 0, 0)
    assert table.iloc[1]["dropped_rare_classes"] == ""
    assert (emodb_row["speakers"], emodb_row["paper_n_samples"], emodb_row["paper_language"]) == (2, 287, "German")
    assert table.iloc[1]["speakers"] == 0 and table.iloc[1]["paper_sampling_rate_hz"] == 48000
    vs = pd.read_csv(out["_vs.csv"]).set_index(["domain", "quantity"])
    assert vs.loc[("emodb", "n_samples"), ["reported", "reproduced", "difference"]].tolist() == [287, 5, -282]
    assert vs.loc[("afew", "sampling_rate_hz"), "difference"] == 0
    tex = out[".tex"].read_text()
    assert tex.count(r"\toprule") == 1 and r"\bottomrule" in tex
    assert "Emo-DB & adults & German & acted & balanced & studio & 16kHz & 287 & 5 & 2 & 16kHz & 2.00" in tex
    assert "AFEW & children/adults" in tex and "& 568 & 4 & -- & 48kHz" in tex
    assert "left out of their domain (Emo-DB: disgust=1)" in tex


@pytest.mark.parametrize("value, text", [(0.323, ".323"), (-0.0951, "-.095"), (1.0, "1.000"), (float("nan"), "")])
def test_paper_number_style(value, text):
    assert paper_number(value) == text
