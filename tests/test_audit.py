"""The protocol over the whole job list: no scored model ever fitted its validation or test utterances.

Checked for config/paper.yaml and the demo config on folds with real-looking class imbalance, once
directly from `plan.job_utterances` (every fine-tuned model's lineage spelled out here) and once
through the audit that every run writes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, split_settings
from sertransfer.audit import (
    ProtocolLeakError,
    audit_table,
    check_no_leaks,
    planned_protocol,
    protocol_sets,
    summary,
)
from sertransfer.config import load_config
from sertransfer.folds import assign_folds, write_folds
from sertransfer.plan import build_plan, job_utterances, plan_settings
from sertransfer.sets import domain_validation_ids


def folds_and_labels(config: dict, per_domain: int = 80) -> tuple[dict, dict]:
    """Stratified folds of each configured domain over an uneven synthetic label distribution."""
    rng = np.random.default_rng(0)
    folds, labels = {}, {}
    for domain in config["domains"]:
        emotions = rng.choice(["anger", "sadness", "fear", "happiness", "disgust"], p=[.3, .25, .2, .15, .1],
                              size=per_domain)
        manifest = pd.DataFrame({"utterance_id": [f"{domain}/u{i:03d}" for i in range(per_domain)],
                                 "domain": domain, "emotion": emotions})
        folds[domain] = assign_folds(manifest, k=config["folds"]["k"], seed=config["seed"])
        labels.update(zip(folds[domain]["utterance_id"], folds[domain]["emotion"]))
    return folds, labels


@pytest.fixture(scope="module", params=["paper.yaml", "config.yaml"])
def protocol(request):
    """A configuration (paper or demo), its plan, folds and labels."""
    config = load_config(REPO / "config" / request.param)
    folds, labels = folds_and_labels(config)
    return config, build_plan(config), folds, labels


def planned_sets(protocol) -> dict:
    """The audit's job sets of a protocol fixture (its config's seed, validation and selection fractions)."""
    config, plan, folds, labels = protocol
    return protocol_sets(plan, folds, labels, **split_settings(config))


def test_no_fine_tuned_model_has_seen_its_validation_or_test_utterances(protocol):
    config, plan, folds, labels = protocol
    kwargs = split_settings(config)
    fitted = {job.set_id: set(job_utterances(job, folds, labels, **kwargs)["train"]) for job in plan.pretrain}
    for job in plan.finetune:
        split = job_utterances(job, folds, labels, **kwargs)
        lineage_fit = set(split["train"]) | fitted[job.pretrain.set_id]  # the unit's own fit and its model's
        assert not set(split["test"]) & lineage_fit, f"{job}: a test utterance was fitted"
        assert not set(split["validation"]) & lineage_fit, f"{job}: a validation utterance was fitted"
    for job in (*plan.pretrain, *plan.target_only):
        split = job_utterances(job, folds, labels, **kwargs)
        assert not (set(split["test"]) | set(split["validation"])) & set(split["train"]), job


def test_one_validation_split_per_domain_and_run(protocol):
    config, plan, folds, labels = protocol
    kwargs = split_settings(config)
    for job in (*plan.pretrain, *plan.finetune, *plan.target_only):
        validation = job_utterances(job, folds, labels, **kwargs)["validation"]
        domains = job.domains if hasattr(job, "domains") else (job.target,)
        expected = {u for d in domains for u in domain_validation_ids(folds, labels, d, job.fold,
                                                                      config["training"]["validation_fraction"],
                                                                      config["seed"])}
        assert set(validation) == expected, job
    pooled = next(j for j in plan.pretrain if j.set_id.startswith("pooled-cnn_lstm") and j.fold == 0)
    tt = next(j for j in plan.target_only if j.fold == 0)
    shared = set(job_utterances(pooled, folds, labels, **kwargs)["validation"])
    assert set(job_utterances(tt, folds, labels, **kwargs)["validation"]) <= shared  # TT's split is the domain's


def test_the_audit_finds_no_overlap_and_counts_every_job(protocol):
    config, plan, folds, labels = protocol
    sets = planned_sets(protocol)
    check_no_leaks(sets)
    table = audit_table(sets)
    assert (table[["test_in_lineage_fit", "validation_in_lineage_fit"]] == 0).all().all()
    names = set(table["job"])
    assert len([n for n in names if n.startswith("finetune/")]) == len(plan.finetune)
    assert len([n for n in names if n.startswith("pretrain/")]) == len(plan.pretrain)
    finetune = table[table["job"].str.startswith("finetune/pooled-cnn_lstm-k0/")]
    assert (finetune["lineage"].str.endswith(" <- pretrain/pooled-cnn_lstm-k0")).all()
    assert set(summary(table)["kind"]) >= {"pretrain", "finetune", "tt", "svm_is"}
    assert summary(table)["overlaps"].sum() == 0


def test_the_rules_audit_the_plan_from_the_folds_files_alone(protocol, tmp_path):
    """`planned_protocol` (what both audit rules run) gives the sets of the plan with labels read from the folds."""
    config, plan, folds, labels = protocol
    paths = {}
    for domain, table in folds.items():
        paths[domain] = tmp_path / f"{domain}.parquet"
        write_folds(table, paths[domain])
    rebuilt, sets = planned_protocol(plan_settings(config), paths,
                                     **split_settings(config))
    assert rebuilt == plan
    assert sets == planned_sets(protocol)


def test_the_audit_names_a_leaking_job_and_utterance(protocol):
    config, plan, folds, labels = protocol
    sets = planned_sets(protocol)
    unit = next(name for name in sets if name.startswith("finetune/pooled-"))
    parent = sets[unit].parents[0]
    leaked = sorted(sets[unit].validation)[0]
    sets[parent] = type(sets[parent])(parent, sets[parent].fit | {leaked}, sets[parent].validation - {leaked},
                                      sets[parent].test, sets[parent].parents)
    with pytest.raises(ProtocolLeakError, match=rf"validation utterances of job {unit} are in the fit set of "
                                                rf"{parent} \(e.g. {leaked}\)"):
        check_no_leaks(sets)
    assert audit_table(sets).query("job == @unit")["validation_in_lineage_fit"].sum() == 1


def test_selection_split_is_apart_from_fit_and_validation_and_the_audit_counts_it():
    config = load_config(REPO / "config" / "paper.yaml")
    folds, labels = folds_and_labels(config)
    plan = build_plan(config)
    fractions = {"validation_fraction": 0.1, "selection_fraction": 0.1}
    for job in (*plan.finetune[:20], *plan.target_only):
        split = job_utterances(job, folds, labels, seed=config["seed"], **fractions)
        assert split["selection"], job
        assert not set(split["selection"]) & (set(split["train"]) | set(split["validation"]) | set(split["test"]))
    sets = protocol_sets(plan, folds, labels, seed=config["seed"], **fractions)
    check_no_leaks(sets)
    table = audit_table(sets)
    assert table["selection"].sum() > 0 and (table.filter(like="_in_") == 0).all().all()
    pooled = sets["pretrain/pooled-cnn_lstm-k0"]
    tt = sets["tt/emodb/fold0"]
    assert tt.selection and not tt.selection & pooled.fit  # S1's pretrained model never fits a target's selection


def test_the_audit_catches_early_stopping_on_a_test_utterance_in_the_lineage(protocol):
    """The planted leak: an S2 fine-tuning unit's test utterance in its pretrained model's validation split (the
    model was early-stopped on it), no fit set touched."""
    config, plan, folds, labels = protocol
    sets = planned_sets(protocol)
    unit = next(name for name in sets if name.startswith("finetune/s2-"))
    parent = sets[unit].parents[0]
    planted = sorted(sets[unit].test)[0]
    sets[parent] = replace(sets[parent], validation=sets[parent].validation | {planted})
    with pytest.raises(ProtocolLeakError, match=rf"test_in_lineage_validation.* test utterances of job {unit} are in "
                                                rf"the validation set of {parent} \(e.g. {planted}\)"):
        check_no_leaks(sets)
    assert audit_table(sets).query("job == @unit")["test_in_lineage_validation"].sum() == 1


def test_the_audit_checks_the_split_column_of_the_predictions_against_the_plan(protocol):
    from sertransfer.audit import check_predictions

    config, plan, folds, labels = protocol
    sets = planned_sets(protocol)
    name = next(name for name in sets if name.startswith("tt/"))
    job = sets[name]
    rows = [{"utterance_id": u, "split": split} for split in ("test", "validation") for u in sorted(job.of(split))]
    table = check_predictions(sets, {name: pd.DataFrame(rows)})
    assert table.set_index("job").loc[name, "test_rows"] == len(job.test)
    miswired = sorted(job.validation)[0]  # a validation utterance written with split 'test'
    rows.append({"utterance_id": miswired, "split": "test"})
    with pytest.raises(ProtocolLeakError, match=rf"predictions of job {name}: 1 rows with split 'test' are not in the "
                                                rf"job's planned test set \(e.g. {miswired}, planned as validation\)"):
        check_predictions(sets, {name: pd.DataFrame(rows)})
    fitted = sorted(job.fit)[0]
    with pytest.raises(ProtocolLeakError, match=rf"split 'validation' .* \(e.g. {fitted}, planned as fit\)"):
        check_predictions(sets, {name: pd.DataFrame([{"utterance_id": fitted, "split": "validation"}])})
