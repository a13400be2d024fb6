"""Figures (docs/design.md §12): heatmaps of Tables 3/4, confusion matrices, learning curves, deterministic PNGs."""

from __future__ import annotations

import itertools
import json
import math
import struct

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, SIX
from sertransfer import figures
from sertransfer.folds import write_folds
from sertransfer.predictions import prediction_frame, write_predictions
from sertransfer.tables.table3 import write_table3
from sertransfer.tables.table4 import write_table4
from sertransfer.tables.uars import read_metrics, transfer

PAPER = REPO / "config" / "paper_reported"
DOMAINS = ["afew", "emodb", "rml"]
FOLDS = (0, 1, 2)
APPROACHES = ("A1", "A2", "A3")
SCENARIOS = ("S1", "S2")
EMODB = ["anger", "disgust", "fear", "happiness", "sadness"]  # Emo-DB has no surprise


def metric_row(experiment: str, domain: str, fold: int, uar: float, scenario: str = "", approach: str = "",
               excluded: str = "", split: str = "test") -> dict:
    """One row of the fold UAR table."""
    return {"experiment": experiment, "model": "cnn_lstm", "scenario": scenario, "approach": approach,
            "excluded": excluded, "domain": domain, "split": split, "fold": fold, "n": 10, "uar": uar}


def transfer_uar(target: str, scenario: str, approach: str) -> float:
    """Hand-made mean UAR of a Table 3 configuration: S2-A3 is emodb's best."""
    if (target, scenario, approach) == ("emodb", "S2", "A3"):
        return 0.7
    return 0.4 + 0.05 * int(approach[1:]) + (0.02 if scenario == "S2" else 0.0)


def metrics_table(ablation: bool = True) -> pd.DataFrame:
    """Fold UARs: TT, transfer (S1/S2 x A1-A3) with validation decoys and, optionally, every ablation cell."""
    noise = {0: -0.01, 1: 0.0, 2: 0.012}
    rows = [metric_row("tt", d, k, (0.51, 0.495, 0.5)[k], approach="TT") for d in DOMAINS for k in FOLDS]
    for target, scenario, approach, k in itertools.product(DOMAINS, ("S1", "S2"), APPROACHES, FOLDS):
        uar = transfer_uar(target, scenario, approach) + noise[k]
        rows.append(metric_row("transfer", target, k, uar, scenario, approach))
        rows.append(metric_row("transfer", target, k, 0.99, scenario, approach, split="validation"))  # never counts
        for source in (d for d in DOMAINS if ablation and d != target):
            if (target, source) == ("emodb", "afew"):
                shift = 0.1 + 0.01 * k  # emodb without afew: significantly higher
            elif (target, source) == ("emodb", "rml"):
                shift = -0.1 - 0.01 * k  # emodb without rml: significantly lower
            else:
                shift = (0.05, -0.05, 0.0)[k]  # noisy: no marker
            rows.append(metric_row("ablation", target, k, uar + shift, scenario, approach, excluded=source))
    return pd.DataFrame(rows)


def write_metrics(tmp_path, ablation: bool = True) -> dict:
    """The hand-made metrics written as collect_metrics writes them, one table per experiment group."""
    table, paths = metrics_table(ablation), {}
    for group, frame in table.groupby("experiment"):
        paths[group] = tmp_path / f"{group}.csv"
        frame.to_csv(paths[group], index=False)
    return paths


def png_size(path) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def assert_plausible_png(path, min_width: int = 300, min_height: int = 200) -> None:
    """A PNG of a real figure: non-trivial size in bytes and pixels, no Software chunk."""
    width, height = png_size(path)
    assert min_width <= width <= 4000 and min_height <= height <= 6000
    assert path.stat().st_size > 5000
    assert b"Software" not in path.read_bytes()


def emodb_folds(tmp_path):
    """A folds table of emodb with its five classes."""
    path = tmp_path / "emodb.parquet"
    write_folds(pd.DataFrame({"utterance_id": [f"emodb/{i}" for i in range(len(EMODB))], "emotion": list(EMODB),
                              "fold": [i % 2 for i in range(len(EMODB))]}), path)
    return path


