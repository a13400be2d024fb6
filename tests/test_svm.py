"""SVM-IS (docs/design.md §9): pooled training set, scaler fitted on training rows only, predictions format,
real Emo-DB."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.svm import SVC

from conftest import REPO, SIX
from sertransfer.baselines.common import class_probabilities, gamma_key, inner_splits, read_rows, resolve_gamma, uar
from sertransfer.baselines.svm_is import run_svm_is, svm_is_job
from sertransfer.cli import main
from sertransfer.config import load_config
from sertransfer.folds import assign_folds, write_folds
from sertransfer.predictions import ID_COLUMNS, probability_column, read_predictions

FEATURES = 12
SMALL_GRID = {"C": [1.0, 10.0], "gamma": ["scale", 0.01], "inner_folds": 3}


def write_domain(directory, domain: str, emotions=SIX, per_class: int = 10, shift: float = 0.0, seed: int = 0,
                 k: int = 3) -> tuple[str, str]:
    """A fake IS10 cache (class-dependent means + a domain shift) and stratified folds: (cache, folds) paths."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(0, 2.0, (len(SIX), FEATURES))
    labels = [e for e in emotions for _ in range(per_class)]
    ids = [f"{domain}/u{i:03d}" for i in range(len(labels))]
    matrix = np.array([centres[SIX.index(e)] for e in labels]) + rng.normal(0, 1.0, (len(labels), FEATURES)) + shift
    table = pa.table({"utterance_id": ids, "emotion": labels, "speaker": [f"s{i % 4}" for i in range(len(labels))],
                      **{f"feature{j}": matrix[:, j].astype(np.float32) for j in range(FEATURES)}})
    cache, folds = directory / "is10" / f"{domain}.parquet", directory / "folds" / f"{domain}.parquet"
    cache.parent.mkdir(parents=True, exist_ok=True)
    folds.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, cache)
    write_folds(assign_folds(pd.DataFrame({"utterance_id": ids, "emotion": labels, "domain": domain}), k=k), folds)
    return str(cache), str(folds)


@pytest.fixture
def two_domains(tmp_path):
    """Domains `a` (six classes) and `b` (no surprise) as fake IS10 caches with 3 folds."""
    a = write_domain(tmp_path, "a", seed=1)
    b = write_domain(tmp_path, "b", emotions=SIX[:5], shift=0.5, seed=2)
    return {"a": a[0], "b": b[0]}, {"a": pd.read_parquet(a[1]), "b": pd.read_parquet(b[1])}


def test_resolve_gamma_matches_scikit_learn():
    features = np.random.default_rng(0).normal(0, 3.0, (40, 7))
    labels = np.arange(40) % 2
    assert resolve_gamma("scale", features) == pytest.approx(SVC(gamma="scale").fit(features, labels)._gamma)
    assert resolve_gamma("auto", features) == pytest.approx(1 / 7)
    assert resolve_gamma(0.5, features) == 0.5 and gamma_key(0.001) == "0.001" and gamma_key("scale") == "scale"
    with pytest.raises(ValueError):
        resolve_gamma("wide", features)


def test_inner_splits_shrink_to_the_rarest_class_and_refuse_singletons():
    labels = ["x"] * 10 + ["y"] * 2
    assert len(inner_splits(labels, 5, seed=1)) == 2
    with pytest.raises(ValueError, match="at least 2"):
        inner_splits(["x"] * 10 + ["y"], 3, seed=1)


def test_probabilities_are_zero_outside_the_given_classes():
    probabilities = class_probabilities(np.array([[5.0, 1.0], [0.0, 2.0]]), ["fear", "anger"], SIX)
    assert probabilities[:, [2, 0]].sum(axis=1) == pytest.approx([1.0, 1.0])
    assert not probabilities[:, [1, 3, 4, 5]].any()
    assert [SIX[i] for i in probabilities.argmax(axis=1)] == ["fear", "anger"]


def test_read_rows_keeps_the_requested_order_across_domains(two_domains):
    caches, _ = two_domains
    features, meta = read_rows(caches, ["b/u003", "a/u010", "b/u001"])
    assert meta["utterance_id"].tolist() == ["b/u003", "a/u010", "b/u001"]
    assert meta["domain"].tolist() == ["b", "a", "b"]
    assert np.array_equal(features[1], pd.read_parquet(caches["a"]).iloc[10, 3:].to_numpy(np.float64))
    with pytest.raises(ValueError, match="no IS10 cache"):
        read_rows(caches, ["c/u000"])


def test_pooled_training_and_every_domains_test_fold(two_domains):
    caches, folds = two_domains
    frame, model = run_svm_is(caches, folds, 1, emotions=SIX, seed=2017, settings=SMALL_GRID)
    train = sum(int((f["fold"] != 1).sum()) for f in folds.values())
    assert model.pipeline.named_steps["scaler"].n_samples_seen_ == train  # training folds of BOTH domains
    expected = [uid for d in ("a", "b") for uid in folds[d].loc[folds[d]["fold"] == 1, "utterance_id"]]
    assert frame["utterance_id"].tolist() == expected and (frame["fold"] == 1).all()
    assert {*ID_COLUMNS, "true", "pred", *map(probability_column, SIX)} <= set(frame.columns)
    assert set(frame["experiment"]) == set(frame["model"]) == {"svm_is"}
    scores = frame[[probability_column(e) for e in SIX]].to_numpy()
    assert np.allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    assert frame["pred"].tolist() == [SIX[i] for i in scores.argmax(axis=1)]
    assert uar(frame["true"], frame["pred"]) > 0.6  # separable fake classes: a broken pipeline is near 1/6
    assert model.C in SMALL_GRID["C"] and model.gamma in SMALL_GRID["gamma"] and len(model.cv_table) == 4


