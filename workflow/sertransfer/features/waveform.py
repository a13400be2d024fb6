"""waveform-54k: mono, resampled, standardized, padded/cropped; cached as raw float32 bytes.

The readings of the paper's "54,000 dimensional input ... padded ... standardized" are settings
(`features.waveform`): the rate (`sample_rate`, or `native` to keep each file's own), where the
padding goes (`pad`), which part of a long utterance is kept (`crop`), and how samples are
standardized (`standardize`: over each utterance's own samples; or `dimension`, per input
position with statistics of a job's training rows, which the network applies as its first layer,
so the cache then holds unstandardized samples; or `none`).

The cache is a Parquet file with `utterance_id`, `emotion`, `speaker` and `x`, a
`fixed_size_binary[4 * length]` column holding each utterance's little-endian float32 samples,
uncompressed: measured here it reads back several times faster than a `fixed_size_list<float32>`
column (benchmarks/cache_read.py). dtype, byte order, length and sample rate are recorded in the
schema metadata, and the reader checks them.
"""

from __future__ import annotations

import json
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
from sertransfer.defaults import default
from sertransfer.recovery import rebuild_hint

log = logging.getLogger(__name__)

METADATA_KEY = b"sertransfer.waveform"
META_COLUMNS = ("utterance_id", "emotion", "speaker")
CROPS = ("center", "start")
PADS = ("end", "center", "start")
STANDARDIZATIONS = ("utterance", "dimension", "none")
NATIVE_RATE = "native"


class FeatureCacheError(ValueError):
    """A feature cache is missing, corrupt or written with other settings; the message names the file."""


