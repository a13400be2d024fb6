"""How close the pipeline's training step runs to the machine's matrix-multiply rate.

In one run: the machine's float32 GEMM rate (numpy and TensorFlow, 2048 x 2048), the paper network's
FLOPs per training sample (`benchmarks/flops.py`), and, for each execution of the
same network (`model.execution: layers`, the plain Keras stack, and `fused`, the default), the
samples/s and GFLOP/s of the pipeline's own training loop (`sertransfer.training.fit`) on the real
Emo-DB copy, its CPU utilisation, and the ratio to numpy's GEMM rate measured just before it.
Identical runs vary on a shared machine, so executions alternate and the summary is the median.
With `--before DIR` (a checkout of earlier code, e.g. `git worktree add DIR <commit>`) its fused
execution is measured alternately with this code's, each measurement in a fresh process importing that
code's `sertransfer`: the before/after comparison from one run. FLOPs are the network's (the issue's
definition, `training`) and those the execution multiplies (`executed_fused`: conv2's sparse kernel
gradient skips terms that are zero). Also the cost of a TensorFlow process start (import alone;
import + build + first step, XLA kernels compiled).

Run: `.venv/bin/python benchmarks/training_efficiency.py [--repeats 3 --epochs 2 --before DIR]`
-> benchmarks/results/training_efficiency.csv
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common import REPO, WORK, emodb_manifest, write_rows
from flops import training_flops

GEMM_SIZE = 2048
BATCH = 32
SAMPLES = 320


def numpy_gemm_gflops(size: int = GEMM_SIZE, repeats: int = 5) -> float:
    """Median float32 GEMM rate of numpy (its BLAS, all cores)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size)).astype(np.float32) for _ in range(2))
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size ** 3 / statistics.median(times) / 1e9


def tensorflow_gemm_gflops(size: int = GEMM_SIZE, repeats: int = 5) -> float:
    """Median float32 GEMM rate of `tf.matmul` with the job's thread pools."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a, b = (tf.constant(rng.standard_normal((size, size)).astype(np.float32)) for _ in range(2))
    tf.matmul(a, b).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tf.matmul(a, b).numpy()
        times.append(time.perf_counter() - start)
    return 2 * size ** 3 / statistics.median(times) / 1e9


def training_rate(model: dict, execution: str, x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> dict:
    """Samples/s and CPU utilisation of `sertransfer.training.fit` for one execution (after a traced warm-up)."""
    from sertransfer.network import build_network, compile_network
    from sertransfer.settings import StageSettings
    from sertransfer.training import configure_runtime, fit

    settings = {**model, "execution": execution}
    configure_runtime(seed, 2)
    network = compile_network(build_network(settings, x.shape[1], 6), settings)
    empty = np.zeros((0, x.shape[1]), np.float32)
    fit(network, x[:BATCH], y[:BATCH], empty, np.zeros(0, np.int64), StageSettings(BATCH, 1, 1), seed)  # trace once
    cpu_before, start = os.times(), time.perf_counter()
    fit(network, x, y, empty, np.zeros(0, np.int64), StageSettings(BATCH, epochs, epochs), seed)
    wall = time.perf_counter() - start
    cpu_after = os.times()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return {"samples_per_s": len(x) * epochs / wall, "wall_s": wall,
            "cpu_utilisation": cpu / (wall * (os.cpu_count() or 1))}


def measure_one(request: dict) -> dict:
    """One training-rate measurement with the `sertransfer` package of `request["package"]` (a fresh process)."""
    sys.path.insert(0, request["package"])
    from sertransfer.config import load_config
    from sertransfer.features.waveform import read_waveforms
    from sertransfer.training import label_indices

    config = load_config(REPO / "config" / "paper.yaml")
    x, meta = read_waveforms(WORK / "training-emodb.parquet")
    y = label_indices(meta["emotion"].tolist(), list(config["emotions"]))
    x, y = x[:request["samples"]], y[:request["samples"]]
    flops = training_flops(config["model"], x.shape[1], 6)
    executed = flops.get(f"executed_{request['execution']}", flops["training"])
    rate = training_rate(config["model"], request["execution"], x, y, request["epochs"], request["seed"])
    return {**rate, "gflop_per_sample": flops["training"] / 1e9, "executed_gflop_per_sample": executed / 1e9}


def code_version(package: Path) -> str:
    """The git commit of a checkout's package directory (with '+changes' when its tree differs)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(package), *args], capture_output=True, text=True).stdout.strip()
    dirty = git("status", "--porcelain", "--", ".")
    return git("rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")


