"""Feature caches: waveform-54k (standardized, padded/cropped, raw-bytes Parquet) and IS10."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from conftest import SIX, write_tone
from sertransfer.audio import read_audio
from sertransfer.corpora import get_corpus, ingest
from sertransfer.features.is10 import IS10_DIMENSION, extract_is10, read_is10
from sertransfer.features.waveform import (
    FeatureCacheError,
    cache_layout,
    extract_waveforms,
    fit_length,
    read_waveforms,
    standardize_utterance,
    waveform_vector,
)
from sertransfer.synthetic.avi import write_avi


@pytest.mark.parametrize("size", [53999, 54000, 54001, 1000, 120000])
def test_fit_length_boundaries(size):
    signal = np.arange(1, size + 1, dtype=np.float32)
    out = fit_length(signal, 54000)
    assert out.shape == (54000,)
    if size <= 54000:
        assert np.array_equal(out[:size], signal) and not out[size:].any()
    else:
        start = (size - 54000) // 2
        assert out[0] == start + 1 and out[-1] == start + 54000
    if size > 54000:
        assert fit_length(signal, 54000, crop="start")[0] == 1


def test_standardize_over_own_samples():
    rng = np.random.default_rng(0)
    signal = rng.normal(3.0, 0.2, 20000).astype(np.float32)
    vector = waveform_vector(signal[:, None], 16000, sample_rate=16000, length=54000)
    own = vector[:20000]
    assert abs(own.mean()) < 1e-5 and own.std() == pytest.approx(1.0, abs=1e-4)
    assert not vector[20000:].any() and vector.dtype == np.float32
    assert not standardize_utterance(np.zeros(10)).any()


@pytest.mark.parametrize("pad, before", [("end", 0), ("center", 3), ("start", 6)])
def test_padding_goes_where_the_reading_says(pad, before):
    out = fit_length(np.arange(1, 5, dtype=np.float32), 10, pad=pad)
    assert out.shape == (10,) and np.array_equal(out[before:before + 4], [1, 2, 3, 4])
    assert not np.delete(out, range(before, before + 4)).any()
    with pytest.raises(ValueError, match="features.waveform.pad"):
        fit_length(np.ones(3), 10, pad="middle")


def test_native_rate_and_unstandardized_readings():
    rng = np.random.default_rng(1)
    signal = (0.1 * rng.standard_normal((22050, 2))).astype(np.float32)  # 1 s, stereo, 22.05 kHz
    native = waveform_vector(signal, 22050, sample_rate="native", length=30000, standardize="none")
    assert np.allclose(native[:22050], signal.mean(axis=1)) and not native[22050:].any()  # no resampling
    resampled = waveform_vector(signal, 22050, sample_rate=8000, length=30000, standardize="utterance")
    assert np.flatnonzero(resampled)[-1] + 1 == pytest.approx(8000, abs=2)
    for standardize in ("none", "dimension"):  # `dimension` is applied by the network, not the cache
        raw = waveform_vector(signal, 22050, sample_rate=22050, length=30000, standardize=standardize)
        assert raw[:22050].std() == pytest.approx(signal.mean(axis=1).std(), rel=1e-5)
    with pytest.raises(ValueError, match="features.waveform.standardize"):
        waveform_vector(signal, 22050, sample_rate=16000, length=100, standardize="global")


@pytest.fixture
def mixed_corpus(tmp_path):
    """An EMOVO-like layout with 16 kHz, 22.05 kHz, 48 kHz stereo files, long and short; and an AVI."""
    root = tmp_path / "corpus"
    write_tone(root / "f1" / "rab-f1-b1.wav", seconds=1.0, sample_rate=22050)
    write_tone(root / "f1" / "tri-f1-b2.wav", seconds=2.0, sample_rate=48000, channels=2)
    write_tone(root / "m1" / "gio-m1-b1.wav", seconds=5.0, sample_rate=16000)
    write_tone(root / "m1" / "pau-m1-b3.wav", seconds=54000 / 16000, sample_rate=16000)
    return root


def test_waveform_cache_shapes_rates_and_rerun_bytes(mixed_corpus, tmp_path):
    manifest = ingest(get_corpus("emovo"), mixed_corpus, emotions=SIX).manifest
    out = tmp_path / "w.parquet"
    assert extract_waveforms(manifest, mixed_corpus, out, threads=2, row_group=3) == 4
    x, meta = read_waveforms(out)
    assert x.shape == (4, 54000) and x.dtype == np.float32 and x.flags["C_CONTIGUOUS"]
    assert meta["utterance_id"].tolist() == manifest["utterance_id"].tolist()
    lengths = dict(zip(meta["utterance_id"], (np.flatnonzero(row)[-1] + 1 for row in x)))
    assert lengths["emovo/f1/rab-f1-b1"] == pytest.approx(16000, abs=2)      # 1 s at 22.05 kHz
    assert lengths["emovo/f1/tri-f1-b2"] == pytest.approx(32000, abs=2)      # 2 s at 48 kHz stereo
    assert lengths["emovo/m1/gio-m1-b1"] == 54000                            # cropped
    for row, n in zip(x, (16000, 32000)):
        assert abs(row[:n].mean()) < 1e-3 and row[:n].std() == pytest.approx(1.0, abs=1e-2)
    assert cache_layout(out) == {"dtype": "float32", "byteorder": "little", "length": 54000, "sample_rate": 16000,
                                 "crop": "center", "pad": "end", "standardize": "utterance",
                                 "layout": "fixed_size_binary"}
    again = tmp_path / "again.parquet"
    extract_waveforms(manifest, mixed_corpus, again, threads=1, row_group=3)
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(again.read_bytes()).digest()
    subset, subset_meta = read_waveforms(out, ids=["emovo/m1/gio-m1-b1", "emovo/f1/rab-f1-b1"])
    assert np.array_equal(subset, x[[2, 0]]) and subset_meta["utterance_id"].iloc[0] == "emovo/m1/gio-m1-b1"


def test_waveform_from_avi(tmp_path):
    rng = np.random.default_rng(1)
    samples = (3000 * rng.standard_normal((48000, 2))).astype(np.int16)
    avi = tmp_path / "rml" / "s1" / "an1.avi"
    avi.parent.mkdir(parents=True)
    write_avi(avi, samples, 48000)
    audio = read_audio(avi)
    assert (audio.sample_rate, audio.channels) == (48000, 2)
    manifest = ingest(get_corpus("rml"), tmp_path / "rml", emotions=SIX).manifest
    extract_waveforms(manifest, tmp_path / "rml", tmp_path / "w.parquet")
    x, _ = read_waveforms(tmp_path / "w.parquet")
    assert np.flatnonzero(x[0])[-1] + 1 == pytest.approx(16000, abs=2)


def test_corrupt_cache_names_the_file(mixed_corpus, tmp_path):
    manifest = ingest(get_corpus("emovo"), mixed_corpus, emotions=SIX).manifest
    out = tmp_path / "w.parquet"
    extract_waveforms(manifest, mixed_corpus, out)
    out.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    recovery = r"w\.parquet.*(unreadable|corrupt).*snakemake all --forcerun \S*w\.parquet"   # the one-command fix
    with pytest.raises(FeatureCacheError, match=recovery):
        read_waveforms(out)
    is10 = tmp_path / "i.parquet"
    is10.write_bytes(b"PAR1 not really")
    with pytest.raises(FeatureCacheError, match=r"i\.parquet"):
        read_is10(is10)
    extract_waveforms(manifest, mixed_corpus, out)
    with pytest.raises(FeatureCacheError, match="lacks utterances"):
        read_waveforms(out, ids=["emovo/none"])


def test_is10_has_1582_named_finite_columns(mixed_corpus, tmp_path):
    manifest = ingest(get_corpus("emovo"), mixed_corpus, emotions=SIX).manifest
    extract_is10(manifest, mixed_corpus, tmp_path / "is10.parquet", threads=2)
    matrix, meta, names = read_is10(tmp_path / "is10.parquet")
    assert matrix.shape == (4, IS10_DIMENSION) == (4, len(set(names)))
    assert np.isfinite(matrix).all()
    assert "pcm_loudness_sma_amean" in names and "F0final_sma_amean" in names
    assert meta["utterance_id"].tolist() == manifest["utterance_id"].tolist()
    frame = pd.read_parquet(tmp_path / "is10.parquet")
    assert list(frame.columns[:3]) == ["utterance_id", "emotion", "speaker"]


def test_both_caches_on_real_emodb(emodb_2s, tmp_path):
    manifest = ingest(get_corpus("emodb"), emodb_2s, emotions=SIX, threads=2).manifest
    extract_waveforms(manifest, emodb_2s, tmp_path / "w.parquet", threads=2)
    x, meta = read_waveforms(tmp_path / "w.parquet")
    assert x.shape == (375, 54000) and meta["emotion"].value_counts()["anger"] == 127
    own = x[:, :32000]  # 2.000 s at 16 kHz, then padding
    assert np.abs(own.mean(axis=1)).max() < 1e-3 and np.allclose(own.std(axis=1), 1.0, atol=1e-2)
    extract_is10(manifest, emodb_2s, tmp_path / "i.parquet", threads=2)
    matrix, _, _ = read_is10(tmp_path / "i.parquet")
    assert matrix.shape == (375, IS10_DIMENSION) and np.isfinite(matrix).all()
