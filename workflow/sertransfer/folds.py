"""Cross-validation folds per domain (SPEC §5): stratified by emotion (the paper's) or by speaker."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from sertransfer import atomic
from sertransfer.recovery import rebuild_hint

STRATEGIES = ("stratified", "speaker")


def derived_seed(seed: int, *identity: object) -> int:
    """A 32-bit seed from the config seed and an identity (stable across runs and machines)."""
    text = "/".join(str(part) for part in (seed, *identity))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def assign_folds(manifest: pd.DataFrame, *, k: int = 5, strategy: str = "stratified", seed: int = 2017) -> pd.DataFrame:
    """`utterance_id`, `fold` (0..k-1) for one domain's manifest, seeded per domain."""
    if strategy not in STRATEGIES:
        raise ValueError(f"folds.strategy must be one of {STRATEGIES}, not {strategy!r}")
    manifest = manifest.sort_values("utterance_id").reset_index(drop=True)
    counts = manifest["emotion"].value_counts()
    if len(manifest) < k:
        raise ValueError(f"domain has {len(manifest)} utterances, fewer than folds.k={k}")
    domain = manifest["domain"].iloc[0] if "domain" in manifest and len(manifest) else ""
    random_state = derived_seed(seed, "folds", domain, strategy, k)
    labels = manifest["emotion"].to_numpy()
    fold = np.full(len(manifest), -1, dtype=np.int64)
    if strategy == "stratified":
        if counts.min() < k:
            raise ValueError(f"domain {domain!r}: emotion {counts.idxmin()!r} has {counts.min()} utterances, "
                             f"fewer than folds.k={k}; lower folds.k or drop the emotion")
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
        splits = splitter.split(np.zeros(len(labels)), labels)
    else:
        # utterances without a known speaker (AFEW) each form their own group
        groups = manifest["speaker"].where(manifest["speaker"].notna(), "utt:" + manifest["utterance_id"])
        if groups.nunique() < k:
            raise ValueError(f"domain {domain!r} has {groups.nunique()} speakers, fewer than folds.k={k} "
                             f"(speaker-independent folds need at least k speakers)")
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=random_state)
        splits = splitter.split(np.zeros(len(labels)), labels, groups.to_numpy())
    for index, (_, test) in enumerate(splits):
        fold[test] = index
    return pd.DataFrame({"utterance_id": manifest["utterance_id"], "fold": fold})


def write_folds(folds: pd.DataFrame, path: str | Path) -> None:
    """Write a folds Parquet atomically."""
    with atomic.atomic_path(path) as temporary:
        folds.to_parquet(temporary, index=False)


def read_folds(path: str | Path) -> pd.DataFrame:
    """Read a folds Parquet with a clear error naming the file."""
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for corrupt files
        raise ValueError(f"folds file {path} is unreadable ({error}); {rebuild_hint(path)}") from error
