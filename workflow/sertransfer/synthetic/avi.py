"""Write audio into an AVI container (PCM s16le track plus a tiny video stream) with ffmpeg.

The audio is fed through stdin as raw little-endian 16-bit samples; the video is a grey
lavfi test source (32x24 at 5 fps, MJPEG). Bit-exact flags and stripped metadata make the
bytes identical on a rerun, so a regenerated demo corpus hashes the same.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from sertransfer.audio import ffmpeg_exe

#: Video stream muxed beside the audio (the real corpora are video recordings).
VIDEO_SOURCE = "color=c=gray:s=32x24:r=5"


def write_avi(path: str | Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write int16 `samples` shaped (frames, channels) as the PCM audio track of an AVI at `path`.

    `path` may have any name (also one without the `.avi` suffix); the container is forced.
    """
    if samples.dtype != np.int16 or samples.ndim != 2:
        raise ValueError("samples must be int16 shaped (frames, channels)")
    frames, channels = samples.shape
    if frames == 0:
        raise ValueError("no samples to write")
    duration = frames / float(sample_rate)
    command = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "s16le", "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0",
        "-f", "lavfi", "-i", f"{VIDEO_SOURCE}:d={duration + 0.2:.3f}",
        "-map", "1:v:0", "-map", "0:a:0",
        "-c:v", "mjpeg", "-q:v", "10", "-c:a", "pcm_s16le",
        "-shortest",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-map_metadata", "-1",
        "-f", "avi", str(path),
    ]
    data = np.ascontiguousarray(samples, dtype="<i2").tobytes()
    result = subprocess.run(command, input=data, capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"ffmpeg could not write {path}: {message or 'no output'}")
