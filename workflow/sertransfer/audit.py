"""The protocol audit: what each training job fits, validates and tests on, and that nothing leaks.

For every training job of a configuration (pretraining, fine-tuning, TT, SVM-IS, the Adaptive SVM's
source and target fits) the audit lists its fit / validation / selection / test utterance counts per
domain. For every model whose predictions are scored or used to choose a configuration, it checks,
over the model and every model in its lineage (a fine-tuned network inherits its pretrained model's;
the Adaptive SVM its source SVMs'):

- no test, validation or selection utterance of the model was fitted (`*_in_lineage_fit`);
- no test or selection utterance early-stopped any model of the lineage (`*_in_lineage_validation`):
  stopping on a test utterance, or choosing on one that picked an epoch, leaks as surely as fitting it;
- no test utterance of the model is in its own selection split (`test_in_selection`).

The sets come from the same functions the jobs use (`plan.job_utterances`, `sets`), so the audit
checks what is planned; `check_predictions` then checks what ran: every row of every predictions file
the tables read must sit in the split its `split` column names, of the job that wrote the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sertransfer.folds import read_folds
from sertransfer.plan import (
    FinetuneJob,
    Plan,
    PretrainJob,
    TargetOnlyJob,
    build_plan,
    is_pooled,
    job_utterances,
    svm_predictions,
    svm_utterances,
    unit_file,
)
from sertransfer.sets import Folds, domain_of
from sertransfer.vocabulary import (
    FINETUNE_PREDICTIONS,
    PRETRAIN_PREDICTIONS,
    TT_PREDICTIONS,
    repeat_tag,
)

#: The overlaps the audit counts: (column, the job's own set, the lineage's set it must not touch).
OVERLAPS = (("test_in_lineage_fit", "test", "fit"), ("validation_in_lineage_fit", "validation", "fit"),
            ("selection_in_lineage_fit", "selection", "fit"), ("test_in_lineage_validation", "test", "validation"),
            ("selection_in_lineage_validation", "selection", "validation"), ("test_in_selection", "test", "selection"))
COLUMNS = ("job", "lineage", "domain", "fit", "validation", "selection", "test", *(name for name, _, _ in OVERLAPS))


class ProtocolLeakError(ValueError):
    """A scored model has seen one of its validation or test utterances; the message names job and utterance."""


@dataclass(frozen=True)
class JobSets:
    """The utterances one training job fits on, validates on and is tested on, and its lineage."""

    job: str
    fit: frozenset[str]
    validation: frozenset[str] = frozenset()
    test: frozenset[str] = frozenset()
    parents: tuple[str, ...] = ()      # jobs whose fitted weights this job starts from or adds to
    selection: frozenset[str] = frozenset()

    def of(self, kind: str) -> frozenset[str]:
        """One of the job's sets by name: fit, validation, selection or test."""
        return {"fit": self.fit, "validation": self.validation, "selection": self.selection, "test": self.test}[kind]


def network_job_name(job: PretrainJob | FinetuneJob | TargetOnlyJob) -> str:
    """The audit's name of a network training job."""
    if isinstance(job, PretrainJob):
        return f"pretrain/{job.set_id}"
    if isinstance(job, FinetuneJob):
        return f"finetune/{job.pretrain.set_id}/{job.target}/fold{job.fold}"
    return f"tt/{job.target}/fold{job.fold}{repeat_tag(job.repeat)}"


def planned_protocol(plan_settings: Mapping, folds_paths: Mapping[str, str | Path], *, seed: int,
                     validation_fraction: float, selection_fraction: float) -> tuple[Plan, dict[str, JobSets]]:
    """The plan of `plan_settings` and every job's sets, from each domain's folds file (labels from the folds)."""
    folds = {domain: read_folds(path) for domain, path in folds_paths.items()}
    labels = {u: e for table in folds.values() for u, e in zip(table["utterance_id"], table["emotion"])}
    plan = build_plan(plan_settings)
    return plan, protocol_sets(plan, folds, labels, seed=seed, validation_fraction=validation_fraction,
                               selection_fraction=selection_fraction)


def protocol_sets(plan: Plan, folds: Folds, labels: Mapping[str, str], *, seed: int, validation_fraction: float,
                  selection_fraction: float) -> dict[str, JobSets]:
    """Every training job of `plan` and of the SVM baselines, with its sets and parents."""
    sets: dict[str, JobSets] = {}
    for job in (*plan.pretrain, *plan.finetune, *plan.target_only):
        split = job_utterances(job, folds, labels, seed=seed, validation_fraction=validation_fraction,
                               selection_fraction=selection_fraction)
        parents = (network_job_name(job.pretrain),) if isinstance(job, FinetuneJob) else ()
        name = network_job_name(job)
        sets[name] = JobSets(name, frozenset(split["train"]), frozenset(split["validation"]),
                             frozenset(split["test"]), parents, frozenset(split["selection"]))
    for job in plan.svm:   # the SVM baselines: inner cross-validation stays inside their training rows
        split = svm_utterances(job, folds)
        sets[job.name] = JobSets(job.name, frozenset(split["train"]), test=frozenset(split["test"]),
                                 parents=(job.parent,) if job.parent else ())
    return sets


def lineage(sets: Mapping[str, JobSets], name: str) -> list[str]:
    """The job and every job it descends from, nearest first."""
    order, pending = [], [name]
    while pending:
        current = pending.pop(0)
        if current not in order:
            order.append(current)
            pending.extend(sets[current].parents)
    return order


