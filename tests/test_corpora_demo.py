"""Every parser on its generated demo layout (the synthetic corpora mirror the real layouts)."""

from __future__ import annotations

import pytest

from conftest import SIX
from sertransfer.corpora import get_corpus, ingest
from sertransfer.synthetic import generate_corpus

# key: (files written, kept, dropped unmapped labels, kept emotions, speakers, sample rate)
EXPECTED = {
    "emodb": (28, 20, {"boredom": 4, "neutral": 4}, set(SIX) - {"surprise"}, 4, 16000),
    "emovo": (28, 24, {"neutral": 4}, set(SIX), 4, 48000),
    "enterface": (24, 24, {}, set(SIX), 4, 16000),
    "iemocap": (44, 28, {"frustration": 4, "neutral": 4, "no_agreement": 4, "other": 4}, set(SIX), 4, 16000),
    "afew": (28, 24, {"neutral": 4}, set(SIX), 0, 48000),
    "rml": (24, 24, {}, set(SIX), 4, 22050),
}


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    """Directory holding one small demo corpus per key."""
    root = tmp_path_factory.mktemp("demo")
    for key in EXPECTED:
        generate_corpus(key, root / key, seed=7, speakers=4, utterances_per_emotion=1, duration_s=(0.5, 0.8))
    return root


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_parser_on_demo_layout(demo_root, key):
    files, kept, unmapped, emotions, speakers, rate = EXPECTED[key]
    overrides = {"exc": "happiness"} if key == "iemocap" else {}  # as both configs map IEMOCAP's excited
    result = ingest(get_corpus(key), demo_root / key, emotions=SIX, threads=2, label_overrides=overrides)
    manifest, report = result.manifest, result.report
    assert report["kept"] + report["dropped"] == files
    assert len(manifest) == kept
    assert report["dropped_unmapped_labels"] == unmapped
    assert set(report["dropped_per_reason"]) <= {"unmapped_label"}
    assert set(manifest["emotion"]) == emotions
    assert manifest["speaker"].nunique() == speakers
    assert set(manifest["sample_rate"]) == {rate}
    assert manifest["utterance_id"].is_unique and manifest["utterance_id"].str.startswith(f"{key}/").all()
    assert (manifest["duration_s"] > 0.4).all()


def test_enterface_demo_has_every_irregularity(demo_root):
    paths = set(ingest(get_corpus("enterface"), demo_root / "enterface", emotions=SIX).manifest["path"])
    assert any(p.startswith("subject 6/") and "/sentence " not in p for p in paths)
    assert any(p.startswith("subject 11/") and p.rsplit("/", 1)[1].startswith("s12_") for p in paths)
    assert "subject 16/surprise/sentence 3/s16_su_3avi" in paths
    assert any(p.rsplit("/", 1)[1].startswith("s_3_") for p in paths)


def test_emovo_demo_is_mostly_stereo(demo_root):
    channels = ingest(get_corpus("emovo"), demo_root / "emovo", emotions=SIX).manifest["channels"]
    assert set(channels) == {1, 2} and (channels == 2).mean() > 0.5