def emodb_predictions(tmp_path) -> list:
    """Per fold, a predictions file of emodb's S1/S2 transfer rows; `surprise` often scores highest."""
    paths = []
    for k in FOLDS:
        true = EMODB * 2
        probabilities = np.full((len(true), len(SIX)), 0.05)
        for row, label in enumerate(true):
            probabilities[row, SIX.index("surprise")] = 0.5  # argmax over all six: surprise
            # the best score among emodb's own classes: right for the first copy, 'anger' for the second
            probabilities[row, SIX.index(label if row < len(EMODB) else "anger")] = 0.3
        ids = [f"emodb/{k}-{i}" for i in range(len(true))]
        frames = [prediction_frame(ids, ["emodb"] * len(ids), k, true, probabilities, SIX, experiment="transfer",
                                   model="cnn_lstm", scenario=s, approach=a) for s in ("S1", "S2") for a in APPROACHES]
        path = tmp_path / f"fold{k}.parquet"
        write_predictions(frames, path)
        paths.append(path)
    return paths


def history(losses: list[float], job: str) -> dict:
    """A training history with a validation curve above the training one."""
    return {"job": job, "loss": losses, "val_loss": [v + 0.1 for v in losses], "best_epoch": len(losses) - 1,
            "epochs_run": len(losses)}


