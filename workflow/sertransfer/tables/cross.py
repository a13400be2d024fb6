"""The cross-corpus matrix: UAR of a system trained on one whole domain and tested on another, no adaptation.

Two systems (`experiment: cross`): SVM-IS (`model: svm_is`) and the CNN+LSTM (`model: cnn_lstm`), each
trained on every utterance of the source domain (the `approach` column of their predictions names it)
and tested on every utterance of each other domain, over that domain's own classes. Beside each UAR:
its bootstrap CI over utterances, and chance (one over the target's number of classes), so that a
reader sees which corpora are close and which transfer no better than guessing. Not in the paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sertransfer import atomic
from sertransfer.tables.columns import CNN_LSTM_COLUMN, SVM_IS_COLUMN
from sertransfer.tables.evidence import Evidence, MetricsFiles
from sertransfer.tables.uars import TEST, Configuration, Domains, MetricsPaths, dataset_names, ordered_domains
from sertransfer.vocabulary import CNN_LSTM, CROSS, SVM_IS

#: The systems of the matrix, as the CSV names them.
CROSS_SYSTEMS = {SVM_IS: SVM_IS_COLUMN, CNN_LSTM: CNN_LSTM_COLUMN}


def cross_configuration(model: str, source: str) -> Configuration:
    """The configuration trained on all of `source` (its predictions' identifiers)."""
    return Configuration(CROSS, model, approach=source)


def build_cross_table(evidence: Evidence, domains: Domains, classes: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Tidy matrix: one row per (system, source, target) with UAR, its CI and chance; every cell must exist."""
    sources, names = ordered_domains(domains), dataset_names(domains)
    cells = [(cross_configuration(model, source), target, TEST) for model in CROSS_SYSTEMS for source in sources
             for target in sources if target != source]
    found = evidence.collect(cells, "the cross-corpus matrix")
    rows = []
    for cell in cells:
        config, target, _ = cell
        rows.append({"system": CROSS_SYSTEMS[config.model], "model": config.model, "source": config.approach,
                     "source_dataset": names[config.approach], "target": target,
                     "target_dataset": names[target], "uar": float(found[cell].mean()),
                     "chance": 1.0 / len(classes[target]), "n_classes": len(classes[target]),
                     **evidence.pooled(cell)})
    table = pd.DataFrame(rows)
    table["above_chance"] = table["uar"] - table["chance"]
    return table


def write_cross_table(metrics: MetricsFiles | MetricsPaths, domains: Domains,
                      classes: Mapping[str, Sequence[str]], csv_path: str | Path) -> pd.DataFrame:
    """Build the cross-corpus matrix from the cross group's metrics and write its CSV."""
    table = build_cross_table(Evidence(metrics), domains, classes)
    atomic.write_text(csv_path, table.to_csv(index=False))
    return table
