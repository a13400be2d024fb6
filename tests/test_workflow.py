"""The Snakemake workflow end to end, on a copy of the repository (as a new user would run it)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import EMODB_2S
from sertransfer.config import load_config
from sertransfer.costs import finetune_fits, invocations, stage_costs
from sertransfer.predictions import TEST
from sertransfer.tables.claims import CLAIMS
from sertransfer.tables.columns import read_table_csv
from sertransfer.tables.latex import paper_number
from workflow_run import LAB_LABELS, RUN_DOMAINS, copy_repository, snakemake

pytestmark = pytest.mark.slow

def fold_utterances(workdir: Path, domains: list[str], fold: int) -> set[str]:
    """The utterance ids of `fold` in the folds files of `domains`."""
    folds = pd.concat([pd.read_parquet(workdir / "data" / "folds" / f"{d}.parquet") for d in domains])
    return set(folds.loc[folds["fold"] == fold, "utterance_id"])


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A copy of the repository's workflow files (no data, no results)."""
    return copy_repository(tmp_path)


def test_whole_workflow_on_a_tiny_config(tiny_run):
    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    # a quiet console: TensorFlow's start-up lines stay in the jobs' logs (this machine has no GPU either)
    noise = re.compile(r"oneDNN|cuInit|cuda drivers|absl", re.IGNORECASE)
    assert not noise.search(result.stdout + result.stderr), noise.search(result.stdout + result.stderr)
    job_log = (workdir / "logs" / "target_only" / "rml" / "fold0.log").read_text()
    assert noise.search(job_log) and re.search(r"epoch 1 of at most 1: loss \d", job_log)
    table = pd.read_csv(workdir / "results" / "tables" / "table1.csv")
    assert table["domain"].tolist() == RUN_DOMAINS
    assert (table["kept"] > 0).all()
    for domain in table["domain"]:
        manifest = pd.read_parquet(workdir / "data" / "manifests" / f"{domain}.parquet")
        assert len(manifest) == table.set_index("domain").loc[domain, "kept"]
        assert (workdir / "data" / "raw" / domain).is_dir() or domain == "lab"   # lab: a local corpus
    assert (workdir / "results" / "tables" / "table1.tex").read_text().startswith(r"\begin{table}")
    assert len(pd.read_csv(workdir / "results" / "tables" / "table1_vs_paper.csv")) == 6
    for domain in table["domain"]:
        kept = table.set_index("domain").loc[domain, "kept"]
        folds = pd.read_parquet(workdir / "data" / "folds" / f"{domain}.parquet")
        assert len(folds) == kept and set(folds["fold"]) == {0, 1}
        waveform = pd.read_parquet(workdir / "data" / "features" / "waveform" / f"{domain}.parquet")
        assert len(waveform) == kept and len(waveform["x"].iloc[0]) == 4 * 8000
        assert len(pd.read_parquet(workdir / "data" / "features" / "is10" / f"{domain}.parquet").columns) == 1585
    finetuned = pd.read_parquet(workdir / "results" / "predictions" / "finetune" / "s2-rml" / "rml" / "fold1.parquet")
    assert sorted(finetuned["approach"].unique()) == [f"A{i}" for i in range(1, 9)]
    assert set(finetuned["utterance_id"].str.split("/").str[0]) == {"rml"}
    assert (workdir / "results" / "models" / "pretrain" / "s2xiemocap+lab.keras").is_file()
    for predictions, domains, fold in (("svm_is/fold0.parquet", RUN_DOMAINS, 0), ("asvm/lab/fold1.parquet", ["lab"], 1),
                                       ("tt/iemocap/fold0.parquet", ["iemocap"], 0)):
        rows = pd.read_parquet(workdir / "results" / "predictions" / predictions)
        test_ids = set(rows.loc[rows["split"] == TEST, "utterance_id"])   # exactly the fold's test utterances
        assert test_ids == fold_utterances(workdir, domains, fold), predictions
    for table in (2, 3, 4, 5):   # every target in every table; every column reads back as declared
        read_back = read_table_csv(workdir / "results" / "tables" / f"table{table}.csv")
        assert set(read_back["domain"]) >= set(RUN_DOMAINS), table
    for csv in (workdir / "results" / "tables").glob("*.csv"):
        if csv.name != "claims.csv":
            read_table_csv(csv)
    figures = sorted(p.name for p in (workdir / "results" / "figures").glob("*.png"))
    expected = {"table3_gains.png", "pretrain_curves.png", "table4_S1.png", "table4_S2.png", "uar_intervals.png",
                "cross_corpus.png"}
    expected |= {f"{kind}_{domain}.png" for kind in ("confusion", "learning_curves") for domain in RUN_DOMAINS}
    assert set(figures) == expected
    cross = pd.read_csv(workdir / "results" / "tables" / "cross_corpus.csv")   # 2 systems x 3 sources x 2 targets
    assert len(cross) == 12 and set(cross["system"]) == {"SVM-IS", "CNN+LSTM"} and cross["uar"].between(0, 1).all()
    fold_metrics = pd.read_csv(workdir / "results" / "metrics" / "transfer.csv")
    assert {"uar", "wa", "macro_f1", "n"} <= set(fold_metrics.columns)
    pooled = pd.read_csv(workdir / "results" / "metrics" / "tt_pooled.csv", keep_default_na=False, na_values=[""])
    test_rows = pooled[pooled["split"] == "test"]
    assert test_rows["uar_ci_low"].notna().all() and (test_rows["uar_ci_low"] <= test_rows["fold_mean_uar"]).all()
    assert (test_rows["fold_mean_uar"] <= test_rows["uar_ci_high"]).all()
    table4 = pd.read_csv(workdir / "results" / "tables" / "table4.csv", keep_default_na=False)
    ablated = table4[table4["excluded"] != ""]
    assert set(ablated["test"]) == {"paired_t"} and set(ablated["correction"]) == {"none"}
    assert "% markers: paired t-test" in (workdir / "results" / "tables" / "table4.tex").read_text()
    audit = pd.read_csv(workdir / "results" / "audit" / "protocol.csv")
    assert (audit[["test_in_lineage_fit", "validation_in_lineage_fit"]] == 0).all().all()
    assert {"pretrain", "finetune", "tt", "svm_is", "asvm"} <= set(audit["job"].str.split("/").str[0])
    assert audit.query("job.str.startswith('finetune/pooled')")["validation"].sum() > 0
    again = snakemake(workdir, "-n", "all", "--configfile", str(config))
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def test_the_costs_read_every_fine_tuning_fit_from_the_jobs_own_logs(tiny_run):
    """`costs.finetune_fits` parses the lines the fine-tuning jobs write: one row per unit and approach, none lost;
    `costs.invocations` counts every job the run finished in Snakemake's own log."""
    workdir, _, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    fits = pd.DataFrame(finetune_fits(workdir))
    ran = {(path.parent.parent.name, path.parent.name, int(path.stem.removeprefix("fold")), approach)
           for path in (workdir / "results" / "predictions" / "finetune").rglob("fold*.parquet")
           for approach in pd.read_parquet(path, columns=["approach"])["approach"].unique()}
    assert set(zip(fits["pretrain_set"], fits["target"], fits["fold"], fits["approach"])) == ran
    assert len(fits) == len(ran)
    assert (fits.loc[fits["approach"] != "A1", "epochs"] > 0).all() and fits["seconds"].notna().all()
    assert {"finetune", "pretrain", "target_only", "total"} <= {row["rule"] for row in stage_costs(workdir)}
    steps = re.search(r"(\d+) of \1 steps \(100%\) done", result.stderr)   # the run's own count of its jobs
    first = invocations(workdir)[0]   # the fixture's run: later tests may invoke Snakemake again in this folder
    assert steps and first["jobs"] == int(steps[1]) and first["span_s"] > 0


