"""is10: the 1,582 INTERSPEECH-2010 Paralinguistic Challenge functionals from openSMILE (docs/design.md §4)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import soxr

from sertransfer import atomic
from sertransfer.audio import read_audio
from sertransfer.defaults import default
from sertransfer.features.waveform import META_COLUMNS, FeatureCacheError, meta_lists
from sertransfer.recovery import rebuild_hint

if TYPE_CHECKING:  # imported at run time only where features are computed (it loads a shared library)
    import opensmile

log = logging.getLogger(__name__)

IS10_DIMENSION = 1582


def _smile() -> opensmile.Smile:
    """An openSMILE extractor for IS10 functionals (imported lazily: it loads a shared library)."""
    import opensmile

    return opensmile.Smile(feature_set=opensmile.FeatureSet.IS10, feature_level=opensmile.FeatureLevel.Functionals)


def is10_vector(samples: np.ndarray, native_rate: int, smile: opensmile.Smile,
                sample_rate: int = default("features.is10.sample_rate")) -> pd.Series:
    """IS10 functionals of one utterance, computed on mono audio at `sample_rate`."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if native_rate != sample_rate:
        mono = soxr.resample(mono.astype(np.float32), native_rate, sample_rate, quality="HQ")
    return smile.process_signal(mono.astype(np.float32), sample_rate).iloc[0]


def _is10_rows(paths: list[str], sample_rate: int) -> np.ndarray:
    """IS10 vectors of audio files, in one process with one extractor (openSMILE is not thread-safe)."""
    smile = _smile()
    vectors = []
    for path in paths:
        audio = read_audio(path)
        vectors.append(is10_vector(audio.samples, audio.sample_rate, smile, sample_rate).to_numpy(np.float32))
    return np.vstack(vectors) if vectors else np.zeros((0, IS10_DIMENSION), np.float32)


def _is10_in_subprocesses(paths: list[str], sample_rate: int, workers: int) -> np.ndarray:
    """IS10 of contiguous chunks of `paths`, each in its own fresh Python process, stacked in order.

    Fresh processes (not threads: openSMILE crashes when extractors run in threads of one process;
    not fork: it can deadlock a parent with running threads) run this module's `__main__`.
    """
    chunks = [list(chunk) for chunk in np.array_split(np.array(paths, dtype=object), workers)]
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryDirectory(prefix="is10-") as scratch:
        processes = []
        for index, chunk in enumerate(chunks):
            listing, result = Path(scratch) / f"{index}.json", Path(scratch) / f"{index}.npy"
            listing.write_text(json.dumps(chunk), encoding="utf-8")
            command = [sys.executable, "-m", "sertransfer.features.is10", str(listing), str(result), str(sample_rate)]
            processes.append((subprocess.Popen(command, env=env, stderr=subprocess.PIPE), result))
        parts = []
        for process, result in processes:
            _, stderr = process.communicate()
            if process.returncode != 0:
                detail = stderr.decode(errors="replace")[-2000:]
                raise RuntimeError(f"IS10 worker failed ({process.returncode}): {detail}")
            parts.append(np.load(result))
    return np.vstack(parts)


def extract_is10(manifest: pd.DataFrame, corpus_root: Path, out: Path, *,
                 sample_rate: int = default("features.is10.sample_rate"), threads: int = 1) -> int:
    """Compute IS10 for every manifest utterance and write the cache at `out` atomically.

    With `threads` > 1 the files are split into that many contiguous chunks, each extracted in its
    own process.
    """
    paths = [str(Path(corpus_root) / p) for p in manifest["path"]]
    workers = max(1, min(threads, len(paths)))
    matrix = _is10_rows(paths, sample_rate) if workers == 1 else _is10_in_subprocesses(paths, sample_rate, workers)
    names = list(_smile().feature_names)
    if matrix.shape[1] != IS10_DIMENSION or len(names) != IS10_DIMENSION:
        raise RuntimeError(f"openSMILE IS10 gave {matrix.shape[1]} features, expected {IS10_DIMENSION}")
    columns = meta_lists(manifest)
    table = pa.table({**{c: pa.array(v, pa.string()) for c, v in columns.items()},
                      **{name: matrix[:, j] for j, name in enumerate(names)}})
    with atomic.atomic_path(out) as temporary:
        pq.write_table(table, temporary, compression="zstd")
    log.info("is10: %d utterances x %d features", len(paths), matrix.shape[1])
    return len(paths)


def read_is10(path: str | Path, ids: Sequence[str] | None = None) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    """Load an IS10 cache: float64 (n, 1582) matrix, metadata rows, feature names."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise FeatureCacheError(f"IS10 cache {path} is corrupt ({error}); {rebuild_hint(path)}") from error
    names = [c for c in table.column_names if c not in META_COLUMNS]
    frame = table.to_pandas()
    meta = frame[list(META_COLUMNS)]
    matrix = frame[names].to_numpy(dtype=np.float64)
    if ids is not None:
        position = pd.Index(meta["utterance_id"]).get_indexer(list(ids))
        if (position < 0).any():
            raise FeatureCacheError(f"{path} lacks utterances {[i for i, p in zip(ids, position) if p < 0][:5]}")
        return matrix[position], meta.iloc[position].reset_index(drop=True), names
    return matrix, meta, names


if __name__ == "__main__":  # worker of _is10_in_subprocesses: LISTING.json RESULT.npy SAMPLE_RATE
    np.save(sys.argv[2], _is10_rows(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")), int(sys.argv[3])))
