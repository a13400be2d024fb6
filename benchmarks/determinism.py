"""What makes two runs of one training job give identical predictions, and what breaks it.

One TT job (the paper-size CNN+LSTM, a real corpus, one fold) is run in fresh processes under
variants of the machine-side settings, each compared bit for bit with the first run:

- `fresh` twice: the promise (same code, config, data, threads, CPU);
- `after_other_fold`: the same job run second in a process that first trained another fold (how the
  readings study ran its folds; the workflow runs each job in its own process);
- `threads_1`: one thread instead of the config's `training.threads`;
- `isa_avx2`: oneDNN limited to AVX2 kernels (`ONEDNN_MAX_CPU_ISA=AVX2`): what another x86_64 CPU without
  AVX-512 would run;
- `avx2_everywhere`: oneDNN and XLA's CPU code generation both limited to AVX2
  (`ONEDNN_MAX_CPU_ISA=AVX2`, `XLA_FLAGS=--xla_cpu_max_isa=AVX2`);
- `onednn_off`: TensorFlow's oneDNN custom operations off (`TF_ENABLE_ONEDNN_OPTS=0`).

Each variant's process CPU seconds are recorded beside its wall time (the CPU figure is the cost of a
setting when other work shares the machine).

Run after the workflow built the corpus's cache and folds (the real2 study does):

    .venv/bin/python benchmarks/determinism.py --workdir /work/real2 --target emovo --fold 1 \
        --configfile config/paper.yaml config/real2.yaml

Results: benchmarks/results/determinism.csv (UAR, epochs, wall time, identical to the first run or the
largest probability difference).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common import REPO, write_rows

#: variant -> (environment additions, threads override or None, train another fold first)
VARIANTS: dict[str, tuple[dict[str, str], int | None, bool]] = {
    "fresh": ({}, None, False),
    "fresh_again": ({}, None, False),
    "after_other_fold": ({}, None, True),
    "threads_1": ({}, 1, False),
    "isa_avx2": ({"ONEDNN_MAX_CPU_ISA": "AVX2"}, None, False),
    "avx2_everywhere": ({"ONEDNN_MAX_CPU_ISA": "AVX2", "XLA_FLAGS": "--xla_cpu_max_isa=AVX2"}, None, False),
    "onednn_off": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, None, False),
}


def load_config(paths: list[str]) -> dict:
    """The config files layered as Snakemake layers them, validated."""
    import yaml

    from sertransfer.config import validate_config

    config: dict = {}
    for path in paths:
        config = merged(config, yaml.safe_load((REPO / path).read_text(encoding="utf-8")) or {})
    return validate_config(config)


def merged(base: dict, change: dict) -> dict:
    """`base` with the nested keys of `change` replaced."""
    out = dict(base)
    for key, value in change.items():
        out[key] = merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def run_variant(args: argparse.Namespace, name: str) -> None:
    """In this (fresh) process: run the job as the variant says; write its predictions and a JSON line."""
    from sertransfer.jobs import JobData, run_target_only
    from sertransfer.metrics import frame_uar
    from sertransfer.plan import TargetOnlyJob
    from sertransfer.settings import TrainingSettings
    from sertransfer.vocabulary import FOLDS_TABLE, WAVEFORM_CACHE

    _, threads, other_first = VARIANTS[name]
    config = load_config(args.configfile)
    settings = TrainingSettings.from_config(config, "target_only")
    threads = threads or config["training"]["threads"]
    workdir, out = Path(args.workdir), Path(args.out)
    data = JobData({args.target: workdir / WAVEFORM_CACHE.format(domain=args.target)},
                   {args.target: workdir / FOLDS_TABLE.format(domain=args.target)})
    if other_first:
        other = (args.fold + 1) % config["folds"]["k"]
        run_target_only(TargetOnlyJob(args.target, other), settings, data, out / f"{name}-other.parquet",
                        out / f"{name}-other.json", threads)
    start, cpu = time.perf_counter(), time.process_time()
    frame = run_target_only(TargetOnlyJob(args.target, args.fold), settings, data, out / f"{name}.parquet",
                            out / f"{name}.json", threads)
    history = json.loads((out / f"{name}.json").read_text())
    print(json.dumps({"uar": frame_uar(frame, sorted(set(data.labels.values()))), "epochs": history["epochs_run"],
                      "wall_s": round(time.perf_counter() - start, 1), "cpu_s": round(time.process_time() - cpu, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--target", default="emovo")
    parser.add_argument("--fold", type=int, default=1)
    parser.add_argument("--configfile", nargs="+", default=["config/paper.yaml", "config/real2.yaml"])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "work" / "determinism"))
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        return run_variant(args, args.variant)
    import pandas as pd

    Path(args.out).mkdir(parents=True, exist_ok=True)
    rows, reference = [], None
    for name, (environment, _, _) in VARIANTS.items():
        command = [sys.executable, __file__, "--variant", name, "--workdir", args.workdir, "--target", args.target,
                   "--fold", str(args.fold), "--out", args.out, "--configfile", *args.configfile]
        done = subprocess.run(command, env={**os.environ, **environment}, capture_output=True, text=True)
        if done.returncode != 0:  # a setting this TensorFlow does not accept: say so and go on
            rows.append({"variant": name, "environment": " ".join(f"{k}={v}" for k, v in environment.items()),
                         "target": args.target, "fold": args.fold, "failed": done.stderr.strip().splitlines()[-1]})
            print(rows[-1], flush=True)
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        frame = pd.read_parquet(Path(args.out) / f"{name}.parquet")
        probabilities = frame.filter(like="p_").to_numpy()
        reference = probabilities if reference is None else reference
        difference = float(np.abs(probabilities - reference).max())
        rows.append({"variant": name, "environment": " ".join(f"{k}={v}" for k, v in environment.items()) or "-",
                     "target": args.target, "fold": args.fold, "test_uar": round(result["uar"], 4),
                     "epochs_run": result["epochs"], "wall_s": result["wall_s"], "cpu_s": result["cpu_s"],
                     "identical_to_fresh": bool(np.array_equal(probabilities, reference)),
                     "max_probability_difference": difference, "failed": ""})
        print(rows[-1], flush=True)
    print(write_rows("determinism", rows))


if __name__ == "__main__":
    main()