def test_a_corpus_described_by_a_table_is_a_domain_in_every_table(tiny_run):
    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((workdir / "data" / "manifests" / "lab.report.json").read_text())
    assert report["dropped_by_mapping"] == {"calm": 2} and report["kept"] == 20  # 4 clips x 5 emotions
    manifest = pd.read_parquet(workdir / "data" / "manifests" / "lab.parquet")
    assert set(manifest["source_label"]) == set(LAB_LABELS.values()) - {"calm"}
    assert manifest["speaker"].nunique() >= 2 and set(manifest["gender"]) <= {"female", "male"}
    if EMODB_2S.is_dir():  # the table lists real Emo-DB clips, renamed
        assert set(manifest["sample_rate"]) == {22050} and (manifest["duration_s"] == 2.0).all()
    tables = workdir / "results" / "tables"
    assert "lab" in set(pd.read_csv(tables / "table1.csv")["domain"])
    for number in (2, 3, 4, 5):
        assert "lab" in set(pd.read_csv(tables / f"table{number}.csv", keep_default_na=False)["domain"]), number
    table4 = pd.read_csv(tables / "table4.csv", keep_default_na=False)
    assert "lab" in set(table4["excluded"])  # also a source left out of the others' pretraining


def test_exported_models_predict_real_audio(tiny_run, tmp_path):
    import numpy as np
    import soundfile
    import soxr

    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    for domain in RUN_DOMAINS:
        card = json.loads((workdir / "results" / "export" / domain / "model_card.json").read_text())
        assert card["target"] == domain and card["configuration"]["approach"].startswith("A")
        assert card["input"]["length"] == 8000 and len(card["config_sha256"]) == 64 and card["code_version"]
        ingest = load_config(config)["ingest"]   # the card carries the run's file checks, defaults applied
        assert (card["input"]["min_duration_s"], card["input"]["silence_peak"]) == (ingest["min_duration_s"],
                                                                                    ingest["silence_peak"])
        assert card["chosen_by"].startswith(("in each cross-validation run", "export.fallback"))
    card = json.loads((workdir / "results" / "export" / "lab" / "model_card.json").read_text())
    assert set(card["classes"]) == {"anger", "disgust", "fear", "happiness", "sadness"}
    lab = Path(yaml.safe_load(config.read_text())["corpora"]["lab"]["path"])
    clips = sorted((lab / "audio").glob("*.wav"))[:2]   # real Emo-DB clips when the shared data is present
    assert len(clips) == 2
    samples, rate = soundfile.read(str(clips[0]), dtype="float32")
    long = tmp_path / "long.wav"   # 3 clips end to end: longer than the input, several windows
    soundfile.write(str(long), np.concatenate([samples] * 3), rate)
    stereo = tmp_path / "stereo 44k.flac"   # stereo at 44.1 kHz, another container
    resampled = soxr.resample(samples, rate, 44100)
    soundfile.write(str(stereo), np.stack([resampled, 0.5 * resampled], axis=1), 44100)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really audio")
    silent = tmp_path / "silent.wav"
    soundfile.write(str(silent), np.zeros(16000, np.float32), 16000)
    out = tmp_path / "predictions.csv"
    command = ["predict", str(workdir / "results" / "export" / "lab"), str(clips[0]), str(clips[1]), str(long),
               str(stereo), str(broken), str(silent), "--out", str(out)]
    ran = subprocess.run([sys.executable, "-m", "sertransfer", *command], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(workdir / "workflow")}, check=False)
    assert ran.returncode == 1, ran.stderr   # two files failed, the others were predicted
    rows = pd.read_csv(out, keep_default_na=False).set_index("file")
    assert len(rows) == 6 and int(rows.loc[str(long), "windows"]) > 1 and int(rows.loc[str(clips[0]), "windows"]) >= 1
    predicted = rows[rows["error"] == ""]
    assert len(predicted) == 4 and set(predicted["emotion"]) <= set(card["classes"])
    probabilities = predicted[[c for c in rows.columns if c.startswith("p_")]].astype(float)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    assert rows.loc[str(broken), "error"].startswith("unreadable")
    assert rows.loc[str(silent), "error"].startswith("silent")
    assert "emotion" in ran.stdout and "broken.wav" in ran.stdout


