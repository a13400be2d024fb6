"""The job list of the transfer protocol (docs/design.md §8), derived from the config alone.

Pretraining sets, fine-tuning jobs (one per pretrained model, target and fold, running every
approach; the workflow runs all of one model's in one Snakemake job, `Plan.finetune_by_set`) and
target-only (TT) jobs. The Snakemake rules are generated from this list, and
`job_utterances` gives each job's exact training / validation / test utterance ids.

Pretraining set ids (`results/models/pretrain/<id>.keras`) follow the grammar of
`sertransfer.vocabulary`: `pooled-<arch>-k<k>` (Table 2; S1), `s2-<t>` (S2), `s1x<j>-k<k>` and
`s2x<a>+<b>` (Table 4's ablations); docs/design.md §8.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sertransfer.seeds import repeat_identity
from sertransfer.sets import Folds, all_ids, domain_selection_ids, domain_validation_ids, test_ids, training_ids
from sertransfer.vocabulary import (
    ABLATION,
    ASVM,
    ASVM_PREDICTIONS,
    ASVM_SOURCE,
    CNN,
    CNN_LSTM,
    CROSS,
    CROSS_SVM_IS,
    CROSS_SVM_PREDICTIONS,
    FINETUNE_PREDICTIONS,
    POOLED,
    PRETRAIN,
    PRETRAIN_PREDICTIONS,
    REPEATABLE,
    S1,
    S2,
    SVM_IS,
    SVM_IS_PREDICTIONS,
    TRANSFER,
    TT,
    TT_PREDICTIONS,
    cross_set_id,
    pooled_set_id,
    repeat_tag,
    s1_ablation_set_id,
    s2_ablation_set_id,
    s2_set_id,
)


@dataclass(frozen=True)
class PretrainJob:
    """A network trained on a pooled set of domains."""

    set_id: str
    architecture: str
    domains: tuple[str, ...]          # domains whose utterances it trains on
    fold: int | None                  # run k whose training folds it uses (None: whole domains)
    excluded: tuple[str, ...] = ()    # domains left out (S2 target and/or ablated source)
    repeat: int = 0                   # which of the `repeats.count` seeds (0: the first)
    tests_on: tuple[str, ...] = ()    # domains whose every utterance it is tested on (the cross-corpus matrix)

    @property
    def uses_whole_domains(self) -> bool:
        """True for S2-style sets (every utterance of the included domains)."""
        return self.fold is None

    @property
    def seed_identity(self) -> tuple[object, ...]:
        """What its seed is derived from, with the config seed (`seeds.derived_seed`)."""
        return ("pretrain", self.set_id)


@dataclass(frozen=True)
class FinetuneJob:
    """All approaches from one pretrained model, for one target and fold."""

    pretrain: PretrainJob
    target: str
    fold: int
    scenario: str                     # S1 or S2
    excluded: str = ""                # ablated source domain ('' for the All rows)
    approaches: tuple[str, ...] = ()  # the approaches this unit runs (empty: every configured approach)

    @property
    def repeat(self) -> int:
        """The seed repeat of the pretrained model it starts from."""
        return self.pretrain.repeat

    @property
    def seed_identity(self) -> tuple[object, ...]:
        """What its seed is derived from, with the config seed; each approach adds its name."""
        return ("finetune", self.pretrain.set_id, self.target, self.fold)


@dataclass(frozen=True)
class TargetOnlyJob:
    """TT: the network trained from scratch on the target's training folds."""

    target: str
    fold: int
    repeat: int = 0

    @property
    def seed_identity(self) -> tuple[object, ...]:
        """What its seed is derived from, with the config seed (a seed repeat adds `repeat_identity`)."""
        return ("tt", self.target, self.fold, *repeat_identity(self.repeat))


