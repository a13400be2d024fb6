"""Running the workflow on a copy of the repository, as a new user would (shared by the workflow tests)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
COPIED = ("Snakefile", "workflow", "config", "envs", "profiles", "pyproject.toml")
TINY_DOMAINS = ["emodb", "iemocap", "rml"]
#: The tiny run of the whole workflow: two demo corpora and a corpus described by a table (`lab`).
RUN_DOMAINS = ["iemocap", "lab", "rml"]
#: The table corpus's labels (words of its own) and how the config maps them.
LAB_LABELS = {"W": "angry", "E": "disgusted", "A": "afraid", "F": "happy", "T": "sad", "N": "calm"}
LAB_LABEL_MAP = {"angry": "anger", "disgusted": "disgust", "afraid": "fear", "happy": "happiness", "sad": "sadness",
                 "calm": None}


def build_table_corpus(root: Path, emodb: Path | None, per_label: int = 4) -> tuple[Path, bool]:
    """A corpus of renamed Emo-DB clips with a files.csv (file, label, speaker, gender): (root, real audio?).

    Real Emo-DB-2s clips when `emodb` holds them; otherwise clips of the synthetic Emo-DB generator.
    """
    import pandas as pd

    source = emodb / "wav" if emodb is not None and (emodb / "wav").is_dir() else None
    if source is None:
        from sertransfer.synthetic import generate_corpus

        source = root.parent / f"{root.name}-generated"
        generate_corpus("emodb", source, seed=5, speakers=2, utterances_per_emotion=per_label,
                        duration_s=(0.6, 0.9))
        source = source / "wav"
    rows, chosen = [], {code: 0 for code in LAB_LABELS}
    (root / "audio").mkdir(parents=True, exist_ok=True)
    for clip in sorted(source.glob("*.wav")):   # the first clips of each label, whoever speaks them
        code, speaker = clip.name[5], clip.name[:2]
        if code not in chosen or chosen[code] >= (per_label if code != "N" else 2):
            continue
        chosen[code] += 1
        name = f"audio/clip_{len(rows):02d}.wav"
        shutil.copy2(clip, root / name)
        rows.append({"file": name, "label": LAB_LABELS[code], "speaker": f"spk{speaker}",
                     "gender": "female" if int(speaker) in (8, 9, 13, 14, 16) else "male"})
    pd.DataFrame(rows).to_csv(root / "files.csv", index=False)
    return root, source.parent.name != f"{root.name}-generated"


def copy_repository(target: Path) -> Path:
    """Copy the repository's workflow files (no data, no results) into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, target / name)
    return target


def snakemake_exe() -> str:
    """The snakemake of the running interpreter's environment."""
    candidate = Path(sys.executable).with_name("snakemake")
    return str(candidate) if candidate.exists() else "snakemake"


def snakemake_environment(**extra: str) -> dict[str, str]:
    """The environment of a test's snakemake: the test interpreter's PATH first, plus `extra`."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", **extra}


def snakemake(workdir: Path, *args: str, timeout: int = 1200, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess:
    """Run snakemake in `workdir` with the test interpreter's PATH first (and `env` added)."""
    return subprocess.run([snakemake_exe(), *args], cwd=workdir, capture_output=True, text=True,
                          env=snakemake_environment(**(env or {})), check=False, timeout=timeout)


def tiny_config(workdir: Path, name: str = "tiny.yaml", **overrides) -> Path:
    """The demo config on three domains with fewer, shorter utterances, 2 folds and 1 epoch."""
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["domains"] = TINY_DOMAINS
    config["synthetic"] = {"speakers": 2, "utterances_per_emotion": 2, "duration_s": [0.5, 0.8]}
    config["folds"] = {"k": 2, "strategy": "stratified"}
    config["features"]["waveform"]["length"] = 8000
    for stage in ("pretrain", "finetune", "target_only"):
        config["training"][stage] = {"batch_size": 16, "max_epochs": 1, "patience": 0}
    for dotted, value in overrides.items():
        node = config
        *parents, last = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    path = workdir / "config" / name
    path.write_text(yaml.safe_dump(config))
    return path


def table_snapshot(workdir: Path) -> dict[str, bytes]:
    """Every table (CSV and LaTeX) of a run, by relative path: what a researcher takes away."""
    tables = workdir / "results" / "tables"
    return {str(p.relative_to(workdir)): p.read_bytes() for p in sorted(tables.glob("table*")) if p.is_file()}


def planned_jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """Rule -> job count from a dry run's 'Job stats' table ({} when there is nothing to do)."""
    text = result.stdout + result.stderr
    if "Job stats:" not in text:
        return {}
    table = text.split("Job stats:", 1)[1]
    counts = {}
    for line in table.splitlines()[3:]:
        match = re.fullmatch(r"(\S+)\s+(\d+)", line.strip())
        if not match:
            break
        if match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts
