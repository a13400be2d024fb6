"""Fine-tuning approaches and jobs: frozen layers bit-identical, re-initialised layers new, A1 = pretrained,
determinism of a rerun."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, SIX
from sertransfer.config import load_config
from sertransfer.corpora import get_corpus, ingest
from sertransfer.features.waveform import extract_waveforms
from sertransfer.folds import assign_folds, write_folds
from sertransfer.jobs import JobData, run_finetune, run_finetune_set, run_pretrain, run_target_only
from sertransfer.network import WEIGHT_LAYERS, build_network, compile_network, load_network
from sertransfer.plan import FinetuneJob, PretrainJob, TargetOnlyJob
from sertransfer.predictions import read_predictions
from sertransfer.settings import TrainingSettings
from sertransfer.synthetic import generate_corpus
from sertransfer.training import predict
from sertransfer.transfer import check_approaches, prepare_finetuning

LENGTH = 4000


@pytest.fixture(scope="module")
def config():
    """A tiny network and 1-2 epochs, the approach table of the schema defaults."""
    config = load_config(REPO / "config" / "config.yaml")
    config["model"].update(conv1={"filters": 8, "kernel": 64, "stride": 16, "pool": 4},
                           conv2={"filters": 8, "kernel": 8, "stride": 1, "steps": 2},
                           lstm_units=8, dense_units=16)
    config["training"].update(pretrain={"batch_size": 16, "max_epochs": 2, "patience": 1},
                              finetune={"batch_size": 16, "max_epochs": 2, "patience": 2},
                              target_only={"batch_size": 16, "max_epochs": 2, "patience": 1},
                              validation_fraction=0.25)
    return config


@pytest.fixture(scope="module")
def data(tmp_path_factory, config):
    """Two small synthetic domains with waveform caches and 2 folds."""
    root = tmp_path_factory.mktemp("transfer")
    caches, folds = {}, {}
    for key in ("emodb", "rml"):
        generate_corpus(key, root / key, seed=3, speakers=3, utterances_per_emotion=2, duration_s=(0.3, 0.4))
        manifest = ingest(get_corpus(key), root / key, emotions=SIX).manifest
        caches[key], folds[key] = root / f"{key}-w.parquet", root / f"{key}-f.parquet"
        extract_waveforms(manifest, root / key, caches[key], length=LENGTH)
        write_folds(assign_folds(manifest, k=2, seed=1), folds[key])
    return JobData(caches, folds), root


def stage(config, name):
    """The settings a training rule passes to its jobs."""
    return TrainingSettings.from_config(config, name)


def weights(network, name):
    """A copy of one layer's weights."""
    return [w.copy() for w in network.get_layer(name).get_weights()]


def same(a, b):
    """Bit-identical weight lists."""
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", ["A2", "A3", "A4", "A5", "A6", "A7", "A8"])
def test_approach_freezes_and_reinitialises_the_right_layers(config, name):
    approach = config["transfer"]["approaches"][name]
    pretrained = compile_network(build_network(config["model"], LENGTH, 6), config["model"])
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, LENGTH, 1)).astype(np.float32), rng.integers(0, 6, 32)
    pretrained.fit(x, y, epochs=1, verbose=0)  # pretrained weights differ from any fresh initialisation
    pretrained_weights = {layer: weights(pretrained, layer) for layer in WEIGHT_LAYERS}
    network = prepare_finetuning(pretrained, approach, config["model"], seed=5)
    for layer in approach["reinit"]:
        assert not same(weights(network, layer), weights(pretrained, layer)), f"{layer} not re-initialised"
    for layer in set(WEIGHT_LAYERS) - set(approach["reinit"]):
        assert same(weights(network, layer), weights(pretrained, layer)), f"{layer} changed before training"
    before = {layer: weights(network, layer) for layer in WEIGHT_LAYERS}
    network.fit(x, y, epochs=1, verbose=0)
    for layer in WEIGHT_LAYERS:
        unchanged = same(weights(network, layer), before[layer])
        assert unchanged == (layer in approach["freeze"]), f"{name}: {layer} frozen={unchanged}"
    for layer in WEIGHT_LAYERS:  # fine-tuning trains a copy: the pretrained model is untouched
        assert same(weights(pretrained, layer), pretrained_weights[layer]), f"{name}: pretrained {layer} changed"