@dataclass(frozen=True)
class SvmJob:
    """An SVM baseline job: fitted on `domains` (run `fold`'s training folds, or every utterance when `fold`
    is None), tested on `tests_on` (run `fold`'s test folds, or every utterance); `parent`: the job whose
    output it adapts (an A-SVM's source SVMs)."""

    kind: str                     # SVM_IS, CROSS_SVM_IS, ASVM_SOURCE or ASVM
    target: str                   # the A-SVM's target domain; '' for SVM-IS
    fold: int | None
    domains: tuple[str, ...]
    tests_on: tuple[str, ...] = ()
    parent: str = ""

    @property
    def name(self) -> str:
        """`svm_is/fold<k>`, `cross_svm_is/<source>`, `asvm_source/<target>`, `asvm/<target>/fold<k>`."""
        if self.kind == SVM_IS:
            return f"{SVM_IS}/fold{self.fold}"
        if self.kind == CROSS_SVM_IS:
            return f"{CROSS_SVM_IS}/{self.domains[0]}"
        return f"{self.kind}/{self.target}" + ("" if self.fold is None else f"/fold{self.fold}")


@dataclass(frozen=True)
class Plan:
    """Every training job of a configuration."""

    pretrain: tuple[PretrainJob, ...]
    finetune: tuple[FinetuneJob, ...]
    target_only: tuple[TargetOnlyJob, ...]
    svm: tuple[SvmJob, ...] = ()

    def pretrain_by_id(self) -> dict[str, PretrainJob]:
        """Pretraining jobs keyed by set id."""
        return {job.set_id: job for job in self.pretrain}

    def finetune_by_set(self) -> dict[str, list[FinetuneJob]]:
        """Fine-tuning jobs grouped by the pretrained model they start from (one workflow job each)."""
        grouped: dict[str, list[FinetuneJob]] = {}
        for job in self.finetune:
            grouped.setdefault(job.pretrain.set_id, []).append(job)
        return grouped


def unit_file(directory: str | Path, job: FinetuneJob, suffix: str) -> Path:
    """Where one fine-tuning unit's file lives inside its set job's output directory."""
    return Path(directory) / job.target / f"fold{job.fold}.{suffix}"


def pretrain_job_from_params(params: Mapping) -> PretrainJob:
    """A PretrainJob back from its rule param (`dataclasses.asdict`; lists become tuples again)."""
    return PretrainJob(**{k: tuple(v) if isinstance(v, list) else v for k, v in params.items()})


def finetune_job_from_params(params: Mapping) -> FinetuneJob:
    """A FinetuneJob back from its rule param (`dataclasses.asdict`)."""
    fields = dict(params)
    fields["approaches"] = tuple(fields.get("approaches", ()))
    return FinetuneJob(pretrain=pretrain_job_from_params(fields.pop("pretrain")), **fields)


#: The config keys the plan is built from (the audit rules' param: editing one re-audits the protocol).
PLAN_KEYS = ("domains", "folds", "transfer", "repeats")


def plan_settings(config: Mapping) -> dict:
    """The part of a validated config that `build_plan` reads."""
    return {key: config[key] for key in PLAN_KEYS}


def build_plan(config: Mapping) -> Plan:
    """List every pretraining, fine-tuning and TT job of `config`, for each seed repeat it asks for."""
    repeats = config["repeats"]
    pretrain: dict[str, PretrainJob] = {}
    finetune: list[FinetuneJob] = []
    target_only: list[TargetOnlyJob] = []
    for repeat in range(repeats["count"]):
        experiments = set(REPEATABLE) if repeat == 0 else set(repeats["experiments"])
        _plan_repeat(config, repeat, experiments, pretrain, finetune, target_only)
    return Plan(tuple(pretrain.values()), tuple(finetune), tuple(target_only), svm_jobs(config))


def svm_jobs(config: Mapping) -> tuple[SvmJob, ...]:
    """SVM-IS of every run, the cross-corpus SVM-IS of every domain, the A-SVM's source SVMs and runs."""
    domains, runs = tuple(config["domains"]), range(config["folds"]["k"])
    jobs = [SvmJob(SVM_IS, "", k, domains, domains) for k in runs]
    if config["transfer"]["cross_corpus"] and len(domains) > 1:
        jobs += [SvmJob(CROSS_SVM_IS, "", None, (source,), tuple(d for d in domains if d != source))
                 for source in domains]
    if len(domains) > 1:   # the A-SVM adapts SVMs of the other domains: it needs another domain
        for target in domains:
            source = SvmJob(ASVM_SOURCE, target, None, tuple(d for d in domains if d != target))
            jobs += [source, *(SvmJob(ASVM, target, k, (target,), (target,), source.name) for k in runs)]
    return tuple(jobs)


