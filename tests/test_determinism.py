"""The determinism promise (README, "Determinism") and seed repeats, on the finished tiny run.

Promised: a job run again in a fresh process on the same machine, with the same code, config, data and
`training.threads`, writes the same predictions bit for bit. A seed repeat is the same job with another
seed: same utterances and splits, other weights.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from workflow_run import RUN_DOMAINS, snakemake

pytestmark = pytest.mark.slow


def probabilities(path) -> np.ndarray:
    """The score columns of a predictions file (or of every file in a fine-tuning directory), in file order."""
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    return np.concatenate([pd.read_parquet(f).filter(like="p_").to_numpy() for f in files])


def test_a_job_run_again_in_a_fresh_process_writes_the_same_bits(finished_copy):
    workdir, config = finished_copy
    domain = RUN_DOMAINS[0]
    targets = [f"results/predictions/tt/{domain}/fold0.parquet", "results/predictions/finetune/pooled-cnn_lstm-k0"]
    before = {target: probabilities(workdir / target) for target in targets}
    history = json.loads((workdir / f"results/histories/tt/{domain}/fold0.json").read_text())
    result = snakemake(workdir, "--cores", "2", "--configfile", str(config), "--forcerun", *targets, "--", *targets)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count("rule target_only:") == 1 and result.stderr.count("rule finetune:") == 1
    for target in targets:
        assert np.array_equal(probabilities(workdir / target), before[target]), target
    again = json.loads((workdir / f"results/histories/tt/{domain}/fold0.json").read_text())
    assert again["loss"] == history["loss"] and again["machine"] == history["machine"]
    assert history["machine"]["threads"] == yaml.safe_load(config.read_text())["training"]["threads"]
    assert history["machine"]["tensorflow"] and "cpu" in history["machine"]


def test_a_seed_repeat_trains_the_same_splits_with_other_weights(finished_copy):
    workdir, config = finished_copy
    edited = config.with_name("seeds.yaml")
    edited.write_text(yaml.safe_dump({**yaml.safe_load(config.read_text()),
                                      "repeats": {"count": 2, "experiments": ["tt"]}}))
    domain = RUN_DOMAINS[0]
    first, second = (f"results/predictions/tt/{domain}/fold0{tag}.parquet" for tag in ("", "-r1"))
    result = snakemake(workdir, "--cores", "2", second, "--configfile", str(edited))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count("rule target_only:") == 1  # only the new seed's job: the first seed's is up to date
    a, b = pd.read_parquet(workdir / first), pd.read_parquet(workdir / second)
    assert set(a["repeat"]) == {0} and set(b["repeat"]) == {1}
    key = ["split", "utterance_id"]
    assert a[key].sort_values(key).reset_index(drop=True).equals(b[key].sort_values(key).reset_index(drop=True))
    assert not np.array_equal(a.filter(like="p_").to_numpy(), b.filter(like="p_").to_numpy())
