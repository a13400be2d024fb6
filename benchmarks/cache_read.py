"""Reading a domain's waveform cache into an (n, 54000) float32 array vs `np.load` of the same array.

Compares the chosen layout (fixed_size_binary, uncompressed; `read_waveforms`) with the
self-describing alternatives (fixed_size_list<float32>, uncompressed and zstd). Target: ratio
np.load-time / parquet-time >= 0.6 for the chosen layout. Median of repeated warm-cache reads.
Run: `.venv/bin/python benchmarks/cache_read.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from common import WORK, emodb_manifest, write_rows
from sertransfer.features.waveform import extract_waveforms, read_waveforms

REPEATS = 9


def timed(function: Callable[[], object]) -> float:
    """Median wall time of `function()` over REPEATS runs (after one warm-up)."""
    function()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def read_list_layout(path: Path) -> np.ndarray:
    """Read a fixed_size_list<float32> cache into a contiguous array."""
    column = pq.read_table(path, columns=["x"]).column("x").combine_chunks()
    return np.ascontiguousarray(column.flatten().to_numpy(zero_copy_only=False).reshape(len(column), -1))


def main() -> None:
    """Build the cache from real Emo-DB, then time the layouts against np.load."""
    manifest, root = emodb_manifest()
    WORK.mkdir(parents=True, exist_ok=True)
    binary = WORK / "cache-binary.parquet"
    extract_waveforms(manifest, root, binary, threads=2)
    matrix, _ = read_waveforms(binary)
    npy = WORK / "cache.npy"
    np.save(npy, matrix)
    length = matrix.shape[1]
    list_array = pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1)), length)
    layouts = {}
    for compression in ("none", "zstd"):
        path = WORK / f"cache-list-{compression}.parquet"
        pq.write_table(pa.table({"x": list_array}), path, compression=compression)
        layouts[f"fixed_size_list<float32> {compression}"] = (path, lambda p=path: read_list_layout(p))
    layouts["fixed_size_binary none (chosen)"] = (binary, lambda: read_waveforms(binary)[0])

    baseline = timed(lambda: np.load(npy))
    rows = []
    for name, (path, read) in layouts.items():
        assert np.array_equal(read(), matrix), name
        seconds = timed(read)
        rows.append({"layout": name, "utterances": matrix.shape[0], "length": length,
                     "parquet_s": round(seconds, 4), "np_load_s": round(baseline, 4),
                     "ratio_np_load_over_parquet": round(baseline / seconds, 2),
                     "file_mb": round(path.stat().st_size / 1e6, 1)})
        print(rows[-1])
    print("wrote", write_rows("cache_read", rows))


if __name__ == "__main__":
    main()