def test_approach_table_is_checked():
    with pytest.raises(ValueError, match="both frozen and re-initialised"):
        check_approaches({"A9": {"freeze": ["conv1"], "reinit": ["conv1"]}})
    with pytest.raises(ValueError, match="unknown layers"):
        check_approaches({"A9": {"freeze": ["conv3"], "reinit": []}})


def test_pretrain_finetune_and_a1_equals_pretrained(config, data, tmp_path):
    job_data, _ = data
    pretrain = PretrainJob("pooled-cnn_lstm-k0", "cnn_lstm", ("emodb", "rml"), 0)
    model = tmp_path / "m.keras"
    run_pretrain(pretrain, stage(config, "pretrain"), job_data, model, tmp_path / "p.parquet", tmp_path / "p.json",
                 threads=1)
    pooled = read_predictions(tmp_path / "p.parquet")
    assert set(pooled["domain"]) == {"emodb", "rml"} and (pooled["fold"] == 0).all()
    finetune = FinetuneJob(pretrain, "emodb", 0, "S1")
    run_finetune(finetune, stage(config, "finetune"), job_data, model, tmp_path / "f.parquet", tmp_path / "f.json",
                 threads=1)
    rows = read_predictions(tmp_path / "f.parquet")
    test = rows[rows["split"] == "test"]
    assert sorted(test["approach"].unique()) == [f"A{i}" for i in range(1, 9)]
    assert set(test["domain"]) == {"emodb"} and test.groupby("approach").size().nunique() == 1
    a1 = test[test["approach"] == "A1"].set_index("utterance_id")
    x_test, _ = job_data.arrays(list(a1.index), list(SIX))
    expected = predict(load_network(str(model)), x_test)
    assert np.allclose(a1[[f"p_{e}" for e in SIX]].to_numpy(), expected, atol=1e-6)
    same_pooled = pooled.set_index("utterance_id").loc[a1.index, [f"p_{e}" for e in SIX]].to_numpy()
    assert np.allclose(same_pooled, expected, atol=1e-6)  # S1-A1 == the pooled model's predictions
    # a unit that runs some approaches only (Table 4 on A1-A4, further seeds on A2) writes only those
    only = FinetuneJob(pretrain, "emodb", 0, "S1", approaches=("A1", "A3"))
    run_finetune(only, stage(config, "finetune"), job_data, model, tmp_path / "o.parquet", tmp_path / "o.json",
                 threads=1)
    some = read_predictions(tmp_path / "o.parquet")
    assert sorted(some["approach"].unique()) == ["A1", "A3"]
    pd.testing.assert_frame_equal(some[some["approach"] == "A1"].reset_index(drop=True),
                                  rows[rows["approach"] == "A1"].reset_index(drop=True))


def pretrained_on_emodb(config, data, tmp_path, set_id):
    """A model pretrained on emodb and its two fine-tuning units on rml's folds: (units, model path)."""
    job_data, _ = data
    pretrain = PretrainJob(set_id, "cnn_lstm", ("emodb",), None, ("rml",))
    model = tmp_path / "m.keras"
    run_pretrain(pretrain, stage(config, "pretrain"), job_data, model, tmp_path / "p.parquet", tmp_path / "p.json",
                 threads=1)
    return [FinetuneJob(pretrain, "rml", fold, "S2") for fold in (0, 1)], model


