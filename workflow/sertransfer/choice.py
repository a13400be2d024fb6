"""The configuration each target deploys: Table 5's nested choice, read without Keras (checkpoint export_choices).

The export takes, for each target, the configuration Table 5 chose per cross-validation run on that run's
selection split, the one chosen in most runs; the card's cross-validated UAR is the nested estimate. This
module only reads Table 5, so the rule that writes the choices runs in the environment without TensorFlow.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sertransfer import atomic
from sertransfer.tables.columns import read_table_csv
from sertransfer.tables.table5 import NESTED

log = logging.getLogger(__name__)


#: How the configuration was chosen, as the card says it.
CHOSEN_NESTED = ("in each cross-validation run, the configuration of Table 5 with the best UAR on that run's "
                 "{split} split (never on test results); exported: the one chosen in most runs, ties to the best "
                 "mean {split} UAR. test_uar is the nested estimate: each run's test UAR of that run's own choice")


def chosen_configuration(table5: pd.DataFrame, target: str, fallback: Mapping) -> dict:
    """Table 5's nested choice for `target`: scenario, approach, excluded, every run's choice, its nested UAR.

    A target without held-out utterances (tiny data) gets `fallback` (`export.fallback`), said so.
    """
    rows = table5[(table5["domain"] == target) & (table5["selection"] == NESTED)]
    if rows.empty or not str(rows["configuration"].iloc[0]):
        log.warning("Table 5 chose no configuration on held-out data for %s: exporting export.fallback %s", target,
                    dict(fallback))
        label = f"{fallback['scenario']}-{fallback['approach']}"
        return {"scenario": fallback["scenario"], "approach": fallback["approach"], "excluded": "", "label": label,
                "chosen_by": f"export.fallback ({label}): the target has no held-out utterances to choose on",
                "chosen_per_run": "", "chosen_score": None, "test_uar": None, "uar_ci_low": None, "uar_ci_high": None,
                "n_folds": None}
    row = rows.iloc[0]

    def number(key: str) -> float | None:
        """The row's value of `key` as a float, None when empty."""
        value = row.get(key)
        return None if value is None or pd.isna(value) else float(value)

    n_folds = number("n_folds")

    return {"scenario": str(row["scenario"]), "approach": str(row["approach"]),
            "excluded": str(row["excluded"] or ""), "label": str(row["configuration"]),
            "chosen_by": CHOSEN_NESTED.format(split=row["chosen_on"] or "selection"),
            "chosen_per_run": str(row["chosen_per_run"]), "chosen_score": number("chosen_score"),
            "test_uar": number("uar"),
            "uar_ci_low": number("uar_ci_low"), "uar_ci_high": number("uar_ci_high"),
            "n_folds": None if n_folds is None else int(n_folds)}


def write_choices(table5_path: str | Path, targets: Sequence[str], fallback: Mapping, out: str | Path) -> dict:
    """Every target's chosen configuration from Table 5's CSV, written as one JSON file; returns it."""
    table5 = read_table_csv(table5_path)
    choices = {target: chosen_configuration(table5, target, fallback) for target in targets}
    atomic.write_text(out, json.dumps(choices, indent=2, sort_keys=True) + "\n")
    return choices
