"""Waveform-54k extraction throughput (files/s, audio-seconds/s, per core) and cache size per 1,000 utterances.

Run: `.venv/bin/python benchmarks/waveform_extraction.py` (uses the shared real Emo-DB copy).
"""

from __future__ import annotations

import time

from common import WORK, emodb_manifest, write_rows
from sertransfer.features.waveform import extract_waveforms


def main() -> None:
    """Extract the Emo-DB cache with 1 and 2 threads; report throughput and size."""
    manifest, root = emodb_manifest()
    audio_seconds = float(manifest["duration_s"].sum())
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    for threads in (1, 2):
        out = WORK / f"waveform-{threads}.parquet"
        extract_waveforms(manifest.head(20), root, out, threads=threads)  # warm-up (imports, page cache)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            extract_waveforms(manifest, root, out, threads=threads)
            best = min(best, time.perf_counter() - start)
        size = out.stat().st_size
        rows.append({"threads": threads, "utterances": len(manifest), "seconds": round(best, 3),
                     "files_per_s": round(len(manifest) / best, 1),
                     "audio_s_per_s": round(audio_seconds / best, 1),
                     "audio_s_per_s_per_core": round(audio_seconds / best / threads, 1),
                     "cache_mb_per_1000_utterances": round(size / len(manifest) * 1000 / 1e6, 1)})
        print(rows[-1])
    print("wrote", write_rows("waveform_extraction", rows))


if __name__ == "__main__":
    main()
