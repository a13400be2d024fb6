"""Reading audio from corpus files: WAV/FLAC through soundfile, audio inside AVI through ffmpeg."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile

#: Containers decoded through ffmpeg (video files carrying an audio track).
VIDEO_SUFFIXES = frozenset({".avi", ".mp4", ".mkv", ".mov", ".mpg", ".mpeg"})

_STREAM_RE = re.compile(r"Stream #\d+:\d+[^:]*: Audio: [^,]+, (\d+) Hz, ([^,]+),")
_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "7.1": 8}


class AudioError(Exception):
    """A file could not be decoded as audio."""


@dataclass(frozen=True)
class Audio:
    """Decoded audio: float32 samples shaped (frames, channels) in [-1, 1] and the native rate."""

    samples: np.ndarray
    sample_rate: int

    @property
    def channels(self) -> int:
        """Number of channels."""
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        """Duration in seconds."""
        return self.samples.shape[0] / float(self.sample_rate)

    def mono(self) -> np.ndarray:
        """Average the channels into one float32 vector."""
        return self.samples.mean(axis=1, dtype=np.float64).astype(np.float32)


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by the imageio-ffmpeg package (no system ffmpeg needed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def is_video_container(path: Path) -> bool:
    """True when the file is decoded through ffmpeg (AVI and similar, or AVI named without a dot)."""
    suffix = path.suffix.lower()
    return suffix in VIDEO_SUFFIXES or (suffix == "" and path.name.lower().endswith("avi"))


def _channels_from_layout(layout: str) -> int:
    """Channel count from ffmpeg's layout word ('mono', 'stereo', '6 channels', '5.1(side)')."""
    layout = layout.strip()
    match = re.match(r"(\d+) channels", layout)
    if match:
        return int(match.group(1))
    return _LAYOUT_CHANNELS.get(layout.split("(")[0], 2)


def read_with_ffmpeg(path: Path) -> Audio:
    """Decode the first audio stream of any container ffmpeg reads, at its native rate and channels."""
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path), "-map", "0:a:0",
               "-vn", "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    result = subprocess.run(command, capture_output=True, check=False)
    stderr = result.stderr.decode("utf-8", "replace")
    match = _STREAM_RE.search(stderr)
    if result.returncode != 0 or match is None:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no output"
        raise AudioError(f"ffmpeg could not decode an audio stream: {last}")
    sample_rate, channels = int(match.group(1)), _channels_from_layout(match.group(2))
    samples = np.frombuffer(result.stdout, dtype="<f4")
    usable = samples.size - samples.size % channels
    return Audio(samples[:usable].reshape(-1, channels).astype(np.float32), sample_rate)


def read_audio(path: str | Path) -> Audio:
    """Decode an audio file (soundfile for audio files, ffmpeg for video containers)."""
    path = Path(path)
    if is_video_container(path):
        return read_with_ffmpeg(path)
    try:
        samples, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
        raise AudioError(f"not a readable audio file ({error})") from error
    return Audio(np.ascontiguousarray(samples), int(sample_rate))


def read_any_audio(path: str | Path) -> Audio:
    """Decode any file ffmpeg can read (soundfile first, ffmpeg for every other format or container)."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"no such file: {path}")
    try:
        return read_audio(path)
    except AudioError:
        return read_with_ffmpeg(path)


def audio_problem(audio: Audio, min_duration_s: float, silence_peak: float) -> str | None:
    """Name what is wrong with decoded audio (empty, nan, silent, too_short), or None when usable."""
    if audio.samples.size == 0:
        return "empty"
    if not np.all(np.isfinite(audio.samples)):
        return "nan"
    if float(np.max(np.abs(audio.samples))) <= silence_peak:
        return "silent"
    if audio.duration_s < min_duration_s:
        return "too_short"
    return None
