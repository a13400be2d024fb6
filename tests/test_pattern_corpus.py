"""Corpora whose labels are in their file names (`format: pattern`): the three real copies, bad names, duplicates."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SIX, shared_corpus, write_tone
from sertransfer.config import ConfigError, validate_config
from sertransfer.corpora import BadAudioError, CorpusRootError, configured_names, corpus_spec, ingest

REAL5 = yaml.safe_load((REPO / "config" / "real5.yaml").read_text(encoding="utf-8"))


def real_corpus(domain: str) -> tuple[dict, Path]:
    """config/real5.yaml's block of a shared corpus and its root under SHARED (skips when the copy is absent)."""
    block = REAL5["corpora"][domain]
    return block, shared_corpus(Path(block["path"]).name)


@pytest.mark.parametrize(("domain", "kept", "dropped"), [
    ("savee", 360, {"dropped_by_mapping": 120}),                          # n (neutral) x 120, dropped on purpose
    ("ravdess", 1151, {"dropped_by_mapping": 288, "duplicate_audio": 1}),  # neutral 96 + calm 192; one duplicate
    ("urdu", 300, {"dropped_by_mapping": 100}),                           # the Neutral folder
])
def test_the_shared_corpora_ingest_with_their_documented_counts(domain, kept, dropped):
    block, root = real_corpus(domain)
    result = ingest(corpus_spec(domain, block), root, domain=domain, emotions=SIX, threads=2)
    report = result.report
    assert report["kept"] == kept and report["dropped_per_reason"] == dropped
    assert result.manifest["speaker"].notna().all() and result.manifest["utterance_id"].is_unique
    if domain == "ravdess":
        assert report["speakers"] == 24 and set(result.manifest["gender"]) == {"female", "male"}
        assert (result.manifest.loc[result.manifest["speaker"] == "01", "gender"] == "male").all()  # odd: male
        duplicate = next(d for d in report["dropped_files"] if d["reason"] == "duplicate_audio")
        assert duplicate == {"path": "Actor_07/03-01-03-01-02-02-07.flac", "reason": "duplicate_audio",
                             "detail": "same audio as Actor_07/03-01-03-01-02-01-07.flac"}
        assert report["dropped_by_mapping"] == {"01": 96, "02": 192}
        assert set(report["kept_per_emotion"].values()) == {192, 191}
    if domain == "urdu":
        assert report["dropped_by_mapping"] == {"neutral": 100}      # the folder is `Neutral`: case-insensitive
        assert set(result.manifest["emotion"]) == {"anger", "happiness", "sadness"}
        assert set(result.manifest["gender"]) == {"female", "male"}
    if domain == "savee":
        assert sorted(result.manifest["speaker"].unique()) == ["DC", "JE", "JK", "KL"]
        assert set(report["kept_per_emotion"].values()) == {60}


def bad_corpus(root: Path) -> Path:
    """Tones named as `<speaker>/<label>_<n>.wav` plus the problems a pattern corpus must report."""
    for speaker in ("s1", "s2"):
        for label in ("Angry", "sad", "HAPPY", "neutral"):
            write_tone(root / speaker / f"{label}_1.wav")
    write_tone(root / "s1" / "angry-2.wav")                               # does not match the expression
    write_tone(root / "s2" / "bored_1.wav")                               # a label with no mapping
    shutil.copy(root / "s1" / "sad_1.wav", root / "s2" / "sad_9.wav")     # the same recording, a second name
    (root / "s1" / "notes.txt").write_text("not audio\n")                 # not an audio file: ignored
    return root


BAD_BLOCK = {"source": "local", "format": "pattern",
             "pattern": {"glob": "*/*", "regex": r"(?P<speaker>s\d)/(?P<label>[A-Za-z]+)_\d+\.wav"},
             "label_map": {"angry": "anger", "sad": "sadness", "happy": "happiness", "neutral": None}}


