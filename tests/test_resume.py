"""Finished units of an interrupted fine-tuning job: kept under a key, restored whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

from sertransfer.resume import KEY_FILE, FinishedUnits

UNIT = {"predictions": Path("rml/fold0.parquet"), "histories": Path("rml/fold0.json")}
KEY = {"units": ["rml/0"], "settings": {"seed": 1}, "model": "abc", "code": "f00", "machine": {"threads": 2}}


def outputs_with_unit(directory: Path) -> dict[str, Path]:
    """Two output directories holding one finished unit's files."""
    outputs = {kind: directory / kind for kind in UNIT}
    for kind, relative in UNIT.items():
        (outputs[kind] / relative).parent.mkdir(parents=True)
        (outputs[kind] / relative).write_bytes(f"{kind} of fold 0".encode())
    return outputs


def test_a_kept_unit_is_restored_byte_for_byte_under_the_same_key(tmp_path):
    outputs = outputs_with_unit(tmp_path / "first")
    root = tmp_path / "results" / "interrupted" / "finetune" / "s2-rml"
    FinishedUnits(root, KEY).keep(UNIT, outputs)
    assert json.loads((root / KEY_FILE).read_text())["key"] == KEY

    rerun = {kind: tmp_path / "rerun" / kind for kind in UNIT}
    again = FinishedUnits(root, json.loads(json.dumps(KEY)))
    assert again.restore(UNIT, rerun)
    for kind, relative in UNIT.items():
        assert (rerun[kind] / relative).read_bytes() == (outputs[kind] / relative).read_bytes()
    other = {kind: Path("rml/fold1" + relative.suffix) for kind, relative in UNIT.items()}
    assert not again.restore(other, rerun)              # a unit never kept is trained
    again.discard()
    assert not (tmp_path / "results" / "interrupted").exists() and (tmp_path / "results").is_dir()


def test_units_kept_under_another_key_are_discarded(tmp_path):
    outputs = outputs_with_unit(tmp_path / "first")
    root = tmp_path / "kept"
    FinishedUnits(root, KEY).keep(UNIT, outputs)
    for changed in ({**KEY, "code": "f01"}, {**KEY, "machine": {"threads": 1}}, {**KEY, "model": "abd"}):
        units = FinishedUnits(root, changed)
        assert not units.restore(UNIT, {kind: tmp_path / "rerun" / kind for kind in UNIT})
        assert [p.name for p in root.rglob("*") if p.is_file()] == [KEY_FILE]
        FinishedUnits(root, KEY).keep(UNIT, outputs)


def test_a_unit_killed_while_being_kept_is_not_restored(tmp_path):
    outputs = outputs_with_unit(tmp_path / "first")
    root = tmp_path / "kept"
    units = FinishedUnits(root, KEY)
    units.keep({"predictions": UNIT["predictions"]}, outputs)    # its history (the last file) never came
    assert not units.restore(UNIT, {kind: tmp_path / "rerun" / kind for kind in UNIT})
    assert not (tmp_path / "rerun").exists()
    (root / KEY_FILE).write_text("{not json")                   # an unreadable key discards what is there
    FinishedUnits(root, KEY)
    assert [p.name for p in root.rglob("*") if p.is_file()] == [KEY_FILE]

