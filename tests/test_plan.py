"""The job list: counts for the paper config, and no leakage anywhere in it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, split_settings
from sertransfer.config import load_config
from sertransfer.plan import FinetuneJob, PretrainJob, TargetOnlyJob, build_plan, job_utterances
from sertransfer.seeds import derived_seed
from sertransfer.sets import domain_of, validation_split


@pytest.fixture(scope="module")
def paper():
    """The paper config, its plan, and synthetic folds/labels for its six domains."""
    config = load_config(REPO / "config" / "paper.yaml")
    rng = np.random.default_rng(0)
    folds, labels = {}, {}
    for domain in config["domains"]:
        ids = [f"{domain}/u{i:03d}" for i in range(60)]
        emotions = rng.choice(["anger", "sadness", "fear", "happiness"], size=len(ids))
        labels.update(zip(ids, emotions))
        folds[domain] = pd.DataFrame({"utterance_id": ids, "fold": np.arange(len(ids)) % config["folds"]["k"]})
    return config, build_plan(config), folds, labels


def test_paper_job_counts(paper):
    _, plan, _, _ = paper
    prefixes = pd.Series([job.set_id.split("-")[0][:3] for job in plan.pretrain]).value_counts().to_dict()
    # pooled: 2 architectures x 5 folds; S2: one per target; S1 ablation: source x fold; S2 ablation: pairs;
    # the cross-corpus matrix: one per domain
    assert prefixes == {"poo": 10, "s2": 6, "s1x": 30, "s2x": 15, "onl": 6}
    assert len(plan.finetune) == 30 + 30 + 150 + 150 and len(plan.target_only) == 30
    assert len({(j.pretrain.set_id, j.target, j.fold) for j in plan.finetune}) == len(plan.finetune)


def test_finetuning_grouped_by_pretrained_model(paper):
    _, plan, _, _ = paper
    grouped = plan.finetune_by_set()
    # every model but the CNN's serves fine-tuning; every unit is in exactly one group, of its own model
    assert sorted(grouped) == sorted(j.set_id for j in plan.pretrain
                                     if not j.set_id.startswith("pooled-cnn-") and not j.tests_on)
    assert [j for jobs in grouped.values() for j in jobs] == sorted(plan.finetune, key=lambda j: list(grouped).index(
        j.pretrain.set_id))
    assert all(job.pretrain.set_id == set_id for set_id, jobs in grouped.items() for job in jobs)
    sizes = {set_id.split("-")[0][:3]: len(jobs) for set_id, jobs in grouped.items()}
    assert sizes == {"poo": 6, "s2": 5, "s1x": 5, "s2x": 10}   # targets x folds each model serves
    for jobs in grouped.values():   # a model is all-ablation or all-"All": its outputs go to one metrics group
        assert len({bool(job.excluded) for job in jobs}) == 1


def test_jobs_survive_their_rule_params(paper):
    from dataclasses import asdict

    from sertransfer.plan import finetune_job_from_params, pretrain_job_from_params

    _, plan, _, _ = paper
    for job in plan.finetune[::37]:
        params = __import__("json").loads(__import__("json").dumps(asdict(job)))   # as Snakemake passes them
        assert finetune_job_from_params(params) == job
        assert pretrain_job_from_params(params["pretrain"]) == job.pretrain


def test_no_leakage_anywhere_in_the_paper_plan(paper):
    config, plan, folds, labels = paper
    kwargs = split_settings(config)
    pretrain_sets = {}
    for job in plan.pretrain:
        split = job_utterances(job, folds, labels, **kwargs)
        used = set(split["train"]) | set(split["validation"])
        assert not set(split["train"]) & set(split["validation"])
        assert not used & set(split["test"])
        assert not {domain_of(u) for u in used} & set(job.excluded), job.set_id
        if job.fold is not None:  # no utterance of run k's test folds in training or validation
            assert all(folds[domain_of(u)].set_index("utterance_id").loc[u, "fold"] != job.fold for u in used)
        pretrain_sets[job.set_id] = used
    for job in plan.finetune:
        split = job_utterances(job, folds, labels, **kwargs)
        test = set(split["test"])
        assert {domain_of(u) for u in test} == {job.target}
        assert test == set(folds[job.target].query("fold == @job.fold")["utterance_id"])
        assert not test & (set(split["train"]) | set(split["validation"]))
        assert not test & pretrain_sets[job.pretrain.set_id], f"{job} tests on pretraining data"
        assert {domain_of(u) for u in split["train"] + split["validation"]} == {job.target}
        if job.scenario == "S2":
            assert not any(domain_of(u) == job.target for u in pretrain_sets[job.pretrain.set_id])
        if job.excluded:
            assert not any(domain_of(u) == job.excluded for u in pretrain_sets[job.pretrain.set_id])
            assert job.excluded != job.target
    for job in plan.target_only:
        split = job_utterances(job, folds, labels, **kwargs)
        assert not set(split["test"]) & (set(split["train"]) | set(split["validation"]))


def test_scenarios_and_ablation_can_be_switched_off(paper):
    config, _, _, _ = paper
    config = {**config, "transfer": {**config["transfer"], "scenarios": ["S1"], "ablation": False, "cnn": False,
                                     "cross_corpus": False}}
    plan = build_plan(config)
    assert len(plan.pretrain) == 5 and len(plan.finetune) == 30
    assert all(isinstance(j, PretrainJob) and j.set_id.startswith("pooled-cnn_lstm") for j in plan.pretrain)
    assert all(isinstance(j, FinetuneJob) and j.scenario == "S1" for j in plan.finetune)


def test_validation_split_is_stratified_seeded_and_disjoint():
    ids = [f"d{i % 2}/u{i}" for i in range(100)]
    labels = ["a" if i % 3 else "b" for i in range(100)]
    fit, validation = validation_split(ids, labels, 0.2, seed=1)
    assert sorted(fit + validation) == sorted(ids) and not set(fit) & set(validation)
    assert 16 <= len(validation) <= 24
    assert {u.split("/")[0] for u in validation} == {"d0", "d1"}
    assert validation_split(ids, labels, 0.2, seed=1) == (fit, validation)
    assert validation_split(ids, labels, 0.2, seed=2) != (fit, validation)


def test_seed_repeats_add_jobs_of_the_listed_groups_only(paper):
    """`repeats: {count: 3, experiments: [tt, transfer]}`: TT and S1/S2 fine-tuning (with the pretrained models they
    start from) three times over the same folds; pooled CNN and ablations once; the first seed's jobs as without
    repeats (so a config with count 1 keeps its seeds and files)."""
    from sertransfer.vocabulary import repeat_of_tag, repeat_tag

    config, single, folds, labels = paper
    repeated = build_plan({**config, "repeats": {"count": 3, "experiments": ["tt", "transfer"], "approaches": None}})
    first = [job for job in repeated.pretrain if job.repeat == 0]
    assert first == list(single.pretrain) and [j for j in repeated.target_only if j.repeat == 0] == list(
        single.target_only)
    assert len(repeated.target_only) == 3 * len(single.target_only)
    later = [job for job in repeated.pretrain if job.repeat]
    assert {job.set_id.rsplit("-r", 1)[1] for job in later} == {"1", "2"}
    assert not [job for job in later if job.architecture == "cnn" or job.excluded and job.fold is not None]
    transfer_units = [job for job in single.finetune if not job.excluded]
    assert len([job for job in repeated.finetune if job.repeat]) == 2 * len(transfer_units)
    assert {job.set_id for job in later} == {f"{job.set_id}-r{r}" for job in single.pretrain for r in (1, 2)
                                             if job.architecture == "cnn_lstm" and not (job.excluded and job.fold
                                                                                         is not None)
                                             and not job.set_id.startswith("s2x") and not job.tests_on}
    kwargs = {"seed": config["seed"], "validation_fraction": 0.1, "selection_fraction": 0.1}
    by_repeat = {job.repeat: job_utterances(job, folds, labels, **kwargs) for job in repeated.target_only
                 if job.target == "emodb" and job.fold == 1}
    assert by_repeat[0] == by_repeat[1] == by_repeat[2]  # the same folds and held-out splits for every seed
    assert [repeat_of_tag(repeat_tag(r)) for r in range(3)] == [0, 1, 2] and repeat_tag(0) == ""


def test_seed_identities_stay_what_finished_runs_were_seeded_with():
    """Changing a job's seed identity reseeds every run made before: these are pinned on purpose."""
    pooled = PretrainJob("pooled-cnn_lstm-k1", "cnn_lstm", ("emodb", "rml"), 1)
    assert pooled.seed_identity == ("pretrain", "pooled-cnn_lstm-k1")
    assert FinetuneJob(pooled, "rml", 1, "S1").seed_identity == ("finetune", "pooled-cnn_lstm-k1", "rml", 1)
    assert TargetOnlyJob("emodb", 3).seed_identity == ("tt", "emodb", 3)
    assert TargetOnlyJob("emodb", 3, repeat=2).seed_identity == ("tt", "emodb", 3, "repeat", 2)
    repeated = PretrainJob("s2-rml-r1", "cnn_lstm", ("emodb",), None, ("rml",), 1)
    assert repeated.seed_identity == ("pretrain", "s2-rml-r1")
    # the seeds themselves, as the finished runs drew them (derived_seed included)
    assert derived_seed(2017, *pooled.seed_identity) == 447491717
    assert derived_seed(2017, *FinetuneJob(pooled, "rml", 1, "S1").seed_identity, "A2") == 2641878290   # per approach
    assert derived_seed(2017, *TargetOnlyJob("emodb", 3).seed_identity) == 2888149119
    assert derived_seed(2017, *TargetOnlyJob("emodb", 3, repeat=2).seed_identity) == 1123382881


