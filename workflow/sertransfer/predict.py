"""Emotions of new audio files from an exported model (`sertransfer predict MODEL AUDIO...`).

Each file is decoded (any format and rate ffmpeg reads; mono or multi-channel), mixed to mono,
resampled and standardized as the model card says, then cut into windows of the model's input length
(hop `--hop` seconds; a shorter file is padded as in training). The window probabilities are averaged;
the emotion is their argmax over the classes the model's target has (as the evaluation scored it). A
file that cannot be read, is silent or shorter than the card's minimum duration gets a row with the
reason instead, and the others are still predicted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sertransfer.audio import AudioError, audio_problem, read_any_audio
from sertransfer.export import INGEST_CHECKS
from sertransfer.features.waveform import NATIVE_RATE, fit_length, utterance_signal
from sertransfer.predictions import probability_column
from sertransfer.vocabulary import CARD_NAME, MODEL_NAME, ONNX_NAME

#: What the card's `input` must say: how to make the windows and which files to refuse.
CARD_INPUT = ("sample_rate", "length", "crop", "pad", "standardize", *INGEST_CHECKS)


@dataclass(frozen=True)
class ExportedModel:
    """A loaded exported model (Keras or ONNX Runtime) and its card."""

    network: object
    card: Mapping
    runtime: str = "keras"

    @classmethod
    def load(cls, path: str | Path) -> ExportedModel:
        """From `model.keras` or `model.onnx` (the card beside it), or the export directory (its model.keras)."""
        path = Path(path)
        model = path / MODEL_NAME if path.is_dir() else path
        card_path = model.with_name(CARD_NAME)
        if not model.is_file():
            raise FileNotFoundError(f"no exported model at {model}; run the workflow (results/export/<target>/)")
        if model.suffix not in (".keras", ".onnx"):
            raise ValueError(f"{model}: an exported model is {MODEL_NAME} or {ONNX_NAME}")
        if not card_path.is_file():
            raise FileNotFoundError(f"{model} has no {CARD_NAME} beside it; export it again with the workflow")
        card = json.loads(card_path.read_text(encoding="utf-8"))
        missing = [key for key in CARD_INPUT if key not in card.get("input", {})]
        if missing:
            raise ValueError(f"{card_path} lacks input.{', input.'.join(missing)} (exported by an earlier version); "
                             "export it again: snakemake --forcerun export_model with your usual options")
        if model.suffix == ".onnx":
            import onnxruntime

            return cls(onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"]), card, "onnx")
        from sertransfer.network import load_network

        return cls(load_network(str(model)), card)

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """Class probabilities (n, outputs) of windows (n, length) of model input."""
        if self.runtime == "onnx":
            name = self.network.get_inputs()[0].name
            return np.asarray(self.network.run(None, {name: windows[:, :, None].astype(np.float32)})[0])
        from sertransfer.training import predict

        return predict(self.network, windows)


def model_input(samples: np.ndarray, native_rate: int, card_input: Mapping) -> np.ndarray:
    """A whole file as the network sees it before windowing: mono, resampled, standardized as in training."""
    return utterance_signal(samples, native_rate, sample_rate=card_input["sample_rate"],
                            standardize=card_input["standardize"])


def windows(signal: np.ndarray, card_input: Mapping, hop: int) -> tuple[np.ndarray, list[int]]:
    """The input-length windows of a signal (n, length) and their start samples; one padded window if short."""
    length = int(card_input["length"])
    if signal.size <= length:
        return fit_length(signal, length, card_input["crop"], card_input["pad"])[None, :], [0]
    starts = list(range(0, signal.size - length + 1, max(1, hop)))
    if starts[-1] != signal.size - length:  # the end of the file is always covered
        starts.append(signal.size - length)
    return np.stack([signal[s:s + length] for s in starts]).astype(np.float32), starts


def predict_files(model: ExportedModel, paths: Iterable[str | Path], hop_s: float,
                  per_window: bool = False) -> pd.DataFrame:
    """One row per file (and per window with `per_window`): emotion and six probabilities, or the error."""
    card_input, emotions, classes = model.card["input"], list(model.card["outputs"]), list(model.card["classes"])
    rate = card_input["sample_rate"]
    rows = []
    for path in map(Path, paths):
        base = {"file": str(path)}
        try:
            audio = read_any_audio(path)
        except (AudioError, OSError) as error:
            rows.append({**base, "error": f"unreadable: {error}"})
            continue
        problem = audio_problem(audio, float(card_input["min_duration_s"]), float(card_input["silence_peak"]))
        if problem is not None:
            rows.append({**base, "error": f"{problem.replace('_', ' ')} ({audio.duration_s:.2f} s)"})
            continue
        signal = model_input(audio.samples, audio.sample_rate, card_input)
        seconds = audio.sample_rate if rate == NATIVE_RATE else rate   # samples per second of `signal`
        batch, starts = windows(signal, card_input, int(hop_s * seconds))
        probabilities = model.probabilities(batch)
        if per_window:
            for start, row in zip(starts, probabilities):
                rows.append({**base, "window_start_s": start / seconds, **_labelled(row, emotions, classes)})
        rows.append({**base, "windows": len(starts), **_labelled(probabilities.mean(axis=0), emotions, classes)})
    columns = ["file", *(["window_start_s"] if per_window else []), "windows", "emotion",
               *(probability_column(e) for e in emotions), "error"]
    frame = pd.DataFrame(rows).reindex(columns=columns)
    frame["windows"] = frame["windows"].astype("Int64")   # a count; empty (not NaN) for files that failed
    return frame


def _labelled(probabilities: np.ndarray, emotions: Sequence[str], classes: Sequence[str]) -> dict:
    """The emotion (argmax over the model's classes) and every probability."""
    scored = [emotions.index(c) for c in classes]
    emotion = emotions[scored[int(np.argmax(probabilities[scored]))]]
    return {"emotion": emotion, **{probability_column(e): float(p) for e, p in zip(emotions, probabilities)},
            "error": ""}


def format_table(frame: pd.DataFrame) -> str:
    """The predictions as a plain-text table for the terminal."""
    shown = frame.astype(object)
    for column in shown.columns:
        if column.startswith("p_"):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    return shown.where(shown.notna(), "").to_string(index=False)
