"""The Adaptive SVM's source classifier (docs/design.md §9): one-vs-rest binary RBF SVMs on all other domains.

For a target domain, every other configured domain's utterances (all folds: the target never enters)
are standardized with their own statistics and one binary SVC per class (class vs rest) is trained for
each (gamma, source_C) of the grid. The file written holds, for EVERY utterance of the target domain,
each class's true binary decision value f_src_c(x) under each grid point, so the per-fold A-SVM jobs
never retrain the source. Columns: `utterance_id`, `gamma` (the config value as text), `gamma_value`
(the number it resolved to on the source data), `source_C`, and `f_<emotion>` per configured emotion
(NaN for a class the source domains lack; the adaptation reads that as f_src = 0).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from joblib import Parallel, delayed
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sertransfer import atomic
from sertransfer.baselines.common import Gamma, gamma_key, resolve_gamma
from sertransfer.features.is10 import read_is10
from sertransfer.folds import read_folds
from sertransfer.sets import all_ids

log = logging.getLogger(__name__)

KEY_COLUMNS = ("utterance_id", "gamma", "gamma_value", "source_C")


def source_column(emotion: str) -> str:
    """Column holding the source decision value of `emotion`."""
    return f"f_{emotion}"


def _binary_decision(scaled: np.ndarray, positive: np.ndarray, C: float, gamma: float,
                     targets: np.ndarray) -> np.ndarray:
    """Decision values on `targets` of one binary RBF SVC (positive class = True)."""
    svc = SVC(kernel="rbf", C=C, gamma=gamma).fit(scaled, positive)
    return svc.decision_function(targets)


def source_decision_values(source_features: np.ndarray, source_labels: Sequence[str], target_features: np.ndarray,
                           *, emotions: Sequence[str], C: Iterable[float], gamma: Iterable[Gamma],
                           threads: int = 1) -> list[tuple[str, float, float, np.ndarray]]:
    """(gamma key, gamma value, source_C, (n_target, emotions) decision values) per grid point."""
    labels = np.asarray(source_labels)
    scaler = StandardScaler().fit(source_features)
    scaled, targets = scaler.transform(source_features), scaler.transform(target_features)
    trainable = [e for e in emotions if 0 < (labels == e).sum() < len(labels)]
    grid = [(g, float(c)) for g in gamma for c in C]
    jobs = [(g, c, e) for g, c in grid for e in trainable]
    values = Parallel(n_jobs=threads)(
        delayed(_binary_decision)(scaled, labels == e, c, resolve_gamma(g, scaled), targets) for g, c, e in jobs)
    by_job = dict(zip(jobs, values))
    results = []
    for g, c in grid:
        block = np.full((len(target_features), len(emotions)), np.nan)
        for j, emotion in enumerate(emotions):
            if emotion in trainable:
                block[:, j] = by_job[(g, c, emotion)]
        results.append((gamma_key(g), resolve_gamma(g, scaled), c, block))
    return results


def source_frame(source_paths: Mapping[str, str | Path], target_path: str | Path, *, emotions: Sequence[str],
                 C: Iterable[float], gamma: Iterable[Gamma], threads: int = 1,
                 source_ids: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """The source decision values of every utterance in `target_path`, from SVMs on `source_paths`.

    `source_ids` limits each source domain to the utterances that take part (its folds table); without
    it every utterance of the cache is used.
    """
    ids = source_ids or {}
    parts = [read_is10(path, ids=ids.get(domain)) for domain, path in source_paths.items()]
    if not parts:
        raise ValueError("the Adaptive SVM needs at least one source domain besides the target")
    source = np.vstack([p[0] for p in parts])
    labels = np.concatenate([p[1]["emotion"].to_numpy() for p in parts])
    target, target_meta, _ = read_is10(target_path)
    log.info("asvm source: %d utterances of %s -> %d target utterances", len(source), list(source_paths),
             len(target))
    frames = []
    for key, value, c, block in source_decision_values(source, labels, target, emotions=emotions, C=C,
                                                       gamma=gamma, threads=threads):
        frame = pd.DataFrame({"utterance_id": target_meta["utterance_id"].to_numpy(), "gamma": key,
                              "gamma_value": value, "source_C": c})
        for j, emotion in enumerate(emotions):
            frame[source_column(emotion)] = block[:, j]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def write_source_values(frame: pd.DataFrame, path: str | Path) -> None:
    """Write source decision values atomically (Parquet, no pickled models)."""
    with atomic.atomic_path(path) as temporary:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), temporary, compression="zstd")


def read_source_values(path: str | Path) -> pd.DataFrame:
    """Read source decision values, with a clear error naming a bad file."""
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowInvalid) as error:
        raise ValueError(f"source decision values {path} are unreadable ({error}); delete the file and rerun "
                         f"the workflow") from error
    missing = [c for c in KEY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"source decision values {path} lack columns {missing}")
    return frame


def source_matrix(frame: pd.DataFrame, ids: Sequence[str], gamma: str, C: float,
                  classes: Sequence[str]) -> np.ndarray:
    """(len(ids), classes) source decision values of one grid point; a class the source lacks gives 0."""
    block = frame[(frame["gamma"] == gamma) & np.isclose(frame["source_C"], C)].set_index("utterance_id")
    if block.empty:
        raise ValueError(f"no source decision values for gamma={gamma} source_C={C}; rerun the source rule "
                         f"with the current baselines.asvm grid")
    missing = [uid for uid in ids if uid not in block.index]
    if missing:
        raise ValueError(f"source decision values lack utterances {missing[:5]}")
    columns = [source_column(c) for c in classes]
    return np.nan_to_num(block.loc[list(ids), columns].to_numpy(dtype=np.float64), nan=0.0)


def asvm_source_job(target: str, is10_paths: Mapping[str, str | Path], out: str | Path, *, settings: Mapping,
                    emotions: Sequence[str], threads: int = 1,
                    folds_paths: Mapping[str, str | Path] | None = None) -> pd.DataFrame:
    """Train the source SVMs on every domain of `is10_paths` but `target`; write the target's decision values.

    With `folds_paths`, each source domain contributes the utterances of its folds table (all folds).
    """
    if target not in is10_paths:
        raise ValueError(f"no IS10 cache given for the target domain {target!r}")
    sources = {domain: path for domain, path in is10_paths.items() if domain != target}
    source_ids = None if folds_paths is None else {
        domain: all_ids({domain: read_folds(folds_paths[domain])}, [domain]) for domain in sources}
    frame = source_frame(sources, is10_paths[target], emotions=emotions, C=settings["source_C"],
                         gamma=settings["gamma"], threads=threads, source_ids=source_ids)
    write_source_values(frame, out)
    return frame