def test_bad_names_unmapped_labels_and_duplicates_are_listed_by_name(tmp_path):
    root = bad_corpus(tmp_path / "corpus")
    result = ingest(corpus_spec("mine", BAD_BLOCK), root, domain="mine", emotions=SIX)
    reasons = {d["path"]: d["reason"] for d in result.report["dropped_files"]}
    assert reasons["s1/angry-2.wav"] == "unparsed_name" and reasons["s2/bored_1.wav"] == "no_mapping"
    assert reasons["s2/sad_9.wav"] == "duplicate_audio"
    assert reasons["s1/neutral_1.wav"] == reasons["s2/neutral_1.wav"] == "dropped_by_mapping"
    assert result.report["dropped_by_mapping"] == {"neutral": 2} and result.report["dropped_unmapped_labels"] == {}
    assert result.report["kept"] == 6 and result.report["kept_per_emotion"]["happiness"] == 2   # HAPPY -> happy
    assert result.report["ignored_files"] == 1
    with pytest.raises(BadAudioError, match=r"2 files cannot be read from their names, e\.g\. s1/angry-2\.wav "
                                            r"\(unparsed_name.*s2/bored_1\.wav \(no_mapping"):
        ingest(corpus_spec("mine", BAD_BLOCK), root, domain="mine", emotions=SIX, on_bad_audio="fail")
    (root / "s1" / "angry-2.wav").unlink()
    (root / "s2" / "bored_1.wav").unlink()
    with pytest.raises(BadAudioError, match=r"s2/sad_9\.wav: duplicate_audio \(same audio as s1/sad_1\.wav\)"):
        ingest(corpus_spec("mine", BAD_BLOCK), root, domain="mine", emotions=SIX, on_bad_audio="fail")


def test_a_glob_that_finds_nothing_names_the_key(tmp_path):
    block = copy.deepcopy(BAD_BLOCK)
    block["pattern"]["glob"] = "*/*.flac"
    root = bad_corpus(tmp_path / "corpus")
    with pytest.raises(CorpusRootError, match=r"corpora\.mine\.pattern\.glob '\*/\*\.flac' finds no file"):
        ingest(corpus_spec("mine", block), root, domain="mine", emotions=SIX)


@pytest.mark.parametrize(("pattern", "message"), [
    (None, r"corpora\.mine\.pattern' is required with format: pattern"),
    ({"glob": "*", "regex": "(?P<label>[a-z"}, r"corpora\.mine\.pattern\.regex' is not a regular expression"),
    ({"glob": "*", "regex": r"(?P<speaker>\w+)\.wav"}, r"corpora\.mine\.pattern\.regex' needs a named group"),
])
def test_config_errors_name_the_pattern_key(pattern, message):
    block = {"source": "local", "path": "x", "format": "pattern", **({"pattern": pattern} if pattern else {})}
    with pytest.raises(ConfigError, match=message):
        validate_config({"domains": ["mine"], "corpora": {"mine": block}})


def test_real5_names_the_five_shared_corpora():
    config = validate_config(copy.deepcopy(REAL5))
    assert config["domains"] == ["emodb", "emovo", "savee", "ravdess", "urdu"]
    beside = (REPO.parent / "shared" / "data").resolve()   # what the config names, whatever SERTRANSFER_SHARED says
    for domain in config["domains"]:
        assert (REPO / config["corpora"][domain]["path"]).resolve().parent == beside
    assert configured_names(config) == {"emodb": "Emo-DB-2s", "emovo": "EMOVO", "savee": "SAVEE",
                                        "ravdess": "RAVDESS", "urdu": "URDU"}
    del config["corpora"]["savee"]["name"], config["corpora"]["emodb"]["name"]
    assert configured_names(config)["savee"] == "savee" and configured_names(config)["emodb"] == "Emo-DB"
    config["corpora"]["urdu"]["name"] = "emo-db"
    with pytest.raises(ValueError, match=r"corpora\.emodb and corpora\.urdu are both named 'emo-db'"):
        configured_names(config)
