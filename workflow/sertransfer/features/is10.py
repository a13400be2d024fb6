"""is10: the 1,582 INTERSPEECH-2010 Paralinguistic Challenge functionals from openSMILE (SPEC §4)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import soxr

from sertransfer import atomic
from sertransfer.audio import read_audio
from sertransfer.features.waveform import META_COLUMNS, FeatureCacheError, meta_lists

log = logging.getLogger(__name__)

IS10_DIMENSION = 1582


def _smile():
    """An openSMILE extractor for IS10 functionals (imported lazily: it loads a shared library)."""
    import opensmile

    return opensmile.Smile(feature_set=opensmile.FeatureSet.IS10, feature_level=opensmile.FeatureLevel.Functionals)


def is10_vector(samples: np.ndarray, native_rate: int, smile, sample_rate: int = 16000) -> pd.Series:
    """IS10 functionals of one utterance, computed on mono audio at `sample_rate`."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if native_rate != sample_rate:
        mono = soxr.resample(mono.astype(np.float32), native_rate, sample_rate, quality="HQ")
    return smile.process_signal(mono.astype(np.float32), sample_rate).iloc[0]


def extract_is10(manifest: pd.DataFrame, corpus_root: Path, out: Path, *, sample_rate: int = 16000,
                 threads: int = 1) -> int:
    """Compute IS10 for every manifest utterance and write the cache at `out` atomically."""
    smiles = [_smile() for _ in range(max(1, threads))]
    rows = manifest.to_dict("records")

    def one(index_row: tuple[int, dict]) -> pd.Series:
        index, row = index_row
        audio = read_audio(Path(corpus_root) / row["path"])
        return is10_vector(audio.samples, audio.sample_rate, smiles[index % len(smiles)], sample_rate)

    # one extractor per worker thread: utterance i goes to extractor i % threads, in lock-step batches
    features: list[pd.Series] = []
    with ThreadPoolExecutor(max_workers=len(smiles)) as pool:
        for start in range(0, len(rows), len(smiles)):
            features.extend(pool.map(one, list(enumerate(rows))[start:start + len(smiles)]))
    names = list(features[0].index) if features else list(_smile().feature_names)
    matrix = np.vstack([f.to_numpy(dtype=np.float32) for f in features]) if features else \
        np.zeros((0, len(names)), np.float32)
    if matrix.shape[1] != IS10_DIMENSION:
        raise RuntimeError(f"openSMILE IS10 gave {matrix.shape[1]} features, expected {IS10_DIMENSION}")
    columns = meta_lists(manifest)
    table = pa.table({**{c: pa.array(v, pa.string()) for c, v in columns.items()},
                      **{name: matrix[:, j] for j, name in enumerate(names)}})
    with atomic.atomic_path(out) as temporary:
        pq.write_table(table, temporary, compression="zstd")
    log.info("is10: %d utterances x %d features", len(rows), matrix.shape[1])
    return len(rows)


def read_is10(path: str | Path, ids: Sequence[str] | None = None) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    """Load an IS10 cache: float64 (n, 1582) matrix, metadata rows, feature names."""
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise FeatureCacheError(f"IS10 cache {path} is corrupt ({error}); delete it and rerun the workflow "
                                f"to rebuild it") from error
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
