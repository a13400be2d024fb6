"""Training sets of the transfer protocol (SPEC §7): which utterances each job trains and tests on.

Every set is a function of the per-domain folds tables (`utterance_id`, `fold`) only, so the
same definitions serve the networks, the SVM baselines and the leakage tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

Folds = Mapping[str, pd.DataFrame]  # domain -> folds table


def training_ids(folds: Folds, fold: int, domains: Iterable[str]) -> list[str]:
    """Utterances of the training folds of run `fold` (every fold but `fold`) of `domains`."""
    return [uid for d in domains for uid in folds[d].loc[folds[d]["fold"] != fold, "utterance_id"]]


def test_ids(folds: Folds, fold: int, domain: str) -> list[str]:
    """Utterances of `domain`'s test fold of run `fold`."""
    return folds[domain].loc[folds[domain]["fold"] == fold, "utterance_id"].tolist()


def all_ids(folds: Folds, domains: Iterable[str]) -> list[str]:
    """Every utterance of `domains` (S2 and source sets use whole domains)."""
    return [uid for d in domains for uid in folds[d]["utterance_id"]]


def domain_of(utterance_id: str) -> str:
    """The domain prefix of an utterance id (`emodb/wav/03a01Fa` -> `emodb`)."""
    return utterance_id.split("/", 1)[0]


def validation_split(ids: list[str], labels: list[str], fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """Split training ids into (fit, validation), stratified by (domain, label), seeded; test data never enters.

    Each (domain, label) group gives round(fraction * size) utterances, at least one when the
    group has three or more, so every domain and class is watched by early stopping.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"validation fraction must be in (0, 1), not {fraction}")
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"id": ids, "label": labels})
    frame["group"] = [domain_of(i) for i in frame["id"]] + frame["label"].map(lambda x: f"/{x}")
    validation: set[str] = set()
    for _, group in sorted(frame.groupby("group"), key=lambda item: item[0]):
        size = len(group)
        take = int(round(fraction * size))
        if take == 0 and size >= 3:
            take = 1
        take = min(take, size - 1)
        if take > 0:
            validation.update(rng.choice(group["id"].to_numpy(), size=take, replace=False).tolist())
    fit = [i for i in ids if i not in validation]
    return fit, [i for i in ids if i in validation]
