"""The protocol audit: what each training job fits, validates and tests on, and that nothing leaks.

For every training job of a configuration (pretraining, fine-tuning, TT, SVM-IS, the Adaptive SVM's
source and target fits) the audit lists its fit / validation / test utterance counts per domain. For
every model whose predictions are scored or used to choose a configuration, it checks that none of
its test or validation utterances is in the fit set of that model or of any model in its lineage (a
fine-tuned network inherits its pretrained model's; the Adaptive SVM its source SVMs'). The sets come
from the same functions the jobs use (`plan.job_utterances`, `sets`), so the audit checks what runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from sertransfer.plan import FinetuneJob, Plan, PretrainJob, TargetOnlyJob, job_utterances
from sertransfer.sets import Folds, all_ids, domain_of, test_ids, training_ids

COLUMNS = ("job", "lineage", "domain", "fit", "validation", "test", "test_in_lineage_fit",
           "validation_in_lineage_fit")


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


def network_job_name(job: PretrainJob | FinetuneJob | TargetOnlyJob) -> str:
    """The audit's name of a network training job."""
    if isinstance(job, PretrainJob):
        return f"pretrain/{job.set_id}"
    if isinstance(job, FinetuneJob):
        return f"finetune/{job.pretrain.set_id}/{job.target}/fold{job.fold}"
    return f"tt/{job.target}/fold{job.fold}"


def protocol_sets(plan: Plan, folds: Folds, labels: Mapping[str, str], *, seed: int,
                  validation_fraction: float) -> dict[str, JobSets]:
    """Every training job of `plan` and of the SVM baselines, with its sets and parents."""
    sets: dict[str, JobSets] = {}
    for job in (*plan.pretrain, *plan.finetune, *plan.target_only):
        split = job_utterances(job, folds, labels, seed=seed, validation_fraction=validation_fraction)
        parents = (network_job_name(job.pretrain),) if isinstance(job, FinetuneJob) else ()
        name = network_job_name(job)
        sets[name] = JobSets(name, frozenset(split["train"]), frozenset(split["validation"]),
                             frozenset(split["test"]), parents)
    domains = list(folds)
    runs = sorted({int(f) for table in folds.values() for f in table["fold"]})
    for fold in runs:  # SVM-IS: the pooled training folds of run k (inner CV inside them), every test fold
        sets[f"svm_is/fold{fold}"] = JobSets(f"svm_is/fold{fold}", frozenset(training_ids(folds, fold, domains)),
                                             test=frozenset(u for d in domains for u in test_ids(folds, fold, d)))
    if len(domains) > 1:
        for target in domains:  # A-SVM: source SVMs on every other domain, then the target's training folds
            source = f"asvm_source/{target}"
            sets[source] = JobSets(source, frozenset(all_ids(folds, [d for d in domains if d != target])))
            for fold in runs:
                name = f"asvm/{target}/fold{fold}"
                sets[name] = JobSets(name, frozenset(training_ids(folds, fold, [target])),
                                     test=frozenset(test_ids(folds, fold, target)), parents=(source,))
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


def audit_table(sets: Mapping[str, JobSets]) -> pd.DataFrame:
    """One row per (job, domain): the job's fit / validation / test counts and the overlaps with its lineage."""
    rows = []
    for name, job in sets.items():
        ancestry = lineage(sets, name)
        seen = frozenset().union(*(sets[a].fit for a in ancestry))
        for domain in sorted({domain_of(u) for u in job.fit | job.validation | job.test}):
            def count(ids: frozenset[str], domain: str = domain) -> int:
                return sum(1 for u in ids if domain_of(u) == domain)

            rows.append({"job": name, "lineage": " <- ".join(ancestry), "domain": domain, "fit": count(job.fit),
                         "validation": count(job.validation), "test": count(job.test),
                         "test_in_lineage_fit": count(job.test & seen),
                         "validation_in_lineage_fit": count(job.validation & seen)})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def check_no_leaks(sets: Mapping[str, JobSets]) -> None:
    """Raise ProtocolLeakError naming the first job whose test or validation utterances its lineage fitted."""
    for name, job in sets.items():
        ancestry = lineage(sets, name)
        for kind, ids in (("test", job.test), ("validation", job.validation)):
            for ancestor in ancestry:
                overlap = sorted(ids & sets[ancestor].fit)
                if overlap:
                    raise ProtocolLeakError(
                        f"protocol leak: {len(overlap)} {kind} utterances of job {name} are in the fit set of "
                        f"{'the job itself' if ancestor == name else ancestor} (e.g. {overlap[0]}); "
                        f"the sets come from sertransfer.plan.job_utterances and sertransfer.sets")


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """The audit in a few lines: jobs per kind, utterances checked, overlaps found."""
    table = table.assign(kind=table["job"].str.split("/").str[0])
    grouped = table.groupby("kind", sort=False)
    return pd.DataFrame({
        "jobs": grouped["job"].nunique(), "fit_utterances": grouped["fit"].sum(),
        "validation_utterances_checked": grouped["validation"].sum(), "test_utterances_checked": grouped["test"].sum(),
        "overlaps": grouped["test_in_lineage_fit"].sum() + grouped["validation_in_lineage_fit"].sum(),
    }).reset_index()
