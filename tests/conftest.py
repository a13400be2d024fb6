"""Shared test fixtures: paths, the shared real data, and small audio writers."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

SHARED = Path(__import__("os").environ.get("SERTRANSFER_SHARED", REPO.parent / "shared"))
EMODB_2S = SHARED / "data" / "emodb-2s"
SIX = ("anger", "disgust", "fear", "happiness", "sadness", "surprise")


def split_settings(config) -> dict:
    """The keyword arguments that draw a job's held-out splits the way the workflow does for `config`."""
    training = config["training"]
    return {"seed": config["seed"], "validation_fraction": training["validation_fraction"],
            "selection_fraction": training["selection_fraction"]}


def shared_corpus(folder: str, inside: str = "") -> Path:
    """`SHARED/data/<folder>`, a real corpus copy; the test is skipped with a reason when it is absent."""
    root = SHARED / "data" / folder
    if not (root / inside).is_dir():
        pytest.skip(f"shared real data not found at {root / inside} (set SERTRANSFER_SHARED to the folder holding "
                    "data/, or place shared/ beside the repository)")
    return root


@pytest.fixture
def emodb_2s() -> Path:
    """The shared real Emo-DB copy; the test is skipped with a reason when it is absent."""
    return shared_corpus(EMODB_2S.name, "wav")


def write_tone(path: Path, seconds: float = 0.5, sample_rate: int = 16000, channels: int = 1,
               amplitude: float = 0.3, frequency: float | None = None) -> Path:
    """Write a WAV tone (also under a .avi name: ffmpeg decodes by content).

    Without a `frequency`, each path gets its own (150-550 Hz), so that two files are never the same
    recording (the ingest drops audio duplicated under a second name).
    """
    if frequency is None:
        frequency = 150.0 + zlib.crc32(str(path).encode()) % 400_000 / 1000
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    signal = amplitude * np.sin(2 * np.pi * frequency * t)
    soundfile.write(str(path), np.repeat(signal[:, None], channels, axis=1), sample_rate, format="WAV",
                    subtype="PCM_16")
    return path


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The whole workflow run once on the tiny config: two demo corpora and `lab`, a corpus described by a
    table of real Emo-DB clips (synthetic ones when the shared data is absent): (workdir, config path, result)."""
    from workflow_run import LAB_LABEL_MAP, RUN_DOMAINS, build_table_corpus, copy_repository, snakemake, tiny_config

    workdir = copy_repository(tmp_path_factory.mktemp("tiny-run"))
    lab, _ = build_table_corpus(tmp_path_factory.mktemp("lab-corpus"), EMODB_2S if EMODB_2S.is_dir() else None)
    config = tiny_config(workdir, domains=RUN_DOMAINS,
                         corpora__lab={"source": "local", "path": str(lab), "format": "table",
                                       "label_map": LAB_LABEL_MAP})
    result = snakemake(workdir, "--cores", "2", "all", "--configfile", str(config))
    return workdir, config, result


@pytest.fixture
def finished_copy(tiny_run, tmp_path) -> tuple[Path, Path]:
    """A private copy of the finished tiny run (data, results, Snakemake metadata): (workdir, config)."""
    import shutil

    workdir, config, result = tiny_run
    assert result.returncode == 0, result.stderr[-3000:]
    copy = tmp_path / "run"
    shutil.copytree(workdir, copy, symlinks=True)   # copy2 keeps modification times: nothing is outdated
    return copy, copy / config.relative_to(workdir)


@pytest.fixture
def uninterrupted_tables(tiny_run) -> dict[str, bytes]:
    """Tables 1-5 (CSV and LaTeX) of the uninterrupted tiny run, by relative path."""
    from workflow_run import table_snapshot

    return table_snapshot(tiny_run[0])