def write_json(path, content: dict):
    """Write a history JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))
    return path




def table4_csv(tmp_path, metrics: dict, ablation: bool):
    """Table 4 written by the tables stage from the hand-made metrics (what the heatmap draws)."""
    csv = tmp_path / "table4.csv"
    write_table4(list(metrics.values()), PAPER / "table4.csv", DOMAINS, SCENARIOS, APPROACHES, ablation, csv,
                 tmp_path / "t4.tex", tmp_path / "t4_vs.csv")
    return csv


def test_table3_gains_heatmap(tmp_path):
    metrics = write_metrics(tmp_path)
    out = tmp_path / "table3_gains.png"
    csv = tmp_path / "table3.csv"   # the figure draws the table the tables stage wrote
    write_table3([metrics["tt"], metrics["transfer"]], PAPER / "table3.csv", DOMAINS, SCENARIOS, APPROACHES, csv,
                 tmp_path / "t3.tex", tmp_path / "t3_vs.csv")
    table = figures.write_table3_gains(csv, out)
    gains = table.set_index(["domain", "column"])["gain"]
    tt = np.mean([0.51, 0.495, 0.5])
    assert gains["emodb", "S2-A3"] == pytest.approx((np.mean([0.69, 0.7, 0.712]) - tt) / tt)  # validation ignored
    assert_plausible_png(out, min_width=500)


def test_table3_heatmap_matrix_rows_and_bold():
    table = pd.DataFrame([
        {"domain": d, "dataset": d.upper(), "column": c, "uar": u, "gain": g, "best": b}
        for d, c, u, g, b in [("emodb", "TT", 0.5, math.nan, False), ("emodb", "S1-A1", 0.6, 0.2, True),
                              ("emodb", "S2-A1", 0.4, -0.2, False), ("average", "S1-A1", math.nan, 0.2, False),
                              ("average", "S2-A1", math.nan, -0.2, False), ("std", "S1-A1", math.nan, 0.0, False),
                              ("std", "S2-A1", math.nan, 0.0, False)]])
    gains = table[(table["column"] != "TT") & (table["domain"] != "std")]
    matrix = figures.grid(gains, ["domain"], "gain")
    assert list(matrix.index) == ["emodb", "average"] and list(matrix.columns) == ["S1-A1", "S2-A1"]
    assert matrix.loc["emodb", "S2-A1"] == -0.2
    assert figures.signed_number(0.2) == "+.200" and figures.signed_number(-0.2) == "-.200"
    assert figures.signed_number(math.nan) == "–"


@pytest.mark.parametrize("ablation", [True, False])
def test_table4_heatmap_markers(tmp_path, ablation):
    metrics = write_metrics(tmp_path, ablation)
    out = tmp_path / "table4_S1.png"
    table = figures.write_table4(table4_csv(tmp_path, metrics, ablation), "S1", "paired t-test, p <= 0.05", out)
    assert set(table["scenario"]) == {"S1"}
    assert_plausible_png(out)
    if not ablation:
        assert set(table["excluded"]) == {""}
        return
    markers = figures.grid(table.assign(column=table["approach"]), ["domain", "excluded"], "marker")
    assert list(markers.index) == [("afew", ""), ("afew", "emodb"), ("afew", "rml"), ("emodb", ""),
                                   ("emodb", "afew"), ("emodb", "rml"), ("rml", ""), ("rml", "afew"),
                                   ("rml", "emodb")]
    assert markers.loc[("emodb", "afew"), "A2"] == figures.HIGHER
    assert markers.loc[("emodb", "rml"), "A2"] == figures.LOWER
    assert markers.loc[("afew", "rml"), "A2"] == "" and markers.loc[("emodb", ""), "A2"] == ""


def test_best_configuration_uses_table3_test_means(tmp_path):
    uars = read_metrics(list(write_metrics(tmp_path).values()))
    config, uar = figures.best_configuration(uars, "emodb", SCENARIOS, APPROACHES)
    assert config == transfer("S2", "A3") and uar == pytest.approx(np.mean([0.69, 0.7, 0.712]))
    assert figures.best_configuration(uars, "emodb", ["S1"], APPROACHES)[0] == transfer("S1", "A3")
    assert figures.best_configuration(uars, "afew", SCENARIOS, ["A1", "A2"])[0] == transfer("S2", "A2")


def test_best_configuration_ties_go_to_the_first_in_table_order(tmp_path):
    rows = [metric_row("transfer", "rml", k, 0.5, s, a) for s in SCENARIOS for a in APPROACHES for k in FOLDS]
    path = tmp_path / "transfer.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    assert figures.best_configuration(read_metrics(path), "rml", ["S2", "S1"], ["A3", "A1"])[0] == transfer("S2", "A3")


def test_confusion_restricted_to_domain_labels_and_row_normalised(tmp_path):
    metrics = write_metrics(tmp_path)
    out = tmp_path / "confusion_emodb.png"
    shares = figures.write_confusion([metrics["transfer"]], emodb_predictions(tmp_path), emodb_folds(tmp_path),
                                     "emodb", SCENARIOS, APPROACHES, True, out)
    assert list(shares.index) == EMODB and list(shares.columns) == EMODB  # no surprise row or column
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert shares.loc["fear", "fear"] == pytest.approx(0.5) and shares.loc["fear", "anger"] == pytest.approx(0.5)
    assert shares.loc["anger", "anger"] == pytest.approx(1.0)
    assert_plausible_png(out)


def test_confusion_unrestricted_keeps_foreign_predictions_as_columns(tmp_path):
    predictions = pd.concat([pd.read_parquet(p) for p in emodb_predictions(tmp_path)])
    counts = figures.target_confusion(predictions, "emodb", transfer("S2", "A3"), EMODB, restrict=False)
    assert list(counts.index) == EMODB and list(counts.columns) == [*EMODB, "surprise"]
    assert (counts["surprise"] == 2 * len(FOLDS)).all()
    assert figures.normalise_rows(counts)["surprise"].tolist() == [1.0] * len(EMODB)
    with pytest.raises(ValueError, match="no test predictions"):
        figures.target_confusion(predictions, "emodb", transfer("S2", "A3", "rml"), EMODB, restrict=True)


def test_learning_curves(tmp_path, monkeypatch):
    tt = [write_json(tmp_path / f"tt/fold{k}.json", history([1.6, 1.4, 1.3], f"tt/emodb/fold{k}")) for k in FOLDS]
    jobs, finetune = [], []
    for scenario, k in itertools.product(SCENARIOS, FOLDS):
        set_id = f"pooled-cnn_lstm-k{k}" if scenario == "S1" else "s2-emodb"
        jobs.append({"scenario": scenario, "fold": k, "target": "emodb", "excluded": "",
                     "pretrain": {"set_id": set_id}})
        content = {"job": f"{set_id}/emodb/fold{k}",
                   "approaches": {a: history([1.5, 1.2 - 0.1 * k], "") for a in ("A2", "A3")}}
        finetune.append(write_json(tmp_path / f"ft/{scenario}/fold{k}.json", content))
    approaches = {"A1": {"finetune": False}, "A2": {"freeze": []}, "A3": {"freeze": ["conv1"]}}
    out = tmp_path / "learning_curves_emodb.png"
    figures.write_learning_curves("emodb", tt, finetune, jobs, approaches, out)
    assert_plausible_png(out, min_width=800)
    with pytest.raises(ValueError, match="histories for"):
        figures.write_learning_curves("emodb", tt, finetune[:1], jobs, approaches, out)

    drawn = {}   # what the panels get: each history under its own job's scenario, whatever order the inputs come in
    monkeypatch.setattr(figures, "plot_learning_curves", lambda dataset, tt_histories, by_scenario, approach, path:
                        drawn.update(dataset=dataset, tt=tt_histories, by_scenario=by_scenario, approach=approach))
    figures.write_learning_curves("emodb", tt, finetune[::-1], jobs[::-1], approaches, out)
    assert (drawn["dataset"], drawn["approach"]) == ("Emo-DB", "A2") and len(drawn["tt"]) == len(FOLDS)
    expected = {scenario: [f"{j['pretrain']['set_id']}/emodb/fold{j['fold']}" for j in jobs[::-1]
                           if j["scenario"] == scenario] for scenario in SCENARIOS}
    assert {scenario: [h["job"] for h in histories] for scenario, histories in drawn["by_scenario"].items()} == expected


def test_history_fold_and_curve_approach():
    assert figures.history_fold({"job": "s2-rml/rml/fold3"}, 0) == 3 and figures.history_fold({}, 7) == 7
    assert figures.curve_approach({"A1": {"finetune": False}, "A2": {}, "A3": {}}) == "A2"
    assert figures.curve_approach({"A1": {"finetune": False}, "A3": {}, "A4": {}}) == "A3"
    with pytest.raises(ValueError, match="fine-tunes"):
        figures.curve_approach({"A1": {"finetune": False}})


def test_pretrain_curves(tmp_path):
    jobs = [{"set_id": f"pooled-{a}-k{k}", "architecture": a, "fold": k, "excluded": []}
            for a in ("cnn_lstm", "cnn") for k in FOLDS]
    jobs += [{"set_id": f"s2-{t}", "architecture": "cnn_lstm", "fold": None, "excluded": [t]} for t in DOMAINS]
    jobs += [{"set_id": "s1xrml-k0", "architecture": "cnn_lstm", "fold": 0, "excluded": ["rml"]},
             {"set_id": "s2xafew+rml", "architecture": "cnn_lstm", "fold": None, "excluded": ["afew", "rml"]}]
    cross = [{"set_id": f"only-{d}", "architecture": "cnn_lstm", "fold": None,
              "excluded": [o for o in DOMAINS if o != d], "tests_on": [o for o in DOMAINS if o != d]} for d in DOMAINS]
    assert {figures.pretrain_group(j) for j in cross} == {"cross-corpus (one domain, tested on the others)"}
    jobs += cross
    assert len({figures.pretrain_group(j) for j in jobs}) == 6
    paths = [write_json(tmp_path / f"{j['set_id']}.json", history([1.7, 1.5 - 0.01 * i, 1.45], j["set_id"]))
             for i, j in enumerate(jobs)]
    out = tmp_path / "pretrain_curves.png"
    figures.write_pretrain_curves(paths, jobs, out)
    assert_plausible_png(out, min_width=800, min_height=500)


def test_reruns_write_identical_bytes(tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    for out in (first, second):
        figures.write_table4(table4_csv(tmp_path, write_metrics(tmp_path), True), "S2", "paired t-test", out)
    assert first.read_bytes() == second.read_bytes()
    curves = [write_json(tmp_path / "h.json", history([1.0, 0.9], "pooled-cnn_lstm-k0"))]
    job = [{"set_id": "pooled-cnn_lstm-k0", "architecture": "cnn_lstm", "fold": 0, "excluded": []}]
    for out in (first, second):
        figures.write_pretrain_curves(curves, job, out)
    assert first.read_bytes() == second.read_bytes()
