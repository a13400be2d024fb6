"""Corpus parsers: the shared mechanism, each corpus's irregularities, bad audio, the Emo-DB real copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from conftest import SIX, write_tone
from sertransfer.corpora import CORPORA, BadAudioError, CorpusRootError, get_corpus, ingest
from sertransfer.corpora.iemocap import read_emo_evaluation


def run(key: str, root: Path, **kwargs):
    """Ingest with the six emotions."""
    return ingest(get_corpus(key), root, emotions=SIX, **kwargs)


def test_registry_has_the_six_corpora():
    from sertransfer.vocabulary import CORPUS_LAYOUTS

    assert tuple(CORPORA) == CORPUS_LAYOUTS == ("afew", "emodb", "emovo", "enterface", "iemocap", "rml")
    with pytest.raises(KeyError, match="known corpora"):
        get_corpus("ravdess")


def test_emodb_real_copy(emodb_2s):
    result = run("emodb", emodb_2s, threads=2)
    manifest, report = result.manifest, result.report
    assert len(manifest) == 375
    assert manifest["emotion"].value_counts().to_dict() == {
        "anger": 127, "happiness": 71, "fear": 69, "sadness": 62, "disgust": 46}
    assert manifest["speaker"].nunique() == 10
    assert report["dropped"] == 160
    assert report["dropped_unmapped_labels"] == {"boredom": 81, "neutral": 79}
    assert manifest["utterance_id"].is_unique and manifest["utterance_id"].str.startswith("emodb/").all()
    row = manifest.set_index("path").loc["wav/03a01Fa.wav"]
    assert (row["speaker"], row["gender"], row["emotion"], row["source_label"]) == ("03", "male", "happiness", "F")
    assert row["sample_rate"] == 22050 and row["channels"] == 1 and row["duration_s"] == pytest.approx(2.0)
    assert set(manifest.loc[manifest["speaker"] == "08", "gender"]) == {"female"}


def test_enterface_irregularities(tmp_path):
    root = tmp_path / "enterface database"
    files = {
        "subject 1/anger/sentence 1/s1_an_1.avi": ("subject1", "anger"),
        "subject 6/fear/s6_fe_2.avi": ("subject6", "fear"),                       # no sentence level
        "subject 11/sadness/sentence 3/s12_sa_3.avi": ("subject11", "sadness"),   # named s12_
        "subject 12/sadness/sentence 3/s12_sa_3.avi": ("subject12", "sadness"),   # same name, other subject
        "subject 16/surprise/sentence 3/s16_su_3avi": ("subject16", "surprise"),  # no dot
        "subject 3/happiness/sentence 2/s_3_ha_2.avi": ("subject3", "happiness"),  # s_3_
    }
    for relative in files:
        write_tone(root / "wrapper" / relative)
    (root / "wrapper" / "subject 1" / "Thumbs.db").write_bytes(b"\0")
    result = run("enterface", tmp_path / "enterface database")  # wrapped twice: located automatically
    manifest = result.manifest.set_index("path")
    assert sorted(manifest.index) == sorted(files)
    for relative, (speaker, emotion) in files.items():
        assert (manifest.loc[relative, "speaker"], manifest.loc[relative, "emotion"]) == (speaker, emotion)
    assert manifest.loc["subject 16/surprise/sentence 3/s16_su_3avi", "utterance_id"] == \
        "enterface/subject 16/surprise/sentence 3/s16_su_3avi"
    assert result.report["dropped"] == 0 and result.report["ignored_files"] == 1


def test_iemocap_label_file_with_mixed_and_odd_lines(tmp_path):
    evaluation = tmp_path / "Session1" / "dialog" / "EmoEvaluation"
    evaluation.mkdir(parents=True)
    (evaluation / "Ses01F_impro01.txt").write_text(
        "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n"
        "[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]\n"
        "C-E2:\tNeutral;\t()\nA-E3:\tval 3; act 2; dom  2;\t()\n\n"
        "[10.01 - 11.3925]\tSes01F_impro01_F001\tang\t[2.0000, 3.5000, 3.5000]\n"
        "[12.0 - 13.0]   Ses01F_impro01_M000   exc   [4.0, 3.0, 3.0]\n"       # spaces, not tabs
        "[14.0 - 15.0]\tSes01F_impro01_M001\txxx\t[2.5, 2.5, 2.5]\n"
        "[garbled line without fields\n"
        "[16.0 - 17.0]\tSes01F_impro01_F002\tfru\t[2.0, 3.0, 3.0]\r\n",       # CRLF
        encoding="utf-8")
    (evaluation / "Categorical").mkdir()
    (evaluation / "Categorical" / "Ses01F_impro01_e2_cat.txt").write_text(
        "Ses01F_impro01_F000 :Anger; ()\n[1.0 - 2.0]\tSes01F_impro01_F003\tang\t[1, 1, 1]\n")
    labels, warnings = read_emo_evaluation(evaluation / "Ses01F_impro01.txt")
    assert labels == {"Ses01F_impro01_F000": "neu", "Ses01F_impro01_F001": "ang", "Ses01F_impro01_M000": "exc",
                      "Ses01F_impro01_M001": "xxx", "Ses01F_impro01_F002": "fru"}
    assert len(warnings) == 1 and "line 10" in warnings[0]

    wav = tmp_path / "Session1" / "sentences" / "wav" / "Ses01F_impro01"
    for name in ("F000", "F001", "M000", "M001", "F002", "F003"):
        write_tone(wav / f"Ses01F_impro01_{name}.wav")
    write_tone(tmp_path / "Session1" / "dialog" / "wav" / "Ses01F_impro01.wav")  # whole dialog: not an utterance
    result = run("iemocap", tmp_path, label_overrides={"exc": "happiness"})  # the configs' reading
    manifest = result.manifest.set_index("path")
    kept = {p.rsplit("_", 1)[-1].removesuffix(".wav"): e for p, e in manifest["emotion"].items()}
    assert kept == {"F001": "anger", "M000": "happiness"}
    assert manifest["speaker"].tolist() == ["Ses01F", "Ses01M"]
    assert result.report["dropped_per_reason"] == {"no_label": 1, "unmapped_label": 3}
    assert result.report["dropped_unmapped_labels"] == {"frustration": 1, "neutral": 1, "no_agreement": 1}
    assert any("not understood" in w for w in result.report["label_file_warnings"])
    # without the override excited is not one of the six emotions: dropped and counted
    plain = run("iemocap", tmp_path)
    assert len(plain.manifest) == 1 and plain.report["dropped_unmapped_labels"]["excited"] == 1
    # mapped to null on purpose: reported as dropped by mapping, not as a label without a mapping
    dropped = run("iemocap", tmp_path, label_overrides={"exc": "happiness", "ANG": None})
    assert dropped.report["dropped_by_mapping"] == {"ang": 1} and "ang" not in dropped.report["dropped_unmapped_labels"]


def test_emovo_rml_afew_layouts(tmp_path):
    write_tone(tmp_path / "emovo" / "EMOVO" / "f1" / "dis-f1-b1.wav", sample_rate=48000, channels=2)
    write_tone(tmp_path / "emovo" / "EMOVO" / "m2" / "sor-m2-n3.wav", sample_rate=48000)
    write_tone(tmp_path / "emovo" / "EMOVO" / "m2" / "neu-m2-n3.wav", sample_rate=48000)
    emovo = run("emovo", tmp_path / "emovo").manifest
    assert emovo[["speaker", "gender", "emotion", "channels"]].values.tolist() == [
        ["f1", "female", "disgust", 2], ["m2", "male", "surprise", 1]]

    write_tone(tmp_path / "rml" / "s1" / "an1.avi", sample_rate=22050)
    write_tone(tmp_path / "rml" / "s5" / "mandarin" / "di3.avi", sample_rate=22050)
    rml = run("rml", tmp_path / "rml").manifest
    assert rml[["speaker", "emotion", "sample_rate"]].values.tolist() == [["s1", "anger", 22050],
                                                                          ["s5", "disgust", 22050]]

    # the public release's two parts: rml-1 (s1..s5) and rml-2 (s6..s8)
    write_tone(tmp_path / "release" / "rml-1" / "s1" / "an1.avi", sample_rate=22050)
    write_tone(tmp_path / "release" / "rml-1" / "s5" / "mandarin" / "di3.avi", sample_rate=22050)
    write_tone(tmp_path / "release" / "rml-2" / "s6" / "persian" / "su2.avi", sample_rate=22050)
    release = run("rml", tmp_path / "release").manifest
    assert release[["speaker", "emotion"]].values.tolist() == [["s1", "anger"], ["s5", "disgust"], ["s6", "surprise"]]
    assert release["utterance_id"].is_unique and release["path"].str.startswith("rml-").all()

    write_tone(tmp_path / "afew" / "Train_AFEW" / "Happy" / "000046280.avi", sample_rate=48000)
    write_tone(tmp_path / "afew" / "Val_AFEW" / "Neutral" / "000100000.avi", sample_rate=48000)
    afew = run("afew", tmp_path / "afew")
    assert afew.manifest["emotion"].tolist() == ["happiness"] and afew.manifest["speaker"].isna().all()
    assert afew.report["dropped_unmapped_labels"] == {"neutral": 1}


def _bad_corpus(root: Path) -> None:
    """An Emo-DB layout with one good file and one file of each kind of bad audio."""
    write_tone(root / "wav" / "03a01Wa.wav")
    (root / "wav" / "03a01Wb.wav").write_bytes(b"this is not audio")                  # unreadable
    soundfile.write(str(root / "wav" / "03a01Wc.wav"), np.zeros((0, 1)), 16000)          # empty
    soundfile.write(str(root / "wav" / "03a01Wd.wav"), np.zeros(16000), 16000)           # all-zero
    write_tone(root / "wav" / "03a01We.wav", seconds=0.05)                              # too short
    soundfile.write(str(root / "wav" / "03a01Wf.wav"), np.full(8000, np.nan, dtype="float32"), 16000,
                    subtype="FLOAT")                                                      # NaN
    write_tone(root / "wav" / "03a01Wg Kopie.wav")                                      # wrong name
    write_tone(root / "wav" / "03a01Zh.wav")                                            # unknown label code


def test_bad_audio_is_dropped_and_listed(tmp_path):
    _bad_corpus(tmp_path)
    result = run("emodb", tmp_path, min_duration_s=0.25)
    assert result.manifest["path"].tolist() == ["wav/03a01Wa.wav"]
    reasons = {d["path"]: d["reason"] for d in result.report["dropped_files"]}
    assert reasons == {"wav/03a01Wb.wav": "unreadable", "wav/03a01Wc.wav": "empty", "wav/03a01Wd.wav": "silent",
                       "wav/03a01We.wav": "too_short", "wav/03a01Wf.wav": "nan",
                       "wav/03a01Wg Kopie.wav": "unparsed_name", "wav/03a01Zh.wav": "unmapped_label"}
    assert result.report["kept"] + result.report["dropped"] == 8


def test_bad_audio_fails_when_configured(tmp_path):
    _bad_corpus(tmp_path)
    with pytest.raises(BadAudioError, match=r"03a01Wb\.wav: unreadable"):
        run("emodb", tmp_path, on_bad_audio="fail")


@pytest.mark.parametrize("key", sorted(CORPORA))
def test_unrecognisable_root(tmp_path, key):
    (tmp_path / "something else").mkdir()
    with pytest.raises(CorpusRootError, match="does not look like"):
        run(key, tmp_path)
    with pytest.raises(CorpusRootError, match="does not exist"):
        run(key, tmp_path / "missing")


def test_duplicate_ids_are_dropped(tmp_path):
    write_tone(tmp_path / "f1" / "rab-f1-b1.wav")
    write_tone(tmp_path / "f1" / "rab-f1-b1.WAV")
    result = run("emovo", tmp_path)
    assert len(result.manifest) == 1 and result.report["dropped_per_reason"] == {"duplicate_id": 1}
