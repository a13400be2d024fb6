"""Cross-validation folds per domain: stratified by emotion (the paper's) or by speaker.

A folds table (`data/folds/{domain}.parquet`) lists the domain's utterances that take part, their
emotion and their fold 0..k-1. A class with fewer than k utterances in a domain (with speaker folds:
fewer than k speakers, since a speaker's utterances share one fold) cannot appear in every test
fold; by default (`folds.rare_classes: drop`) it is dropped from that domain (training,
test and that domain's UAR) and listed with its count in the folds report beside the table and in
Table 1; `fail` stops instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from sertransfer import atomic
from sertransfer.defaults import default
from sertransfer.recovery import rebuild_hint
from sertransfer.seeds import derived_seed

STRATEGIES = ("stratified", "speaker")
RARE_CLASS_POLICIES = ("drop", "fail")


def speaker_groups(manifest: pd.DataFrame) -> pd.Series:
    """Each utterance's speaker-fold group: its speaker, or the utterance itself when the speaker is unknown (AFEW)."""
    return manifest["speaker"].where(manifest["speaker"].notna(), "utt:" + manifest["utterance_id"])


def rare_classes(manifest: pd.DataFrame, k: int, strategy: str = "stratified") -> dict[str, int]:
    """Classes of a domain that cannot reach every one of k test folds, and their counts.

    Stratified folds count a class's utterances; speaker folds its speakers (every utterance of a
    speaker is in one fold, so a class voiced by fewer than k speakers misses a test fold).
    """
    if strategy == "speaker":
        counts = manifest.assign(group=speaker_groups(manifest)).groupby("emotion")["group"].nunique()
    else:
        counts = manifest["emotion"].value_counts()
    return {str(label): int(count) for label, count in sorted(counts[counts < k].items())}


def _require_speakers(manifest: pd.DataFrame, k: int, domain: str) -> pd.Series:
    """The manifest's speaker groups; an error when there are fewer than k of them."""
    groups = speaker_groups(manifest)
    if groups.nunique() < k:
        raise ValueError(f"domain {domain!r} has {groups.nunique()} speakers, fewer than folds.k={k} "
                         f"(speaker-independent folds need at least k speakers)")
    return groups


def assign_folds(manifest: pd.DataFrame, *, k: int = default("folds.k"), strategy: str = default("folds.strategy"),
                 seed: int = default("seed"), rare_class_policy: str = default("folds.rare_classes")) -> pd.DataFrame:
    """`utterance_id`, `emotion`, `fold` (0..k-1) for one domain's manifest, seeded per domain.

    Classes rarer than k are left out (`drop`) or stop the run (`fail`), in both strategies.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"folds.strategy must be one of {STRATEGIES}, not {strategy!r}")
    if rare_class_policy not in RARE_CLASS_POLICIES:
        raise ValueError(f"folds.rare_classes must be one of {RARE_CLASS_POLICIES}, not {rare_class_policy!r}")
    domain = manifest["domain"].iloc[0] if "domain" in manifest and len(manifest) else ""
    if strategy == "speaker":
        _require_speakers(manifest, k, domain)
    rare = rare_classes(manifest, k, strategy)
    if rare and rare_class_policy == "fail":
        label, count = next(iter(rare.items()))
        unit = "speakers" if strategy == "speaker" else "utterances"
        raise ValueError(f"domain {domain!r}: emotion {label!r} has {count} {unit}, fewer than folds.k={k}; "
                         f"set folds.rare_classes: drop, lower folds.k or drop the emotion")
    manifest = manifest[~manifest["emotion"].isin(rare)]
    manifest = manifest.sort_values("utterance_id").reset_index(drop=True)
    if len(manifest) < k:
        raise ValueError(f"domain {domain!r} has {len(manifest)} utterances, fewer than folds.k={k}")
    random_state = derived_seed(seed, "folds", domain, strategy, k)
    labels = manifest["emotion"].to_numpy()
    fold = np.full(len(manifest), -1, dtype=np.int64)
    if strategy == "stratified":
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=random_state)
        splits = splitter.split(np.zeros(len(labels)), labels)
    else:
        groups = _require_speakers(manifest, k, domain)   # again: dropping rare classes can lose speakers
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=random_state)
        splits = splitter.split(np.zeros(len(labels)), labels, groups.to_numpy())
    for index, (_, test) in enumerate(splits):
        fold[test] = index
    return pd.DataFrame({"utterance_id": manifest["utterance_id"], "emotion": manifest["emotion"].astype(str),
                         "fold": fold})


def folds_report(manifest: pd.DataFrame, folds: pd.DataFrame, *, k: int, strategy: str) -> dict:
    """What the folds stage kept and left out of a domain (written beside its folds table)."""
    rare = rare_classes(manifest, k, strategy)
    return {"domain": str(manifest["domain"].iloc[0]) if len(manifest) else "", "k": k, "strategy": strategy,
            "rare_class_rule": "fewer than k speakers" if strategy == "speaker" else "fewer than k utterances",
            "kept": int(len(folds)), "kept_per_emotion": {str(e): int(n) for e, n in
                                                          sorted(folds["emotion"].value_counts().items())},
            "dropped_rare_classes": rare,
            "dropped_utterances": sorted(manifest.loc[manifest["emotion"].isin(rare), "utterance_id"].tolist()),
            "fold_sizes": {int(f): int(n) for f, n in sorted(folds["fold"].value_counts().items())}}


def report_path(folds_path: str | Path) -> Path:
    """`X.parquet` -> `X.report.json` beside it."""
    folds_path = Path(folds_path)
    return folds_path.with_name(folds_path.name.removesuffix(".parquet") + ".report.json")


def domain_classes(folds_path: str | Path) -> list[str]:
    """A domain's own classes: the sorted emotions of its folds table (what its UAR averages over)."""
    return sorted(read_folds(folds_path)["emotion"].unique())


def write_folds(folds: pd.DataFrame, path: str | Path, report: dict | None = None) -> None:
    """Write a folds Parquet atomically (and its report JSON first, when given)."""
    if report is not None:
        atomic.write_text(report_path(path), json.dumps(report, indent=2) + "\n")
    with atomic.atomic_path(path) as temporary:
        folds.to_parquet(temporary, index=False)


def read_folds(path: str | Path) -> pd.DataFrame:
    """Read a folds Parquet with a clear error naming the file."""
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for corrupt files
        raise ValueError(f"folds file {path} is unreadable ({error}); {rebuild_hint(path)}") from error