def _overlaps(sets: Mapping[str, JobSets], name: str) -> dict[str, frozenset[str]]:
    """Each overlap of OVERLAPS for one job: its own set against the union of that set over its lineage."""
    job, ancestry = sets[name], lineage(sets, name)
    lineage_sets = {kind: frozenset().union(*(sets[a].of(kind) for a in ancestry)) for kind in ("fit", "validation")}
    lineage_sets["selection"] = job.selection
    return {column: job.of(own) & lineage_sets[theirs] for column, own, theirs in OVERLAPS}


def audit_table(sets: Mapping[str, JobSets]) -> pd.DataFrame:
    """One row per (job, domain): the job's fit / validation / selection / test counts and every overlap."""
    rows = []
    for name, job in sets.items():
        ancestry = lineage(sets, name)
        overlaps = _overlaps(sets, name)
        for domain in sorted({domain_of(u) for u in job.fit | job.validation | job.selection | job.test}):
            def count(ids: frozenset[str], domain: str = domain) -> int:
                """How many of `ids` are utterances of `domain`."""
                return sum(1 for u in ids if domain_of(u) == domain)

            rows.append({"job": name, "lineage": " <- ".join(ancestry), "domain": domain,
                         **{kind: count(job.of(kind)) for kind in ("fit", "validation", "selection", "test")},
                         **{column: count(ids) for column, ids in overlaps.items()}})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def check_no_leaks(sets: Mapping[str, JobSets]) -> None:
    """Raise ProtocolLeakError naming the first job, the lineage job and an utterance of any overlap."""
    for name, job in sets.items():
        for column, own, theirs in OVERLAPS:
            sources = [name] if theirs == "selection" else lineage(sets, name)
            for ancestor in sources:
                overlap = sorted(job.of(own) & sets[ancestor].of(theirs))
                if overlap:
                    where = "the job itself" if ancestor == name else ancestor
                    raise ProtocolLeakError(
                        f"protocol leak ({column}): {len(overlap)} {own} utterances of job {name} are in the "
                        f"{theirs} set of {where} (e.g. {overlap[0]}); the sets come from "
                        f"sertransfer.plan.job_utterances and sertransfer.sets")


def check_predictions(sets: Mapping[str, JobSets], predictions: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every predictions row in the planned split of its job; one summary row per job; ProtocolLeakError otherwise.

    `predictions` maps an audit job name to the predictions rows that job wrote (`utterance_id`, `split`).
    A row whose utterance is not in its job's set of that split (a test row that is a validation
    utterance, a selection row the job fitted on, an utterance the plan never gave the job) is named.
    """
    rows = []
    for name, frame in predictions.items():
        if name not in sets:
            raise ProtocolLeakError(f"predictions of job {name}, which the plan does not have; rerun the workflow")
        job = sets[name]
        for split, ids in frame.groupby("split", sort=True)["utterance_id"]:
            planned = job.of(split) if split in ("validation", "selection", "test") else frozenset()
            stray = sorted(set(ids) - planned)
            if stray:
                raise ProtocolLeakError(
                    f"predictions of job {name}: {len(stray)} rows with split '{split}' are not in the job's planned "
                    f"{split} set (e.g. {stray[0]}{_where(job, stray[0])}); the predictions do not match the plan: "
                    f"rerun the job")
        rows.append({"job": name, "rows": len(frame),
                     **{f"{split}_rows": int((frame["split"] == split).sum())
                        for split in ("test", "validation", "selection")}})
    return pd.DataFrame(rows, columns=["job", "rows", "test_rows", "validation_rows", "selection_rows"])


def planned_predictions(plan: Plan) -> dict[str, Path]:
    """The predictions file each scored job writes (those the tables read), by audit job name."""
    files: dict[str, Path] = {}
    for job in plan.pretrain:
        if is_pooled(job) or job.tests_on:
            files[network_job_name(job)] = Path(PRETRAIN_PREDICTIONS.format(pretrain_set=job.set_id))
    for job in plan.finetune:
        files[network_job_name(job)] = unit_file(FINETUNE_PREDICTIONS.format(pretrain_set=job.pretrain.set_id), job,
                                                 "parquet")
    for job in plan.target_only:
        files[network_job_name(job)] = Path(TT_PREDICTIONS.format(target=job.target, fold=job.fold,
                                                                  repeat=repeat_tag(job.repeat)))
    files.update({job.name: Path(svm_predictions(job)) for job in plan.svm if svm_predictions(job)})
    return files


def _where(job: JobSets, utterance: str) -> str:
    """Which of the job's planned sets an utterance is in, for a message."""
    found = [kind for kind in ("fit", "validation", "selection", "test") if utterance in job.of(kind)]
    return f", planned as {'/'.join(found)}" if found else ", in none of its planned sets"


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """The audit in a few lines: jobs per kind, utterances checked, overlaps found."""
    table = table.assign(kind=table["job"].str.split("/").str[0])
    grouped = table.groupby("kind", sort=False)
    return pd.DataFrame({
        "jobs": grouped["job"].nunique(), "fit_utterances": grouped["fit"].sum(),
        "validation_utterances_checked": grouped["validation"].sum(),
        "selection_utterances_checked": grouped["selection"].sum(), "test_utterances_checked": grouped["test"].sum(),
        "overlaps": sum(grouped[column].sum() for column, _, _ in OVERLAPS),
    }).reset_index()