def svm_predictions(job: SvmJob) -> str | None:
    """The predictions file an SVM job writes (None for the A-SVM's source SVMs: decision values, no predictions)."""
    return {SVM_IS: SVM_IS_PREDICTIONS.format(fold=job.fold),
            CROSS_SVM_IS: CROSS_SVM_PREDICTIONS.format(source=job.domains[0]),
            ASVM: ASVM_PREDICTIONS.format(target=job.target, fold=job.fold)}.get(job.kind)


def svm_utterances(job: SvmJob, folds: Folds) -> dict[str, list[str]]:
    """Exact `train` (fit) and `test` utterance ids of an SVM job (inner cross-validation stays inside train)."""
    if job.fold is None:
        return {"train": all_ids(folds, job.domains), "test": all_ids(folds, job.tests_on)}
    return {"train": training_ids(folds, job.fold, job.domains),
            "test": [u for d in job.tests_on for u in test_ids(folds, job.fold, d)]}


def _plan_repeat(config: Mapping, repeat: int, experiments: set[str], pretrain: dict[str, PretrainJob],
                 finetune: list[FinetuneJob], target_only: list[TargetOnlyJob]) -> None:
    """Add the jobs of one seed repeat of the `experiments` groups to the plan's lists."""
    domains = tuple(config["domains"])
    folds = range(config["folds"]["k"])
    transfer = config["transfer"]
    architectures = (CNN_LSTM, CNN) if transfer["cnn"] else (CNN_LSTM,)
    s1, s2 = S1 in transfer["scenarios"], S2 in transfer["scenarios"]
    further = config["repeats"]["approaches"] if repeat else None
    main = tuple(further or ())                                            # the All rows (Tables 3 and 5)
    ablated = tuple(a for a in (transfer["ablation_approaches"] or ()) if not further or a in further) \
        or main                                                            # Table 4's ablation rows

    def add(job: PretrainJob) -> PretrainJob:
        """The planned job with `job`'s set id (`job` itself, the first time)."""
        return pretrain.setdefault(job.set_id, job)

    if POOLED in experiments:
        for architecture, k in itertools.product(architectures, folds):
            add(PretrainJob(pooled_set_id(architecture, k, repeat), architecture, domains, k, repeat=repeat))
    if TRANSFER in experiments and s1:
        for k, target in itertools.product(folds, domains):
            job = add(PretrainJob(pooled_set_id(CNN_LSTM, k, repeat), CNN_LSTM, domains, k, repeat=repeat))
            finetune.append(FinetuneJob(job, target, k, S1, approaches=main))
    if TRANSFER in experiments and s2:
        for target in domains:
            job = add(PretrainJob(s2_set_id(target, repeat), CNN_LSTM, tuple(d for d in domains if d != target),
                                  None, (target,), repeat))
            finetune.extend(FinetuneJob(job, target, k, S2, approaches=main) for k in folds)
    if ABLATION in experiments and transfer["ablation"] and len(domains) > 2:
        if s1:
            for source, k in itertools.product(domains, folds):
                job = add(PretrainJob(s1_ablation_set_id(source, k, repeat), CNN_LSTM,
                                      tuple(d for d in domains if d != source), k, (source,), repeat))
                finetune.extend(FinetuneJob(job, target, k, S1, source, ablated) for target in job.domains)
        if s2:
            for pair in itertools.combinations(sorted(domains), 2):
                job = add(PretrainJob(s2_ablation_set_id(pair, repeat), CNN_LSTM,
                                      tuple(d for d in domains if d not in pair), None, pair, repeat))
                for target, source in (pair, pair[::-1]):
                    finetune.extend(FinetuneJob(job, target, k, S2, source, ablated) for k in folds)
    if TT in experiments:
        target_only.extend(TargetOnlyJob(t, k, repeat) for t in domains for k in folds)
    if repeat == 0 and transfer["cross_corpus"] and len(domains) > 1:
        for source in domains:
            others = tuple(d for d in domains if d != source)
            add(PretrainJob(cross_set_id(source), CNN_LSTM, (source,), None, others, tests_on=others))


