"""Training sets of the transfer protocol: which utterances each job trains, validates and tests on.

Every set is a function of the per-domain folds tables (`utterance_id`, `emotion`, `fold`) only, so
the same definitions serve the networks, the SVM baselines, the protocol audit and the tests.

The held-out rule: each domain's validation split of run k is drawn once, from that domain's
training folds of run k (`domain_validation_ids`), and is that domain's share of the validation set
of every job of run k that trains on the domain: pooled and S1 pretraining, fine-tuning and TT. It is
what early stopping watches. A second split of run k, the selection split (`domain_selection_ids`,
`training.selection_fraction`), is drawn from the rest of the same training folds; no job fits or
early-stops on it, and it is what configurations are chosen on (docs/design.md, "Choosing a
configuration"). Sets built from whole domains (S2 and their ablations) hold out one validation split
per domain drawn the same way from all its utterances. So no model is early-stopped, selected or
evaluated on utterances that it, or a model it was fine-tuned from, was fitted on, and no choice
between configurations is made on the utterances that picked their epochs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from sertransfer.seeds import derived_seed

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


def domain_validation_ids(folds: Folds, labels: Mapping[str, str], domain: str, fold: int | None, fraction: float,
                          seed: int) -> list[str]:
    """`domain`'s validation split of run `fold` (None: of the whole domain), the same for every job that uses it."""
    pool = all_ids(folds, [domain]) if fold is None else training_ids(folds, fold, [domain])
    identity = "all" if fold is None else fold
    return validation_split(pool, [labels[u] for u in pool], fraction, derived_seed(seed, "validation", domain,
                                                                                     identity))[1]


def domain_selection_ids(folds: Folds, labels: Mapping[str, str], domain: str, fold: int, fraction: float,
                         validation_fraction: float, seed: int) -> list[str]:
    """`domain`'s selection split of run `fold`: about `fraction` of its training folds, drawn after the validation
    split from what that leaves (so the two never share an utterance); empty when `fraction` is 0."""
    if fraction == 0:
        return []
    if fraction + validation_fraction >= 1:
        raise ValueError(f"training.selection_fraction ({fraction}) + training.validation_fraction "
                         f"({validation_fraction}) must stay below 1: nothing would be left to fit")
    held = set(domain_validation_ids(folds, labels, domain, fold, validation_fraction, seed))
    pool = [u for u in training_ids(folds, fold, [domain]) if u not in held]
    return validation_split(pool, [labels[u] for u in pool], fraction / (1 - validation_fraction),
                            derived_seed(seed, "selection", domain, fold))[1]


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
