"""Case 5: the real Emo-DB copy mixed with bad files, under a path with spaces and non-ASCII characters.

Run through the workflow (fetch_corpus + ingest_corpus, `source: local`): every good file is kept,
every bad one is listed with its reason; with `on_bad_audio: fail` the run stops naming the file
and writes no manifest at all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile

from conftest import EMODB_2S, shared_corpus
from workflow_run import copy_repository, snakemake, tiny_config

pytestmark = pytest.mark.slow

SIX = {"anger", "disgust", "fear", "happiness", "sadness", "surprise"}
MANIFEST = "data/manifests/emodb.parquet"

#: file name -> (what is wrong with it, the reason the ingest report must give)
BAD_FILES = {
    "03a01Wb.wav": ("unreadable: text, not audio", "unreadable"),
    "03a01Wc.wav": ("empty: 0 bytes", "empty"),
    "03a01Wd.wav": ("NaN-filled float samples", "nan"),
    "03a01We.mp3": ("wrong extension", "unparsed_name"),
    "03a01Xa.wav": ("unknown emotion letter X", "unmapped_label"),
    "03a01Wf.wav": ("all zeros", "silent"),
    "03a01Wg.wav": ("0.05 s, below ingest.min_duration_s", "too_short"),
}


DUPLICATED = ("03a01Fa.WAV", "03a01Fa.wav")   # a good file and its twin under an upper-case extension


def write_bad_files(wav: Path) -> None:
    """Add the bad files of BAD_FILES to the corpus's wav/ folder."""
    (wav / "03a01Wb.wav").write_text("this is not audio\n")
    (wav / "03a01Wc.wav").write_bytes(b"")
    soundfile.write(str(wav / "03a01Wd.wav"), np.full(16000, np.nan, dtype="float32"), 16000, subtype="FLOAT")
    shutil.copy(wav / "03a01Wa.wav", wav / "03a01We.mp3")
    shutil.copy(wav / "03a01Fa.wav", wav / "03a01Fa.WAV")
    shutil.copy(wav / "03a01Wa.wav", wav / "03a01Xa.wav")
    soundfile.write(str(wav / "03a01Wf.wav"), np.zeros(16000, dtype="int16"), 16000, subtype="PCM_16")
    soundfile.write(str(wav / "03a01Wg.wav"), 0.3 * np.sin(np.arange(800) / 5.0), 16000, subtype="PCM_16")


@pytest.fixture
def corpus(tmp_path) -> Path:
    """The real Emo-DB copy plus the bad files, under 'Korpora mit Leerzeichen/Emo-DB Übung ü é'."""
    shared_corpus(EMODB_2S.name, "wav")
    root = tmp_path / "Korpora mit Leerzeichen" / "Emo-DB Übung ü é"
    shutil.copytree(EMODB_2S / "wav", root / "wav")
    write_bad_files(root / "wav")
    return root


def workflow_with(tmp_path, corpus: Path, on_bad_audio: str) -> tuple[Path, Path]:
    """A repository copy whose emodb domain is the local `corpus`."""
    workdir = copy_repository(tmp_path / f"workflow-{on_bad_audio}")
    config = tiny_config(workdir, corpora__emodb={"source": "local", "path": str(corpus)},
                         ingest__on_bad_audio=on_bad_audio)
    return workdir, config


def test_good_files_kept_and_every_bad_file_listed(tmp_path, corpus):
    good = {p.name for p in (EMODB_2S / "wav").glob("*.wav")}
    workdir, config = workflow_with(tmp_path, corpus, "drop")
    result = snakemake(workdir, "--cores", "2", MANIFEST, "--configfile", str(config))
    assert result.returncode == 0, result.stderr[-3000:]

    manifest = pd.read_parquet(workdir / MANIFEST)
    report = json.loads((workdir / "data" / "manifests" / "emodb.report.json").read_text())
    reasons = {Path(d["path"]).name: d["reason"] for d in report["dropped_files"]}
    for name, (what, reason) in BAD_FILES.items():
        assert reasons.get(name) == reason, f"{name} ({what}): listed as {reasons.get(name)!r}, expected {reason!r}"
    twins = {name: reasons.get(name) for name in DUPLICATED}   # same id: the first in path order is kept
    assert sorted(map(str, twins.values())) == ["None", "duplicate_id"], twins   # one kept, one listed
    # every good file is either kept or dropped only for its emotion (boredom/neutral are not among the six)
    kept = set(manifest["path"].map(lambda p: Path(p).name))
    assert kept <= good | set(DUPLICATED) and not kept & set(BAD_FILES) and len(kept & set(DUPLICATED)) == 1
    for name in good - kept - set(DUPLICATED):
        assert reasons[name] == "unmapped_label", (name, reasons[name])
    assert len(kept) == 375 and set(manifest["emotion"]) <= SIX
    assert report["kept"] + report["dropped"] == len(good) + len(BAD_FILES) + 1
    assert all((corpus / p).is_file() for p in manifest["path"])   # paths under the spaces/non-ASCII root


def test_fail_mode_names_the_bad_file_and_writes_no_manifest(tmp_path, corpus):
    workdir, config = workflow_with(tmp_path, corpus, "fail")
    result = snakemake(workdir, "--cores", "2", MANIFEST, "--configfile", str(config))
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "BadAudioError" in output, output[-3000:]
    assert any(name in output for name in BAD_FILES), output[-3000:]
    assert not (workdir / MANIFEST).exists() and not (workdir / "data" / "manifests" / "emodb.report.json").exists()
