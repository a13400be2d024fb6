"""Units an interrupted fine-tuning job finished, kept for its rerun (docs/design.md §16).

A fine-tuning job writes its output directories whole when every unit is done, so a job killed by a
cluster's time limit, the OOM killer or the end of a sitting would redo every unit. Instead each unit's
files are also copied, as the unit finishes, to the job's directory under `vocabulary.FINETUNE_INTERRUPTED`, beside
a key of everything the unit's bits depend on: the job's units, the training settings, the sha256 of the
pretrained model and of each target's waveform cache and folds, the code fingerprint of the training
modules and the machine (CPU, instruction set, TensorFlow, threads). The rerun copies the units kept
under the same key instead of training them again (a unit seeds itself from its identity, so its files do
not depend on the units run before it in the same process: tests/test_transfer.py); under any other key
the kept units are discarded first. The directory is removed once the job's outputs are in place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path

from sertransfer import atomic

log = logging.getLogger(__name__)

KEY_FILE = "key.json"


class FinishedUnits:
    """The finished units of one fine-tuning job under `root`, valid for one key.

    A unit is a mapping kind -> file relative to that kind's output directory (`predictions`:
    `<target>/fold<k>.parquet`, `histories`: `<target>/fold<k>.json`); it counts as kept only when the
    files of every kind are, and they are kept in the mapping's order, so the last one marks it complete.
    """

    def __init__(self, root: str | Path, key: Mapping) -> None:
        self.root = Path(root)
        text = json.dumps(key, sort_keys=True, default=str)
        self.digest = hashlib.sha256(text.encode()).hexdigest()
        key_file = self.root / KEY_FILE
        if self.root.exists() and self._stored_digest(key_file) != self.digest:
            log.info("%s: units kept under another key (code, settings, model, data or machine changed); "
                     "discarding them", self.root)
            shutil.rmtree(self.root)
        if not key_file.is_file():
            self.root.mkdir(parents=True, exist_ok=True)
            atomic.write_text(key_file, json.dumps({"digest": self.digest, "key": json.loads(text)}, indent=1))

    @staticmethod
    def _stored_digest(key_file: Path) -> str | None:
        """The digest a key file records (None when it is missing or unreadable)."""
        try:
            return json.loads(key_file.read_text(encoding="utf-8"))["digest"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _kept(self, kind: str, relative: Path) -> Path:
        """Where the file of `kind` of a unit is kept."""
        return self.root / kind / relative

    def restore(self, unit: Mapping[str, Path], outputs: Mapping[str, Path]) -> bool:
        """Copy a kept unit into `outputs` (kind -> output directory); False when it was not kept whole."""
        if not all(self._kept(kind, relative).is_file() for kind, relative in unit.items()):
            return False
        for kind, relative in unit.items():
            target = Path(outputs[kind]) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self._kept(kind, relative), target)
        return True

    def keep(self, unit: Mapping[str, Path], outputs: Mapping[str, Path]) -> None:
        """Keep a finished unit's files from `outputs` (each copy atomic, in the unit's order)."""
        for kind, relative in unit.items():
            kept = self._kept(kind, relative)
            kept.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_bytes(kept, (Path(outputs[kind]) / relative).read_bytes())

    def discard(self) -> None:
        """Remove the kept units (the job's outputs are in place) and the empty folders above them."""
        shutil.rmtree(self.root, ignore_errors=True)
        for parent in list(self.root.parents)[:2]:
            try:
                parent.rmdir()
            except OSError:
                break
