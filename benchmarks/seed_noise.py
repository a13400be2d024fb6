"""Run-to-run noise from a workflow run with seed repeats: one row per (group, configuration, domain, fold, seed).

Reads `results/metrics/<group>.csv` of a finished run whose config has `repeats.count` > 1 and writes

- `<out>/<name>.csv`: every (configuration, domain, split, fold, repeat) UAR with the job's actual seed
  (`seed`, derived from the config seed and the job's identity as the jobs derive it);
- `<out>/<name>_summary.csv`: per configuration and domain, each seed's mean test UAR over folds, their mean,
  the seed standard deviation, the mean per-fold standard deviation over seeds, and the mean UAR of the
  validation (early-stopping) and selection splits beside the test UAR.

    .venv/bin/python benchmarks/seed_noise.py /work/real2 --group tt --seed 2017 --out benchmarks/results/real2 \
        --name tt_seeds
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import common  # noqa: F401  (puts the package on the path)
from sertransfer.plan import TargetOnlyJob
from sertransfer.seeds import derived_seed
from sertransfer.vocabulary import METRICS


def tt_seed(config_seed: int, row: pd.Series) -> int:
    """The seed a TT job of this (domain, fold, repeat) ran with (the job's own seed identity)."""
    return derived_seed(config_seed, *TargetOnlyJob(row["domain"], int(row["fold"]), int(row["repeat"])).seed_identity)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--group", default="tt")
    parser.add_argument("--seed", type=int, help="the run's config `seed` (needed for --group tt: the seed column)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    metrics = pd.read_csv(args.workdir / METRICS.format(group=args.group), keep_default_na=False)
    if args.group == "tt":
        if args.seed is None:
            parser.error("--group tt needs --seed: the run's config `seed` (the key, not a default)")
        metrics.insert(metrics.columns.get_loc("repeat") + 1, "seed",
                       [tt_seed(args.seed, row) for _, row in metrics.iterrows()])
    args.out.mkdir(parents=True, exist_ok=True)
    metrics.to_csv(args.out / f"{args.name}.csv", index=False)
    keys = ["experiment", "model", "scenario", "approach", "excluded", "domain"]
    rows = []
    for key, frame in metrics.groupby(keys, sort=False):
        test = frame[frame["split"] == "test"].pivot(index="fold", columns="repeat", values="uar")
        per_seed = test.mean(axis=0)
        held = frame.groupby("split")["uar"].mean()
        rows.append({**dict(zip(keys, key)), "seeds": int(test.shape[1]), "folds": int(test.shape[0]),
                     **{f"test_uar_seed{r}": round(v, 4) for r, v in per_seed.items()},
                     "test_uar": round(per_seed.mean(), 4), "seed_sd": round(per_seed.std(ddof=1), 4),
                     "fold_sd_over_seeds": round(test.std(axis=1, ddof=1).mean(), 4),
                     "validation_uar": round(held.get("validation", float("nan")), 4),
                     "selection_uar": round(held.get("selection", float("nan")), 4)})
    summary = pd.DataFrame(rows)
    summary.to_csv(args.out / f"{args.name}_summary.csv", index=False)
    print(summary.to_string(index=False))


if __name__ == "__main__":
    main()