def test_scaler_is_fitted_on_training_rows_only(two_domains, tmp_path):
    caches, folds = two_domains
    frame, model = run_svm_is(caches, folds, 0, emotions=SIX, seed=2017, settings=SMALL_GRID)
    # blow up domain a's TEST rows: a scaler (or CV) that saw them would change everything below
    table = pd.read_parquet(caches["a"])
    test = table["utterance_id"].isin(folds["a"].loc[folds["a"]["fold"] == 0, "utterance_id"])
    features = [c for c in table.columns if c.startswith("feature")]
    table.loc[test, features] = table.loc[test, features] * 1e6 + 1e7
    leaked = dict(caches, a=str(tmp_path / "a-leak.parquet"))
    table.to_parquet(leaked["a"], index=False)
    frame2, model2 = run_svm_is(leaked, folds, 0, emotions=SIX, seed=2017, settings=SMALL_GRID)
    scaler, scaler2 = model.pipeline.named_steps["scaler"], model2.pipeline.named_steps["scaler"]
    assert np.array_equal(scaler.mean_, scaler2.mean_) and np.array_equal(scaler.scale_, scaler2.scale_)
    assert (model.C, model.gamma) == (model2.C, model2.gamma)
    other = frame["domain"] == "b"
    assert frame[other].drop(columns="pred").equals(frame2[other].drop(columns="pred"))
    assert frame.loc[other, "pred"].tolist() == frame2.loc[other, "pred"].tolist()
    train_a = ~table["utterance_id"].isin(frame["utterance_id"])
    assert np.allclose(scaler.mean_, np.vstack([
        pd.read_parquet(caches["a"])[features].to_numpy()[train_a.to_numpy()],
        read_rows(caches, [u for u in folds["b"].loc[folds["b"]["fold"] != 0, "utterance_id"]])[0]]).mean(axis=0))


def test_job_refuses_a_fold_that_does_not_exist(two_domains, tmp_path):
    caches, _ = two_domains
    folds = {d: str(tmp_path / "folds" / f"{d}.parquet") for d in caches}
    with pytest.raises(ValueError, match="fold 7 does not exist"):
        svm_is_job(caches, folds, 7, tmp_path / "p.parquet", settings=SMALL_GRID, emotions=SIX, seed=1)
    assert not (tmp_path / "p.parquet").exists()


def test_cli_svm_is_and_asvm_write_predictions(two_domains, tmp_path, capsys):
    caches, _ = two_domains
    folds = [str(tmp_path / "folds" / f"{d}.parquet") for d in caches]
    config = tmp_path / "config.yaml"
    config.write_text("domains: [afew]\ncorpora: {afew: {source: synthetic}}\n"
                      "baselines:\n  svm_is: {C: [1.0], gamma: [scale], inner_folds: 2}\n"
                      "  asvm: {C: [0.1, 1.0], gamma: [scale], source_C: [1.0], inner_folds: 2}\n")
    out = tmp_path / "svm.parquet"
    assert main(["svm-is", "--fold", "2", "--is10", *caches.values(), "--folds", *folds, "--out", str(out),
                 "--config", str(config), "--threads", "1"]) == 0
    assert set(read_predictions(out)["domain"]) == {"a", "b"} and "UAR" in capsys.readouterr().out
    out = tmp_path / "asvm.parquet"
    assert main(["asvm", "b", "--fold", "0", "--is10", *caches.values(), "--folds", *folds, "--out", str(out),
                 "--config", str(config), "--threads", "1"]) == 0
    frame = read_predictions(out)
    assert set(frame["domain"]) == {"b"} and set(frame["model"]) == {"asvm"} and "surprise" not in set(frame["pred"])
    assert (tmp_path / "asvm.source.parquet").exists()
    assert main(["asvm", "c", "--fold", "0", "--is10", *caches.values(), "--folds", *folds, "--out", str(out),
                 "--config", str(config)]) == 2


@pytest.fixture(scope="module")
def emodb_cache(tmp_path_factory):
    """Emo-DB IS10 cache and folds, extracted once per module on first use (tests ask `emodb_2s` to skip)."""
    built: dict[str, str] = {}

    def build(root):
        if not built:
            from sertransfer.corpora import get_corpus, ingest
            from sertransfer.features.is10 import extract_is10

            directory = tmp_path_factory.mktemp("emodb")
            manifest = ingest(get_corpus("emodb"), root, emotions=SIX, threads=2).manifest
            extract_is10(manifest, root, directory / "emodb.is10.parquet", threads=2)
            write_folds(assign_folds(manifest), directory / "emodb.folds.parquet")
            built.update(is10=str(directory / "emodb.is10.parquet"), folds=str(directory / "emodb.folds.parquet"))
        return built["is10"], built["folds"]

    return build


@pytest.mark.shared_data
def test_svm_is_within_real_emodb_reaches_080_uar(emodb_2s, emodb_cache):
    is10, folds_path = emodb_cache(emodb_2s)
    settings = load_config(REPO / "config" / "paper.yaml")["baselines"]["svm_is"]  # the reproduction's grid
    folds = {"emodb": pd.read_parquet(folds_path)}
    uars = []
    for fold in range(5):
        frame, _ = run_svm_is({"emodb": is10}, folds, fold, emotions=SIX, seed=2017, threads=2, settings=settings)
        assert len(frame) == int((folds["emodb"]["fold"] == fold).sum())
        uars.append(uar(frame["true"], frame["pred"], labels=SIX[:5]))
    print(f"Emo-DB 5-fold SVM-IS UAR per fold {np.round(uars, 3).tolist()}, mean {np.mean(uars):.3f}")
    assert np.mean(uars) >= 0.80
