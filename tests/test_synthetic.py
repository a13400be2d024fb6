"""The synthetic demo corpora: real layouts, determinism, emotion prosody, domain differences."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from sertransfer.audio import read_audio
from sertransfer.synthetic import CORPUS_KEYS, generate_corpus, plan_corpus
from sertransfer.synthetic.avi import write_avi
from sertransfer.synthetic.layouts import LAYOUTS
from sertransfer.synthetic.speech import Channel, make_speaker, rng_for, synthesize

SMALL = {"seed": 7, "speakers": 3, "utterances_per_emotion": 1, "duration_s": (0.5, 0.8)}
#: eNTERFACE with four speakers holds every irregularity (subjects 3, 6, 11, 16).
SIZES = {key: dict(SMALL, speakers=4) if key == "enterface" else SMALL for key in CORPUS_KEYS}


def _audio_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".txt")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    base = tmp_path_factory.mktemp("synthetic")
    return {key: (base / key, generate_corpus(key, base / key, **SIZES[key])) for key in CORPUS_KEYS}


def _rel(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in _audio_files(root)}


def test_keys() -> None:
    from sertransfer.vocabulary import CORPUS_LAYOUTS

    assert set(CORPUS_KEYS) == set(LAYOUTS) == set(CORPUS_LAYOUTS)


@pytest.mark.parametrize("key", CORPUS_KEYS)
def test_count_and_no_leftovers(corpora: dict[str, tuple[Path, int]], key: str) -> None:
    root, count = corpora[key]
    assert count == len(_audio_files(root)) > 0
    assert not [p for p in root.parent.iterdir() if ".partial-" in p.name]


def test_emodb(corpora: dict[str, tuple[Path, int]]) -> None:
    root, count = corpora["emodb"]
    names = _rel(root)
    assert "wav/03a01Wa.wav" in names
    pattern = re.compile(r"^wav/(03|08|09)(a01|a02|a04|a05|a07|b01|b02|b03|b09|b10)([WLEAFTN])a\.wav$")
    assert all(pattern.match(n) for n in names)
    assert {pattern.match(n).group(3) for n in names} == set("WLEAFTN")  # type: ignore[union-attr]
    assert count == 3 * 7
    audio = read_audio(root / "wav/03a01Wa.wav")
    assert (audio.sample_rate, audio.channels) == (16000, 1)
    assert 0.5 <= audio.duration_s <= 0.8


def test_emovo_stereo(corpora: dict[str, tuple[Path, int]]) -> None:
    root, _ = corpora["emovo"]
    names = _rel(root)
    assert "f1/dis-f1-b1.wav" in names
    pattern = re.compile(r"^(f1|f2|m1)/(dis|gio|pau|rab|sor|tri|neu)-\1-(b[123]|d[12]|l[1-4]|n[1-5])\.wav$")
    assert all(pattern.match(n) for n in names), names
    channels = [read_audio(root / n).channels for n in sorted(names)]
    assert {read_audio(root / n).sample_rate for n in names} == {48000}
    assert channels.count(1) == len(channels) // 5 and channels.count(2) > channels.count(1)


def test_enterface_irregularities(corpora: dict[str, tuple[Path, int]]) -> None:
    root, count = corpora["enterface"]
    names = _rel(root)
    assert count == 4 * 6 * 1
    assert "subject 6/anger/s6_an_1.avi" in names                      # no "sentence K" level
    assert not any(n.startswith("subject 6/") and "/sentence " in n for n in names)
    assert "subject 11/anger/sentence 1/s12_an_1.avi" in names         # named s12_
    assert not any("s11_" in n for n in names)
    no_dot = [n for n in names if not n.endswith(".avi")]
    assert no_dot == ["subject 16/surprise/sentence 3/s16_su_3avi"]    # exactly one, no dot
    assert "subject 3/fear/sentence 2/s_3_fe_2.avi" in names           # s_3_ prefix
    assert "subject 3/anger/sentence 1/s3_an_1.avi" in names
    words = {n.split("/")[1] for n in names}
    assert words == {"anger", "disgust", "fear", "happiness", "sadness", "surprise"}
    for name in ("subject 16/surprise/sentence 3/s16_su_3avi", "subject 6/anger/s6_an_1.avi"):
        audio = read_audio(root / name)
        assert (audio.sample_rate, audio.channels) == (16000, 1) and audio.duration_s >= 0.5
    subjects = {c.speaker.id for c in plan_corpus("enterface", **SMALL)}
    assert subjects == {"6", "11", "16"}


def test_iemocap_layout_and_labels(corpora: dict[str, tuple[Path, int]]) -> None:
    root, count = corpora["iemocap"]
    names = _rel(root)
    assert count == 4 * 11  # two sessions of two speakers (3 rounded up), 11 categories
    assert "Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav" in names
    wav_re = re.compile(r"^Session([12])/sentences/wav/"
                        r"(Ses0\1[FM]_(impro|script)\d\d(_\d)?)/\2_[FM]\d{3}\.wav$")
    assert all(wav_re.match(n) for n in names)
    evaluation = root / "Session1/dialog/EmoEvaluation"
    assert (evaluation / "Categorical/Ses01F_impro01_e2_cat.txt").is_file()
    assert (root / "Session1/dialog/transcriptions/Ses01F_impro01.txt").is_file()
    label_re = re.compile(r"^\[(\d+\.\d{4}) - (\d+\.\d{4})\]\t(\S+)\t([a-z]{3})"
                          r"\t\[\d\.\d{4}, \d\.\d{4}, \d\.\d{4}\]$")
    labels: dict[str, tuple[str, float]] = {}
    for text_file in sorted(root.glob("Session*/dialog/EmoEvaluation/*.txt")):
        lines = text_file.read_text(encoding="utf-8").split("\n")
        assert lines[0] == "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]" and lines[1] == ""
        for i, line in enumerate(lines):
            match = label_re.match(line)
            if match:
                assert lines[i - 1] == ""
                labels[match.group(3)] = (match.group(4), float(match.group(2)) - float(match.group(1)))
            elif line and not line.startswith("%"):
                assert re.match(r"^[CA]-[EFM]\d:\t(\w+;|val \d; act \d; dom  \d;)\t\(\)$", line), line
    wavs = {Path(n).stem: n for n in names}
    assert set(labels) == set(wavs)
    categories = {"ang", "hap", "exc", "sad", "fea", "sur", "dis", "neu", "fru", "oth", "xxx"}
    assert {cat for cat, _ in labels.values()} == categories
    utt = "Ses01F_impro01_F000"
    audio = read_audio(root / wavs[utt])
    assert (audio.sample_rate, audio.channels) == (16000, 1)
    assert abs(audio.duration_s - labels[utt][1]) < 0.002


def test_afew(corpora: dict[str, tuple[Path, int]]) -> None:
    root, count = corpora["afew"]
    names = sorted(_rel(root))
    folders = {"Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise"}
    assert all(re.match(r"^(Train|Val)_AFEW/(\w+)/\d{9}\.avi$", n) for n in names)
    assert {n.split("/")[1] for n in names} == folders
    val = sum(n.startswith("Val_AFEW/") for n in names)
    assert 0 < val < count / 2 and count == 3 * 7
    assert len({Path(n).stem for n in names}) == count
    audio = read_audio(root / names[0])
    assert (audio.sample_rate, audio.channels) == (48000, 2)


def test_rml(corpora: dict[str, tuple[Path, int]]) -> None:
    root, _ = corpora["rml"]
    names = _rel(root)
    assert {"rml-1/s1/an1.avi", "rml-1/s5/mandarin/di1.avi", "rml-2/s6/urdu/su1.avi"} <= names
    assert all(re.match(r"^rml-(1/s[1-5]|2/s[6-8])/((mandarin|urdu)/)?(an|di|fe|ha|sa|su)\d+\.avi$", n) for n in names)
    audio = read_audio(root / "rml-1/s5/mandarin/di1.avi")
    assert (audio.sample_rate, audio.channels) == (22050, 1)


def test_avi_round_trip(tmp_path: Path) -> None:
    samples = (rng_for("avi").normal(0, 4000, (22050 + 123, 2))).astype(np.int16)
    target = tmp_path / "clip avi"  # a space and no suffix: the container is forced
    write_avi(target, samples, 22050)
    audio = read_audio(tmp_path / "clip avi")
    assert (audio.sample_rate, audio.channels, audio.samples.shape[0]) == (22050, 2, samples.shape[0])
    assert np.max(np.abs(audio.samples * 32768.0 - samples)) <= 1.0


def test_deterministic(corpora: dict[str, tuple[Path, int]], tmp_path: Path) -> None:
    for key in CORPUS_KEYS:
        again = tmp_path / key
        generate_corpus(key, again, **SIZES[key])
        assert _hashes(again) == _hashes(corpora[key][0]), key
    other = tmp_path / "emodb-other-seed"
    generate_corpus("emodb", other, **dict(SMALL, seed=8))
    first, second = _hashes(corpora["emodb"][0]), _hashes(other)
    assert set(first) != set(second) or all(first[n] != second[n] for n in first)


def test_existing_root_and_bad_arguments(tmp_path: Path) -> None:
    root = tmp_path / "emodb"
    root.mkdir()
    with pytest.raises(FileExistsError):
        generate_corpus("emodb", root, **SMALL)
    with pytest.raises(ValueError):
        generate_corpus("timit", tmp_path / "timit", **SMALL)
    with pytest.raises(ValueError):
        generate_corpus("emodb", tmp_path / "x", **dict(SMALL, duration_s=(1.0, 0.5)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emodb"]


def test_caps() -> None:
    big = dict(SMALL, speakers=99, utterances_per_emotion=99)
    clips = plan_corpus("emovo", **big)
    assert len({c.speaker.id for c in clips}) == 6 and len(clips) == 6 * 7 * 14
    assert len({c.speaker.id for c in plan_corpus("rml", **big)}) == 8
    assert len(plan_corpus("enterface", **dict(big, speakers=1))) == 6 * 5


# --------------------------------------------------------------------------- acoustics


def _f0(x: np.ndarray, sr: int) -> float:
    """Median autocorrelation pitch over voiced 40 ms frames."""
    n, out = int(0.04 * sr), []
    low, high = int(sr / 500), int(sr / 60)
    for i in range(0, x.size - n, n // 2):
        frame = x[i:i + n] - x[i:i + n].mean()
        r = np.correlate(frame, frame, "full")[n - 1:]
        if r[0] > 1e-6:
            lag = low + int(np.argmax(r[low:high] / r[0]))
            if r[lag] / r[0] > 0.5:
                out.append(sr / lag)
    return float(np.median(out))


def _centroid(x: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(x - x.mean())) ** 2
    freqs = np.fft.rfftfreq(x.size, 1.0 / sr)
    return float((spectrum * freqs).sum() / spectrum.sum())


def test_emotion_prosody_differs() -> None:
    channel = LAYOUTS["emodb"].channel
    for gender in "mf":
        voice = make_speaker(gender, rng_for("voice", gender))
        stats = {}
        for style in ("anger", "sadness", "happiness", "fear"):
            clips = [synthesize(style, voice, channel, 1.5, 1, rng_for(style, gender, i))[:, 0] / 32768.0
                     for i in range(4)]
            stats[style] = (np.mean([np.sqrt(np.mean(c ** 2)) for c in clips]),
                            np.mean([_f0(c, channel.sample_rate) for c in clips]))
        assert stats["anger"][0] > 1.8 * stats["sadness"][0]      # louder
        assert stats["anger"][1] > 1.3 * stats["sadness"][1]      # higher f0
        assert stats["fear"][1] > stats["anger"][1] > stats["sadness"][1]
        assert 60 < stats["sadness"][1] < 400


def test_speaker_f0_and_files(corpora: dict[str, tuple[Path, int]]) -> None:
    root, _ = corpora["emodb"]
    f0 = {spk: _f0(read_audio(next(root.glob(f"wav/{spk}???Na.wav"))).mono(), 16000) for spk in ("03", "08")}
    assert f0["08"] > 1.4 * f0["03"]  # 08 is female, 03 male
    rms = {code: np.mean([np.sqrt(np.mean(read_audio(path).mono() ** 2))
                          for path in root.glob(f"wav/*{code}a.wav")]) for code in "WT"}
    assert rms["W"] > 1.8 * rms["T"]  # anger louder than sadness in the written files


def test_domains_differ(corpora: dict[str, tuple[Path, int]]) -> None:
    def profile(key: str) -> tuple[float, float]:
        root = corpora[key][0]
        centroids, floors = [], []
        for path in _audio_files(root):
            audio = read_audio(path)
            x = audio.mono().astype(np.float64)
            centroids.append(_centroid(x, audio.sample_rate))
            floors.append(np.sqrt(np.mean(x[: int(0.03 * audio.sample_rate)] ** 2)))  # leading silence
        return float(np.mean(centroids)), float(20 * np.log10(np.median(floors)))

    profiles = {key: profile(key) for key in CORPUS_KEYS}
    assert profiles["emodb"][0] < profiles["afew"][0] - 50          # band-limited, music bed
    floors = sorted(p[1] for p in profiles.values())
    assert floors[-1] - floors[0] > 15                               # studio vs field recordings
    assert profiles["emodb"][1] < profiles["enterface"][1] - 15
    # Same voice and emotion, different domain channel and formant set: spectra differ.
    voice = make_speaker("m", rng_for("voice"))
    spectra = {}
    for key in ("emodb", "enterface", "rml"):
        channel: Channel = LAYOUTS[key].channel
        x = synthesize("neutral", voice, channel, 1.5, 1, rng_for("same"))[:, 0] / 32768.0
        spectra[key] = _centroid(x, channel.sample_rate)
    assert len({round(v, -1) for v in spectra.values()}) == 3


def test_style_map_changes_how_a_label_is_voiced(tmp_path: Path) -> None:
    from sertransfer.synthetic import generate_corpus

    kwargs = {"seed": 4, "speakers": 1, "utterances_per_emotion": 1, "duration_s": (0.5, 0.5)}
    generate_corpus("emodb", tmp_path / "plain", **kwargs)
    generate_corpus("emodb", tmp_path / "swapped", style_map={"anger": "sadness"}, **kwargs)
    names = sorted(p.name for p in (tmp_path / "plain" / "wav").glob("*.wav"))
    anger = [n for n in names if n[5] == "W"]
    others = [n for n in names if n[5] not in "W"]
    assert anger and others
    for name in anger:   # anger is now voiced in the sadness style: other audio
        assert (tmp_path / "plain" / "wav" / name).read_bytes() != (tmp_path / "swapped" / "wav" / name).read_bytes()
    for name in others:  # every other label is voiced as before
        assert (tmp_path / "plain" / "wav" / name).read_bytes() == (tmp_path / "swapped" / "wav" / name).read_bytes()
    with pytest.raises(ValueError, match="unknown speaking styles"):
        generate_corpus("emodb", tmp_path / "bad", style_map={"anger": "rage"}, **kwargs)


def test_no_emotion_given_away_by_length_or_level(tmp_path: Path) -> None:
    """A classifier on a clip's duration, RMS level or peak level alone stays far from what prosody gives."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    root = tmp_path / "emodb"
    generate_corpus("emodb", root, seed=3, speakers=4, utterances_per_emotion=6, duration_s=(1.0, 1.5),
                    expressiveness=1.6)
    codes = {"W": "anger", "E": "disgust", "A": "fear", "F": "happiness", "T": "sadness"}
    cues, labels = [], []
    for path in sorted(root.rglob("*.wav")):
        if path.name[5] in codes:
            samples = read_audio(path).samples
            cues.append([len(samples), np.log(np.sqrt(np.mean(samples ** 2))), np.log(np.max(np.abs(samples)))])
            labels.append(codes[path.name[5]])
    cues, labels = np.array(cues), np.array(labels)
    assert len(labels) == 4 * 6 * 5
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    for column, name in enumerate(("duration", "RMS level", "peak level")):
        predicted = cross_val_predict(LinearDiscriminantAnalysis(), cues[:, [column]], labels, cv=folds)
        assert balanced_accuracy_score(labels, predicted) < 0.45, name   # chance .20; before the gain: RMS .78
