"""The `sertransfer` command line, used without Snakemake."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pyarrow.parquet

from conftest import REPO, write_tone


def sertransfer(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m sertransfer ARGS` with the repository's package importable."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "workflow")}
    return subprocess.run([sys.executable, "-m", "sertransfer", *args], capture_output=True, text=True, env=env,
                          check=False)


def test_ingest_real_emodb(emodb_2s, tmp_path):
    out = tmp_path / "X.parquet"
    result = sertransfer("ingest", "emodb", str(emodb_2s), "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = pd.read_parquet(out)
    assert len(manifest) == 375 and manifest["speaker"].nunique() == 10
    report = json.loads((tmp_path / "X.report.json").read_text())
    assert report["dropped"] == 160 and report["dropped_unmapped_labels"] == {"boredom": 81, "neutral": 79}
    for line in ("anger         127", "happiness      71", "fear           69", "sadness        62",
                 "disgust        46", "boredom 81, neutral 79"):
        assert line in result.stdout


def test_ingest_missing_root_fails_cleanly(tmp_path):
    result = sertransfer("ingest", "emodb", str(tmp_path / "nowhere"), "--out", str(tmp_path / "M.parquet"))
    assert result.returncode != 0
    assert "nowhere does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


def test_ingest_unrecognisable_root_fails_cleanly(tmp_path):
    write_tone(tmp_path / "corpus" / "clip.wav")
    result = sertransfer("ingest", "iemocap", str(tmp_path / "corpus"), "--out", str(tmp_path / "M.parquet"))
    assert result.returncode != 0 and "does not look like IEMOCAP" in result.stderr
    assert not (tmp_path / "M.parquet").exists()


def test_unknown_corpus(tmp_path):
    result = sertransfer("ingest", "ravdess", str(tmp_path), "--out", str(tmp_path / "M.parquet"))
    assert result.returncode != 0 and "known corpora" in result.stderr


def test_label_override_and_fail_mode(tmp_path):
    write_tone(tmp_path / "wav" / "03a01Na.wav")
    (tmp_path / "wav" / "03a01Wa.wav").write_bytes(b"")
    ok = sertransfer("ingest", "emodb", str(tmp_path), "--out", str(tmp_path / "M.parquet"), "--label", "N=sadness")
    assert ok.returncode == 0, ok.stderr
    assert pd.read_parquet(tmp_path / "M.parquet")["emotion"].tolist() == ["sadness"]
    failed = sertransfer("ingest", "emodb", str(tmp_path), "--out", str(tmp_path / "F.parquet"),
                         "--on-bad-audio", "fail")
    assert failed.returncode != 0 and "03a01Wa.wav" in failed.stderr
    assert not (tmp_path / "F.parquet").exists()


def test_folds_with_iemocaps_real_label_counts(tmp_path):
    from test_folds import IEMOCAP

    rows = [{"utterance_id": f"iemocap/Ses01F_impro01/u{label[:3]}{i}", "domain": "iemocap", "path": f"{label}{i}.wav",
             "speaker": f"Ses0{i % 5 + 1}F", "gender": "F", "emotion": label, "source_label": label[:3],
             "sample_rate": 16000, "channels": 1, "duration_s": 3.0}
            for label, n in IEMOCAP.items() for i in range(n)]
    from sertransfer.corpora.base import IngestResult
    from sertransfer.manifest import write_manifest

    write_manifest(IngestResult(pd.DataFrame(rows), {"domain": "iemocap"}), tmp_path / "iemocap.parquet")
    # k = 5 comes from the config given with --config (config/paper.yaml), as in the workflow
    result = sertransfer("folds", str(tmp_path / "iemocap.parquet"), "--out", str(tmp_path / "f.parquet"),
                         "--config", str(REPO / "config" / "paper.yaml"))
    assert result.returncode == 0, result.stderr
    assert "dropped disgust: 2 utterances, fewer than k=5" in result.stdout
    folds = pd.read_parquet(tmp_path / "f.parquet")
    assert len(folds) == sum(IEMOCAP.values()) - 2 and "disgust" not in set(folds["emotion"])
    assert json.loads((tmp_path / "f.report.json").read_text())["dropped_rare_classes"] == {"disgust": 2}
    strict = sertransfer("folds", str(tmp_path / "iemocap.parquet"), "--out", str(tmp_path / "g.parquet"),
                         "--rare-classes", "fail", "--k", "5")
    assert strict.returncode != 0 and "disgust" in strict.stderr and not (tmp_path / "g.parquet").exists()


def test_ingest_takes_any_corpus_the_config_defines(tmp_path):
    """A pattern corpus and a table corpus named in --config are ingested as the workflow ingests them."""
    import yaml

    root = tmp_path / "mine"
    for speaker in ("s1", "s2"):
        for label in ("Angry", "sad", "neutral"):
            write_tone(root / speaker / f"{label}_1.wav")
    table = tmp_path / "tab"
    write_tone(table / "a.wav")
    write_tone(table / "b.wav")
    (table / "files.csv").write_text("file,label,speaker\na.wav,angry,x\nb.wav,calm,y\n")
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["corpora"]["mine"] = {"source": "local", "path": str(root), "format": "pattern",
                                 "pattern": {"glob": "*/*.wav", "regex": r"(?P<speaker>s\d)/(?P<label>\w+)_1\.wav"},
                                 "label_map": {"angry": "anger", "sad": "sadness", "neutral": None}}
    config["corpora"]["ased"] = {"source": "local", "path": str(table), "format": "table",
                                 "label_map": {"angry": "anger", "calm": None}}
    config["features"]["waveform"].update(length=4000, row_group=3)
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(config))
    result = sertransfer("ingest", "mine", str(root), "--config", str(path), "--out", str(tmp_path / "m.parquet"))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_parquet(tmp_path / "m.parquet")) == 4
    cache = tmp_path / "w.parquet"   # the waveform settings come from --config too, the row groups included
    features = sertransfer("features", "waveform", str(tmp_path / "m.parquet"), "--config", str(path),
                           "--out", str(cache))
    assert features.returncode == 0, features.stderr
    layout = pyarrow.parquet.ParquetFile(cache).metadata
    assert [layout.row_group(i).num_rows for i in range(layout.num_row_groups)] == [3, 1]
    assert "labels mapped to null in the config (dropped on purpose): neutral 2" in result.stdout
    result = sertransfer("ingest", "ased", str(table), "--config", str(path), "--out", str(tmp_path / "a.parquet"))
    assert result.returncode == 0, result.stderr
    assert "dropped on purpose): calm 1" in result.stdout and "outside the emotions" not in result.stdout
    unknown = sertransfer("ingest", "nothere", str(table), "--config", str(path), "--out", str(tmp_path / "n.pq"))
    assert unknown.returncode == 2 and "unknown corpus 'nothere'" in unknown.stderr


def test_version_names_the_code_version_model_cards_record():
    from sertransfer.fingerprint import code_version

    result = sertransfer("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"sertransfer {code_version(REPO)}"
