"""Fault injector for the reliability tests, loaded by every Python process of a test's Snakemake run.

The test puts this folder on PYTHONPATH and sets SERTRANSFER_FAULT="<rule script>:<fault>" and
SERTRANSFER_FAULT_ONCE=<marker file>. In the one rule-script process whose script matches (Snakemake runs
`python .snakemake/scripts/tmpXXXX.<script>.py`), and only while the marker does not exist yet, the
fault is armed; it creates the marker when it fires and then kills its own process with SIGKILL, as the
OOM killer or a node failure would: no exception handler, no `finally`, no atexit runs.

Faults:
  training-batch  after the first weight update step of a training job (an eager mini-batch or a compiled
                  chunk of them; mid-epoch: the epoch's end, its history and checkpoint never come), through
                  the trainer's seam `sertransfer.training.UPDATE_OBSERVERS`
  parquet-write   after the first row group of a feature cache went to disk (mid-write: no footer yet)
  unit-kept       after a fine-tuning job kept its first finished unit for a rerun (sertransfer.resume),
                  before its output directories exist
Nothing of the workflow's own code is changed: the training fault uses the trainer's public seam, the
parquet and unit faults wrap a call, each after the module is imported.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import signal
import sys
from pathlib import Path

HOOKED_MODULE = {"training-batch": "sertransfer.training", "parquet-write": "sertransfer.features.waveform",
                 "unit-kept": "sertransfer.resume"}


def _die(marker: Path, what: str) -> None:
    """Record the fault and SIGKILL this process."""
    marker.write_text(f"{what} in pid {os.getpid()}\n")
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(module, fault: str, marker: Path) -> None:
    """Wrap the library call the fault fires after."""
    if fault == "training-batch":   # the trainer's seam: observers run after each weight update step
        module.UPDATE_OBSERVERS.append(lambda: _die(marker, "killed after the first training update step "
                                                            "(a mini-batch, or a compiled chunk of mini-batches)"))
    elif fault == "parquet-write":
        writer = module.pq.ParquetWriter
        original = writer.write_table

        def write_table(self, *args, **kwargs):
            original(self, *args, **kwargs)
            _die(marker, "killed after the first row group")

        writer.write_table = write_table
    elif fault == "unit-kept":
        keep = module.FinishedUnits.keep

        def keep_then_die(self, *args, **kwargs):
            keep(self, *args, **kwargs)
            _die(marker, "killed after the first fine-tuning unit was kept")

        module.FinishedUnits.keep = keep_then_die


class _AfterImport(importlib.abc.MetaPathFinder):
    """Run `action(module)` right after `name` is imported."""

    def __init__(self, name: str, action) -> None:
        self.name, self.action = name, action

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            self.action(module)

        spec.loader.exec_module = exec_module
        return spec


def _install() -> None:
    setting = os.environ.get("SERTRANSFER_FAULT", "")
    marker = os.environ.get("SERTRANSFER_FAULT_ONCE")
    if ":" not in setting or not marker or Path(marker).exists():
        return
    script, fault = setting.split(":", 1)
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if fault in HOOKED_MODULE and program.startswith("tmp") and program.endswith(f".{script}.py"):
        sys.meta_path.insert(0, _AfterImport(HOOKED_MODULE[fault], lambda m: _arm(m, fault, Path(marker))))


_install()