def test_a_set_job_runs_every_unit_of_its_model_and_writes_whole_directories(config, data, tmp_path):
    job_data, root = data
    units, model = pretrained_on_emodb(config, data, tmp_path, "s2x-test")
    caches, folds = job_data.caches, {"rml": root / "rml-f.parquet"}
    run_finetune_set(units, stage(config, "finetune"), caches, folds, model, tmp_path / "pred", tmp_path / "hist",
                     threads=1)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("fold*")
                  if not p.parts[-3].startswith("alone")) == [
        "hist/rml/fold0.json", "hist/rml/fold1.json", "pred/rml/fold0.parquet", "pred/rml/fold1.parquet"]
    # a unit inside the set job == the same unit run in a set job of its own (the shared working copy is
    # reset for every approach, so nothing carries over from the units before it)
    run_finetune_set(units[1:], stage(config, "finetune"), caches, folds, model, tmp_path / "alone",
                     tmp_path / "alone-hist", threads=1)
    pd.testing.assert_frame_equal(read_predictions(tmp_path / "pred" / "rml" / "fold1.parquet"),
                                  read_predictions(tmp_path / "alone" / "rml" / "fold1.parquet"))
    with pytest.raises(ValueError, match="one pretrained model"):
        other = PretrainJob("other", "cnn_lstm", ("emodb",), None, ("rml",))
        run_finetune_set([*units, FinetuneJob(other, "rml", 0, "S2")], stage(config, "finetune"), caches, folds, model,
                         tmp_path / "x", tmp_path / "y", threads=1)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_an_interrupted_set_job_keeps_its_finished_units_and_its_rerun_trains_only_the_rest(config, data, tmp_path,
                                                                                           monkeypatch):
    import sertransfer.jobs as jobs

    job_data, root = data
    units, model = pretrained_on_emodb(config, data, tmp_path, "s2x-resume")
    arguments = (units, stage(config, "finetune"), job_data.caches, {"rml": root / "rml-f.parquet"}, model)
    run_finetune_set(*arguments, tmp_path / "ref", tmp_path / "ref-hist", threads=1)   # uninterrupted
    trained, original = [], jobs.run_finetune

    def failing_on_fold1(job, *args, **kwargs):
        trained.append(job.fold)
        if job.fold == 1:
            raise MemoryError("interrupted while fine-tuning fold 1")
        return original(job, *args, **kwargs)

    monkeypatch.setattr(jobs, "run_finetune", failing_on_fold1)
    kept = tmp_path / "interrupted"
    with pytest.raises(MemoryError):
        run_finetune_set(*arguments, tmp_path / "pred", tmp_path / "hist", threads=1, interrupted_dir=kept)
    assert not (tmp_path / "pred").exists() and not (tmp_path / "hist").exists()   # no output looks finished
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file()) == [
        "histories/rml/fold0.json", "key.json", "predictions/rml/fold0.parquet"]

    trained.clear()
    monkeypatch.setattr(jobs, "run_finetune", lambda job, *a, **k: (trained.append(job.fold), original(job, *a, **k)))
    run_finetune_set(*arguments, tmp_path / "pred", tmp_path / "hist", threads=1, interrupted_dir=kept)
    assert trained == [1]                           # fold 0 was taken as kept, not trained again
    assert not kept.exists()                        # the outputs are in place: nothing kept any more
    for fold in (0, 1):                             # and every unit equals the uninterrupted job's
        pd.testing.assert_frame_equal(read_predictions(tmp_path / "pred" / "rml" / f"fold{fold}.parquet"),
                                      read_predictions(tmp_path / "ref" / "rml" / f"fold{fold}.parquet"))

    # units kept under another key (here: other fine-tuning settings) are discarded, not taken
    monkeypatch.setattr(jobs, "run_finetune", failing_on_fold1)
    with pytest.raises(MemoryError):
        run_finetune_set(*arguments, tmp_path / "p2", tmp_path / "h2", threads=1, interrupted_dir=kept)
    other = TrainingSettings.from_config({**config, "seed": config["seed"] + 1}, "finetune")
    trained.clear()
    with pytest.raises(MemoryError):
        run_finetune_set(units, other, *arguments[2:], tmp_path / "p2", tmp_path / "h2", threads=1,
                         interrupted_dir=kept)
    assert trained == [0, 1]
    # ... and so are units kept before the target's folds changed (the pretrained model did not)
    changed = pd.read_parquet(root / "rml-f.parquet")
    changed["fold"] = 1 - changed["fold"]
    changed.to_parquet(tmp_path / "rml-f2.parquet")
    with pytest.raises(MemoryError):                # fold 0 kept again under the first key
        run_finetune_set(*arguments, tmp_path / "p2", tmp_path / "h2", threads=1, interrupted_dir=kept)
    trained.clear()
    with pytest.raises(MemoryError):
        run_finetune_set(*arguments[:3], {"rml": tmp_path / "rml-f2.parquet"}, model, tmp_path / "p2",
                         tmp_path / "h2", threads=1, interrupted_dir=kept)
    assert trained == [0, 1]