def job_utterances(job: PretrainJob | FinetuneJob | TargetOnlyJob, folds: Folds, labels: Mapping[str, str],
                   *, seed: int, validation_fraction: float, selection_fraction: float) -> dict[str, list[str]]:
    """Exact `train` (fit), `validation`, `selection` and `test` utterance ids of a job.

    The validation set (early stopping) is the union of each trained domain's validation split of the
    job's run (`sets.domain_validation_ids`), so a pooled / S1 model of run k never fits the utterances
    that fine-tuning and TT of run k early-stop on. The selection set (choosing a configuration) is the
    union of each trained domain's selection split of the run (`sets.domain_selection_ids`): no job of
    run k fits or early-stops on it; fine-tuning and TT jobs predict it. Whole-domain sets (S2) hold out
    a validation split only. For a pretraining job `test` is every included domain's test fold of its
    run (empty for whole-domain sets, but every utterance of `tests_on` for a cross-corpus set); for
    fine-tuning and TT jobs it is the target's test fold.
    """
    if isinstance(job, PretrainJob):
        domains = job.domains
        pool = all_ids(folds, domains) if job.uses_whole_domains else training_ids(folds, job.fold, domains)
        test = [] if job.uses_whole_domains else [u for d in domains for u in test_ids(folds, job.fold, d)]
        if job.tests_on:  # the cross-corpus matrix: every utterance of every other domain
            test = all_ids(folds, job.tests_on)
    else:
        domains = (job.target,)
        pool = training_ids(folds, job.fold, domains)
        test = test_ids(folds, job.fold, job.target)
    validation = [u for d in domains
                  for u in domain_validation_ids(folds, labels, d, job.fold, validation_fraction, seed)]
    selection = [] if job.fold is None else [
        u for d in domains
        for u in domain_selection_ids(folds, labels, d, job.fold, selection_fraction, validation_fraction, seed)]
    held_out = set(validation) | set(selection)
    return {"train": [u for u in pool if u not in held_out], "validation": validation, "selection": selection,
            "test": test}


def is_pooled(job: PretrainJob) -> bool:
    """Whether a pretraining set is Table 2's pooled set: the training folds of a run, no domain left out."""
    return not job.excluded and job.fold is not None


def pretrain_experiment(job: PretrainJob) -> str:
    """`experiment` of a pretrained model's own test predictions."""
    if job.tests_on:
        return CROSS
    return POOLED if is_pooled(job) else PRETRAIN


def finetune_experiment(job: FinetuneJob) -> str:
    """`experiment` of a fine-tuning unit's predictions."""
    return ABLATION if job.excluded else TRANSFER


def group_predictions(plan: Plan) -> dict[str, list[str]]:
    """The predictions files (or fine-tuning directories) of every experiment group, in plan order."""
    finetune: dict[str, list[str]] = {TRANSFER: [], ABLATION: []}
    for set_id, jobs in plan.finetune_by_set().items():
        finetune[finetune_experiment(jobs[0])].append(FINETUNE_PREDICTIONS.format(pretrain_set=set_id))
    return {
        POOLED: [PRETRAIN_PREDICTIONS.format(pretrain_set=j.set_id) for j in plan.pretrain if is_pooled(j)],
        SVM_IS: [svm_predictions(j) for j in plan.svm if j.kind == SVM_IS],
        TT: [TT_PREDICTIONS.format(target=j.target, fold=j.fold, repeat=repeat_tag(j.repeat))
             for j in plan.target_only],
        **finetune,
        ASVM: [svm_predictions(j) for j in plan.svm if j.kind == ASVM],
        CROSS: [*(PRETRAIN_PREDICTIONS.format(pretrain_set=job.set_id) for job in plan.pretrain if job.tests_on),
                *(svm_predictions(job) for job in plan.svm if job.kind == CROSS_SVM_IS)],
    }