def process_start() -> dict:
    """Wall seconds of `import tensorflow` and of import + paper network + first training step, fresh processes."""
    code_import = "import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'; import tensorflow"
    code_step = f"""
import os, sys; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'; sys.path.insert(0, {str(REPO / 'workflow')!r})
import numpy as np
from sertransfer.config import load_config
from sertransfer.network import build_network, compile_network
from sertransfer.training import configure_runtime
model = load_config({str(REPO / 'config' / 'paper.yaml')!r})['model']
configure_runtime(1, 2)
network = compile_network(build_network(model, 54000, 6), model)
network.train_on_batch(np.zeros(({BATCH}, 54000, 1), np.float32), np.zeros({BATCH}, np.int64))
"""
    result = {}
    for name, code in (("import_tensorflow_s", code_import), ("import_build_first_step_s", code_step)):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        result[name] = round(statistics.median(times), 2)
    return result


def main() -> None:
    """Measure every (code, execution) `--repeats` times, alternating, and write the rows and their medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--before", type=Path, help="a checkout of earlier code, measured alternately with this one")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one measurement, JSON in and out
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(json.loads(args.one))))
        return

    from sertransfer.features.waveform import extract_waveforms

    manifest, root = emodb_manifest()
    WORK.mkdir(parents=True, exist_ok=True)
    extract_waveforms(manifest, root, WORK / "training-emodb.parquet", threads=2)
    variants = [("after", REPO / "workflow", "layers"), ("after", REPO / "workflow", "fused")]
    if args.before:
        variants.insert(0, ("before", args.before.resolve() / "workflow", "fused"))
    tensorflow_gflops = tensorflow_gemm_gflops()
    rows = []
    for repeat in range(args.repeats):
        for code, package, execution in variants:
            numpy_gflops = numpy_gemm_gflops()
            request = {"package": str(package), "execution": execution, "samples": SAMPLES, "epochs": args.epochs,
                       "seed": repeat}
            result = subprocess.run([sys.executable, __file__, "--one", json.dumps(request)], check=True,
                                    capture_output=True, text=True)
            rate = json.loads(result.stdout.strip().splitlines()[-1])
            gflops = rate["samples_per_s"] * rate["gflop_per_sample"]
            executed = rate["samples_per_s"] * rate["executed_gflop_per_sample"]
            rows.append({"row": "run", "repeat": repeat, "code": f"{code} ({code_version(package)})",
                         "execution": execution, "batch_size": BATCH, "train_samples": SAMPLES, "epochs": args.epochs,
                         "gflop_per_sample": round(rate["gflop_per_sample"], 4),
                         "executed_gflop_per_sample": round(rate["executed_gflop_per_sample"], 4),
                         "samples_per_s": round(rate["samples_per_s"], 1), "training_gflops": round(gflops, 1),
                         "executed_gflops": round(executed, 1),
                         "numpy_sgemm_gflops": round(numpy_gflops, 1), "tf_sgemm_gflops": round(tensorflow_gflops, 1),
                         "ratio_to_numpy_sgemm": round(gflops / numpy_gflops, 3),
                         "executed_ratio_to_numpy_sgemm": round(executed / numpy_gflops, 3),
                         "cpu_utilisation": round(rate["cpu_utilisation"], 2)})
            print(rows[-1], flush=True)
    for code in dict.fromkeys(r["code"] for r in rows):
        for execution in dict.fromkeys(r["execution"] for r in rows if r["code"] == code):
            runs = [r for r in rows if r["row"] == "run" and r["code"] == code and r["execution"] == execution]
            rows.append({**runs[0], "row": "median", "repeat": len(runs),
                         **{key: statistics.median(r[key] for r in runs) for key in
                            ("samples_per_s", "training_gflops", "executed_gflops", "numpy_sgemm_gflops",
                             "ratio_to_numpy_sgemm", "executed_ratio_to_numpy_sgemm", "cpu_utilisation")}})
            print(rows[-1], flush=True)
    start = process_start()
    print(start, flush=True)
    for row in rows:
        row.update(start)
    print("wrote", write_rows("training_efficiency", rows))


if __name__ == "__main__":
    main()