#: Run in a fresh interpreter: `sertransfer` made unimportable, then the exported model.keras loaded with plain
#: Keras and model.onnx with ONNX Runtime, on windows the parent prepared (.npy): their probabilities (.npz).
WITHOUT_SERTRANSFER = """
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "sertransfer":
            raise ImportError("sertransfer is not available here")
sys.meta_path.insert(0, Refuse())
try:
    import sertransfer
    sys.exit("sertransfer was importable")
except ImportError:
    pass
import numpy as np, keras, onnxruntime
export, windows, out = sys.argv[1:4]
x = np.load(windows)[:, :, None].astype(np.float32)
network = keras.saving.load_model(export + "/model.keras")   # safe mode: no custom objects
session = onnxruntime.InferenceSession(export + "/model.onnx", providers=["CPUExecutionProvider"])
onnx = session.run(None, {session.get_inputs()[0].name: x})[0]
np.savez(out, keras=network.predict(x, verbose=0), onnx=onnx)
"""


def test_exported_model_loads_without_sertransfer_and_gives_predicts_probabilities(tiny_run, tmp_path):
    import numpy as np

    from sertransfer.audio import read_any_audio
    from sertransfer.features.waveform import NATIVE_RATE
    from sertransfer.predict import ExportedModel, model_input, predict_files, windows

    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    export = workdir / "results" / "export" / "lab"
    card = json.loads((export / "model_card.json").read_text())
    assert set(card["files"]) == {"model.keras", "model.onnx"} and "ONNX Runtime" in card["files"]["model.onnx"]
    lab = Path(yaml.safe_load(config.read_text())["corpora"]["lab"]["path"])
    clips = sorted((lab / "audio").glob("*.wav"))[:3]   # real Emo-DB clips when the shared data is present
    rate = card["input"]["sample_rate"]
    batches = [windows(model_input(a.samples, a.sample_rate, card["input"]), card["input"],   # hop: 1 s
                       a.sample_rate if rate == NATIVE_RATE else rate)[0] for a in map(read_any_audio, clips)]
    np.save(tmp_path / "windows.npy", np.concatenate(batches))
    ran = subprocess.run([sys.executable, "-c", WITHOUT_SERTRANSFER, str(export), str(tmp_path / "windows.npy"),
                          str(tmp_path / "out.npz")], capture_output=True, text=True, check=False,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert ran.returncode == 0, ran.stderr[-3000:]
    plain = np.load(tmp_path / "out.npz")
    starts = np.cumsum([0, *map(len, batches)])
    by_file = np.stack([plain["keras"][a:b].mean(axis=0) for a, b in zip(starts[:-1], starts[1:])])
    columns = [f"p_{e}" for e in card["outputs"]]
    for model_file in ("model.keras", "model.onnx"):   # `sertransfer predict` with either file
        predicted = predict_files(ExportedModel.load(export / model_file), clips, hop_s=1.0)
        assert np.allclose(predicted[columns].to_numpy(float), by_file, atol=1e-5), model_file
    assert np.allclose(plain["onnx"], plain["keras"], atol=1e-5)
    assert not np.allclose(by_file[0], by_file[1], atol=1e-3)   # the clips differ: the comparison means something


def test_report_of_the_tiny_run_holds_every_table_and_figure(tiny_run, tmp_path):
    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    by_rule = workdir / "results" / "report.html"   # the last job of rule all
    by_hand = tmp_path / "report.html"              # the same command by hand
    made = snakemake(workdir, "--report", str(by_hand), "--configfile", str(config))
    assert made.returncode == 0, made.stderr[-3000:]
    for report in (by_rule, by_hand):
        html = report.read_text(errors="replace")
        for name in ("table1.csv", "table5.csv", "claims.csv", "table3_gains.png", "confusion_rml.png",
                     "pretrain_curves.png", "summary.csv", "Protocol audit", "uar_intervals.png",
                     "Training curves of RML:", '"target": "RML"'):   # figures labelled by the dataset's name
            assert name in html, (report, name)


def test_landing_page_of_the_tiny_run_shows_its_headline_numbers_next_to_the_papers(tiny_run):
    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    tables = workdir / "results" / "tables"
    table2 = pd.read_csv(tables / "table2_vs_paper.csv")
    table5 = pd.read_csv(tables / "table5.csv", keep_default_na=False)
    nested = table5[table5["selection"] == "nested"]
    audit = pd.read_csv(workdir / "results" / "audit" / "summary.csv")
    claims = pd.read_csv(tables / "claims.csv", keep_default_na=False)
    assert list(claims["claim"]) == list(CLAIMS) and (tables / "claims.md").is_file()
    page = (workdir / "results" / "summary.html").read_text()
    front = (workdir / "results" / "report.html").read_text(errors="replace")
    paper_domains = set(RUN_DOMAINS) - {"lab"}            # the comparison has the domains the paper reports
    assert set(table2["domain"]) == paper_domains and len(nested) == len(RUN_DOMAINS)
    for text in (page, front):
        assert "What this run found" in text
        for row in table2.itertuples():   # each Table 2 number beside the paper's (where the paper has the domain)
            assert paper_number(row.reproduced) in text, row
            if row.reported == row.reported:
                assert f"paper {paper_number(row.reported)}" in text, row
        for row in nested.itertuples():   # Table 5's nested estimate and every run's choice
            assert row.chosen_per_run in text and (row.uar == "" or paper_number(float(row.uar)) in text), row
        assert ("clean: no utterance" in text) == (audit["overlaps"].sum() == 0)
        for row in claims.itertuples():   # the paper's claims, each with this run's side and verdict
            if text is page:
                assert html.escape(row.run) in text and html.escape(row.finding) in text, row
            else:   # the report stores its front page in a script: compare its longest plain ASCII stretch
                assert max(re.split(r"[^\x20-\x7e]|[&<>'\"]", row.run), key=len) in text, row
        assert f"config sha256</td><td style='text-align:left'>{effective_config_digest(workdir, config)[:16]}<" in text
    assert re.search(r"<td class=name>target_only</td><td>\d+</td>", page)   # cost per stage from benchmark files
    front_page = (workdir / "results" / "summary.rst").read_text()   # the report's front page, as passed to it
    assert "<th>S1-A1</th>" in page and "<th>S1-A1</th>" not in front_page   # every cell of Table 3: page only


def effective_config_digest(workdir: Path, config: Path) -> str:
    """sha256 of the config the run used: config/config.yaml updated by `config` as Snakemake merges them
    (nested keys replaced one by one), schema defaults filled in."""
    from sertransfer.config import validate_config
    from sertransfer.fingerprint import config_digest

    def merge(base: dict, update: dict) -> dict:
        for key, value in update.items():
            base[key] = merge(base.get(key, {}), value) if isinstance(value, dict) and isinstance(
                base.get(key), dict) else value
        return base

    effective = merge(yaml.safe_load((workdir / "config" / "config.yaml").read_text()),
                      yaml.safe_load(config.read_text()))
    validate_config(effective)
    return config_digest(effective)


def test_paper_config_plans_without_corpora(workdir):
    result = snakemake(workdir, "-n", "all", "--configfile", "config/paper.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "fetch_corpus" in result.stdout and "table1" in result.stdout


def test_missing_manual_corpus_fails_at_run_time_naming_the_path(workdir):
    result = snakemake(workdir, "--cores", "1", "data/raw/iemocap.ready.json", "--configfile", "config/paper.yaml")
    assert result.returncode != 0
    log = (workdir / "logs" / "fetch_corpus" / "iemocap.log").read_text()
    assert str((workdir / "data" / "raw" / "iemocap").absolute()) in log
    assert "sail.usc.edu/iemocap" in log
    assert not (workdir / "data" / "raw" / "iemocap.ready.json").exists()


def test_invalid_config_is_refused_before_any_job(workdir):
    bad = workdir / "config" / "bad.yaml"
    bad.write_text(json.dumps({"ingest": {"on_bad_audio": "explode"}}))
    result = snakemake(workdir, "--cores", "1", "all", "--configfile", str(bad))
    assert result.returncode != 0
    assert "config key 'ingest.on_bad_audio'" in result.stdout + result.stderr
    assert not (workdir / "data").exists()
