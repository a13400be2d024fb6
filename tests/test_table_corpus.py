"""Corpora described by a table or an audformat database: rows become utterances; bad rows are named."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import SIX, write_tone
from sertransfer.corpora import BadAudioError, CorpusTableError, TableCorpus, corpus_spec, ingest

LABEL_MAP = {"angry": "anger", "calm": None}


def table_corpus(root, rows: list[dict]) -> TableCorpus:
    """Write the table (and a tone for every row whose file does not exist yet) under `root`."""
    for row in rows:
        path = root / row["file"]
        if not path.exists() and not row.get("missing"):
            write_tone(path, seconds=0.6)
    pd.DataFrame([{k: v for k, v in row.items() if k != "missing"} for row in rows]).to_csv(root / "files.csv",
                                                                                          index=False)
    return corpus_spec("lab2024", {"format": "table", "table": "files.csv", "label_map": LABEL_MAP})


def test_rows_become_a_manifest(tmp_path):
    spec = table_corpus(tmp_path, [
        {"file": "a/one.wav", "label": "angry", "speaker": "s1", "gender": "F"},
        {"file": "a/two.wav", "label": "Sadness", "speaker": "s1", "gender": "F"},
        {"file": "b/three.flac", "label": "fear", "speaker": "s2", "gender": "m"},
        {"file": "b/four.wav", "label": "calm", "speaker": "s2", "gender": "m"},
    ])
    result = ingest(spec, tmp_path, domain="lab2024", emotions=SIX)
    manifest = result.manifest.set_index("path")
    assert manifest["emotion"].to_dict() == {"a/one.wav": "anger", "a/two.wav": "sadness", "b/three.flac": "fear"}
    assert manifest["gender"].tolist() == ["female", "female", "male"] and manifest["speaker"].nunique() == 2
    assert manifest.index.map(lambda p: manifest.loc[p, "utterance_id"]).str.startswith("lab2024/").all()
    assert result.report["dropped_by_mapping"] == {"calm": 1} and result.report["kept"] == 3
    assert result.report["dropped_unmapped_labels"] == {}   # mapped to null on purpose: not "unmapped"


@pytest.mark.parametrize("rows, message", [
    ([{"file": "x.wav", "label": "angry", "speaker": "s", "missing": True}], r"row 2 \(file 'x.wav'\): no such file"),
    ([{"file": "x.wav", "label": "joy", "speaker": "s"}],
     r"row 2 .*label 'joy' is not one of the emotions .* add corpora.lab2024.label_map: \{joy: <emotion>\}"),
    ([{"file": "x.wav", "label": "angry", "speaker": "s"}, {"file": "./x.wav", "label": "fear", "speaker": "s"}],
     r"row 3 .*listed twice \(first in row 2\)"),
    ([{"file": "../outside.wav", "label": "angry", "speaker": "s"}], r"row 2 .*outside the corpus root"),
    ([{"file": "/etc/passwd", "label": "angry", "speaker": "s", "missing": True}], r"row 2 .*outside the corpus root"),
])
def test_bad_rows_are_named(tmp_path, rows, message):
    root = tmp_path / "corpus"
    root.mkdir()
    write_tone(tmp_path / "outside.wav")
    spec = table_corpus(root, rows)
    with pytest.raises(CorpusTableError, match=message):
        ingest(spec, root, domain="lab2024", emotions=SIX)


def test_bad_audio_follows_the_drop_or_fail_policy(tmp_path):
    spec = table_corpus(tmp_path, [{"file": "good.wav", "label": "angry", "speaker": "s"},
                                   {"file": "empty.wav", "label": "fear", "speaker": "s"}])
    (tmp_path / "empty.wav").write_bytes(b"")
    dropped = ingest(spec, tmp_path, domain="lab2024", emotions=SIX)
    assert len(dropped.manifest) == 1 and dropped.report["dropped_per_reason"] == {"empty": 1}
    with pytest.raises(BadAudioError, match="empty.wav"):
        ingest(spec, tmp_path, domain="lab2024", emotions=SIX, on_bad_audio="fail")


def test_a_root_without_its_table_is_refused(tmp_path):
    from sertransfer.corpora import CorpusRootError

    spec = corpus_spec("lab2024", {"format": "table", "table": "files.csv"})
    with pytest.raises(CorpusRootError, match="expected files.csv"):
        spec.locate_root(tmp_path)


def test_audformat_database(tmp_path):
    import audformat

    for name in ("f1.wav", "f2.wav", "f3.wav"):
        write_tone(tmp_path / "audio" / name, seconds=0.6)
    db = audformat.Database("lab")
    db.schemes["emotion"] = audformat.Scheme("str", labels=["angry", "sad", "neutral"])
    db.schemes["speaker"] = audformat.Scheme("str")
    index = audformat.filewise_index(["audio/f1.wav", "audio/f2.wav", "audio/f3.wav"])
    db["emotion"] = audformat.Table(index)
    db["emotion"]["emotion"] = audformat.Column(scheme_id="emotion")
    db["emotion"]["emotion"].set(["angry", "sad", "neutral"])
    db["files"] = audformat.Table(index)
    db["files"]["speaker"] = audformat.Column(scheme_id="speaker")
    db["files"]["speaker"].set(["a", "b", "a"])
    db.save(str(tmp_path))
    spec = corpus_spec("mydb", {"format": "audformat", "label_map": {"angry": "anger", "sad": "sadness",
                                                                     "neutral": None},
                                "audformat": {"label": "emotion.emotion", "speaker": "files.speaker"}})
    result = ingest(spec, spec.locate_root(tmp_path), domain="mydb", emotions=SIX)
    assert result.manifest[["path", "emotion", "speaker"]].values.tolist() == [
        ["audio/f1.wav", "anger", "a"], ["audio/f2.wav", "sadness", "b"]]
    assert result.report["dropped_by_mapping"] == {"neutral": 1}
    broken = corpus_spec("mydb", {"format": "audformat", "audformat": {"label": "emotion.mood"}})
    with pytest.raises(CorpusTableError, match="no column 'emotion.mood'"):
        ingest(broken, tmp_path, domain="mydb", emotions=SIX)