def fit_length(signal: np.ndarray, length: int, crop: str = "center", pad: str = "end") -> np.ndarray:
    """Exactly `length` samples: a long signal cropped (centred or from its start), a short one zero-padded.

    `pad` says where the zeros go: after the signal (`end`), both sides (`center`) or before it (`start`).
    """
    if crop not in CROPS:
        raise ValueError(f"features.waveform.crop must be one of {CROPS}, not {crop!r}")
    if pad not in PADS:
        raise ValueError(f"features.waveform.pad must be one of {PADS}, not {pad!r}")
    if signal.size >= length:
        start = (signal.size - length) // 2 if crop == "center" else 0
        return signal[start:start + length]
    missing = length - signal.size
    before = {"end": 0, "center": missing // 2, "start": missing}[pad]
    return np.pad(signal, (before, missing - before))


def standardize_utterance(signal: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance over the utterance's own samples (no statistics across utterances)."""
    signal = signal.astype(np.float64)
    std = signal.std()
    centred = signal - signal.mean()
    return (centred / std if std > 0 else centred).astype(np.float32)


def utterance_signal(samples: np.ndarray, native_rate: int, *, sample_rate: int | str,
                     standardize: str = "utterance") -> np.ndarray:
    """Decoded (frames, channels) samples as the network sees them before fitting to the input length.

    Mono mix, resampled to `sample_rate` (unless `native`), standardized over its own samples when
    `standardize` is `utterance` (before padding: the zeros stay zeros). Training caches and
    `sertransfer predict` both go through here.
    """
    if standardize not in STANDARDIZATIONS:
        raise ValueError(f"features.waveform.standardize must be one of {STANDARDIZATIONS}, not {standardize!r}")
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if sample_rate != NATIVE_RATE and native_rate != sample_rate:
        mono = soxr.resample(mono.astype(np.float32), native_rate, int(sample_rate), quality="HQ")
    return standardize_utterance(mono) if standardize == "utterance" else mono.astype(np.float32)


def waveform_vector(samples: np.ndarray, native_rate: int, *, sample_rate: int | str, length: int,
                    crop: str = "center", pad: str = "end", standardize: str = "utterance") -> np.ndarray:
    """One utterance's network input from decoded (frames, channels) samples, fitted to `length`."""
    signal = utterance_signal(samples, native_rate, sample_rate=sample_rate, standardize=standardize)
    return fit_length(signal, length, crop, pad).astype("<f4", copy=False)


def _schema(length: int, sample_rate: int | str, crop: str, pad: str, standardize: str) -> pa.Schema:
    """Cache schema with the layout and the reading it was made with recorded in its metadata."""
    meta = {"dtype": "float32", "byteorder": "little", "length": length, "sample_rate": sample_rate, "crop": crop,
            "pad": pad, "standardize": standardize, "layout": "fixed_size_binary"}
    return pa.schema([("utterance_id", pa.string()), ("emotion", pa.string()), ("speaker", pa.string()),
                      ("x", pa.binary(4 * length))], metadata={METADATA_KEY: json.dumps(meta).encode()})


def meta_lists(manifest: pd.DataFrame) -> dict[str, list[str | None]]:
    """The cache's metadata columns as lists of strings, missing values (AFEW speakers) as None."""
    return {c: [None if pd.isna(v) else str(v) for v in manifest[c]] for c in META_COLUMNS}


def extract_waveforms(manifest: pd.DataFrame, corpus_root: Path, out: Path, *,
                      sample_rate: int | str = default("features.waveform.sample_rate"),
                      length: int = default("features.waveform.length"), crop: str = default("features.waveform.crop"),
                      pad: str = default("features.waveform.pad"),
                      standardize: str = default("features.waveform.standardize"), threads: int = 1,
                      row_group: int = default("features.waveform.row_group")) -> int:
    """Stream every manifest utterance into the cache at `out` (atomic); memory stays one row group."""
    schema = _schema(length, sample_rate, crop, pad, standardize)
    rows = manifest.to_dict("records")
    meta = meta_lists(manifest)

    def one(row: dict) -> bytes:
        audio = read_audio(Path(corpus_root) / row["path"])
        return waveform_vector(audio.samples, audio.sample_rate, sample_rate=sample_rate, length=length,
                               crop=crop, pad=pad, standardize=standardize).tobytes()

    with atomic.atomic_path(out) as temporary, ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        with pq.ParquetWriter(temporary, schema, compression="none", use_dictionary=["emotion", "speaker"],
                              write_statistics=["utterance_id"]) as writer:
            for start in range(0, len(rows), row_group):
                batch = rows[start:start + row_group]
                payload = list(pool.map(one, batch))
                columns = {c: values[start:start + row_group] for c, values in meta.items()}
                writer.write_table(pa.table({**columns, "x": pa.array(payload, pa.binary(4 * length))},
                                            schema=schema))
                log.info("waveform: %d utterances written", len(batch))
    return len(rows)


def cache_layout(path: Path) -> dict:
    """The layout recorded in a cache's schema metadata."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise FeatureCacheError(f"waveform cache {path} is unreadable ({error}); {rebuild_hint(path)}") from error
    if schema.metadata is None or METADATA_KEY not in schema.metadata:
        raise FeatureCacheError(f"{path} is not a sertransfer waveform cache (no layout metadata)")
    return json.loads(schema.metadata[METADATA_KEY])


def read_waveforms(path: str | Path, ids: Sequence[str] | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    """Load a cache as a contiguous float32 (n, length) array plus its metadata rows, in file order.

    With `ids`, only those utterances are returned, in the order given.
    """
    path = Path(path)
    layout = cache_layout(path)
    length = int(layout["length"])
    if layout.get("dtype") != "float32" or layout.get("byteorder") != "little":
        raise FeatureCacheError(f"{path}: unsupported sample layout {layout}")
    try:
        # memory-mapped read: the one copy below moves the samples from the page cache into the array
        table = pq.read_table(path, memory_map=True)
    except (OSError, pa.ArrowInvalid) as error:
        raise FeatureCacheError(f"waveform cache {path} is corrupt ({error}); {rebuild_hint(path)}") from error
    column = table.column("x")
    if column.null_count:
        raise FeatureCacheError(f"{path}: {column.null_count} utterances have no samples; rebuild the cache")
    # combining the row groups is the one copy that moves the samples from the page cache into memory
    single = column.num_chunks <= 1
    combined = column.combine_chunks()
    matrix = np.frombuffer(combined.buffers()[1], dtype="<f4", count=len(combined) * length,
                           offset=combined.offset * 4 * length).reshape(-1, length)
    if single:
        matrix = matrix.copy()  # one row group: combine_chunks did not copy, detach from the file mapping
    meta = table.select(list(META_COLUMNS)).to_pandas()
    if ids is not None:
        position = pd.Index(meta["utterance_id"]).get_indexer(list(ids))
        if (position < 0).any():
            missing = [i for i, p in zip(ids, position) if p < 0][:5]
            raise FeatureCacheError(f"{path} lacks utterances {missing}; rebuild the cache from the manifest")
        return matrix[position], meta.iloc[position].reset_index(drop=True)
    return matrix, meta


def read_cache_labels(path: str | Path) -> pd.DataFrame:
    """Only the metadata rows of a waveform cache (no samples): utterance_id, emotion, speaker."""
    try:
        return pq.read_table(path, columns=list(META_COLUMNS)).to_pandas()
    except (OSError, pa.ArrowInvalid) as error:
        raise FeatureCacheError(f"waveform cache {path} is unreadable ({error}); {rebuild_hint(path)}") from error


def load_utterances(caches: dict[str, str | Path], ids: Sequence[str]) -> np.ndarray:
    """Samples of `ids` (any mix of domains, in the order given) from per-domain caches, as one array."""
    from sertransfer.sets import domain_of

    by_domain: dict[str, list[int]] = {}
    for position, uid in enumerate(ids):
        by_domain.setdefault(domain_of(uid), []).append(position)
    if not ids:
        return np.zeros((0, 0), dtype=np.float32)
    matrix: np.ndarray | None = None
    for domain, positions in by_domain.items():
        if domain not in caches:
            raise FeatureCacheError(f"no waveform cache given for domain {domain!r}")
        samples, _ = read_waveforms(caches[domain], [ids[p] for p in positions])
        if matrix is None:
            matrix = np.empty((len(ids), samples.shape[1]), dtype=np.float32)
        matrix[positions] = samples
    return matrix