def test_rerun_reproduces_predictions_exactly(config, data, tmp_path):
    job_data, _ = data
    job = TargetOnlyJob("rml", 1)
    settings = stage(config, "target_only")
    first = run_target_only(job, settings, job_data, tmp_path / "a.parquet", tmp_path / "a.json", threads=1)
    second = run_target_only(job, settings, job_data, tmp_path / "b.parquet", tmp_path / "b.json", threads=1)
    pd.testing.assert_frame_equal(first, second)
    assert read_predictions(tmp_path / "a.parquet").equals(read_predictions(tmp_path / "b.parquet"))


@pytest.mark.parametrize("name", ["A3", "A5", "A7"])
def test_shared_finetuning_freezes_with_a_mask_and_trains_like_a_rebuilt_copy(config, name):
    from sertransfer.training import fit
    from sertransfer.transfer import SharedFinetuning

    model = {**config["model"], "dropout": 0.0}   # no dropout: both executions draw the same steps
    approach = config["transfer"]["approaches"][name]
    pretrained = compile_network(build_network(model, LENGTH, 6), model)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, LENGTH)).astype(np.float32), rng.integers(0, 6, 40)
    pretrained.fit(x[..., None], y, epochs=1, verbose=0)
    settings = stage(config, "finetune").training
    rebuilt = prepare_finetuning(pretrained, approach, model, seed=5)
    fit(rebuilt, x, y, x[:8], y[:8], settings, seed=9)
    session = SharedFinetuning(pretrained, model)
    session.start(config["transfer"]["approaches"]["A2"], seed=1)   # a previous approach used the copy
    fit(session.network, x, y, x[:8], y[:8], settings, seed=9)
    mask = session.start(approach, seed=5)
    assert {session.owner[id(v)] for v, m in zip(session.network.trainable_variables, mask) if m == 0} == \
        set(approach["freeze"])
    fit(session.network, x, y, x[:8], y[:8], settings, seed=9, gradient_mask=mask)
    for layer in WEIGHT_LAYERS:
        shared, copy = weights(session.network, layer), weights(rebuilt, layer)
        if layer in approach["freeze"]:
            assert same(shared, weights(pretrained, layer)), f"{name}: frozen {layer} moved"
        assert all(np.allclose(a, b, rtol=1e-4, atol=1e-5) for a, b in zip(shared, copy)), f"{name}: {layer}"


def test_a_training_rule_reads_each_domains_cache_and_folds_back_from_its_named_inputs():
    """common.smk names a training rule's inputs `cache_<d>`/`folds_<d>` (vocabulary); the script reads them back."""
    from sertransfer.jobs import domain_inputs
    from sertransfer.vocabulary import CACHE_INPUT, FOLDS_INPUT, FOLDS_TABLE, WAVEFORM_CACHE

    inputs = {**{CACHE_INPUT.format(domain=d): WAVEFORM_CACHE.format(domain=d) for d in ("emodb", "rml")},
              **{FOLDS_INPUT.format(domain=d): FOLDS_TABLE.format(domain=d) for d in ("emodb", "rml")}}
    assert domain_inputs(inputs, ["rml"]) == ({"rml": "data/features/waveform/rml.parquet"},
                                              {"rml": "data/folds/rml.parquet"})
    assert set(domain_inputs(inputs, ("emodb", "rml"))[1]) == {"emodb", "rml"}
    with pytest.raises(KeyError, match="cache_savee"):
        domain_inputs(inputs, ["savee"])