def test_ablation_units_and_further_seeds_run_only_their_approaches(paper):
    """Table 4 on A1-A4 (what the paper prints) and S1/S2-A2 with more seeds: the units say which approaches they
    run; the first seed's S1/S2 units run every approach."""
    config, _, _, _ = paper
    config = {**config, "transfer": {**config["transfer"], "ablation_approaches": ["A1", "A2", "A3", "A4"]},
              "repeats": {"count": 3, "experiments": ["tt", "transfer"], "approaches": ["A2"]}}
    plan = build_plan(config)
    assert {j.approaches for j in plan.finetune if j.excluded} == {("A1", "A2", "A3", "A4")}
    assert {j.approaches for j in plan.finetune if not j.excluded and j.repeat == 0} == {()}
    assert {j.approaches for j in plan.finetune if j.repeat} == {("A2",)}
    assert not [j for j in plan.finetune if j.repeat and j.excluded]
    from dataclasses import asdict

    from sertransfer.plan import finetune_job_from_params
    job = next(j for j in plan.finetune if j.excluded)
    assert finetune_job_from_params(asdict(job)) == job  # what the rule param carries comes back whole


def test_the_cross_corpus_sets_train_on_one_domain_and_test_on_every_other(paper):
    from sertransfer.plan import group_predictions
    from sertransfer.vocabulary import CROSS

    config, _, folds, labels = paper
    plan = build_plan({**config, "transfer": {**config["transfer"], "cross_corpus": True}})
    cross = [job for job in plan.pretrain if job.tests_on]
    assert [job.set_id for job in cross] == [f"only-{d}" for d in config["domains"]]
    for job in cross:
        split = job_utterances(job, folds, labels, seed=1, validation_fraction=0.1, selection_fraction=0.1)
        assert {domain_of(u) for u in split["train"] + split["validation"]} == set(job.domains)
        assert {domain_of(u) for u in split["test"]} == set(config["domains"]) - set(job.domains)
        assert len(split["test"]) == 60 * (len(config["domains"]) - 1) and not split["selection"]
    files = group_predictions(plan)[CROSS]
    assert len(files) == 2 * len(config["domains"])
    off = build_plan({**config, "transfer": {**config["transfer"], "cross_corpus": False}})
    assert not [job for job in off.pretrain if job.tests_on]
